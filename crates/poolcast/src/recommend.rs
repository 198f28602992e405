//! Pool sizing against a service-level objective: the smallest per-pool
//! `max_size` whose simulated run meets the SLO and whose fleet fits the
//! database.
//!
//! The queueing formulas ([`crate::analytic`]) give a first guess; the
//! simulation, with the scenario's own seed, confirms it and bisects to the
//! boundary, assuming that a larger pool never does worse. Every simulated
//! size is kept as a point of the explored curve. When no size fits, the
//! answer says which limit binds and what would lift it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::analytic::{self, Assumption, Mmc};
use crate::dist::mean_ms;
use crate::report::Report;
use crate::scenario::Scenario;
use crate::sweep::{SweepPoint, with_field};
use crate::validate::{FieldError, ScenarioError, validate};

/// Largest pool the search considers (the validation limit of `pool.max_size`).
const MAX_SIZE: u32 = 100_000;

/// A service-level objective for connection acquisition.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Slo {
    /// Highest acceptable 99th percentile acquire wait of served acquisitions, ms.
    pub max_p99_wait_ms: f64,
    /// Highest acceptable fraction of acquisitions that time out; `null`: no bound.
    #[serde(default)]
    pub max_timeout_fraction: Option<f64>,
    /// Highest acceptable fraction of requests that fail otherwise; `null`: no bound.
    #[serde(default)]
    pub max_failure_fraction: Option<f64>,
}

impl Slo {
    /// Checks the bounds, naming the field of each problem.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        let mut errors = Vec::new();
        if !(self.max_p99_wait_ms.is_finite() && self.max_p99_wait_ms >= 0.0) {
            errors.push(FieldError {
                field: "slo.max_p99_wait_ms".into(),
                message: format!(
                    "must be a number of ms, 0 or more, got {}",
                    self.max_p99_wait_ms
                ),
            });
        }
        for (field, value) in [
            ("slo.max_timeout_fraction", self.max_timeout_fraction),
            ("slo.max_failure_fraction", self.max_failure_fraction),
        ] {
            if let Some(x) = value.filter(|x| !(0.0..=1.0).contains(x)) {
                errors.push(FieldError {
                    field: field.into(),
                    message: format!("must be a fraction from 0 to 1, got {x}"),
                });
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ScenarioError::Invalid(errors))
        }
    }
}

/// What limits the pool size when nothing fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Binding {
    /// The size the SLO needs, times the pools, exceeds what the database accepts.
    DatabaseConnections,
    /// The database's cores cannot run the queries fast enough.
    DatabaseCores,
    /// Even every connection the database accepts cannot carry the load.
    LoadAboveCapacity,
    /// A bound no pool size moves (e.g. failures from statement timeouts).
    Slo,
}

/// The answer of [`recommend`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// The smallest per-pool `max_size` meeting the SLO within the database limit; `null` if none.
    pub pool_max_size: Option<u32>,
    /// The smallest size the queueing formulas give for the same SLO (M/M/c or M/M/c+D).
    pub analytic_max_size: Option<u32>,
    /// Whether the scenario keeps every assumption of those formulas.
    pub analytic_exact: bool,
    /// Pools in the fleet.
    pub pools: u64,
    /// `max_connections - reserved_connections`.
    pub db_limit: u64,
    /// The largest per-pool size the database limit allows.
    pub max_size_allowed: u32,
    /// The objective.
    pub slo: Slo,
    /// When nothing fits: the limit that binds.
    pub binding: Option<Binding>,
    /// When nothing fits: why, in a sentence.
    pub reason: Option<String>,
    /// When nothing fits: what would make something fit.
    pub fixes: Vec<String>,
    /// Remarks: why simulation and formulas differ, budget share, timeouts.
    pub notes: Vec<String>,
    /// Every simulated size, in increasing order.
    pub curve: Vec<SweepPoint>,
}

