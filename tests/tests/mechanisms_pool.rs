//! One focused test per scenario field: each shows the field changes what
//! the simulation does, in the direction the model says.

use poolcast::Report;
use poolcast_tests::run;

/// A light single-pool scenario with `patch` merged in (objects merge
/// recursively, other values replace).
fn with(patch: &str) -> Report {
    let base = r#"{"duration_s": 60, "warmup_s": 5, "seed": 7,
        "workload": {"rate_per_s": 100, "query_ms": {"kind": "constant", "value": 10}},
        "fleet": {"instances": 1},
        "pool": {"max_size": 10},
        "database": {"connect_ms": 0}}"#;
    let mut v: serde_json::Value = serde_json::from_str(base).unwrap();
    merge(&mut v, serde_json::from_str(patch).expect("patch JSON"));
    run(&v.to_string())
}

/// `got` within `tol` of `want`; the message names `what` and gives `got`.
#[track_caller]
fn assert_near(what: &str, got: f64, want: f64, tol: f64) {
    assert!((got - want).abs() < tol, "{what} {got}");
}

/// Whether one of `r`'s warnings contains `needle`.
fn warns(r: &Report, needle: &str) -> bool {
    r.warnings.iter().any(|w| w.contains(needle))
}

fn merge(into: &mut serde_json::Value, patch: serde_json::Value) {
    match (into, patch) {
        // A distribution (it has a "kind") is replaced whole, not merged.
        (serde_json::Value::Object(a), serde_json::Value::Object(b)) if !b.contains_key("kind") => {
            for (k, v) in b {
                merge(a.entry(k).or_insert(serde_json::Value::Null), v);
            }
        }
        (slot, v) => *slot = v,
    }
}

