//! The golden scenarios of `tests/fixtures`, run by the core compiled to
//! wasm inside headless Chromium: every report must be byte-identical to the
//! one the native test (`tests/tests/golden.rs`) checks, so native and wasm
//! agree bit for bit.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

macro_rules! golden {
    ($test:ident, $name:literal) => {
        #[wasm_bindgen_test]
        fn $test() {
            let scenario = include_str!(concat!("../../fixtures/", $name, ".scenario.json"));
            let want = include_str!(concat!("../../fixtures/", $name, ".report.json"));
            let got =
                poolcast::run_json(scenario, poolcast::DEFAULT_MAX_EVENTS).expect("valid fixture");
            assert!(
                got == want.trim_end(),
                concat!($name, ": wasm report differs from the native one")
            );
        }
    };
}

golden!(default_scenario, "default");
golden!(mm10, "mm10");
golden!(cores_parallel, "cores-parallel");
golden!(lifecycle_retry, "lifecycle-retry");
golden!(v2_topology, "v2-topology");
golden!(v2_retry_storm, "v2-retry-storm");
golden!(v2_serverless, "v2-serverless");
golden!(v2_closed_loop, "v2-closed-loop");

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    let err = poolcast::run_json(r#"{"pool": {"max_size": -1}}"#, 1000).unwrap_err();
    assert!(err.to_string().contains("pool.max_size"));
}