/// The bounds `report` breaks, one sentence each; empty when it meets `slo`.
pub fn check(report: &Report, slo: &Slo) -> Vec<String> {
    let point = SweepPoint::from_report(f64::from(report.scenario.app().pool.max_size), report);
    let mut out = Vec::new();
    if point.p99_wait_ms > slo.max_p99_wait_ms {
        out.push(format!(
            "acquire wait p99 is {:.3} ms, over the bound of {} ms",
            point.p99_wait_ms, slo.max_p99_wait_ms
        ));
    }
    // Acquisitions neither served, timed out nor failed were still waiting
    // when the run ended; their waits are in no percentile. Many of them
    // means the line was growing: the served p99 says nothing then.
    let a = &report.acquire;
    let served: u64 = a.wait_histogram.counts.iter().sum();
    let timed_out = (a.timeout_fraction * a.attempts as f64).round() as u64;
    let stuck = a
        .attempts
        .saturating_sub(served + timed_out + report.requests.failed);
    if stuck * 100 > a.attempts {
        out.push(format!(
            "{:.1}% of acquisitions were still waiting when the run ended, so their waits are in \
             no percentile: the pools cannot keep up, so the wait bound is not met",
            stuck as f64 * 100.0 / a.attempts as f64
        ));
    }
    if let Some(max) = slo
        .max_timeout_fraction
        .filter(|&m| point.timeout_fraction > m)
    {
        out.push(format!(
            "{:.4}% of acquisitions timed out, over the bound of {:.4}%",
            point.timeout_fraction * 100.0,
            max * 100.0
        ));
    }
    if let Some(max) = slo
        .max_failure_fraction
        .filter(|&m| point.failure_fraction > m)
    {
        out.push(format!(
            "{:.4}% of requests failed, over the bound of {:.4}%",
            point.failure_fraction * 100.0,
            max * 100.0
        ));
    }
    out
}

/// The scenario with every pool at `size`. A `min_idle` equal to the old
/// `max_size` (a fixed, warm pool) follows the new size; otherwise it is
/// capped at it.
pub fn with_pool_size(s: &Scenario, size: u32) -> Result<Scenario, ScenarioError> {
    with_field(s, "pool.max_size", f64::from(size))
}

/// Whether one pool, as a queue, meets the SLO's wait and timeout bounds.
fn queue_meets(q: &Mmc, slo: &Slo) -> bool {
    if !q.stable() {
        return false;
    }
    let p_to = q.p_timeout();
    if slo.max_timeout_fraction.is_some_and(|m| p_to > m) || p_to >= 1.0 {
        return false;
    }
    // p99 <= X exactly when at most 1% of served waits exceed X.
    let x = slo.max_p99_wait_ms;
    let over = match q.timeout_ms {
        Some(tau) if x >= tau => 0.0,
        _ => (q.p_wait_over(x) - p_to) / (1.0 - p_to),
    };
    over <= 0.01
}

/// The smallest pool that meets `slo` by the queueing formulas, at the
/// scenario's peak load, up to `MAX_SIZE`.
pub fn analytic_size(s: &Scenario, slo: &Slo) -> Option<u32> {
    let mut q = analytic::pool_queue(s, 1, s.app().pool.acquire_timeout_ms);
    while q.servers <= MAX_SIZE {
        if queue_meets(&q, slo) {
            return Some(q.servers);
        }
        q = q.with_one_more();
    }
    None
}

/// [`recommend_with_progress`] without progress reports.
pub fn recommend(
    s: &Scenario,
    slo: &Slo,
    max_events: u64,
) -> Result<Recommendation, ScenarioError> {
    recommend_with_progress(s, slo, max_events, &mut |_| {})
}

/// Finds the smallest per-pool `max_size` meeting `slo` within the database
/// limit; `progress` hears of each simulated size as it finishes. Each run
/// must fit in `max_events`.
pub fn recommend_with_progress(
    s: &Scenario,
    slo: &Slo,
    max_events: u64,
    progress: &mut dyn FnMut(&SweepPoint),
) -> Result<Recommendation, ScenarioError> {
    validate(s, max_events)?;
    slo.validate()?;
    let pools = s.pool_count();
    let db_limit = u64::from(s.db_limit());
    let allowed = (db_limit / pools).min(u64::from(MAX_SIZE)) as u32;
    let analytic_max_size = analytic_size(s, slo);
    let mut runs = Runs {
        base: s,
        slo,
        max_events,
        seen: BTreeMap::new(),
        progress,
    };
    let found = if allowed == 0 {
        None
    } else {
        search(
            &mut runs,
            analytic_max_size.unwrap_or(allowed).clamp(1, allowed),
            allowed,
        )?
    };
    let mut rec = Recommendation {
        pool_max_size: found,
        analytic_max_size,
        // Sizes tried stay within the database limit, whatever the base size.
        analytic_exact: analytic::assumptions(s)
            .iter()
            .all(|a| a.holds || a.assumption == Assumption::WithinDbLimit),
        pools,
        db_limit,
        max_size_allowed: allowed,
        slo: *slo,
        binding: None,
        reason: None,
        fixes: Vec::new(),
        notes: Vec::new(),
        curve: runs.seen.values().map(|(p, _)| *p).collect(),
    };
    match found {
        Some(size) => explain_found(s, &mut rec, &runs.seen, size),
        None => explain_none(s, &mut rec, &runs.seen),
    }
    Ok(rec)
}

