//! The words the page puts first: a verdict sentence for a report, and the
//! number formats of the summary cards.

use poolcast::Report;

/// How the verdict should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Nothing to fix.
    Safe,
    /// Works, with something to look at.
    Warn,
    /// Requests fail.
    Bad,
}

impl Level {
    /// CSS class of the level.
    pub fn class(self) -> &'static str {
        match self {
            Level::Safe => "safe",
            Level::Warn => "warn",
            Level::Bad => "bad",
        }
    }
}

/// p99 acquire wait above which a run is called slow, ms.
const SLOW_P99_MS: f64 = 100.0;

/// The verdict sentence for `r`.
pub fn verdict(r: &Report) -> (Level, String) {
    let s = &r.scenario;
    let fleet = s.pool_count() * u64::from(s.app().pool.max_size);
    let limit = s.db_limit();
    let arrived = r.requests.arrived.max(1) as f64;
    let failed = r.requests.failed as f64 / arrived;
    let p99 = fmt_ms(r.acquire.wait_ms.p99);
    let first_warning = r.warnings.first().cloned();
    if r.requests.timed_out > 0 || r.requests.failed > 0 {
        let mut text = format!(
            "Unsafe: {} of requests timed out waiting for a connection and {} failed",
            fmt_pct(r.acquire.timeout_fraction),
            fmt_pct(failed)
        );
        if r.database.too_many_clients > 0 {
            text.push_str(&format!(
                " ({} connection opens refused: too many clients)",
                r.database.too_many_clients
            ));
        }
        text.push('.');
        if let Some(w) = first_warning {
            text.push(' ');
            text.push_str(&w);
        }
        return (Level::Bad, text);
    }
    let stuck = r.requests.in_flight as f64 / arrived;
    if stuck > 0.01 {
        return (
            Level::Bad,
            format!(
                "Overloaded: {} of requests were still waiting for a connection when the run \
                 ended (the pools cannot keep up; without an acquire timeout the line only \
                 grows). {}",
                fmt_pct(stuck),
                first_warning.unwrap_or_default()
            ),
        );
    }
    if r.acquire.wait_ms.p99 > SLOW_P99_MS {
        let advice = if r.warnings.is_empty() {
            format!(
                "raise pool.max_size (the fleet can open {fleet} of {limit} allowed connections) \
                 or shorten queries."
            )
        } else {
            "the warnings below say what to change.".to_string()
        };
        return (
            Level::Warn,
            format!("Slow: p99 wait for a connection is {p99}, no timeouts yet; {advice}"),
        );
    }
    if let Some(w) = first_warning {
        return (Level::Warn, format!("Works, but: {w}"));
    }
    (
        Level::Safe,
        format!(
            "Safe: p99 wait {p99}, no timeouts; the fleet can open {fleet} of {limit} allowed \
             connections."
        ),
    )
}

/// A duration in ms, with a unit that suits it.
pub fn fmt_ms(ms: f64) -> String {
    if !ms.is_finite() {
        "–".into()
    } else if ms == 0.0 {
        "0 ms".into()
    } else if ms >= 10_000.0 {
        format!("{:.1} s", ms / 1000.0)
    } else if ms >= 100.0 {
        format!("{ms:.0} ms")
    } else if ms >= 1.0 {
        format!("{ms:.1} ms")
    } else {
        format!("{ms:.2} ms")
    }
}

/// A fraction as a percentage.
pub fn fmt_pct(x: f64) -> String {
    if x == 0.0 {
        "0 %".into()
    } else if x < 0.0001 {
        "< 0.01 %".into()
    } else {
        format!("{:.2} %", x * 100.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use poolcast::Scenario;

    fn small(f: impl FnOnce(&mut Scenario)) -> Report {
        let mut s = Scenario {
            duration_s: 20.0,
            warmup_s: 2.0,
            ..Scenario::default()
        };
        f(&mut s);
        poolcast::run(&s).unwrap()
    }

    #[test]
    fn a_comfortable_fleet_is_safe() {
        let (level, text) = verdict(&small(|s| s.app_mut().instances = 2));
        assert_eq!(level, Level::Safe, "{text}");
        assert!(text.contains("40 of 97"), "{text}");
    }

    #[test]
    fn a_line_that_only_grows_is_overloaded_not_fine() {
        // One connection, no acquire timeout, far more work than it can do:
        // nothing times out or fails, but most requests never get served.
        let r = small(|s| {
            s.app_mut().instances = 1;
            s.app_mut().pool.max_size = 1;
            s.app_mut().pool.acquire_timeout_ms = None;
        });
        assert_eq!(r.requests.timed_out + r.requests.failed, 0);
        let (level, text) = verdict(&r);
        assert_eq!(level, Level::Bad, "{text}");
        assert!(text.starts_with("Overloaded"), "{text}");
    }

    #[test]
    fn timeouts_make_it_unsafe() {
        let r = small(|s| {
            s.app_mut().instances = 1;
            s.app_mut().pool.max_size = 2;
            s.app_mut().pool.acquire_timeout_ms = Some(50.0);
        });
        let (level, text) = verdict(&r);
        assert_eq!(level, Level::Bad, "{text}");
        assert!(text.starts_with("Unsafe"), "{text}");
    }

    #[test]
    fn long_waits_are_called_slow_before_any_warning() {
        let r = small(|s| {
            s.app_mut().workload.rate_per_s = 580.0;
            s.database.cores = Some(8);
        });
        assert!(r.acquire.wait_ms.p99 > SLOW_P99_MS && !r.warnings.is_empty());
        let (level, text) = verdict(&r);
        assert_eq!(level, Level::Warn);
        assert!(
            text.starts_with("Slow") && text.contains("warnings below"),
            "{text}"
        );
    }

    #[test]
    fn formats() {
        assert_eq!(fmt_ms(3.04), "3.0 ms");
        assert_eq!(fmt_ms(20_000.0), "20.0 s");
        assert_eq!(fmt_ms(0.0), "0 ms");
        assert_eq!(fmt_pct(0.0), "0 %");
        assert_eq!(fmt_pct(0.1234), "12.34 %");
    }
}
