//! Version 2's parts against theory (MODEL.md §9): serverless fleets as
//! Erlang's loss system, a proxy's server pool as Erlang C, closed-loop
//! users as the machine-repairman queue, contention as Gunther's curve,
//! replicas splitting the work, measured distributions drawn as given.
//!
//! As in `oracle_pool.rs`: fixed seeds, independent replications, agreement
//! within 4.5 standard errors of the replication mean, and a check that the
//! runs were long enough to judge.

use poolcast_tests::{
    assert_agrees, erlang_b, erlang_c, machine_repairman, mean_se, run, run_seeds,
};

const REPS: std::ops::Range<u64> = 1..9;

/// A serverless service as MODEL.md §9 sets it up for Erlang B.
fn serverless(rate: f64, query: &str, max_concurrency: u32, limit: u32, duration_s: f64) -> String {
    format!(
        r#"{{"version": 2, "duration_s": {duration_s}, "warmup_s": 5,
        "services": [{{"name": "fn", "kind": "serverless",
          "serverless": {{"max_concurrency": {max_concurrency}, "cold_start_ms": {{"kind": "constant", "value": 0}},
                          "idle_reclaim_s": 0, "orphan_linger_s": 0}},
          "workload": {{"rate_per_s": {rate}, "query_ms": {query}}},
          "pool": {{"max_size": 1, "acquire_timeout_ms": null}}}}],
        "database": {{"max_connections": {}, "reserved_connections": 3, "connect_ms": 0}}}}"#,
        limit + 3
    )
}

fn fraction(r: &poolcast::Report, cause: &str) -> f64 {
    let n = r.requests.failed_by_cause.get(cause).copied().unwrap_or(0);
    n as f64 / r.requests.arrived as f64
}

#[test]
fn serverless_without_a_proxy_is_erlangs_loss_system() {
    // L = 20 connections, a = 1800/s x 10 ms = 18 Erlangs: B(20, 18) = 0.109.
    let want = erlang_b(20, 18.0);
    for (label, query) in [
        ("exponential", r#"{"kind": "exponential", "mean": 10}"#),
        // Insensitivity: only the mean matters.
        (
            "lognormal",
            r#"{"kind": "lognormal", "mean": 10, "p99": 60}"#,
        ),
    ] {
        let reports = run_seeds(&serverless(1800.0, query, 1000, 20, 60.0), REPS);
        let refused: Vec<f64> = reports
            .iter()
            .map(|r| fraction(r, "too_many_clients"))
            .collect();
        assert_agrees(
            &format!("serverless, {label} queries: too-many-clients fraction"),
            &refused,
            want,
            0.02,
        );
        for r in &reports {
            assert_eq!(fraction(r, "throttled"), 0.0);
            assert!(r.database.peak_connections <= 20);
        }
    }
}

#[test]
fn throttling_is_erlang_b_at_max_concurrency() {
    // C = 15 <= L = 20: functions are the bottleneck; a = 12 Erlangs.
    let reports = run_seeds(
        &serverless(
            1200.0,
            r#"{"kind": "exponential", "mean": 10}"#,
            15,
            20,
            60.0,
        ),
        REPS,
    );
    let throttled: Vec<f64> = reports.iter().map(|r| fraction(r, "throttled")).collect();
    assert_agrees("throttled fraction", &throttled, erlang_b(15, 12.0), 0.02);
    for r in &reports {
        assert_eq!(fraction(r, "too_many_clients"), 0.0);
        let sl = r.services[0].serverless.expect("serverless block");
        assert!(sl.peak_instances <= 15, "{}", sl.peak_instances);
    }
}

#[test]
fn the_proxys_server_pool_is_erlang_c() {
    // 400 warm client connections never bind; S = 10 warm server
    // connections; a = 900/s x 10 ms = 9: C(10, 9) = 0.6687, mean wait
    // C / (S mu - lambda) = 6.69 ms.
    let json = r#"{"version": 2, "duration_s": 300, "warmup_s": 10,
        "services": [{"name": "api", "instances": 4, "route": "proxy",
          "workload": {"rate_per_s": 900, "query_ms": {"kind": "exponential", "mean": 10}},
          "pool": {"max_size": 100, "min_idle": 100, "acquire_timeout_ms": null, "idle_timeout_ms": null}}],
        "proxy": {"pool_mode": "transaction", "max_client_conn": 1000, "default_pool_size": 10,
                  "min_pool_size": 10, "query_wait_timeout_ms": null, "client_connect_ms": 0,
                  "server_idle_timeout_ms": null, "server_lifetime_ms": null},
        "database": {"max_connections": 100, "connect_ms": 0}}"#;
    // Sixteen replications: the standard error of the mean is itself
    // estimated from the runs, and at rho 0.9 eight 300 s runs estimate it
    // too loosely (one set of eight measured a spread half the true one).
    let reports = run_seeds(json, 1..17);
    let c = erlang_c(10, 9.0);
    let pw: Vec<f64> = reports
        .iter()
        .map(|r| r.proxy.as_ref().unwrap().p_wait)
        .collect();
    assert_agrees("proxy P(wait)", &pw, c, 0.02);
    let w: Vec<f64> = reports
        .iter()
        .map(|r| r.proxy.as_ref().unwrap().wait_ms.mean)
        .collect();
    assert_agrees("proxy mean wait ms", &w, c / 100.0 * 1000.0, 0.03);
    for r in &reports {
        // The application pools never wait: the proxy does.
        assert_eq!(r.acquire.p_wait, 0.0);
        assert_eq!(r.databases[0].peak_connections, 10);
    }
}