/// Simulated sizes: the point and whether it met the SLO.
type Seen = BTreeMap<u32, (SweepPoint, bool)>;

struct Runs<'a> {
    base: &'a Scenario,
    slo: &'a Slo,
    max_events: u64,
    seen: Seen,
    progress: &'a mut dyn FnMut(&SweepPoint),
}

impl Runs<'_> {
    /// Simulates `size` once and says whether it meets the SLO.
    fn meets(&mut self, size: u32) -> Result<bool, ScenarioError> {
        if let Some((_, ok)) = self.seen.get(&size) {
            return Ok(*ok);
        }
        let s = with_pool_size(self.base, size)?;
        validate(&s, self.max_events)?;
        let report = crate::Sim::new(&s).run_to_end();
        let ok = check(&report, self.slo).is_empty();
        let point = SweepPoint::from_report(f64::from(size), &report);
        (self.progress)(&point);
        self.seen.insert(size, (point, ok));
        Ok(ok)
    }
}

/// Gallops from `guess` to bracket the boundary, then bisects.
fn search(runs: &mut Runs, guess: u32, allowed: u32) -> Result<Option<u32>, ScenarioError> {
    let (mut bad, mut good) = if runs.meets(guess)? {
        let (mut good, mut step) = (guess, 1);
        loop {
            let below = good.saturating_sub(step);
            if below == 0 {
                break (0, good);
            }
            if !runs.meets(below)? {
                break (below, good);
            }
            good = below;
            step *= 2;
        }
    } else {
        let (mut bad, mut step) = (guess, 1);
        loop {
            if bad >= allowed {
                return Ok(None);
            }
            let above = bad.saturating_add(step).min(allowed);
            if runs.meets(above)? {
                break (bad, above);
            }
            bad = above;
            step *= 2;
        }
    };
    while good - bad > 1 {
        let mid = bad + (good - bad) / 2;
        if runs.meets(mid)? {
            good = mid;
        } else {
            bad = mid;
        }
    }
    Ok(Some(good))
}

fn explain_found(s: &Scenario, rec: &mut Recommendation, seen: &Seen, size: u32) {
    let fleet = rec.pools * u64::from(size);
    if fleet * 5 > rec.db_limit * 4 {
        rec.notes.push(format!(
            "{} pools x {size} = {fleet} connections is over 80% of the {} the database accepts; \
             the guides keep 20% free for deploys and admin sessions.",
            rec.pools, rec.db_limit
        ));
    }
    let unbounded_timeouts = seen
        .get(&size)
        .filter(|(p, _)| rec.slo.max_timeout_fraction.is_none() && p.timeout_fraction > 0.0);
    if let Some((p, _)) = unbounded_timeouts {
        rec.notes.push(format!(
            "{:.3}% of acquisitions time out at this size and the SLO sets no bound on \
             timeouts (their waits are not in the p99).",
            p.timeout_fraction * 100.0
        ));
    }
    let Some(an) = rec.analytic_max_size else {
        return;
    };
    if an == size {
        return;
    }
    if !rec.analytic_exact {
        let broken: Vec<String> = analytic::assumptions(s)
            .into_iter()
            .filter(|a| !a.holds && a.assumption != Assumption::WithinDbLimit)
            .map(|a| a.detail)
            .collect();
        rec.notes.push(format!(
            "the formulas give {an} and the simulation {size}: the scenario breaks their \
             assumptions ({}), so the formulas only start the search.",
            broken.join(" ")
        ));
        return;
    }
    // The sizes where the two disagree lie between them; show the closest to the bound.
    let k = size.min(an);
    let q = analytic::pool_queue(s, k, s.app().pool.acquire_timeout_ms);
    let model = if q.timeout_ms.is_some() {
        "M/M/c+D"
    } else {
        "Erlang C"
    };
    let theory = q
        .served_wait_quantile_ms(0.99)
        .map_or("unbounded".to_string(), |w| format!("{w:.2} ms"));
    let sim = seen.get(&k).map_or("not simulated".to_string(), |(p, _)| {
        format!("{:.2} ms", p.p99_wait_ms)
    });
    rec.notes.push(format!(
        "the simulation gives {size} and {model} {an}: at size {k} the formula's p99 wait is \
         {theory} and the simulated one {sim}, on either side of the {} ms bound (or of the \
         timeout bound); a finite run samples the tail with noise (run longer to settle it).",
        rec.slo.max_p99_wait_ms
    ));
}

