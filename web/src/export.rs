//! What the page writes out and reads in: scenario JSON (import says what it
//! refused or took), report JSON, the timeline as CSV.

use poolcast::{Report, Scenario};
use serde_json::Value;

/// A scenario as indented JSON, for download.
pub fn scenario_json(s: &Scenario) -> String {
    poolcast::json::to_string_pretty(s).unwrap_or_default()
}

/// A file-name-safe version of a scenario name, for the downloads: ASCII
/// letters and digits in lower case, runs of anything else as one `-`, at
/// most 60 characters; `poolcast` when nothing is left.
pub fn file_stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s
        .split('-')
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if s.is_empty() {
        "poolcast".into()
    } else {
        s.chars().take(60).collect()
    }
}

/// The result of importing JSON text.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// The scenario read.
    pub scenario: Scenario,
    /// What the import did besides reading fields, in words.
    pub notes: Vec<String>,
}

/// Reads scenario JSON, or a report JSON (taking its scenario). Unknown
/// fields are refused, naming them, never dropped; missing ones take
/// poolcast's defaults, and the notes say which sections were missing.
pub fn import(text: &str) -> Result<Imported, String> {
    let value: Value = serde_json::from_str(text.trim())
        .map_err(|e| format!("Import refused: not JSON ({e})."))?;
    let Value::Object(map) = &value else {
        return Err("Import refused: expected a JSON object (a scenario).".into());
    };
    let mut notes = Vec::new();
    let scenario_value = if map.contains_key("requests") && map.contains_key("scenario") {
        let others: Vec<&str> = map
            .keys()
            .filter(|k| *k != "scenario")
            .map(String::as_str)
            .collect();
        notes.push(format!(
            "This is a report: took its scenario and ignored its results ({}).",
            others.join(", ")
        ));
        map["scenario"].clone()
    } else {
        value.clone()
    };
    let s = poolcast::parse(&scenario_value.to_string())
        .map_err(|e| format!("Import refused: {e}. Nothing was changed."))?;
    if let Value::Object(m) = &scenario_value {
        let sections: &[&str] = if s.version == 1 {
            &[
                "seed",
                "duration_s",
                "warmup_s",
                "workload",
                "fleet",
                "pool",
                "database",
            ]
        } else {
            &["seed", "duration_s", "warmup_s", "database"]
        };
        let missing: Vec<&str> = sections
            .iter()
            .copied()
            .filter(|k| !m.contains_key(*k))
            .collect();
        if !missing.is_empty() {
            notes.push(format!(
                "Not in the file, so set to poolcast's defaults: {}.",
                missing.join(", ")
            ));
        }
    }
    if let Err(e) = poolcast::validate(&s, u64::MAX) {
        notes.push(format!("Imported, but it cannot run as is: {e}"));
    }
    Ok(Imported { scenario: s, notes })
}

/// The report's timeline as CSV, one row per bucket.
pub fn timeline_csv(r: &Report) -> String {
    let t = &r.timeline;
    let x = &t.series;
    let dbs: Vec<&String> = x.db_connections_by_database.keys().collect();
    let causes: Vec<&String> = x.failures_by_cause.keys().collect();
    let mut out = String::from(
        "t_s,arrivals,waiting,busy,idle,db_connections,db_limit,timeouts,failures,p99_wait_ms,\
         retries,instances,proxy_waiting",
    );
    for d in &dbs {
        out.push_str(&format!(",db_connections:{d}"));
    }
    for c in &causes {
        out.push_str(&format!(",failures:{c}"));
    }
    out.push('\n');
    let limit = r.scenario.db_limit();
    let get = |v: &[f64], i: usize| v.get(i).copied().unwrap_or(0.0);
    let getu = |v: &[u64], i: usize| v.get(i).copied().unwrap_or(0);
    for i in 0..x.busy.len() {
        let p99 = x
            .p99_wait_ms
            .get(i)
            .copied()
            .flatten()
            .map(|v| v.to_string())
            .unwrap_or_default();
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}",
            i as f64 * t.bucket_s,
            getu(&x.arrivals, i),
            get(&x.waiting, i),
            get(&x.busy, i),
            get(&x.idle, i),
            getu(&x.db_connections, i),
            limit,
            getu(&x.timeouts, i),
            getu(&x.failures, i),
            p99,
            getu(&x.retries, i),
            get(&x.instances, i),
            get(&x.proxy_waiting, i),
        ));
        for d in &dbs {
            out.push_str(&format!(",{}", getu(&x.db_connections_by_database[*d], i)));
        }
        for c in &causes {
            out.push_str(&format!(",{}", getu(&x.failures_by_cause[*c], i)));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe_and_short() {
        assert_eq!(
            file_stem("Retry storm: 10 s, 5 × 20!"),
            "retry-storm-10-s-5-20"
        );
        assert_eq!(file_stem("—"), "poolcast");
        assert_eq!(file_stem(&"a".repeat(80)).len(), 60);
    }

    #[test]
    fn scenario_json_round_trips_and_notes_missing_parts() {
        for id in ["cultivai", "oversized"] {
            let s = crate::presets::by_id(id).unwrap().scenario;
            let back = import(&scenario_json(&s)).unwrap();
            assert_eq!(back.scenario, s);
            assert!(back.notes.is_empty(), "{id}: {:?}", back.notes);
        }
        let partial = import(r#"{"pool": {"max_size": 5}}"#).unwrap();
        assert_eq!(partial.scenario.app().pool.max_size, 5);
        assert!(partial.notes[0].contains("workload"), "{:?}", partial.notes);
    }

    #[test]
    fn unknown_fields_are_refused_by_name() {
        let e = import(r#"{"pool": {"max_size": 5, "maxWait": 3}}"#).unwrap_err();
        assert!(e.contains("maxWait") && e.contains("refused"), "{e}");
        assert!(import("[1, 2]").is_err());
        assert!(import("nope").unwrap_err().contains("not JSON"));
    }

    #[test]
    fn a_report_gives_its_scenario_and_a_csv() {
        let s = crate::testing::short(5.0, 1.0);
        let r = poolcast::run(&s).unwrap();
        let got = import(&r.to_json()).unwrap();
        assert_eq!(got.scenario, s);
        assert!(got.notes[0].contains("report"));
        let csv = timeline_csv(&r);
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), r.timeline.series.busy.len() + 1);
        assert!(lines[0].starts_with("t_s,arrivals"));
        assert_eq!(lines[1].split(',').count(), 14, "{}", lines[0]);
        let r = poolcast::run(&crate::presets::by_id("failover").unwrap().scenario).unwrap();
        let csv = timeline_csv(&r);
        let head = csv.lines().next().unwrap();
        assert!(
            head.contains("db_connections:replica:2") && head.contains("failures:db_unavailable"),
            "{head}"
        );
        assert!(
            csv.lines()
                .all(|l| l.split(',').count() == head.split(',').count())
        );
    }
}
