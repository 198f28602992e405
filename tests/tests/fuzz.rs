//! Random and mangled scenario text never panics: every input is either
//! refused with an error naming a field, or runs. 100,000 inputs here;
//! `cargo xtask fuzz N` runs more (it sets POOLCAST_FUZZ_N).

use poolcast_tests::random;

#[test]
fn mangled_scenarios_never_panic() {
    let n: u64 = std::env::var("POOLCAST_FUZZ_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100_000);
    let bases: Vec<serde_json::Value> = (0..200).map(random::scenario).collect();
    let (mut refused, mut ran) = (0u64, 0u64);
    for i in 0..n {
        let text = random::mangled(i, &bases[(i % 200) as usize]);
        let outcome = std::panic::catch_unwind(|| {
            match poolcast::parse_and_validate(&text, 200_000) {
                Err(e) => {
                    let errors = e.field_errors();
                    assert!(!errors.is_empty() && errors.iter().all(|f| !f.field.is_empty()));
                    false
                }
                Ok(s) => {
                    // Running is the slow part: every tenth valid input.
                    if i % 10 == 0 {
                        poolcast::Sim::new(&s).run_to_end();
                    }
                    true
                }
            }
        });
        match outcome {
            Ok(true) => ran += 1,
            Ok(false) => refused += 1,
            Err(_) => panic!("input {i} panicked:\n{text}"),
        }
    }
    eprintln!("{n} mangled inputs: {refused} refused with a field named, {ran} valid");
    assert!(
        refused > n / 10 && ran > n / 100,
        "{refused} refused, {ran} valid"
    );
}