fn explain_none(s: &Scenario, rec: &mut Recommendation, seen: &Seen) {
    let load = analytic::load(s);
    let limit = rec.db_limit;
    let busy = load.peak_rate_per_s * load.hold_per_request_ms / 1000.0;
    let cpu = load.peak_rate_per_s
        * f64::from(s.app().workload.queries_per_request)
        * mean_ms(&s.app().workload.query_ms)
        / 1000.0;
    // At the largest size tried, only the failure bound broken: pool size is not the cause.
    let only_failures = seen.values().next_back().is_some_and(|(p, _)| {
        p.p99_wait_ms <= rec.slo.max_p99_wait_ms
            && rec
                .slo
                .max_timeout_fraction
                .is_none_or(|m| p.timeout_fraction <= m)
            && rec
                .slo
                .max_failure_fraction
                .is_some_and(|m| p.failure_fraction > m)
    });
    let formulas_fit = rec
        .analytic_max_size
        .is_some_and(|n| n <= rec.max_size_allowed);
    let (binding, reason) = match s.database.cores {
        Some(k) if cpu >= f64::from(k) => (
            Binding::DatabaseCores,
            format!(
                "the queries need {cpu:.1} cores of database time at {} requests/s and the \
                 database has {k}: no pool size helps.",
                load.peak_rate_per_s
            ),
        ),
        _ if busy >= limit as f64 => (
            Binding::LoadAboveCapacity,
            format!(
                "the load keeps {busy:.1} connections busy on average (Little's law) and the \
                 database accepts only {limit}."
            ),
        ),
        _ if rec.max_size_allowed == 0 => (
            Binding::DatabaseConnections,
            format!(
                "{} pools are more than the {limit} connections the database accepts.",
                rec.pools
            ),
        ),
        _ if only_failures => (
            Binding::Slo,
            "requests fail at every size tried (statement timeouts or refused connections), \
             which a larger pool does not fix."
                .to_string(),
        ),
        Some(k) if formulas_fit => (
            Binding::DatabaseCores,
            format!(
                "the SLO is missed at every size up to {}: with {k} database cores, larger pools \
                 make queries slower instead of waits shorter.",
                rec.max_size_allowed
            ),
        ),
        _ => (
            Binding::DatabaseConnections,
            format!(
                "the SLO is missed at every size up to {} (the formulas ask for {}), and {} pools \
                 x {} = {} is over the {limit} connections the database accepts.",
                rec.max_size_allowed,
                rec.analytic_max_size
                    .map_or("more than that".to_string(), |n| format!("about {n}")),
                rec.pools,
                rec.max_size_allowed + 1,
                rec.pools * (u64::from(rec.max_size_allowed) + 1)
            ),
        ),
    };
    rec.binding = Some(binding);
    rec.reason = Some(reason);
    rec.fixes = fixes(s, rec, binding, busy, cpu);
}

