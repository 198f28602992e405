//! Timed events and retries (MODEL.md §6, §9): events do what they say,
//! retries keep their invariants, and a retry storm outlives its trigger
//! until jitter and a budget tame it.

use poolcast::Report;
use poolcast_tests::run;

/// U closed-loop users with no think time and constant 10 ms queries on a
/// warm pool of U: exactly U queries run at every moment.
fn saturated(users: u32, events: &str, extra_db: &str) -> Report {
    run(&format!(
        r#"{{"version": 2, "duration_s": 40, "warmup_s": 5,
        "services": [{{"name": "api", "instances": 1,
          "workload": {{"arrivals": {{"kind": "closed", "users": {users}}},
                       "query_ms": {{"kind": "constant", "value": 10}}}},
          "pool": {{"max_size": {users}, "min_idle": {users}, "acquire_timeout_ms": 1000}}}}],
        "database": {{"max_connections": 200, "connect_ms": 2 {extra_db}}},
        "events": [{events}]}}"#
    ))
}

fn cause(r: &Report, c: &str) -> u64 {
    r.requests.failed_by_cause.get(c).copied().unwrap_or(0)
}

#[test]
fn a_restart_drops_every_connection_and_fails_every_running_query() {
    let r = saturated(
        30,
        r#"{"at_s": 20, "kind": "db_restart", "target": "primary", "down_s": 5}"#,
        "",
    );
    // Exactly the 30 queries running at 20 s fail connection_lost; what
    // the users send while it is down fails db_unavailable.
    assert_eq!(cause(&r, "connection_lost"), 30);
    assert!(cause(&r, "db_unavailable") > 100);
    let conns = &r.timeline.series.db_connections_by_database["primary"];
    let b = r.timeline.bucket_s;
    for (i, &n) in conns.iter().enumerate() {
        let (from, to) = (i as f64 * b, (i + 1) as f64 * b);
        if from > 20.0 && to <= 25.0 {
            assert_eq!(
                n, 0,
                "{n} connections at {from} s, while the database is down"
            );
        }
        if from >= 26.0 {
            assert!(n > 0, "no connection back at {from} s");
        }
    }
    assert_eq!(r.timeline.events.len(), 1);
    assert_eq!(r.timeline.events[0].at_s, 20.0);
    assert_eq!(r.timeline.events[0].end_s, 25.0);
    let inc = &r.incidents[0];
    assert_eq!((inc.kind.as_str(), inc.end_s), ("db_restart", 25.0));
    assert!(inc.recovery_s.is_some_and(|s| s < 5.0), "{inc:?}");
}

#[test]
fn a_brownout_multiplies_query_times_while_it_lasts() {
    // Over the whole run: every query takes factor x 10 ms.
    let r = saturated(
        4,
        r#"{"at_s": 0, "kind": "slow_queries", "target": "primary", "factor": 4, "for_s": 100}"#,
        "",
    );
    assert!(
        (r.database.mean_query_ms - 40.0).abs() < 1e-9,
        "{}",
        r.database.mean_query_ms
    );
    // Over half of the window: the mean is between, and throughput falls.
    let plain = saturated(4, "", "");
    let half = saturated(
        4,
        r#"{"at_s": 25, "kind": "slow_queries", "target": "primary", "factor": 4, "for_s": 20}"#,
        "",
    );
    assert!((plain.database.mean_query_ms - 10.0).abs() < 1e-9);
    assert!(half.database.mean_query_ms > 15.0 && half.database.mean_query_ms < 35.0);
    assert!(half.throughput_per_s < 0.8 * plain.throughput_per_s);
}

#[test]
fn a_core_loss_slows_queries_under_processor_sharing() {
    // 8 queries on 8 cores run at full speed; on 2 cores, at a quarter.
    let full = saturated(8, "", r#", "cores": 8"#);
    let lost = saturated(
        8,
        r#"{"at_s": 0, "kind": "cores", "target": "primary", "cores": 2, "for_s": 100}"#,
        r#", "cores": 8"#,
    );
    assert!((full.database.mean_query_ms - 10.0).abs() < 1e-6);
    assert!(
        (lost.database.mean_query_ms - 40.0).abs() < 1e-6,
        "{}",
        lost.database.mean_query_ms
    );
}

fn fleet(events: &str) -> Report {
    run(&format!(
        r#"{{"version": 2, "duration_s": 60, "warmup_s": 5,
        "services": [{{"name": "api", "instances": 4,
          "workload": {{"rate_per_s": 200, "query_ms": {{"kind": "exponential", "mean": 5}}}},
          "pool": {{"max_size": 5, "min_idle": 2}}}}],
        "database": {{"max_connections": 100, "connect_ms": 5}},
        "events": [{events}]}}"#
    ))
}

