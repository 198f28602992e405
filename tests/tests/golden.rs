//! Golden scenarios: each `tests/fixtures/NAME.scenario.json` must give
//! exactly the bytes of `NAME.report.json`. The wasm test crate
//! (`tests/wasm`) checks the same files inside a browser, so together they
//! prove native and wasm runs are byte-identical.
//!
//! After an intended change of the engine's output, rewrite the expected
//! reports with `POOLCAST_BLESS=1 cargo test -p poolcast-tests --test golden`
//! and say why in the commit.

use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

#[test]
fn golden_reports_are_byte_identical() {
    let mut names: Vec<String> = std::fs::read_dir(fixtures())
        .expect("tests/fixtures")
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".scenario.json").map(str::to_string)
        })
        .collect();
    names.sort();
    assert!(names.len() >= 4, "fixtures missing: {names:?}");
    let bless = std::env::var_os("POOLCAST_BLESS").is_some();
    for name in names {
        let scenario =
            std::fs::read_to_string(fixtures().join(format!("{name}.scenario.json"))).unwrap();
        let got = poolcast::run_json(&scenario, poolcast::DEFAULT_MAX_EVENTS)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let path = fixtures().join(format!("{name}.report.json"));
        if bless {
            std::fs::write(&path, format!("{got}\n")).unwrap();
            continue;
        }
        let want = std::fs::read_to_string(&path)
            .unwrap_or_else(|_| panic!("{name}: no expected report; run with POOLCAST_BLESS=1"));
        assert!(
            got == want.trim_end(),
            "{name}: report differs from {}",
            path.display()
        );
    }
}
