//! Sweeps: run one scenario many times, varying one numeric field (or
//! several, over a grid), and keep the key figures of each run. Points are
//! independent and deterministic (each runs with the scenario's own seed),
//! so they can run in any order, in parallel workers or on other machines
//! ([`grid`]'s shards) and still give the same result.

mod grid;
mod path;

pub use grid::{
    Axis, GridPoint, GridSweep, MAX_GRID_POINTS, Shard, grid_size, merge, point_scenario, run_grid,
    values_at,
};
pub use path::with_field;

use serde::{Deserialize, Serialize};

use crate::input::scenario::{Cause, Scenario};
use crate::input::validate::{ScenarioError, Validated, validate};
use crate::measure::report::Report;

/// The key figures of one run of a sweep.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPoint {
    /// The value the swept field had.
    pub value: f64,
    /// 99th percentile acquire wait, ms.
    pub p99_wait_ms: f64,
    /// Fraction of acquisitions that timed out.
    pub timeout_fraction: f64,
    /// Fraction of arrived requests that failed for any cause but the one
    /// `timeout_fraction` counts (every version-2 cause included: refused,
    /// throttled, lost connections, transaction limits, breaker...).
    pub failure_fraction: f64,
    /// Requests completed per second.
    pub throughput_per_s: f64,
    /// Most database connections at once.
    pub peak_db_connections: u64,
    /// Pool utilization.
    pub utilization: f64,
}

/// Whose figures a point shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The totals over every service (version 1's figures).
    All,
    /// One service's own figures (an index into `services`).
    Service(usize),
    /// The proxy: waits for a server connection and `query_wait_timeout`s.
    Proxy,
}

/// Failed requests by every cause but `skip`.
fn failed_except(by_cause: &std::collections::BTreeMap<String, u64>, skip: Cause) -> u64 {
    by_cause
        .iter()
        .filter(|(c, _)| c.as_str() != skip.name())
        .map(|(_, n)| n)
        .sum()
}

impl SweepPoint {
    /// The figures of `report`, for the swept `value`: the totals.
    pub fn from_report(value: f64, report: &Report) -> SweepPoint {
        SweepPoint::from_scope(value, report, Scope::All)
    }

    /// The figures of `report` seen from `scope`. The database and
    /// throughput figures are always the totals' when the scope is the proxy.
    pub fn from_scope(value: f64, report: &Report, scope: Scope) -> SweepPoint {
        let peak_db_connections = report.database.peak_connections;
        let total = |acquire: &crate::measure::report::Acquire,
                     r: &crate::measure::report::Requests| {
            let arrived = r.arrived.max(1) as f64;
            (
                acquire.wait_ms.p99,
                acquire.timeout_fraction,
                failed_except(&r.failed_by_cause, Cause::PoolTimeout) as f64 / arrived,
            )
        };
        let (p99_wait_ms, timeout_fraction, failure_fraction, throughput_per_s, utilization) =
            match (scope, &report.proxy) {
                (Scope::Service(i), _) if i < report.services.len() => {
                    let svc = &report.services[i];
                    let (p99, to, fail) = total(&svc.acquire, &svc.requests);
                    (p99, to, fail, svc.throughput_per_s, svc.pool.utilization)
                }
                (Scope::Proxy, Some(p)) => {
                    let r = &report.requests;
                    let arrived = r.arrived.max(1) as f64;
                    (
                        p.wait_ms.p99,
                        p.query_wait_timeouts as f64 / p.attempts.max(1) as f64,
                        failed_except(&r.failed_by_cause, Cause::QueryWaitTimeout) as f64 / arrived,
                        report.throughput_per_s,
                        report.pool.utilization,
                    )
                }
                _ => {
                    let (p99, to, fail) = total(&report.acquire, &report.requests);
                    (
                        p99,
                        to,
                        fail,
                        report.throughput_per_s,
                        report.pool.utilization,
                    )
                }
            };
        SweepPoint {
            value,
            p99_wait_ms,
            timeout_fraction,
            failure_fraction,
            throughput_per_s,
            peak_db_connections,
            utilization,
        }
    }
}

