//! One focused test per version-2 field: each shows the field changes what
//! the simulation does, in the direction MODEL.md §6 says. (Retries, events
//! and the measured distributions have their own tests in `incidents.rs`
//! and `oracle_topology.rs`.)

use poolcast::Report;
use poolcast_tests::run;

/// A light version-2 scenario with `patch` merged in (objects merge by key;
/// `services` entries merge by position; other values replace).
fn with(patch: &str) -> Report {
    let base = r#"{"version": 2, "duration_s": 60, "warmup_s": 5, "seed": 7,
        "services": [{"name": "api", "instances": 2,
          "workload": {"rate_per_s": 200, "query_ms": {"kind": "constant", "value": 10}},
          "pool": {"max_size": 10}}],
        "database": {"connect_ms": 0}}"#;
    let mut v: serde_json::Value = serde_json::from_str(base).unwrap();
    merge(&mut v, serde_json::from_str(patch).expect("patch JSON"));
    run(&v.to_string())
}

fn merge(into: &mut serde_json::Value, patch: serde_json::Value) {
    use serde_json::Value;
    // A distribution (its "kind" names one) is replaced whole.
    let dist = |v: &Value| {
        v.get("kind").and_then(Value::as_str).is_some_and(|k| {
            [
                "constant",
                "exponential",
                "lognormal",
                "uniform",
                "quantiles",
                "histogram",
                "samples",
            ]
            .contains(&k)
        })
    };
    match (into, patch) {
        (Value::Object(a), Value::Object(b)) if !dist(&Value::Object(b.clone())) => {
            for (k, v) in b {
                if v.is_null() && k != "acquire_timeout_ms" && !k.ends_with("_ms") {
                    // null removes a field (e.g. the base's rate for a closed loop).
                    a.remove(&k);
                } else {
                    merge(a.entry(k).or_insert(Value::Null), v);
                }
            }
        }
        (Value::Array(a), Value::Array(b))
            if a.first().is_some_and(|x| x.get("name").is_some()) =>
        {
            for (i, v) in b.into_iter().enumerate() {
                if i < a.len() {
                    merge(&mut a[i], v);
                } else {
                    a.push(v);
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

fn cause(r: &Report, c: &str) -> u64 {
    r.requests.failed_by_cause.get(c).copied().unwrap_or(0)
}

#[test]
fn services_share_the_database_and_report_apart() {
    let r = with(
        r#"{"services": [{}, {"name": "worker", "instances": 1,
            "workload": {"rate_per_s": 50, "query_ms": {"kind": "constant", "value": 40}},
            "pool": {"max_size": 5}}]}"#,
    );
    assert_eq!(r.services.len(), 2);
    assert_eq!(
        (r.services[0].name.as_str(), r.services[1].name.as_str()),
        ("api", "worker")
    );
    let (a, w) = (&r.services[0].requests, &r.services[1].requests);
    assert_eq!(a.arrived + w.arrived, r.requests.arrived);
    // 200/s and 50/s: the worker gets about a fifth of the arrivals.
    let share = w.arrived as f64 / r.requests.arrived as f64;
    assert!((share - 0.2).abs() < 0.01, "{share}");
    // 40 ms queries (and now and then a short wait for one of 5).
    let worker = r.services[1].latency_ms.mean;
    assert!((40.0..41.0).contains(&worker), "{worker}");
    assert!((r.services[0].latency_ms.mean - 10.0).abs() < 0.5);
    for s in &r.services {
        let q = &s.requests;
        assert_eq!(
            q.arrived,
            q.completed + q.timed_out + q.failed + q.in_flight
        );
    }
}

#[test]
fn pools_per_instance_multiply_a_services_connections() {
    let idle = |ppi: u32| {
        with(&format!(
            r#"{{"services": [{{"pools_per_instance": {ppi}, "workload": {{"rate_per_s": 0}}, "pool": {{"min_idle": 3}}}}]}}"#
        ))
    };
    let (one, three) = (idle(1), idle(3));
    assert_eq!(one.database.peak_connections, 6);
    assert_eq!(three.database.peak_connections, 18);
}

#[test]
fn read_fraction_sends_reads_to_the_replicas() {
    let r = with(
        r#"{"services": [{"workload": {"queries_per_request": 2, "read_fraction": 0.5}}],
            "database": {"replicas": {"count": 2}}}"#,
    );
    assert_eq!(r.databases.len(), 3);
    let queries = |db: usize| r.databases[db].peak_connections;
    assert!(queries(1) > 0 && queries(2) > 0);
    // Without read_fraction nothing reaches them.
    let r = with(r#"{"database": {"replicas": {"count": 2}}}"#);
    assert_eq!(
        r.databases[1].peak_connections + r.databases[2].peak_connections,
        0
    );
}

#[test]
fn a_replicas_limit_refuses_its_own_connections() {
    let r = with(
        r#"{"services": [{"workload": {"rate_per_s": 2000, "read_fraction": 1.0}, "pool": {"max_size": 20}}],
            "database": {"replicas": {"count": 1, "max_connections": 8, "reserved_connections": 3}}}"#,
    );
    assert_eq!(r.databases[1].peak_connections, 5);
    assert!(r.databases[1].too_many_clients > 0);
    assert_eq!(r.databases[0].too_many_clients, 0);
}

#[test]
fn closed_loop_users_pace_themselves() {
    let r = with(
        r#"{"services": [{"workload": {"rate_per_s": null, "arrivals": {"kind": "closed", "users": 5,
            "think_ms": {"kind": "constant", "value": 90}}}}]}"#,
    );
    // Each user: 10 ms query + 90 ms think = 10 requests/s.
    assert!(
        (r.throughput_per_s - 50.0).abs() < 1.0,
        "{}",
        r.throughput_per_s
    );
    let limited = with(
        r#"{"services": [{"workload": {"rate_per_s": null, "arrivals": {"kind": "closed", "users": 5,
            "requests_per_user": 20}}}]}"#,
    );
    assert_eq!(limited.requests.arrived, limited.requests.completed);
    assert!(limited.requests.arrived <= 100);
    // A ramp starts users later: fewer requests in the same window.
    let ramped = with(
        r#"{"services": [{"workload": {"rate_per_s": null, "arrivals": {"kind": "closed", "users": 5,
            "think_ms": {"kind": "constant", "value": 90}, "ramp_s": 60}}}]}"#,
    );
    assert!(ramped.requests.arrived < r.requests.arrived);
}

