//! The engine against queueing theory (MODEL.md §5).
//!
//! A warm fixed pool (min_idle = max_size, connect_ms 0), one instance, one
//! query per request and no CPU contention is an M/M/c queue (exponential
//! query times) or M/D/c (constant). Each check runs independent
//! replications with fixed seeds and compares the replication mean with
//! theory within 4.5 standard errors; it also demands the standard error be
//! small, so a test with too short a run fails instead of passing vacuously.

use poolcast_tests::{assert_agrees, erlang_c, mmc_d, run_seeds};

const REPS: std::ops::Range<u64> = 1..9;

fn mmc(c: u32, rate: f64, mean_ms: f64, timeout: &str, duration_s: f64) -> String {
    format!(
        r#"{{"duration_s": {duration_s}, "warmup_s": 20,
        "workload": {{"rate_per_s": {rate}, "query_ms": {{"kind": "exponential", "mean": {mean_ms}}}}},
        "fleet": {{"instances": 1}},
        "pool": {{"max_size": {c}, "min_idle": {c}, "acquire_timeout_ms": {timeout}}},
        "database": {{"connect_ms": 0, "max_connections": 1000}}}}"#
    )
}

/// Little's law on a run: mean busy connections = throughput x mean hold.
/// Both sides are estimated from about `n` completions; the relative error of
/// the hold-time mean is 1/sqrt(n) for exponential times, plus edge effects
/// of order c/n from requests straddling the window's ends.
fn check_little(r: &poolcast::Report, c: u32, mean_ms: f64) {
    let busy = r.pool.utilization * f64::from(c);
    let want = r.throughput_per_s * mean_ms / 1000.0;
    let n = r.requests.completed as f64;
    let tol = want * (5.0 / n.sqrt() + 2.0 * f64::from(c) / n);
    assert!(
        (busy - want).abs() <= tol,
        "Little's law: busy {busy:.4} vs throughput x hold {want:.4} (tolerance {tol:.4})"
    );
}

fn erlang_checks(c: u32, rate: f64, mean_ms: f64, duration_s: f64) {
    let reports = run_seeds(&mmc(c, rate, mean_ms, "null", duration_s), REPS);
    let mu = 1000.0 / mean_ms;
    let a = rate / mu;
    let pc = erlang_c(c, a);
    let decay = f64::from(c) * mu - rate; // per second
    let label = format!("M/M/{c} at rho {:.2}", a / f64::from(c));

    let p_wait: Vec<f64> = reports.iter().map(|r| r.acquire.p_wait).collect();
    assert_agrees(&format!("{label} P(wait)"), &p_wait, pc, 0.02);

    let mean_wait: Vec<f64> = reports.iter().map(|r| r.acquire.wait_ms.mean).collect();
    assert_agrees(
        &format!("{label} mean wait ms"),
        &mean_wait,
        pc / decay * 1000.0,
        0.03,
    );

    // P(wait > t) = C e^{-(c mu - lambda) t}: the 99th percentile is where
    // that equals 0.01. The histogram adds at most 0.1% to a percentile.
    let p99: Vec<f64> = reports.iter().map(|r| r.acquire.wait_ms.p99).collect();
    let want_p99 = (pc / 0.01).ln() / decay * 1000.0;
    assert_agrees(&format!("{label} p99 wait ms"), &p99, want_p99, 0.03);

    for r in &reports {
        check_little(r, c, mean_ms);
    }
}

#[test]
fn mmc_at_90_percent_matches_erlang_c() {
    erlang_checks(10, 900.0, 10.0, 400.0);
}

#[test]
fn mmc_at_70_percent_matches_erlang_c() {
    erlang_checks(4, 280.0, 10.0, 600.0);
}

fn mmc_d_checks(c: u32, rate: f64, mean_ms: f64, tau_ms: f64) {
    let reports = run_seeds(&mmc(c, rate, mean_ms, &tau_ms.to_string(), 400.0), REPS);
    let (p_wait, p_abandon) = mmc_d(c, rate, 1000.0 / mean_ms, tau_ms / 1000.0);
    let label = format!("M/M/{c}+D rate {rate} patience {tau_ms} ms");
    let to: Vec<f64> = reports.iter().map(|r| r.acquire.timeout_fraction).collect();
    assert_agrees(&format!("{label} timeout fraction"), &to, p_abandon, 0.03);
    let pw: Vec<f64> = reports.iter().map(|r| r.acquire.p_wait).collect();
    assert_agrees(&format!("{label} P(wait)"), &pw, p_wait, 0.02);
    for r in &reports {
        // Those who time out hold no connection: Little's law uses the
        // served throughput, which is what throughput_per_s counts.
        check_little(r, c, mean_ms);
        let q = &r.requests;
        assert_eq!(q.timed_out + q.completed + q.in_flight, q.arrived);
    }
}

#[test]
fn mmc_with_acquire_timeout_matches_mmc_d_abandonment() {
    // Near saturation: rho = 0.98, patience 3x the mean query.
    mmc_d_checks(5, 490.0, 10.0, 30.0);
    // Short patience at rho = 0.8, where the abandonment probability
    // depends strongly on the model's details (9.2%; a model that let an
    // arrival finding c busy start with zero offered wait would say 7.4%).
    mmc_d_checks(5, 400.0, 10.0, 5.0);
}

#[test]
fn md1_mean_wait_matches_pollaczek_khinchine() {
    // M/D/1: W = rho S / (2 (1 - rho)); S = 10 ms, rho = 0.8 gives 20 ms.
    let json = r#"{"duration_s": 600, "warmup_s": 20,
        "workload": {"rate_per_s": 80, "query_ms": {"kind": "constant", "value": 10}},
        "fleet": {"instances": 1},
        "pool": {"max_size": 1, "min_idle": 1, "acquire_timeout_ms": null},
        "database": {"connect_ms": 0}}"#;
    let reports = run_seeds(json, REPS);
    let rho = 0.8;
    let want = rho * 10.0 / (2.0 * (1.0 - rho));
    let w: Vec<f64> = reports.iter().map(|r| r.acquire.wait_ms.mean).collect();
    assert_agrees("M/D/1 mean wait ms", &w, want, 0.03);
    let pw: Vec<f64> = reports.iter().map(|r| r.acquire.p_wait).collect();
    assert_agrees("M/D/1 P(wait) = rho", &pw, rho, 0.01);
    for r in &reports {
        check_little(r, 1, 10.0);
        // Constant service: every latency is wait + exactly 10 ms.
        assert!((r.latency_ms.mean - r.acquire.wait_ms.mean - 10.0).abs() < 0.05);
    }
}
