//! Sweeps: run one scenario many times, varying one numeric field, and keep
//! the key figures of each run. Points are independent and deterministic
//! (each runs with the scenario's own seed), so they can run in any order or
//! in parallel workers and still give the same result.

use serde::{Deserialize, Serialize};

use crate::report::Report;
use crate::scenario::Scenario;
use crate::validate::{FieldError, ScenarioError, parse, validate};

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
    /// Fraction of arrived requests that failed otherwise.
    pub failure_fraction: f64,
    /// Requests completed per second.
    pub throughput_per_s: f64,
    /// Most database connections at once.
    pub peak_db_connections: u64,
    /// Pool utilization.
    pub utilization: f64,
}

impl SweepPoint {
    /// The figures of `report`, for the swept `value`.
    pub fn from_report(value: f64, report: &Report) -> SweepPoint {
        let arrived = report.requests.arrived.max(1) as f64;
        SweepPoint {
            value,
            p99_wait_ms: report.acquire.wait_ms.p99,
            timeout_fraction: report.acquire.timeout_fraction,
            failure_fraction: report.requests.failed as f64 / arrived,
            throughput_per_s: report.throughput_per_s,
            peak_db_connections: report.database.peak_connections,
            utilization: report.pool.utilization,
        }
    }
}

/// A whole sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// Dotted path of the swept field, e.g. `pool.max_size`.
    pub field: String,
    /// `max_connections - reserved_connections` of the base scenario.
    pub db_limit: u64,
    /// One point per value, in the order given.
    pub points: Vec<SweepPoint>,
}

/// A copy of `base` with the numeric field at dotted `path` set to `value`.
/// Setting `pool.max_size` also moves `pool.min_idle` along (see below), so
/// a sweep or a search over sizes never asks for more idle than the pool holds.
/// Errors name the field: unknown, or a fraction for a whole-number field.
pub fn with_field(base: &Scenario, path: &str, value: f64) -> Result<Scenario, ScenarioError> {
    let bad = |message: String| {
        ScenarioError::Parse(FieldError {
            field: path.to_string(),
            message,
        })
    };
    let mut json = serde_json::to_value(base).map_err(|e| bad(e.to_string()))?;
    let pointer = format!("/{}", path.replace('.', "/"));
    let slot = json
        .pointer_mut(&pointer)
        .ok_or_else(|| bad("no such field in the scenario".into()))?;
    // Whole values go in as integers, which float fields accept too; a
    // fraction sent to a whole-number field fails parsing, naming the field.
    *slot = if value.fract() == 0.0 && (0.0..9e15).contains(&value) {
        serde_json::Value::from(value as u64)
    } else {
        serde_json::Value::from(value)
    };
    let mut out = parse(&json.to_string())?;
    if path == "pool.max_size" {
        // A min_idle equal to the old max_size (a fixed, warm pool) follows
        // the new size; otherwise it is capped at it.
        let size = out.app().pool.max_size;
        out.app_mut().pool.min_idle = if base.app().pool.min_idle == base.app().pool.max_size {
            size
        } else {
            base.app().pool.min_idle.min(size)
        };
    }
    Ok(out)
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
) -> Result<Vec<Scenario>, ScenarioError> {
    values
        .iter()
        .map(|&v| {
            let s = with_field(base, path, v)?;
            validate(&s, max_events)?;
            Ok(s)
        })
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
    fn with_field_sets_nested_numbers_and_checks_names() {
        let base = Scenario::default();
        let s = with_field(&base, "pool.max_size", 7.0).unwrap();
        assert_eq!(s.app().pool.max_size, 7);
        let s = with_field(&base, "workload.rate_per_s", 12.5).unwrap();
        assert_eq!(s.app().workload.rate_per_s, 12.5);
        let e = with_field(&base, "pool.max_sise", 7.0).unwrap_err();
        assert!(e.to_string().contains("pool.max_sise"), "{e}");
        let e = with_field(&base, "pool.max_size", 7.5).unwrap_err();
        assert!(e.to_string().contains("pool.max_size"), "{e}");
        let warm = with_field(&base, "pool.min_idle", 20.0).unwrap();
        let s = with_field(&warm, "pool.max_size", 6.0).unwrap();
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (6, 6));
        let some = with_field(&base, "pool.min_idle", 5.0).unwrap();
        let s = with_field(&some, "pool.max_size", 3.0).unwrap();
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (3, 3));
        let s = with_field(&some, "pool.max_size", 30.0).unwrap();
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (30, 5));
        let s = with_field(&base, "database.cores", 8.0).unwrap();
        assert_eq!(s.database.cores, Some(8));
    }

    #[test]
    fn range_includes_both_ends() {
        assert_eq!(range(2.0, 8.0, 2.0).unwrap(), vec![2.0, 4.0, 6.0, 8.0]);
        assert!(range(1.0, 0.0, 1.0).is_err());
        assert!(range(0.0, 1.0, 0.0).is_err());
    }
}