#[test]
fn a_user_whose_request_fails_at_once_still_pauses() {
    // Every connect is refused (the database accepts none beyond 1, held by
    // min_idle of another service): failures take no time, so users wait
    // 1 ms between tries instead of spinning.
    let r = with(
        r#"{"services": [{"instances": 1, "workload": {"rate_per_s": null, "arrivals": {"kind": "closed", "users": 3}},
             "pool": {"max_size": 2}},
            {"name": "hog", "instances": 1, "workload": {"rate_per_s": 0}, "pool": {"min_idle": 2, "max_size": 2}}],
            "database": {"max_connections": 5, "reserved_connections": 3}}"#,
    );
    assert!(cause(&r, "too_many_clients") > 0);
    // At most 3 users x 1000 tries/s x 60 s.
    assert!(
        r.requests.arrived <= 3 * 1000 * 60 + 3,
        "{}",
        r.requests.arrived
    );
}

#[test]
fn transaction_max_wait_bounds_the_start_of_a_transaction() {
    let r = with(
        r#"{"services": [{"workload": {"rate_per_s": 400, "query_mode": "transaction",
            "transaction": {"max_wait_ms": 5, "timeout_ms": 1000}},
            "pool": {"max_size": 2, "acquire_timeout_ms": 1000}}]}"#,
    );
    assert!(cause(&r, "transaction_start_timeout") > 0);
    assert_eq!(cause(&r, "pool_timeout"), 0);
    assert_eq!(r.requests.timed_out, 0);
}

#[test]
fn transaction_timeout_cancels_a_long_transaction() {
    let r = with(
        r#"{"services": [{"workload": {"query_mode": "transaction", "queries_per_request": 3,
            "hold_extra_ms": {"kind": "constant", "value": 50},
            "transaction": {"max_wait_ms": 2000, "timeout_ms": 60}}}]}"#,
    );
    // 3 x 10 ms + 50 ms = 80 ms > 60 ms: every transaction times out.
    assert_eq!(r.requests.completed, 0);
    assert!(cause(&r, "transaction_timeout") > 1000);
}