fn closed(users: u32, think: &str, query: &str, pool: u32, db: &str, duration_s: f64) -> String {
    format!(
        r#"{{"version": 2, "duration_s": {duration_s}, "warmup_s": 5,
        "services": [{{"name": "load", "instances": 1,
          "workload": {{"arrivals": {{"kind": "closed", "users": {users}, "think_ms": {think}}},
                       "query_ms": {query}}},
          "pool": {{"max_size": {pool}, "min_idle": {pool}, "acquire_timeout_ms": null}}}}],
        "database": {db}}}"#
    )
}

#[test]
fn closed_loop_users_are_the_machine_repairman_queue() {
    // 20 users thinking 50 ms on average, 3 connections, 10 ms queries:
    // without waiting they would need 3.3 connections.
    let json = closed(
        20,
        r#"{"kind": "exponential", "mean": 50}"#,
        r#"{"kind": "exponential", "mean": 10}"#,
        3,
        r#"{"max_connections": 100, "connect_ms": 0}"#,
        200.0,
    );
    let reports = run_seeds(&json, REPS);
    let (x, w) = machine_repairman(20, 3, 50.0, 10.0);
    let tput: Vec<f64> = reports.iter().map(|r| r.throughput_per_s).collect();
    assert_agrees("closed loop throughput /s", &tput, x * 1000.0, 0.01);
    let wait: Vec<f64> = reports.iter().map(|r| r.acquire.wait_ms.mean).collect();
    assert_agrees("closed loop mean wait ms", &wait, w, 0.05);
    // With a connection per user nobody waits: throughput is U / (Z + S).
    let json = closed(
        20,
        r#"{"kind": "exponential", "mean": 50}"#,
        r#"{"kind": "exponential", "mean": 10}"#,
        20,
        r#"{"max_connections": 100, "connect_ms": 0}"#,
        200.0,
    );
    let reports = run_seeds(&json, REPS);
    let tput: Vec<f64> = reports.iter().map(|r| r.throughput_per_s).collect();
    assert_agrees(
        "closed loop, c >= U: throughput /s",
        &tput,
        20.0 / 60.0 * 1000.0,
        0.01,
    );
    assert!(reports.iter().all(|r| r.acquire.p_wait == 0.0));
}

#[test]
fn contention_follows_gunthers_curve() {
    // Think time 0 and a constant 10 ms query: all U queries run at once
    // the whole time, each at 1 / (1 + sigma (U - 1) + kappa U (U - 1)).
    let (sigma, kappa) = (0.02, 0.0005);
    let gunther = |u: f64| u / (0.010 * (1.0 + sigma * (u - 1.0) + kappa * u * (u - 1.0)));
    let mut measured = Vec::new();
    for users in [8u32, 44, 128] {
        let duration_s = 20.0;
        let db = format!(
            r#"{{"max_connections": 1000, "connect_ms": 0, "contention": {{"sigma": {sigma}, "kappa": {kappa}}}}}"#
        );
        let json = closed(
            users,
            r#"{"kind": "constant", "value": 0}"#,
            r#"{"kind": "constant", "value": 10}"#,
            users,
            &db,
            duration_s,
        );
        let r = run(&json);
        let want = gunther(f64::from(users));
        // Only the requests cut by the window's two ends differ: at most U
        // at each end.
        let tol = 2.0 * f64::from(users) / duration_s;
        assert!(
            (r.throughput_per_s - want).abs() <= tol,
            "U = {users}: {} /s vs Gunther {want:.1} /s (tolerance {tol:.1})",
            r.throughput_per_s
        );
        eprintln!(
            "U = {users}: simulated {:.1} /s, Gunther {want:.1} /s",
            r.throughput_per_s
        );
        measured.push(r.throughput_per_s);
    }
    // Past the knee, more connections make throughput fall.
    assert!(
        measured[1] > measured[0] && measured[2] < 0.8 * measured[1],
        "{measured:?}"
    );
}