#[test]
fn seed_changes_the_draws_and_only_the_draws() {
    let a = with(r#"{"seed": 1}"#);
    let b = with(r#"{"seed": 2}"#);
    assert_ne!(a.requests.arrived, b.requests.arrived);
    assert_eq!(with(r#"{"seed": 1}"#).to_json(), a.to_json());
}

#[test]
fn name_is_only_a_label() {
    let a = with(r#"{"name": "a"}"#);
    let b = with(r#"{"name": "b"}"#);
    assert_eq!(a.requests, b.requests);
    assert_eq!(a.acquire, b.acquire);
}

#[test]
fn duration_and_warmup_set_the_measured_window() {
    let short = with(r#"{"duration_s": 30}"#);
    let long = with(r#"{"duration_s": 120}"#);
    let ratio = long.requests.arrived as f64 / short.requests.arrived as f64;
    assert!((ratio - 4.0).abs() < 0.25, "{ratio}");
    // A cold pool opens its connections in the warmup; without warmup the
    // window sees the opens (connect_ms 50) as waits.
    let cold = r#"{"warmup_s": 0, "database": {"connect_ms": 50}}"#;
    let warm = r#"{"warmup_s": 20, "database": {"connect_ms": 50}}"#;
    assert!(with(cold).acquire.wait_ms.max >= 50.0);
    assert!(with(cold).acquire.p_wait > with(warm).acquire.p_wait);
}

#[test]
fn rate_and_rate_profile_drive_arrivals() {
    let r = with(r#"{"workload": {"rate_per_s": 300}}"#);
    assert!((r.throughput_per_s - 300.0).abs() < 300.0 * 0.05);
    // From 35 s on (warmup included in at_s) the rate triples.
    let p = with(r#"{"workload": {"rate_profile": [{"at_s": 35, "rate_per_s": 300}]}}"#);
    let b = p.timeline.bucket_s;
    let arrivals = &p.timeline.series.arrivals;
    let before: u64 = arrivals[(10.0 / b) as usize..(30.0 / b) as usize]
        .iter()
        .sum();
    let after: u64 = arrivals[(40.0 / b) as usize..(60.0 / b) as usize]
        .iter()
        .sum();
    let ratio = after as f64 / before as f64;
    assert!((ratio - 3.0).abs() < 0.3, "{ratio}");
    // A zero-rate step at the end of the warmup stops arrivals altogether.
    let z = with(r#"{"workload": {"rate_profile": [{"at_s": 5, "rate_per_s": 0}]}}"#);
    assert_eq!(z.requests.arrived, 0);
}

#[test]
fn queries_per_request_and_query_mode_shape_connection_use() {
    // Attempts count acquisitions started in the window, arrivals count
    // requests that arrived in it: they differ by the few requests that
    // straddle the window's edges.
    let about = |attempts: u64, want: u64| attempts.abs_diff(want) <= 10;
    let seq = with(r#"{"workload": {"queries_per_request": 3}}"#);
    assert!(about(seq.acquire.attempts, 3 * seq.requests.arrived));
    assert!(
        (seq.latency_ms.p50 - 30.0).abs() < 0.1,
        "three 10 ms queries in a row"
    );
    let par = with(r#"{"workload": {"queries_per_request": 3, "query_mode": "parallel"}}"#);
    assert!(about(par.acquire.attempts, 3 * par.requests.arrived));
    assert!((par.latency_ms.p50 - 10.0).abs() < 0.1, "three at once");
    let tx = with(r#"{"workload": {"queries_per_request": 3, "query_mode": "transaction"}}"#);
    assert!(
        about(tx.acquire.attempts, tx.requests.arrived),
        "one connection per request"
    );
    assert!((tx.latency_ms.p50 - 30.0).abs() < 0.1);
}

#[test]
fn hold_extra_holds_the_transaction_connection() {
    let tx = r#"{"workload": {"query_mode": "transaction",
        "hold_extra_ms": {"kind": "constant", "value": 40}}}"#;
    let r = with(tx);
    assert!((r.latency_ms.p50 - 50.0).abs() < 0.1);
    // 100/s x 50 ms = 5 busy of 10.
    assert!(
        (r.pool.utilization - 0.5).abs() < 0.03,
        "{}",
        r.pool.utilization
    );
    let ignored = with(r#"{"workload": {"hold_extra_ms": {"kind": "constant", "value": 40}}}"#);
    assert!((ignored.pool.utilization - 0.1).abs() < 0.02);
    assert!(warns(&ignored, "hold_extra_ms only applies"));
}

#[test]
fn query_time_distributions_have_their_parameters() {
    let c = with(r#"{"workload": {"query_ms": {"kind": "constant", "value": 7}}}"#);
    assert_eq!(c.latency_ms.max, 7.0);
    let u = with(r#"{"workload": {"query_ms": {"kind": "uniform", "min": 4, "max": 8}}}"#);
    assert_near("mean", u.database.mean_query_ms, 6.0, 0.1);
    assert!(u.latency_ms.max <= 8.0 && u.latency_ms.p50 > 5.5 && u.latency_ms.p50 < 6.5);
    let e = with(r#"{"workload": {"query_ms": {"kind": "exponential", "mean": 5}}}"#);
    assert_near("mean", e.database.mean_query_ms, 5.0, 0.25);
    let l = with(
        r#"{"duration_s": 200, "workload": {"rate_per_s": 200, "query_ms": {"kind": "lognormal", "p50": 8, "p99": 85}}, "pool": {"max_size": 40}}"#,
    );
    assert_near("p50", l.latency_ms.p50, 8.0, 0.3);
    assert_near("p99", l.latency_ms.p99, 85.0, 85.0 * 0.08);
    let m = with(
        r#"{"duration_s": 200, "workload": {"rate_per_s": 200, "query_ms": {"kind": "lognormal", "mean": 10, "p99": 60}}, "pool": {"max_size": 40}}"#,
    );
    assert_near("mean", m.database.mean_query_ms, 10.0, 0.4);
}

#[test]
fn instances_and_pools_multiply_connections() {
    let one = with(r#"{"workload": {"rate_per_s": 800}, "pool": {"max_size": 4}}"#);
    let many = with(
        r#"{"workload": {"rate_per_s": 800}, "fleet": {"instances": 3, "pools_per_instance": 2}, "pool": {"max_size": 4}}"#,
    );
    assert!(one.database.peak_connections <= 4);
    assert!(many.database.peak_connections > 4 && many.database.peak_connections <= 24);
    assert!(many.acquire.p_wait < one.acquire.p_wait);
}

#[test]
fn max_size_bounds_the_pool() {
    let small = with(r#"{"workload": {"rate_per_s": 800}, "pool": {"max_size": 9}}"#);
    let big = with(r#"{"workload": {"rate_per_s": 800}, "pool": {"max_size": 20}}"#);
    assert!(small.database.peak_connections <= 9);
    assert!(small.acquire.p_wait > 0.3 && big.acquire.p_wait < 0.05);
}

#[test]
fn min_idle_opens_connections_up_front() {
    let cold = with(r#"{"warmup_s": 0, "database": {"connect_ms": 30}}"#);
    let warm = with(r#"{"warmup_s": 0, "pool": {"min_idle": 10}, "database": {"connect_ms": 30}}"#);
    assert!(cold.acquire.wait_ms.max >= 30.0);
    assert!(
        warm.acquire.wait_ms.max < 30.0,
        "{}",
        warm.acquire.wait_ms.max
    );
    assert_eq!(warm.timeline.series.db_connections[0], 10);
}

#[test]
fn acquire_timeout_cuts_waits_short() {
    let overload = r#"{"workload": {"rate_per_s": 1500}, "pool": {"acquire_timeout_ms": 100}}"#;
    let r = with(overload);
    assert!(r.acquire.timeout_fraction > 0.2);
    assert!(r.requests.timed_out > 0);
    assert!(r.acquire.wait_ms.max <= 100.0);
    let forever =
        with(r#"{"workload": {"rate_per_s": 1500}, "pool": {"acquire_timeout_ms": null}}"#);
    assert_eq!(forever.requests.timed_out, 0);
    assert!(forever.requests.in_flight > 1000, "the line only grows");
    assert!(warns(&forever, "no acquire timeout"));
}

#[test]
fn idle_timeout_closes_spare_connections() {
    // A 5 s burst opens many connections; afterwards the light load needs 1.
    let burst = |idle: &str| {
        with(&format!(
            r#"{{"workload": {{"rate_per_s": 20, "rate_profile": [{{"at_s": 10, "rate_per_s": 900}}, {{"at_s": 15, "rate_per_s": 20}}]}},
            "pool": {{"idle_timeout_ms": {idle}}}}}"#
        ))
    };
    let reaped = burst("2000");
    let kept = burst("null");
    let last = |r: &Report| *r.timeline.series.db_connections.last().unwrap();
    assert!(last(&kept) >= 8, "{}", last(&kept));
    assert!(last(&reaped) <= 3, "{}", last(&reaped));
}

#[test]
fn lifetime_jitter_and_max_uses_retire_connections() {
    // One connection, opening takes 10 ms: every retirement makes the next
    // acquisition wait for a new one.
    let base = |pool: &str| {
        with(&format!(
            r#"{{"pool": {{"max_size": 1, {pool}}}, "database": {{"connect_ms": 10}},
            "workload": {{"rate_per_s": 20, "query_ms": {{"kind": "constant", "value": 1}}}}}}"#
        ))
    };
    let never = base(r#""max_lifetime_ms": null"#);
    let short = base(r#""max_lifetime_ms": 200"#);
    let jittered = base(r#""max_lifetime_ms": 200, "lifetime_jitter_ms": 5000"#);
    let uses = base(r#""max_uses": 1"#);
    // Without retirement only a busy connection makes a request wait:
    // 20/s x 1 ms = 2% of the time.
    assert!(never.acquire.p_wait < 0.04, "{}", never.acquire.p_wait);
    // Retired after 200 ms, the connection is replaced about every fifth
    // request (arrivals 50 ms apart), each replacement a 10 ms wait.
    assert!(short.acquire.p_wait > 0.15, "{}", short.acquire.p_wait);
    assert!(jittered.acquire.p_wait < 0.5 * short.acquire.p_wait);
    assert!(
        uses.acquire.p_wait > 0.99,
        "every borrow opens a new connection"
    );
    // Most wait just for their own connection to open (10 ms); a few also
    // queue behind one that is opening.
    assert!(
        (uses.acquire.wait_ms.p50 - 10.0).abs() < 0.1,
        "{}",
        uses.acquire.wait_ms.p50
    );
    assert!(uses.acquire.wait_ms.mean >= 10.0);
}

#[test]
fn connect_error_fail_or_retry() {
    // Two pools of 5 share a database that allows 4 connections: one pool
    // takes them all and keeps them, the other only ever hears "too many
    // clients". Failing fails its requests; retrying keeps them waiting (and
    // timing out), trying again every create_retry_interval_ms.
    let db = |mode: &str, interval: u32| {
        with(&format!(
            r#"{{"workload": {{"rate_per_s": 600}}, "fleet": {{"instances": 2}},
            "pool": {{"max_size": 5, "on_connect_error": "{mode}", "create_retry_interval_ms": {interval},
                      "acquire_timeout_ms": 1000}},
            "database": {{"max_connections": 5, "reserved_connections": 1}}}}"#
        ))
    };
    let fail = db("fail", 200);
    let retry = db("retry", 20);
    let slow_retry = db("retry", 500);
    assert!(fail.requests.failed > 0);
    assert_eq!(retry.requests.failed, 0);
    assert!(retry.database.too_many_clients > 0);
    assert!(fail.database.peak_connections <= 4 && retry.database.peak_connections <= 4);
    let (fast, slow) = (
        retry.database.too_many_clients,
        slow_retry.database.too_many_clients,
    );
    assert!(
        fast > 10 * slow,
        "retries every 20 ms: {fast} refusals; every 500 ms: {slow}"
    );
    assert!(retry.requests.timed_out > 0);
}

#[test]
fn reserved_connections_lower_the_limit() {
    let r = with(
        r#"{"workload": {"rate_per_s": 2000}, "fleet": {"instances": 4},
        "database": {"max_connections": 30, "reserved_connections": 10}}"#,
    );
    assert_eq!(r.database.peak_connections, 20);
    assert!(r.database.too_many_clients > 0);
}

#[test]
fn connect_ms_is_waited_for_by_the_opener() {
    let r = with(r#"{"warmup_s": 0, "database": {"connect_ms": 25}}"#);
    assert_eq!(r.acquire.wait_ms.max, 25.0);
}

#[test]
fn cores_share_the_cpu() {
    // 1 core, 10 ms of work, 50/s: utilization 0.5 and processor sharing
    // stretches queries that overlap (M/G/1-PS mean: S / (1 - rho) = 20 ms).
    let r =
        with(r#"{"duration_s": 300, "workload": {"rate_per_s": 50}, "database": {"cores": 1}}"#);
    let u = r.database.core_utilization.unwrap();
    assert!((u - 0.5).abs() < 0.02, "{u}");
    assert!(
        (r.database.mean_query_ms - 20.0).abs() < 1.5,
        "{}",
        r.database.mean_query_ms
    );
    assert_eq!(with("{}").database.core_utilization, None);
}

#[test]
fn statement_timeout_cancels_long_queries() {
    let run_with = |cores: &str| {
        with(&format!(
            r#"{{"workload": {{"query_ms": {{"kind": "uniform", "min": 0, "max": 100}}}},
            "database": {{"statement_timeout_ms": 50, "cores": {cores}}}}}"#
        ))
    };
    let failed = |r: &Report| r.requests.failed as f64 / r.requests.arrived as f64;
    // Without contention (no cores, or far more cores than queries) half
    // of the uniform 0-100 ms queries run past 50 ms.
    for cores in ["null", "64"] {
        let r = run_with(cores);
        assert!(
            (failed(&r) - 0.5).abs() < 0.03,
            "cores {cores}: {}",
            failed(&r)
        );
        // Timeouts count queries ending in the window, failures requests
        // arriving in it; they differ only at the window's edges.
        assert!(r.database.statement_timeouts.abs_diff(r.requests.failed) <= 5);
        // No query outlives the timeout: a latency is at most a wait plus 50 ms.
        assert!(r.latency_ms.max <= r.acquire.wait_ms.max + 50.0 + 1e-9);
        assert!(r.database.mean_query_ms < 50.0);
    }
    // On 4 cores about 5 queries run at once (100/s x 50 ms): sharing
    // stretches them and more hit the timeout.
    let shared = run_with("4");
    assert!(failed(&shared) > 0.55, "{}", failed(&shared));
}

#[test]
fn a_statement_timeout_cancels_only_the_query_it_was_set_for() {
    // One core, queries around the timeout, and every connection used once
    // and closed, so connection slots are reused all the time while old
    // timers are pending. (Version 1 restarted a reused slot's query
    // numbers and could cancel a new query with an old timer; the engine's
    // debug assertion checks every cancelled query ran the full timeout.)
    let r = with(
        r#"{"workload": {"rate_per_s": 150, "query_ms": {"kind": "exponential", "mean": 6}},
            "pool": {"max_size": 4, "max_uses": 1},
            "database": {"cores": 1, "statement_timeout_ms": 12}}"#,
    );
    assert!(
        r.database.statement_timeouts > 100,
        "{}",
        r.database.statement_timeouts
    );
    let p = &r.requests;
    assert_eq!(
        p.arrived,
        p.completed + p.timed_out + p.failed + p.in_flight
    );
}
