//! Capacity gates: bounds a finished run must keep, for `poolcast check` in
//! CI. A deploy plan or a failover drill is a scenario with timed events;
//! the gate says which bound its report breaks, one sentence each.

use serde::{Deserialize, Serialize};

use crate::input::validate::{FieldError, ScenarioError};
use crate::measure::report::Report;
use crate::plan::sweep::{Scope, SweepPoint};

/// Bounds on a report; `None` sets no bound.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bounds {
    /// Highest acceptable 99th percentile acquire wait of served acquisitions, ms.
    pub max_p99_wait_ms: Option<f64>,
    /// Highest acceptable fraction of acquisitions that time out.
    pub max_timeout_fraction: Option<f64>,
    /// Highest acceptable fraction of requests that fail for another cause.
    pub max_failure_fraction: Option<f64>,
    /// Longest acceptable recovery after any timed event, s
    /// (`incidents[].recovery_s`; never recovering breaks it).
    pub max_recovery_s: Option<f64>,
    /// Highest acceptable attempts / arrived, in total and per service.
    pub max_amplification: Option<f64>,
}

impl Bounds {
    /// Whether no bound is set.
    pub fn is_empty(&self) -> bool {
        *self == Bounds::default()
    }

    /// Checks the bounds, naming the field (`slo.max_recovery_s`, ...) of
    /// each problem.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let mut errors = Vec::new();
        let mut err = |field: &str, message: String| {
            errors.push(FieldError {
                field: format!("slo.{field}"),
                message,
            });
        };
        for (field, value, what) in [
            ("max_p99_wait_ms", self.max_p99_wait_ms, "ms"),
            ("max_recovery_s", self.max_recovery_s, "seconds"),
        ] {
            if let Some(x) = value.filter(|x| !(x.is_finite() && *x >= 0.0)) {
                err(
                    field,
                    format!("must be a number of {what}, 0 or more, got {x}"),
                );
            }
        }
        for (field, value) in [
            ("max_timeout_fraction", self.max_timeout_fraction),
            ("max_failure_fraction", self.max_failure_fraction),
        ] {
            if let Some(x) = value.filter(|x| !(0.0..=1.0).contains(x)) {
                err(field, format!("must be a fraction from 0 to 1, got {x}"));
            }
        }
        if let Some(x) = self
            .max_amplification
            .filter(|x| !(x.is_finite() && *x >= 1.0))
        {
            err(
                "max_amplification",
                format!("must be 1 or more (attempts / arrived is at least 1), got {x}"),
            );
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError::Invalid(errors))
        }
    }
}

/// The bounds `report` breaks, seen from `scope`, one sentence each; empty
/// when it keeps them all.
pub fn check_bounds(report: &Report, b: &Bounds, scope: Scope) -> Vec<String> {
    let point = SweepPoint::from_scope(0.0, report, scope);
    let mut out = Vec::new();
    let whose = match scope {
        Scope::Service(i) if report.services.len() > 1 => report
            .services
            .get(i)
            .map_or(String::new(), |s| format!("{}: ", s.name)),
        Scope::Proxy => "proxy: ".to_string(),
        _ => String::new(),
    };
    if let Some(max) = b.max_p99_wait_ms {
        if point.p99_wait_ms > max {
            out.push(format!(
                "{whose}acquire wait p99 is {:.3} ms, over the bound of {max} ms",
                point.p99_wait_ms
            ));
        }
        if let Some(line) = stuck(report, scope) {
            out.push(format!("{whose}{line}"));
        }
    }
    out.extend(fraction_over(
        &whose,
        "acquisitions timed out",
        point.timeout_fraction,
        b.max_timeout_fraction,
    ));
    out.extend(fraction_over(
        &whose,
        "requests failed",
        point.failure_fraction,
        b.max_failure_fraction,
    ));
    if let Some(max) = b.max_recovery_s {
        recovery(report, max, &mut out);
    }
    if let Some(max) = b.max_amplification {
        amplification(report, scope, max, &mut out);
    }
    out
}

/// The sentence for a fraction `got` over its `bound`; `None` within it or
/// without one.
fn fraction_over(whose: &str, what: &str, got: f64, bound: Option<f64>) -> Option<String> {
    let max = bound.filter(|&m| got > m)?;
    Some(format!(
        "{whose}{:.4}% of {what}, over the bound of {:.4}%",
        got * 100.0,
        max * 100.0
    ))
}