#[test]
fn replicas_split_the_work() {
    // 400/s x 2 queries x 10 ms = 8 cores of work: 25% on the primary's 4
    // cores (0.5), 75% over 2 replicas of 4 cores (0.75 each).
    let json = r#"{"version": 2, "duration_s": 200, "warmup_s": 10,
        "services": [{"name": "api", "instances": 4,
          "workload": {"rate_per_s": 400, "queries_per_request": 2, "read_fraction": 0.75,
                       "query_ms": {"kind": "exponential", "mean": 10}},
          "pool": {"max_size": 40, "acquire_timeout_ms": null}}],
        "database": {"max_connections": 1000, "cores": 4, "connect_ms": 0,
          "replicas": {"count": 2, "max_connections": 1000, "cores": 4}}}"#;
    let reports = run_seeds(json, REPS);
    let util = |db: usize| -> Vec<f64> {
        reports
            .iter()
            .map(|r| r.databases[db].core_utilization.unwrap())
            .collect()
    };
    assert_agrees("primary core utilization", &util(0), 0.5, 0.02);
    assert_agrees("replica:1 core utilization", &util(1), 0.75, 0.02);
    assert_agrees("replica:2 core utilization", &util(2), 0.75, 0.02);
    for r in &reports {
        assert_eq!(r.requests.failed, 0);
    }
}

fn latency_of(query: &str) -> Vec<poolcast::Report> {
    // A large warm pool: latency is the query time itself.
    let json = format!(
        r#"{{"version": 2, "duration_s": 100, "warmup_s": 1,
        "services": [{{"name": "api", "instances": 1,
          "workload": {{"rate_per_s": 500, "query_ms": {query}}},
          "pool": {{"max_size": 400, "min_idle": 400, "acquire_timeout_ms": null}}}}],
        "database": {{"max_connections": 1000, "connect_ms": 0}}}}"#
    );
    run_seeds(&json, REPS)
}

/// A quantile from the latency histogram: the report gives a bucket's top
/// (at most 0.8% above the true value), so the band adds 1% to the
/// statistical one.
fn assert_quantile(what: &str, xs: &[f64], want: f64) {
    let (mean, se) = mean_se(xs);
    let tol = 0.01 * want + 4.5 * se;
    assert!(
        (mean - want).abs() <= tol,
        "{what}: simulated {mean:.3} vs {want} (tolerance {tol:.3})"
    );
    eprintln!("{what}: simulated {mean:.3} +- {se:.2e}, given {want}");
}

#[test]
fn measured_distributions_are_drawn_as_given() {
    let reports = latency_of(
        r#"{"kind": "quantiles", "points": [[0.5, 8], [0.95, 40], [0.99, 85], [0.999, 300]]}"#,
    );
    let q = |f: fn(&poolcast::Report) -> f64| reports.iter().map(f).collect::<Vec<f64>>();
    assert_quantile("quantiles: p50 ms", &q(|r| r.latency_ms.p50), 8.0);
    assert_quantile("quantiles: p95 ms", &q(|r| r.latency_ms.p95), 40.0);
    assert_quantile("quantiles: p99 ms", &q(|r| r.latency_ms.p99), 85.0);
    assert!(reports.iter().all(|r| r.latency_ms.max <= 300.0 + 1e-6));

    let reports = latency_of(r#"{"kind": "samples", "ms": [1, 2, 3, 50]}"#);
    let means: Vec<f64> = reports.iter().map(|r| r.latency_ms.mean).collect();
    assert_agrees("samples: mean ms", &means, 14.0, 0.01);

    // A Prometheus histogram: a quarter up to 1 ms, the rest in (1, 5] ms,
    // uniform inside each: mean 0.25 x 0.5 + 0.75 x 3 = 2.375 ms.
    let reports = latency_of(
        r#"{"kind": "histogram", "le_ms": [1, 5], "counts": [100, 400], "cumulative": true}"#,
    );
    let means: Vec<f64> = reports.iter().map(|r| r.latency_ms.mean).collect();
    assert_agrees("histogram: mean ms", &means, 2.375, 0.01);
}