#[test]
fn idle_in_transaction_timeout_ends_sessions_holding_a_transaction_open() {
    let r = with(
        r#"{"services": [{"workload": {"query_mode": "transaction",
            "hold_extra_ms": {"kind": "uniform", "min": 0, "max": 100}}}],
            "database": {"idle_in_transaction_timeout_ms": 50}}"#,
    );
    let n = cause(&r, "idle_in_transaction");
    let share = n as f64 / r.requests.arrived as f64;
    assert!((share - 0.5).abs() < 0.03, "{share}");
}

#[test]
fn serverless_functions_start_cold_and_stay_warm() {
    let cold = with(
        r#"{"services": [{"kind": "serverless", "serverless": {"cold_start_ms": {"kind": "constant", "value": 300},
            "idle_reclaim_s": 0, "orphan_linger_s": 0}, "pool": {"max_size": 1}}]}"#,
    );
    let warm = with(
        r#"{"services": [{"kind": "serverless", "serverless": {"cold_start_ms": {"kind": "constant", "value": 300},
            "idle_reclaim_s": 600, "orphan_linger_s": 0}, "pool": {"max_size": 1}}]}"#,
    );
    let (c, w) = (
        cold.services[0].serverless.unwrap(),
        warm.services[0].serverless.unwrap(),
    );
    // Reclaimed at once, every request starts cold (310 ms); kept warm,
    // almost none does.
    assert!(c.cold_start_fraction > 0.99, "{}", c.cold_start_fraction);
    assert!(w.cold_start_fraction < 0.01, "{}", w.cold_start_fraction);
    assert!((cold.latency_ms.mean - 310.0).abs() < 1.0);
    assert!(warm.latency_ms.p50 < 11.0);
}

#[test]
fn max_concurrency_throttles_functions() {
    let r = with(
        r#"{"services": [{"kind": "serverless", "serverless": {"max_concurrency": 1,
            "cold_start_ms": {"kind": "constant", "value": 0}}, "pool": {"max_size": 1}}]}"#,
    );
    assert!(cause(&r, "throttled") > 0);
    assert!(r.services[0].serverless.unwrap().peak_instances <= 1);
}

#[test]
fn reclaimed_functions_leave_connections_open_for_orphan_linger() {
    let linger = |s: u32| {
        with(&format!(
            r#"{{"services": [{{"kind": "serverless", "serverless": {{"idle_reclaim_s": 1, "orphan_linger_s": {s},
                "cold_start_ms": {{"kind": "constant", "value": 0}}}},
                "workload": {{"rate_per_s": 200, "rate_profile": [{{"at_s": 20, "rate_per_s": 5}}]}},
                "pool": {{"max_size": 1}}}}],
                "database": {{"max_connections": 500}}}}"#
        ))
    };
    let (clean, lingering) = (linger(0), linger(30));
    assert_eq!(
        clean.services[0]
            .serverless
            .unwrap()
            .peak_orphaned_connections,
        0
    );
    let orphans = lingering.services[0]
        .serverless
        .unwrap()
        .peak_orphaned_connections;
    assert!(orphans > 0);
    assert!(lingering.database.peak_connections >= clean.database.peak_connections);
}

/// A service of 4 instances x 10 behind a proxy.
fn proxied(proxy: &str, extra: &str) -> Report {
    with(&format!(
        r#"{{"services": [{{"instances": 4, "route": "proxy", "workload": {{"rate_per_s": 400}} {extra}}}],
            "proxy": {proxy}}}"#
    ))
}