/// Acquisitions neither served, timed out nor failed were still waiting
/// when the run ended; their waits are in no percentile. Many of them means
/// the line was growing: the served p99 says nothing then. (The report
/// counts failed requests, not failed acquisitions, so with retries or
/// refused connects the difference alone overcounts; a waiting acquisition
/// belongs to a request still in flight, which bounds it.)
fn stuck(report: &Report, scope: Scope) -> Option<String> {
    let (a, r, queries) = match scope {
        Scope::Service(i) if i < report.services.len() => (
            &report.services[i].acquire,
            &report.services[i].requests,
            report
                .scenario
                .services
                .get(i)
                .map_or(1, |s| s.workload.queries_per_request),
        ),
        Scope::Proxy => return None,
        _ => (
            &report.acquire,
            &report.requests,
            report
                .scenario
                .services
                .iter()
                .map(|s| s.workload.queries_per_request)
                .max()
                .unwrap_or(1),
        ),
    };
    let served: u64 = a.wait_histogram.counts.iter().sum();
    let timed_out = (a.timeout_fraction * a.attempts as f64).round() as u64;
    let unresolved = a.attempts.saturating_sub(served + timed_out + r.failed);
    let stuck = unresolved.min(r.in_flight.saturating_mul(u64::from(queries.max(1))));
    (stuck * 100 > a.attempts).then(|| {
        format!(
            "{:.1}% of acquisitions were still waiting when the run ended, so their waits are in \
             no percentile: the pools cannot keep up, so the wait bound is not met",
            stuck as f64 * 100.0 / a.attempts as f64
        )
    })
}

fn recovery(report: &Report, max: f64, out: &mut Vec<String>) {
    for i in &report.incidents {
        let what = format!("{} at {} s (ended at {} s)", i.kind, i.at_s, i.end_s);
        match i.recovery_s {
            None => out.push(format!(
                "{what} never recovered before the run ended, over the recovery bound of {max} s"
            )),
            Some(r) if r > max => out.push(format!(
                "{what} took {r} s to recover, over the bound of {max} s"
            )),
            Some(_) => {}
        }
    }
}

fn amplification(report: &Report, scope: Scope, max: f64, out: &mut Vec<String>) {
    let line = |who: &str, a: f64, attempts: u64, arrived: u64| {
        format!(
            "{who}retries made {attempts} attempts for {arrived} requests, an amplification of \
             {a:.3}, over the bound of {max}"
        )
    };
    let r = &report.requests;
    let all = matches!(scope, Scope::All | Scope::Proxy);
    if all && r.amplification > max {
        out.push(line("", r.amplification, r.attempts, r.arrived));
    }
    if report.services.len() < 2 {
        return;
    }
    for (i, s) in report.services.iter().enumerate() {
        let mine = all || scope == Scope::Service(i);
        if mine && s.requests.amplification > max {
            let q = &s.requests;
            out.push(line(
                &format!("{}: ", s.name),
                q.amplification,
                q.attempts,
                q.arrived,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::report::Incident;

    fn report() -> Report {
        let s = crate::parse(
            r#"{"seed": 4, "duration_s": 10, "warmup_s": 1,
                "workload": {"rate_per_s": 100, "query_ms": {"kind": "exponential", "mean": 5}},
                "fleet": {"instances": 1}, "pool": {"max_size": 5}}"#,
        )
        .unwrap();
        crate::run(&s).unwrap()
    }

    #[test]
    fn recovery_bounds_break_on_slow_or_missing_recovery() {
        let mut r = report();
        let b = Bounds {
            max_recovery_s: Some(30.0),
            ..Bounds::default()
        };
        // No timed events: nothing to break.
        assert!(check_bounds(&r, &b, Scope::All).is_empty());
        let incident = |recovery_s| Incident {
            at_s: 100.0,
            kind: "db_restart".into(),
            end_s: 115.0,
            recovery_s,
        };
        r.incidents = vec![incident(Some(12.0)), incident(Some(30.0))];
        assert!(check_bounds(&r, &b, Scope::All).is_empty());
        r.incidents.push(incident(Some(31.0)));
        r.incidents.push(incident(None));
        let lines = check_bounds(&r, &b, Scope::All);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[0].contains("took 31 s"), "{lines:?}");
        assert!(lines[1].contains("never recovered"), "{lines:?}");
    }

    #[test]
    fn amplification_bounds_the_total_and_each_service() {
        let mut r = report();
        let b = Bounds {
            max_amplification: Some(1.5),
            ..Bounds::default()
        };
        assert_eq!(r.requests.amplification, 1.0);
        assert!(check_bounds(&r, &b, Scope::All).is_empty());
        r.requests.amplification = 1.6;
        assert_eq!(check_bounds(&r, &b, Scope::All).len(), 1);
        // With two services, each is bounded on its own too.
        let mut other = r.services[0].clone();
        other.name = "worker".into();
        other.requests.amplification = 2.0;
        r.services.push(other);
        let lines = check_bounds(&r, &b, Scope::All);
        assert_eq!(lines.len(), 2, "{lines:?}");
        assert!(lines[1].starts_with("worker: "), "{lines:?}");
        assert!(check_bounds(&r, &b, Scope::Service(0)).is_empty());
        assert_eq!(check_bounds(&r, &b, Scope::Service(1)).len(), 1);
    }

    #[test]
    fn bounds_are_validated_by_name() {
        for (b, field) in [
            (
                Bounds {
                    max_amplification: Some(0.5),
                    ..Bounds::default()
                },
                "slo.max_amplification",
            ),
            (
                Bounds {
                    max_recovery_s: Some(-1.0),
                    ..Bounds::default()
                },
                "slo.max_recovery_s",
            ),
        ] {
            let e = b.validate().unwrap_err().to_string();
            assert!(e.contains(field), "{e}");
        }
        assert!(Bounds::default().is_empty());
    }
}