/// A whole sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// Path of the swept field, e.g. `pool.max_size` or `services[1].pool.max_size`.
    pub field: String,
    /// `max_connections - reserved_connections` of the base scenario.
    pub db_limit: u64,
    /// One point per value, in the order given.
    pub points: Vec<SweepPoint>,
}

/// The values `from, from + step, ...` up to `to` (inclusive, with a little
/// slack for rounding).
pub fn range(from: f64, to: f64, step: f64) -> Result<Vec<f64>, String> {
    if step.is_nan() || step <= 0.0 || !from.is_finite() || !to.is_finite() || to < from {
        return Err(format!(
            "need from <= to and step > 0, got from {from} to {to} step {step}"
        ));
    }
    let n = ((to - from) / step + 1e-9).floor() as u64 + 1;
    if n > 1000 {
        return Err(format!("{n} points is over the limit of 1000"));
    }
    Ok((0..n).map(|i| from + step * i as f64).collect())
}

/// Validates every point's scenario before running any of them.
pub fn scenarios(
    base: &Scenario,
    path: &str,
    values: &[f64],
    max_events: u64,
) -> Result<Vec<Validated>, ScenarioError> {
    values
        .iter()
        .map(|&v| validate(&with_field(base, path, v)?, max_events))
        .collect()
}

/// Runs a sweep of `path` over `values`, in order, on this thread.
pub fn run(
    base: &Scenario,
    path: &str,
    values: &[f64],
    max_events: u64,
) -> Result<Sweep, ScenarioError> {
    let runs = scenarios(base, path, values, max_events)?;
    let points = runs
        .iter()
        .zip(values)
        .map(|(s, &v)| SweepPoint::from_report(v, &crate::Sim::new(s).run_to_end()))
        .collect();
    Ok(Sweep {
        field: path.to_string(),
        db_limit: u64::from(base.db_limit()),
        points,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failure_fraction_counts_every_cause() {
        // Functions throttled at max_concurrency 3 and a worker whose pool
        // times out: throttled counts as a failure, the pool timeouts do not
        // (they are timeout_fraction).
        let s = crate::parse(
            r#"{"seed": 2, "duration_s": 20, "warmup_s": 1,
                "services": [
                  {"name": "fn", "kind": "serverless",
                   "serverless": {"max_concurrency": 3, "idle_reclaim_s": 0,
                                  "orphan_linger_s": 0,
                                  "cold_start_ms": {"kind": "constant", "value": 0}},
                   "workload": {"rate_per_s": 300,
                                "query_ms": {"kind": "exponential", "mean": 10}},
                   "pool": {"max_size": 1}},
                  {"name": "worker", "instances": 1,
                   "workload": {"rate_per_s": 300,
                                "query_ms": {"kind": "exponential", "mean": 10}},
                   "pool": {"max_size": 2, "acquire_timeout_ms": 5}}]}"#,
        )
        .unwrap();
        let r = crate::run(&s).unwrap();
        let by = &r.requests.failed_by_cause;
        let (throttled, timeouts) = (by["throttled"], by["pool_timeout"]);
        assert!(throttled > 0 && timeouts > 0, "{by:?}");
        let p = SweepPoint::from_report(1.0, &r);
        let arrived = r.requests.arrived as f64;
        let others: u64 = by.values().sum::<u64>() - timeouts;
        assert_eq!(p.failure_fraction, others as f64 / arrived);
        assert!(p.failure_fraction >= throttled as f64 / arrived);
        // One service alone: the worker fails only by timing out.
        let w = SweepPoint::from_scope(1.0, &r, Scope::Service(1));
        assert_eq!(w.failure_fraction, 0.0);
        assert!(w.timeout_fraction > 0.0);
        let f = SweepPoint::from_scope(1.0, &r, Scope::Service(0));
        let fn_arrived = r.services[0].requests.arrived as f64;
        assert_eq!(f.failure_fraction, throttled as f64 / fn_arrived);
    }

    #[test]
    fn range_includes_both_ends() {
        assert_eq!(range(2.0, 8.0, 2.0).unwrap(), vec![2.0, 4.0, 6.0, 8.0]);
        assert!(range(1.0, 0.0, 1.0).is_err());
        assert!(range(0.0, 1.0, 0.0).is_err());
    }
}