/// `proxied` with the proxy in transaction mode and `settings` (its other
/// fields, as JSON members).
fn transaction(settings: &str, extra: &str) -> Report {
    proxied(
        &format!(r#"{{"pool_mode": "transaction", {settings}}}"#),
        extra,
    )
}

#[test]
fn the_proxys_pool_size_is_what_the_database_sees() {
    let r = transaction(r#""default_pool_size": 3"#, "");
    assert_eq!(r.database.peak_connections, 3);
    let p = r.proxy.as_ref().unwrap();
    assert!(p.peak_client_connections > 3);
    assert!(p.p_wait > 0.3, "{}", p.p_wait);
    assert_eq!(p.peak_server_connections["primary"], 3);
}

#[test]
fn pool_modes_hold_server_connections_for_different_spans() {
    // Session mode: a client keeps its server until it closes, so with
    // more clients than servers the rest wait until query_wait_timeout.
    let session = proxied(
        r#"{"pool_mode": "session", "default_pool_size": 4, "query_wait_timeout_ms": 200}"#,
        "",
    );
    let txn = transaction(
        r#""default_pool_size": 4, "query_wait_timeout_ms": 200"#,
        "",
    );
    assert!(cause(&session, "query_wait_timeout") > 0);
    assert_eq!(cause(&txn, "query_wait_timeout"), 0);
    let stmt = proxied(r#"{"pool_mode": "statement", "default_pool_size": 4}"#, "");
    assert!(stmt.requests.completed > 0);
}

#[test]
fn max_client_conn_refuses_clients() {
    let r = transaction(r#""max_client_conn": 3"#, "");
    assert!(cause(&r, "max_client_conn") > 0);
    assert!(r.proxy.as_ref().unwrap().max_client_conn_refusals > 0);
    assert!(r.proxy.as_ref().unwrap().peak_client_connections <= 3);
}

#[test]
fn min_pool_size_opens_server_connections_up_front() {
    let r = with(
        r#"{"services": [{"route": "proxy", "workload": {"rate_per_s": 0}}],
            "proxy": {"pool_mode": "transaction", "min_pool_size": 6}}"#,
    );
    assert_eq!(r.database.peak_connections, 6);
    let none = with(
        r#"{"services": [{"route": "proxy", "workload": {"rate_per_s": 0}}],
            "proxy": {"pool_mode": "transaction"}}"#,
    );
    assert_eq!(none.database.peak_connections, 0);
}

#[test]
fn the_reserve_pool_opens_when_clients_wait_long_enough() {
    let base = r#"{"pool_mode": "transaction", "default_pool_size": 2, "reserve_pool_timeout_ms": 5RESERVE}"#;
    let plain = proxied(&base.replace("RESERVE", ""), "");
    let reserve = proxied(&base.replace("RESERVE", r#", "reserve_pool_size": 3"#), "");
    assert_eq!(plain.database.peak_connections, 2);
    assert_eq!(reserve.database.peak_connections, 5);
    assert!(
        reserve.proxy.as_ref().unwrap().wait_ms.mean < plain.proxy.as_ref().unwrap().wait_ms.mean
    );
}

#[test]
fn server_idle_timeout_and_lifetime_close_server_connections() {
    // Load for 20 s, then nothing: idle servers close after 1 s, or not.
    let quiet =
        r#", "workload": {"rate_per_s": 400, "rate_profile": [{"at_s": 20, "rate_per_s": 0}]}"#;
    let kept = transaction(r#""server_idle_timeout_ms": null"#, quiet);
    let closed = transaction(r#""server_idle_timeout_ms": 1000"#, quiet);
    let last = |r: &Report| *r.timeline.series.db_connections.last().unwrap();
    assert!(last(&kept) > 0);
    assert_eq!(last(&closed), 0);
    // A short lifetime makes the proxy reopen: more connects, same limit.
    let short = transaction(r#""server_lifetime_ms": 50"#, "");
    let long = transaction(r#""server_lifetime_ms": null"#, "");
    assert!(short.events > long.events);
}

#[test]
fn client_connect_ms_adds_to_the_acquire_wait_of_new_client_connections() {
    let fast = transaction(r#""client_connect_ms": 0"#, "");
    let slow = transaction(r#""client_connect_ms": 50"#, "");
    assert!(slow.acquire.wait_ms.max >= 50.0);
    assert!(fast.acquire.wait_ms.max < 50.0);
}

#[test]
fn server_login_retry_paces_the_proxy_when_the_database_refuses_it() {
    // The database takes 2 connections; the proxy wants 5 and retries.
    let base =
        r#"{"pool_mode": "transaction", "default_pool_size": 5, "server_login_retry_ms": RETRY}"#;
    let db = r#"{"max_connections": 5, "reserved_connections": 3}"#;
    let run_with = |ms: &str| {
        with(&format!(
            r#"{{"services": [{{"route": "proxy", "instances": 2}}], "proxy": {}, "database": {db}}}"#,
            base.replace("RETRY", ms)
        ))
    };
    let (often, rarely) = (run_with("10"), run_with("5000"));
    assert!(often.database.too_many_clients > rarely.database.too_many_clients * 10);
    assert_eq!(often.database.peak_connections, 2);
}
