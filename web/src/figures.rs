//! The key figures of a run, the ones the cards show: for the whole run or
//! one service. Compare (A beside B) and the sensitivity band both work on
//! these, so they say the same thing in the same units.

use poolcast::Report;
use serde::{Deserialize, Serialize};

use crate::verdict::{fmt_ms, fmt_pct};

/// What the cards show of one run (or one service of it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Figures {
    /// p99 acquire wait, ms.
    pub p99_wait_ms: f64,
    /// Mean acquire wait, ms.
    pub mean_wait_ms: f64,
    /// Requests that failed for any reason (timeouts included) / arrived.
    pub fail_fraction: f64,
    /// Acquisitions that timed out / attempts.
    pub timeout_fraction: f64,
    /// p99 request latency, ms.
    pub latency_p99_ms: f64,
    /// Completed requests per second.
    pub throughput_per_s: f64,
    /// Most connections the fullest database held (of its limit).
    pub peak_db: u64,
    /// That database's limit.
    pub db_limit: u64,
    /// p99 wait for a server connection at the proxy, ms.
    pub proxy_p99_wait_ms: Option<f64>,
    /// attempts / arrived (retries make it above 1).
    pub amplification: f64,
    /// Fraction of time a pool had waiters.
    pub exhausted_fraction: f64,
}

impl Figures {
    /// The whole run's figures.
    pub fn of(r: &Report) -> Figures {
        let arrived = r.requests.arrived.max(1) as f64;
        // The database closest to its limit (the primary when none has one).
        let (peak_db, db_limit) = r
            .databases
            .iter()
            .map(|d| (d.peak_connections, d.limit))
            .max_by(|a, b| {
                let ra = a.0 as f64 / a.1.max(1) as f64;
                let rb = b.0 as f64 / b.1.max(1) as f64;
                ra.total_cmp(&rb)
            })
            .unwrap_or((
                r.database.peak_connections,
                u64::from(r.scenario.db_limit()),
            ));
        Figures {
            p99_wait_ms: r.acquire.wait_ms.p99,
            mean_wait_ms: r.acquire.wait_ms.mean,
            fail_fraction: (r.requests.timed_out + r.requests.failed) as f64 / arrived,
            timeout_fraction: r.acquire.timeout_fraction,
            latency_p99_ms: r.latency_ms.p99,
            throughput_per_s: r.throughput_per_s,
            peak_db,
            db_limit,
            proxy_p99_wait_ms: r.proxy.as_ref().map(|p| p.wait_ms.p99),
            amplification: r.requests.amplification,
            exhausted_fraction: r.pool.exhausted_fraction,
        }
    }

    /// Service `i`'s figures (the databases and the proxy are shared).
    pub fn of_service(r: &Report, i: usize) -> Figures {
        let whole = Figures::of(r);
        let Some(s) = r.services.get(i) else {
            return whole;
        };
        let arrived = s.requests.arrived.max(1) as f64;
        Figures {
            p99_wait_ms: s.acquire.wait_ms.p99,
            mean_wait_ms: s.acquire.wait_ms.mean,
            fail_fraction: (s.requests.timed_out + s.requests.failed) as f64 / arrived,
            timeout_fraction: s.acquire.timeout_fraction,
            latency_p99_ms: s.latency_ms.p99,
            throughput_per_s: s.throughput_per_s,
            amplification: s.requests.amplification,
            exhausted_fraction: s.pool.exhausted_fraction,
            ..whole
        }
    }
}

/// A figure in its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// Milliseconds.
    Ms,
    /// A fraction shown as a percentage.
    Pct,
    /// Requests per second.
    PerS,
    /// A count.
    Count,
    /// A ratio (x1.5).
    Ratio,
}

/// A value in its unit, for a card.
pub fn fmt_unit(v: f64, unit: Unit) -> String {
    match unit {
        Unit::Ms => fmt_ms(v),
        Unit::Pct => fmt_pct(v),
        Unit::PerS => format!("{v:.1} req/s"),
        Unit::Count => format!("{v:.0}"),
        Unit::Ratio => format!("x{v:.2}"),
    }
}

/// B's difference from A, signed, in the unit ("+38 ms", "−2.40 pp",
/// "same"); percentages differ in percentage points.
pub fn fmt_delta(a: f64, b: f64, unit: Unit) -> String {
    let d = b - a;
    if !d.is_finite() {
        return "–".into();
    }
    let tiny = match unit {
        Unit::Ms => 0.005,
        Unit::Pct => 0.000_05,
        Unit::PerS => 0.05,
        Unit::Count => 0.5,
        Unit::Ratio => 0.005,
    };
    if d.abs() < tiny {
        return "same".into();
    }
    let sign = if d > 0.0 { "+" } else { "−" };
    let m = d.abs();
    let body = match unit {
        Unit::Ms => fmt_ms(m),
        Unit::Pct => format!("{:.2} pp", m * 100.0),
        Unit::PerS => format!("{m:.1} req/s"),
        Unit::Count => format!("{m:.0}"),
        Unit::Ratio => format!("{m:.2}"),
    };
    format!("{sign}{body}")
}

/// Whether going from `a` to `b` is better (lower waits and failures,
/// higher throughput), worse, or neither.
pub fn better(a: f64, b: f64, unit: Unit) -> Option<bool> {
    if (a - b).abs() < 1e-12 || !a.is_finite() || !b.is_finite() {
        return None;
    }
    Some(match unit {
        Unit::PerS => b > a,
        _ => b < a,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deltas_carry_sign_and_unit() {
        assert_eq!(fmt_delta(3.1, 41.0, Unit::Ms), "+37.9 ms");
        assert_eq!(fmt_delta(0.0, 0.024, Unit::Pct), "+2.40 pp");
        assert_eq!(fmt_delta(0.024, 0.0, Unit::Pct), "−2.40 pp");
        assert_eq!(fmt_delta(5.0, 5.0, Unit::Ms), "same");
        assert_eq!(fmt_delta(97.0, 50.0, Unit::Count), "−47");
        assert_eq!(better(3.0, 41.0, Unit::Ms), Some(false));
        assert_eq!(better(300.0, 400.0, Unit::PerS), Some(true));
        assert_eq!(better(1.0, 1.0, Unit::Pct), None);
        assert_eq!(fmt_unit(0.5, Unit::Pct), "50.00 %");
    }

    #[test]
    fn figures_of_a_run_and_of_a_service() {
        let p = crate::presets::by_id("mega-directory").unwrap();
        let r = poolcast::run(p.before.as_ref().unwrap()).unwrap();
        let all = Figures::of(&r);
        assert_eq!(all.db_limit, 97);
        assert_eq!(all.peak_db, 97);
        assert!(all.fail_fraction > 0.1);
        let api = Figures::of_service(&r, 0);
        let functions = Figures::of_service(&r, 1);
        assert!(api.fail_fraction < 0.01, "{api:?}");
        assert!(functions.fail_fraction > 0.5, "{functions:?}");
        assert_eq!(functions.peak_db, 97, "the databases are shared");
        assert_eq!(Figures::of_service(&r, 9), all);
    }
}