fn fixes(s: &Scenario, rec: &Recommendation, binding: Binding, busy: f64, cpu: f64) -> Vec<String> {
    let limit = rec.db_limit;
    let reserved = u64::from(s.database.reserved_connections);
    match binding {
        Binding::DatabaseCores => vec![format!(
            "give the database more than {cpu:.1} cores, cache, or cut query time; more \
             connections will not help."
        )],
        Binding::LoadAboveCapacity => vec![
            format!(
                "raise database.max_connections above {} (more than {busy:.0} busy connections \
                 plus headroom and the reserved ones).",
                (busy * 1.25).ceil() as u64 + reserved
            ),
            "or hold connections for less time: shorter queries, no external calls inside \
             transactions."
                .into(),
        ],
        Binding::Slo => vec![
            "look at database.statement_timeout_ms and the failures in the report; the pool \
             size is not the cause."
                .into(),
        ],
        Binding::DatabaseConnections => {
            let mut out = Vec::new();
            let ppi = u64::from(s.app().pools_per_instance);
            // The most instances whose pools, sized by the formulas for their
            // larger share of the load, still fit. Fewer instances need fewer
            // connections in all (bigger pools share better), so bisect.
            let fits = |n: u32| {
                let mut t = s.clone();
                t.app_mut().instances = n;
                let size = analytic_size(&t, &rec.slo)?;
                (u64::from(n) * ppi * u64::from(size) <= limit).then_some((n, size))
            };
            let (mut lo, mut hi) = (0, s.app().instances);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if fits(mid).is_some() {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let fewer = if lo == 0 { None } else { fits(lo) };
            if let Some((n, size)) = fewer {
                out.push(format!(
                    "run {n} instances instead of {}: each pool then needs about {size} \
                     connections (by the formulas) and {} fit.",
                    s.app().instances,
                    u64::from(n) * ppi * u64::from(size)
                ));
            }
            let mut one = s.clone();
            one.app_mut().instances = 1;
            one.app_mut().pools_per_instance = 1;
            if let Some(size) = analytic_size(&one, &rec.slo) {
                out.push(format!(
                    "put a transaction-mode proxy (PgBouncer, RDS Proxy) in front: one shared \
                     pool of about {size} server connections carries the whole load{}.",
                    if u64::from(size) <= limit {
                        String::new()
                    } else {
                        format!(", though that is still over {limit}")
                    }
                ));
            }
            if let Some(size) = rec.analytic_max_size {
                out.push(format!(
                    "raise database.max_connections to at least {} ({} pools x {size} + {reserved} \
                     reserved).",
                    rec.pools * u64::from(size) + reserved,
                    rec.pools
                ));
            }
            out
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analytic::erlang_c;
    use crate::parse;

    /// An M/M/c pool: warm, one instance, no contention, exponential queries.
    fn mmc(rate_per_s: f64, mean_ms: f64, duration_s: f64) -> Scenario {
        parse(&format!(
            r#"{{"seed": 11, "duration_s": {duration_s}, "warmup_s": 10,
                "workload": {{"rate_per_s": {rate_per_s},
                              "query_ms": {{"kind": "exponential", "mean": {mean_ms}}}}},
                "fleet": {{"instances": 1}},
                "pool": {{"max_size": 10, "min_idle": 10, "acquire_timeout_ms": null}},
                "database": {{"connect_ms": 0, "max_connections": 500}}}}"#
        ))
        .unwrap()
    }

    /// The smallest c with P(W > x) = C(c, a) e^{-(c mu - lambda) x} <= 1%,
    /// straight from the Erlang C formula (Kleinrock vol. 1, eq. 3.40).
    fn erlang_c_size(rate_per_s: f64, mean_ms: f64, x_ms: f64) -> u32 {
        let a = rate_per_s * mean_ms / 1000.0;
        (1..)
            .find(|&c| {
                let gamma = (f64::from(c) - a) / mean_ms;
                f64::from(c) > a && erlang_c(c, a) * libm::exp(-gamma * x_ms) <= 0.01
            })
            .unwrap()
    }

    #[test]
    fn recommendation_agrees_with_erlang_c_on_mmc_pools() {
        // Run lengths give 40k-100k acquisitions per size; the p99 of the
        // wait moves by more than its sampling noise from one size to the next
        // except near the bound, where one size either way is allowed and
        // must be explained.
        for (rate, mean, bound, secs) in [
            (200.0, 50.0, 20.0, 300.0),
            (900.0, 10.0, 5.0, 100.0),
            (50.0, 100.0, 100.0, 1000.0),
            (400.0, 20.0, 1.0, 200.0),
        ] {
            let s = mmc(rate, mean, secs);
            let slo = Slo {
                max_p99_wait_ms: bound,
                max_timeout_fraction: None,
                max_failure_fraction: None,
            };
            let want = erlang_c_size(rate, mean, bound);
            let rec = recommend(&s, &slo, crate::DEFAULT_MAX_EVENTS).unwrap();
            assert_eq!(rec.analytic_max_size, Some(want));
            assert!(rec.analytic_exact);
            let got = rec.pool_max_size.unwrap();
            assert!(
                got.abs_diff(want) <= 1,
                "{rate}/s x {mean} ms: {got} vs {want}"
            );
            if got != want {
                assert!(
                    rec.notes.iter().any(|n| n.contains("either side")),
                    "{rec:?}"
                );
            }
            // The curve shows the boundary: the size below fails, the size meets.
            let at = |v: u32| rec.curve.iter().find(|p| p.value == f64::from(v));
            assert!(at(got).unwrap().p99_wait_ms <= bound);
            if got > 1 {
                assert!(at(got - 1).unwrap().p99_wait_ms > bound);
            }
        }
    }

    #[test]
    fn recommendation_with_a_timeout_agrees_with_mmc_d() {
        // 600/s x 10 ms with a 10 ms acquire timeout: the simulation (an
        // independent implementation) and M/M/c+D agree within one size.
        let mut s = mmc(600.0, 10.0, 300.0);
        s.app_mut().pool.acquire_timeout_ms = Some(10.0);
        let slo = Slo {
            max_p99_wait_ms: 8.0,
            max_timeout_fraction: Some(0.001),
            max_failure_fraction: None,
        };
        let rec = recommend(&s, &slo, crate::DEFAULT_MAX_EVENTS).unwrap();
        let (got, want) = (rec.pool_max_size.unwrap(), rec.analytic_max_size.unwrap());
        assert!(got.abs_diff(want) <= 1, "{rec:?}");
        let q = analytic::pool_queue(&s, want, Some(10.0));
        assert!(q.p_timeout() <= 0.001 && q.served_wait_quantile_ms(0.99).unwrap() <= 8.0);
        let fewer = analytic::pool_queue(&s, want - 1, Some(10.0));
        assert!(fewer.p_timeout() > 0.001 || fewer.served_wait_quantile_ms(0.99).unwrap() > 8.0);
    }

    #[test]
    fn too_many_instances_for_the_database() {
        // 40 instances, 10 busy connections' worth of load; the database takes 17.
        let mut s = mmc(500.0, 20.0, 20.0);
        s.app_mut().instances = 40;
        s.database.max_connections = 20;
        let slo = Slo {
            max_p99_wait_ms: 5.0,
            max_timeout_fraction: None,
            max_failure_fraction: None,
        };
        let rec = recommend(&s, &slo, crate::DEFAULT_MAX_EVENTS).unwrap();
        assert_eq!(rec.pool_max_size, None);
        assert_eq!(rec.binding, Some(Binding::DatabaseConnections));
        assert!(rec.reason.as_deref().unwrap().contains("40 pools"));
        assert!(
            rec.fixes.iter().any(|f| f.contains("proxy")),
            "{:?}",
            rec.fixes
        );
    }

    #[test]
    fn cores_bind_when_queries_need_more_cpu() {
        let mut s = mmc(500.0, 20.0, 5.0);
        s.database.cores = Some(4);
        let slo = Slo {
            max_p99_wait_ms: 50.0,
            max_timeout_fraction: None,
            max_failure_fraction: None,
        };
        // 500/s x 20 ms = 10 cores of work on 4 cores.
        let rec = recommend(&s, &slo, crate::DEFAULT_MAX_EVENTS).unwrap();
        assert_eq!(rec.pool_max_size, None, "{rec:#?}");
        assert_eq!(rec.binding, Some(Binding::DatabaseCores));
    }

    #[test]
    fn check_names_each_broken_bound() {
        let s = mmc(900.0, 10.0, 20.0);
        let r = crate::run(&s).unwrap();
        let loose = Slo {
            max_p99_wait_ms: 1e6,
            max_timeout_fraction: Some(0.0),
            max_failure_fraction: Some(0.0),
        };
        assert!(check(&r, &loose).is_empty());
        let tight = Slo {
            max_p99_wait_ms: 0.0,
            ..loose
        };
        let broken = check(&r, &tight);
        assert_eq!(broken.len(), 1);
        assert!(broken[0].contains("p99"));
        // Twice the load the pool can carry and no timeout: the line grows,
        // and waiters still in it at the end break the wait bound.
        let mut over = mmc(1800.0, 10.0, 20.0);
        over.app_mut().pool.max_size = 5;
        over.app_mut().pool.min_idle = 5;
        let broken = check(&crate::run(&over).unwrap(), &loose);
        assert_eq!(broken.len(), 1);
        assert!(broken[0].contains("still waiting"), "{broken:?}");
        let bad = Slo {
            max_timeout_fraction: Some(1.5),
            ..loose
        };
        let e = bad.validate().unwrap_err();
        assert!(e.to_string().contains("slo.max_timeout_fraction"), "{e}");
    }
}