#[test]
fn after_a_scale_there_are_that_many_live_instances() {
    for n in [2u32, 7] {
        let r = fleet(&format!(
            r#"{{"at_s": 30, "kind": "scale", "service": "api", "instances": {n}}}"#
        ));
        let b = r.timeline.bucket_s;
        for (i, &live) in r.timeline.series.instances.iter().enumerate() {
            let from = i as f64 * b;
            let want = if from >= 30.0 {
                f64::from(n)
            } else if from + b <= 30.0 {
                4.0
            } else {
                continue;
            };
            assert!(
                (live - want).abs() < 1e-9,
                "{live} live at {from} s, want {want}"
            );
        }
        assert_eq!(r.requests.failed, 0);
    }
}

#[test]
fn a_rolling_restart_replaces_every_instance_without_losing_requests() {
    let r = fleet(
        r#"{"at_s": 20, "kind": "rolling_restart", "service": "api", "batch": 1, "every_s": 5}"#,
    );
    // Four batches of one, 5 s apart: it ends at 20 + 4 x 5 s.
    assert_eq!(r.timeline.events[0].end_s, 40.0);
    assert_eq!(r.requests.failed + r.requests.timed_out, 0);
    // New instances start with min_idle connections while the old drain.
    assert!(r.database.peak_connections > 8);
    let live = &r.timeline.series.instances;
    assert!(
        live.iter().all(|&n| (n - 4.0).abs() < 1e-9),
        "always four live instances"
    );
}

fn storm(retry: &str) -> Report {
    let mut s: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(examples("retry-storm.json")).unwrap())
            .unwrap();
    s["services"][0]["retry"] = serde_json::from_str(retry).unwrap();
    run(&s.to_string())
}

fn examples(name: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../examples")
        .join(name)
}

/// Failures per second over the last `s` seconds of the run.
fn late_failure_rate(r: &Report, s: f64) -> f64 {
    let b = r.timeline.bucket_s;
    let n = r.timeline.series.busy.len();
    let from = n - (s / b) as usize;
    let total: u64 = r
        .timeline
        .series
        .failures_by_cause
        .values()
        .map(|v| v[from..].iter().sum::<u64>())
        .sum();
    total as f64 / s
}

#[test]
fn immediate_retries_outlive_a_restart_and_jitter_with_a_budget_recover() {
    // examples/retry-storm.json: 200 requests/s of 3 queries, 4 x 20
    // connections on 8 contended cores; the database restarts for 10 s.
    // The pools retry connects while it is down, so a backlog waits for it;
    // when it is back 80 connections run at once, where contention gives
    // 8 cores / (2 ms x (1 + 0.02 x 79 + 0.0005 x 80 x 79)) = 697 queries/s,
    // 232 requests/s.
    let immediate = storm(
        r#"{"max_attempts": 5, "on": ["pool_timeout", "db_unavailable", "connection_lost"],
            "base_ms": 0, "cap_ms": 0, "jitter": "none"}"#,
    );
    // Immediate retries push the offered load past those 232/s, so the
    // system stays there: still failing 130 s after the restart ended.
    let inc = &immediate.incidents[0];
    assert!(
        inc.recovery_s.is_none_or(|s| s > 100.0),
        "immediate retries recovered in {:?} s",
        inc.recovery_s
    );
    assert!(late_failure_rate(&immediate, 60.0) > 20.0);
    assert!(immediate.requests.amplification > 1.5);
    // With full jitter and a budget of 10% retries (100 tokens), the
    // backlog at the restart's end is at most what arrived in one acquire
    // timeout plus the tokens, 200/s x 2 s + 100 = 500 requests, and it
    // drains at least at 232/s - 200/s x 1.1 = 12/s: within 42 s, plus one
    // timeout for the last waiters, so within 45 s.
    let tamed = storm(
        r#"{"max_attempts": 5, "on": ["pool_timeout", "db_unavailable", "connection_lost"],
            "base_ms": 100, "cap_ms": 5000, "jitter": "full",
            "budget": {"ratio": 0.1, "max_tokens": 100}}"#,
    );
    let inc = &tamed.incidents[0];
    assert!(
        inc.recovery_s.is_some_and(|s| s <= 45.0),
        "jitter and a budget recovered in {:?} s",
        inc.recovery_s
    );
    assert!(late_failure_rate(&tamed, 60.0) < 1.0);
    eprintln!(
        "retry storm: immediate recovery {:?} s (amplification {:.2}), jitter + budget {:?} s ({:.2})",
        immediate.incidents[0].recovery_s,
        immediate.requests.amplification,
        tamed.incidents[0].recovery_s,
        tamed.requests.amplification
    );
}

