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

/// Whether `new` holds everything `old` holds: every field of an object
/// (recursively) with the same value; arrays and numbers exactly equal.
fn holds(old: &serde_json::Value, new: &serde_json::Value, path: &str) -> Result<(), String> {
    use serde_json::Value;
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for (k, v) in o {
                let Some(nv) = n.get(k) else {
                    return Err(format!("{path}.{k} is gone"));
                };
                holds(v, nv, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        (Value::Array(o), Value::Array(n)) => {
            if o.len() != n.len() {
                return Err(format!("{path}: {} items, was {}", n.len(), o.len()));
            }
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                holds(a, b, &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        _ if old == new => Ok(()),
        _ => Err(format!("{path}: {new}, was {old}")),
    }
}

/// `tests/fixtures/v1` keeps the reports version 1 of the engine wrote for
/// the golden scenarios. Version 2 adds fields; every field version 1 had
/// must keep its exact value (the scenario echo included).
#[test]
fn version_one_fields_did_not_move() {
    let dir = fixtures().join("v1");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).expect("tests/fixtures/v1") {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let Some(stem) = name.strip_suffix(".report.json") else {
            continue;
        };
        let scenario =
            std::fs::read_to_string(fixtures().join(format!("{stem}.scenario.json"))).unwrap();
        let got = poolcast::run_json(&scenario, poolcast::DEFAULT_MAX_EVENTS).unwrap();
        let old: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let new: serde_json::Value = serde_json::from_str(&got).unwrap();
        if let Err(e) = holds(&old, &new, stem) {
            panic!("a version-1 field moved: {e}");
        }
        checked += 1;
    }
    assert!(checked >= 4, "only {checked} version-1 reports");
}

#[test]
fn the_comparison_notices_a_moved_field() {
    let old: serde_json::Value = serde_json::json!({"a": {"b": [1.0, 2.0]}, "c": 3});
    let same: serde_json::Value =
        serde_json::json!({"a": {"b": [1.0, 2.0], "x": 0}, "c": 3, "d": 1});
    assert!(holds(&old, &same, "r").is_ok());
    let moved: serde_json::Value = serde_json::json!({"a": {"b": [1.0, 2.5]}, "c": 3});
    assert!(holds(&old, &moved, "r").unwrap_err().contains("r.a.b[1]"));
    let gone: serde_json::Value = serde_json::json!({"a": {"b": [1.0, 2.0]}});
    assert!(holds(&old, &gone, "r").unwrap_err().contains("r.c"));
}
