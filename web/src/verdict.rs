//! The words the page puts first: a verdict sentence for a report, and the
//! number formats of the summary cards. A failing run names its main cause,
//! the service it hits, and the fix; a run that recovers slowly from an
//! incident says so.

use poolcast::Report;
use poolcast::analytic::database_budgets;
use poolcast::report::Incident;

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

/// A failure cause in words.
pub fn cause_words(cause: &str) -> &'static str {
    match cause {
        "pool_timeout" => "pool timeouts (P2024)",
        "too_many_clients" => "too many clients (53300)",
        "statement_timeout" => "statement timeouts",
        "max_client_conn" => "refused by the proxy (max_client_conn)",
        "query_wait_timeout" => "query_wait_timeout at the proxy",
        "throttled" => "throttled functions",
        "db_unavailable" => "database unavailable",
        "connection_lost" => "connections lost",
        "transaction_start_timeout" => "transaction start timeouts (maxWait)",
        "transaction_timeout" => "transaction timeouts",
        "idle_in_transaction" => "idle-in-transaction terminations",
        "breaker_open" => "shed by the circuit breaker",
        _ => "other failures",
    }
}

/// What to change when requests fail with `cause`.
pub fn cause_fix(cause: &str, r: &Report) -> String {
    match cause {
        "pool_timeout" => "give the pools more connections (within the database's limit), or \
                           shorten queries"
            .into(),
        "too_many_clients" => {
            let over: Vec<String> = database_budgets(&r.scenario)
                .iter()
                .filter(|b| b.total > b.limit)
                .map(|b| format!("{} {} of {}", b.database, b.total, b.limit))
                .collect();
            let can = if over.is_empty() {
                String::new()
            } else {
                format!(" (they can open {})", over.join(", "))
            };
            format!(
                "keep the connections the services can open under the database's limit{can}: \
                 lower pool sizes or instances, or route them through PgBouncer"
            )
        }
        "max_client_conn" => "raise proxy.max_client_conn, or lower the app pools".into(),
        "query_wait_timeout" => "raise proxy.default_pool_size (within the database's limit), \
                                 or shorten queries"
            .into(),
        "throttled" => "raise serverless.max_concurrency, or shorten the requests".into(),
        "db_unavailable" | "connection_lost" if retries_with_jitter(r) => {
            "a database was down, and jittered retries already cover these: what still fails \
             failed during the outage itself; shorten the outage (a faster failover), retry \
             for longer than it lasts (attempts x backoff), or send reads to a replica"
                .into()
        }
        "db_unavailable" | "connection_lost" => "a database was down: retry these causes with \
                                                 backoff and jitter, or send reads to a replica"
            .into(),
        "statement_timeout" => "find the slow queries, or raise statement_timeout".into(),
        "transaction_start_timeout" => {
            "give transactions more connections, or raise maxWait".into()
        }
        "transaction_timeout" | "idle_in_transaction" => "move slow work (external calls) out \
                                                          of the transaction"
            .into(),
        "breaker_open" => "the breaker shed load while the database failed; shorten \
                           breaker.open_s if it stays open after recovery"
            .into(),
        _ => "see the warnings below".into(),
    }
}

/// Whether every service retries a database outage's failures with jittered
/// backoff (so "add jittered retries" is no longer the fix).
fn retries_with_jitter(r: &Report) -> bool {
    use poolcast::scenario::{Cause, Jitter};
    !r.scenario.services.is_empty()
        && r.scenario.services.iter().all(|s| {
            s.retry.as_ref().is_some_and(|x| {
                x.max_attempts > 1
                    && x.jitter != Jitter::None
                    && x.on.contains(&Cause::DbUnavailable)
                    && x.on.contains(&Cause::ConnectionLost)
            })
        })
}

/// Causes by count, largest first.
fn causes(r: &Report) -> Vec<(String, u64)> {
    let mut v: Vec<(String, u64)> = r
        .requests
        .failed_by_cause
        .iter()
        .map(|(k, n)| (k.clone(), *n))
        .collect();
    if v.is_empty() && r.requests.timed_out > 0 {
        v.push(("pool_timeout".into(), r.requests.timed_out));
    }
    if v.iter().map(|(_, n)| n).sum::<u64>() < r.requests.timed_out + r.requests.failed {
        let rest = r.requests.timed_out + r.requests.failed - v.iter().map(|(_, n)| n).sum::<u64>();
        v.push(("other".into(), rest));
    }
    v.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    v
}