#[test]
fn retries_count_and_a_budget_bounds_them() {
    // No warmup, so every first attempt is counted: retries <= ratio x
    // first attempts + the bucket's initial tokens.
    let r = run(r#"{"version": 2, "duration_s": 30, "warmup_s": 0,
        "services": [{"name": "api", "instances": 1,
          "workload": {"rate_per_s": 400, "query_ms": {"kind": "exponential", "mean": 10}},
          "pool": {"max_size": 3, "acquire_timeout_ms": 20},
          "retry": {"max_attempts": 4, "on": ["pool_timeout"], "base_ms": 5, "jitter": "full",
                    "budget": {"ratio": 0.2, "max_tokens": 50}}}],
        "database": {"connect_ms": 0}}"#);
    let q = &r.requests;
    assert_eq!(q.attempts, q.arrived + q.retries);
    assert!(q.retries > 0);
    assert!(
        q.retries as f64 <= 0.2 * q.arrived as f64 + 50.0,
        "{} retries for {} requests",
        q.retries,
        q.arrived
    );
    assert_eq!(
        q.arrived,
        q.completed + q.timed_out + q.failed + q.in_flight
    );
}

#[test]
fn a_retry_block_that_never_retries_changes_nothing() {
    let base = r#"{"version": 2, "duration_s": 30, "warmup_s": 2,
        "services": [{"name": "api", "instances": 2,
          "workload": {"rate_per_s": 500, "query_ms": {"kind": "exponential", "mean": 10}},
          "pool": {"max_size": 3, "acquire_timeout_ms": 50}RETRY}],
        "database": {"connect_ms": 1}}"#;
    let without = run(&base.replace("RETRY", ""));
    let with = run(&base.replace(
        "RETRY",
        r#", "retry": {"max_attempts": 1, "on": ["pool_timeout"], "jitter": "none"}"#,
    ));
    let strip = |r: &Report| {
        let mut v = serde_json::to_value(r).unwrap();
        v.as_object_mut().unwrap().remove("scenario");
        v.to_string()
    };
    assert!(without.requests.timed_out > 0);
    assert_eq!(strip(&without), strip(&with));
}

#[test]
fn a_breaker_opens_on_failures_and_fails_requests_at_once() {
    let r = run(r#"{"version": 2, "duration_s": 40, "warmup_s": 0,
        "services": [{"name": "api", "instances": 1,
          "workload": {"rate_per_s": 200, "query_ms": {"kind": "constant", "value": 5}},
          "pool": {"max_size": 5},
          "retry": {"max_attempts": 1, "breaker": {"window_s": 5, "min_requests": 20, "error_rate": 0.5, "open_s": 3}}}],
        "database": {"connect_ms": 5},
        "events": [{"at_s": 10, "kind": "db_restart", "target": "primary", "down_s": 10}]}"#);
    let opened = cause(&r, "breaker_open");
    assert!(opened > 100, "{opened}");
    let open_s = r.services[0].breaker_open_s.unwrap();
    // Open 3 s at a time while the database is down (and at most a few
    // times: it reopens only on fresh failures).
    assert!((3.0..=15.0).contains(&open_s), "{open_s}");
    // Long after the restart, nothing fails.
    assert_eq!(late_failure_rate(&r, 10.0), 0.0);
}