/// The service that fails most, when there are several: "(functions: 97 %)".
fn worst_service(r: &Report) -> Option<String> {
    if r.services.len() < 2 {
        return None;
    }
    r.services
        .iter()
        .map(|s| {
            let arrived = s.requests.arrived.max(1) as f64;
            (
                s.name.as_str(),
                (s.requests.failed + s.requests.timed_out) as f64 / arrived,
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(name, f)| format!("{name} loses {}", fmt_pct(f)))
}

/// An incident's words: its marker's label ("primary restarts (10 s down)").
fn incident_label(i: &Incident, r: &Report) -> String {
    r.timeline
        .events
        .iter()
        .find(|m| m.at_s == i.at_s)
        .map_or(i.kind.clone(), |m| m.label.clone())
}

/// An incident that took much longer to recover than it lasted.
fn slow_recovery(i: &Incident, r: &Report) -> Option<String> {
    let lasted = (i.end_s - i.at_s).max(0.0);
    let label = incident_label(i, r);
    match i.recovery_s {
        None => Some(format!(
            "It never recovered from the {label} at {} s before the run ended.",
            i.at_s
        )),
        Some(rec) if rec >= 10.0 && rec > 2.0 * lasted => Some(format!(
            "It took {rec:.0} s to recover after the {label} at {} s ended (it lasted {lasted:.0} \
             s): retries or a backlog kept it overloaded.",
            i.at_s
        )),
        _ => None,
    }
}

/// How soon the run recovered from its first incident, when none was slow:
/// the failures a restart causes while it lasts then read as the restart's,
/// not as a lasting problem (the fixed half of a retry-storm comparison).
fn quick_recovery(r: &Report) -> Option<String> {
    let i = r.incidents.first()?;
    let rec = i.recovery_s?;
    Some(format!(
        "It recovered {} after the {} at {} s ended.",
        if rec < 0.05 {
            "at once".to_string()
        } else {
            format!("{rec:.1} s")
        },
        incident_label(i, r),
        i.at_s
    ))
}

/// The verdict sentence for `r`: the first of unsafe (requests lost),
/// overloaded, slow to recover, slow, slow at the proxy, works-but (a
/// warning) and safe that applies.
pub fn verdict(r: &Report) -> (Level, String) {
    let arrived = r.requests.arrived.max(1) as f64;
    let p99 = fmt_ms(r.acquire.wait_ms.p99);
    let first_warning = r.warnings.first().cloned();
    let incident = r.incidents.iter().find_map(|i| slow_recovery(i, r));
    let lost = r.requests.timed_out + r.requests.failed;
    if lost > 0 {
        return (Level::Bad, unsafe_text(r, lost, incident));
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
    if let Some(i) = incident {
        return (Level::Warn, format!("Slow to recover: {i}"));
    }
    if r.acquire.wait_ms.p99 > SLOW_P99_MS {
        let advice = if r.warnings.is_empty() {
            format!(
                "raise pool.max_size (the fleet can open {} allowed connections) or shorten \
                 queries.",
                budget_phrase(r)
            )
        } else {
            "the warnings below say what to change.".to_string()
        };
        return (
            Level::Warn,
            format!("Slow: p99 wait for a connection is {p99}, no timeouts yet; {advice}"),
        );
    }
    if let Some(px) = &r.proxy
        && px.wait_ms.p99 > SLOW_P99_MS
    {
        return (
            Level::Warn,
            format!(
                "Slow at the proxy: p99 wait for a server connection is {}; raise \
                 proxy.default_pool_size (within the database's limit) or shorten queries.",
                fmt_ms(px.wait_ms.p99)
            ),
        );
    }
    if let Some(w) = first_warning {
        return (Level::Warn, format!("Works, but: {w}"));
    }
    (
        Level::Safe,
        format!(
            "Safe: p99 wait {p99}, no failures; the fleet can open {} allowed connections.",
            budget_phrase(r)
        ),
    )
}

/// The verdict when `lost` requests timed out or failed: the share and its
/// top causes, the worst service, the fix for the top cause, the recovery
/// (`incident`, if one was slow) and the retries' amplification.
fn unsafe_text(r: &Report, lost: u64, incident: Option<String>) -> String {
    let arrived = r.requests.arrived.max(1) as f64;
    let list = causes(r);
    let shares: Vec<String> = list
        .iter()
        .take(3)
        .map(|(c, n)| format!("{} {}", cause_words(c), fmt_pct(*n as f64 / arrived)))
        .collect();
    let mut text = format!(
        "Unsafe: {} of requests failed ({})",
        fmt_pct(lost as f64 / arrived),
        shares.join(", ")
    );
    if let Some(w) = worst_service(r) {
        text.push_str(&format!("; {w}"));
    }
    text.push('.');
    if let Some((top, _)) = list.first() {
        text.push_str(&format!(" Fix: {}.", cause_fix(top, r)));
    }
    if let Some(i) = incident.or_else(|| quick_recovery(r)) {
        text.push(' ');
        text.push_str(&i);
    }
    if r.requests.amplification > 1.2 {
        text.push_str(&format!(
            " Retries multiplied the attempts by {:.2}.",
            r.requests.amplification
        ));
    }
    text
}

/// "80 of 97" for one database, "primary 40 of 97, replica:1 40 of 97" for more.
fn budget_phrase(r: &Report) -> String {
    let b = database_budgets(&r.scenario);
    match b.as_slice() {
        [one] => format!("{} of {}", one.total, one.limit),
        many => many
            .iter()
            .map(|x| format!("{} {} of {}", x.database, x.total, x.limit))
            .collect::<Vec<_>>()
            .join(", "),
    }
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

    fn gallery(id: &str, before: bool) -> Report {
        let p = crate::presets::by_id(id).unwrap();
        let s = if before {
            p.before.unwrap()
        } else {
            p.scenario
        };
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
    fn timeouts_make_it_unsafe_and_name_the_fix() {
        let r = small(|s| {
            s.app_mut().instances = 1;
            s.app_mut().pool.max_size = 2;
            s.app_mut().pool.acquire_timeout_ms = Some(50.0);
        });
        let (level, text) = verdict(&r);
        assert_eq!(level, Level::Bad, "{text}");
        assert!(text.starts_with("Unsafe"), "{text}");
        assert!(
            text.contains("pool timeouts") && text.contains("Fix: give the pools"),
            "{text}"
        );
    }

    #[test]
    fn serverless_without_a_proxy_names_the_service_and_pgbouncer() {
        let (level, text) = verdict(&gallery("mega-directory", true));
        assert_eq!(level, Level::Bad, "{text}");
        assert!(text.contains("too many clients"), "{text}");
        assert!(text.contains("functions loses"), "{text}");
        assert!(
            text.contains("PgBouncer") && text.contains("primary 1030 of 97"),
            "{text}"
        );
        let (level, text) = verdict(&gallery("mega-directory", false));
        assert_eq!(level, Level::Safe, "{text}");
        assert!(text.contains("50 of 97"), "{text}");
    }

    #[test]
    fn a_slow_recovery_is_called_out() {
        let (level, text) = verdict(&gallery("retry-storm", true));
        assert_eq!(level, Level::Bad, "{text}");
        assert!(
            text.contains("to recover after the primary restarts"),
            "{text}"
        );
        assert!(text.contains("Retries multiplied"), "{text}");
        assert!(!text.contains("It recovered"), "{text}");
        // The fix: the outage's own failures remain, but it is back at once.
        let fixed = gallery("retry-storm", false);
        let rec = fixed.incidents[0].recovery_s.unwrap();
        assert!(rec < 10.0, "{rec}");
        let (level, text) = verdict(&fixed);
        assert_eq!(level, Level::Bad, "{text}");
        assert!(
            text.contains("It recovered") && text.contains("after the primary restarts"),
            "{text}"
        );
        assert!(!text.contains("to recover after"), "{text}");
        assert!(text.contains("jittered retries already cover"), "{text}");
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
