//! Pool sizing against a service-level objective: the smallest size whose
//! simulated run meets the SLO and whose connections fit the database.
//!
//! What is sized is a [`Sizing`]: one service's `pool.max_size` (the first
//! by default; the SLO reads that service's figures), or the proxy's
//! `default_pool_size` (the SLO reads the wait for a server connection).
//! The queueing formulas ([`crate::plan::analytic`]) give a first guess; the
//! simulation, with the scenario's own seed, confirms it and bisects to the
//! boundary, assuming that a larger pool never does worse. Every simulated
//! size is kept as a point of the explored curve. When no size fits, the
//! answer says which limit binds and what would lift it.

mod explain;
mod gate;
mod sizing;

pub use gate::{Bounds, check_bounds};
pub use sizing::Sizing;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::input::scenario::Scenario;
use crate::input::validate::{ScenarioError, validate};
use crate::measure::report::Report;
use crate::plan::analytic::{Assumption, Mmc};
use crate::plan::sweep::{Scope, SweepPoint, with_field};

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

impl From<Slo> for Bounds {
    fn from(slo: Slo) -> Bounds {
        Bounds {
            max_p99_wait_ms: Some(slo.max_p99_wait_ms),
            max_timeout_fraction: slo.max_timeout_fraction,
            max_failure_fraction: slo.max_failure_fraction,
            ..Bounds::default()
        }
    }
}

impl Slo {
    /// Checks the bounds, naming the field of each problem.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        Bounds::from(*self).validate()
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
    /// The proxy's `max_client_conn` caps the client pools behind it.
    ClientConnections,
}

/// The answer of [`recommend`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// The field sized: `pool.max_size` (version 1), `services[1].pool.max_size`,
    /// or `proxy.default_pool_size`.
    pub field: String,
    /// The service sized; `null` when the proxy is.
    pub service: Option<String>,
    /// The smallest value of `field` meeting the SLO within the connection
    /// limits; `null` if none. (Named for version 1, where it is always the
    /// pool size.)
    pub pool_max_size: Option<u32>,
    /// The smallest value the queueing formulas give for the same SLO (M/M/c or M/M/c+D).
    pub analytic_max_size: Option<u32>,
    /// Whether the scenario keeps every assumption of those formulas.
    pub analytic_exact: bool,
    /// Pools that take the size: the service's (a serverless service's
    /// functions), or the proxy's server pools that may fill up.
    pub pools: u64,
    /// `max_connections - reserved_connections` of the primary.
    pub db_limit: u64,
    /// Connections left for what is sized: the tightest limit less what the
    /// other parties may hold (`db_limit` with one service).
    pub room: u64,
    /// The largest value the connection limits allow.
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
    /// Every simulated value, in increasing order, with the figures the SLO read.
    pub curve: Vec<SweepPoint>,
}

/// The bounds `report` breaks, one sentence each; empty when it meets
/// `slo`. The figures are the totals over every service.
pub fn check(report: &Report, slo: &Slo) -> Vec<String> {
    check_bounds(report, &Bounds::from(*slo), Scope::All)
}

/// The scenario with every pool of the first service at `size`. A
/// `min_idle` equal to the old `max_size` (a fixed, warm pool) follows the
/// new size; otherwise it is capped at it.
pub fn with_pool_size(s: &Scenario, size: u32) -> Result<Scenario, ScenarioError> {
    with_field(s, "pool.max_size", f64::from(size))
}

/// The scenario with what `sizing` sizes at `size`.
pub fn with_size(s: &Scenario, sizing: Sizing, size: u32) -> Result<Scenario, ScenarioError> {
    with_field(s, &sizing.field(s), f64::from(size))
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

/// The smallest pool of the first service that meets `slo` by the queueing
/// formulas, at its peak load, up to `MAX_SIZE`.
pub fn analytic_size(s: &Scenario, slo: &Slo) -> Option<u32> {
    Sizing::Pool(0).analytic_size(s, slo)
}

/// [`recommend_with_progress`] without progress reports.
pub fn recommend(
    s: &Scenario,
    slo: &Slo,
    max_events: u64,
) -> Result<Recommendation, ScenarioError> {
    recommend_with_progress(s, slo, max_events, &mut |_| {})
}

/// Finds the smallest `pool.max_size` of the first service meeting `slo`
/// within the database limit; `progress` hears of each simulated size as it
/// finishes. Each run must fit in `max_events`.
pub fn recommend_with_progress(
    s: &Scenario,
    slo: &Slo,
    max_events: u64,
    progress: &mut dyn FnMut(&SweepPoint),
) -> Result<Recommendation, ScenarioError> {
    recommend_sizing(s, Sizing::Pool(0), slo, max_events, progress)
}

/// Finds the smallest value of what `sizing` sizes meeting `slo` within the
/// connection limits; `progress` hears of each simulated value as it
/// finishes. Each run must fit in `max_events`.
pub fn recommend_sizing(
    s: &Scenario,
    sizing: Sizing,
    slo: &Slo,
    max_events: u64,
    progress: &mut dyn FnMut(&SweepPoint),
) -> Result<Recommendation, ScenarioError> {
    validate(s, max_events)?;
    slo.validate()?;
    sizing.validate(s)?;
    let pools = sizing.pools(s);
    let (allowed, room) = sizing.allowed(s);
    let analytic_max_size = sizing.analytic_size(s, slo);
    let mut runs = Runs {
        base: s,
        sizing,
        scope: sizing.scope(s),
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
        field: sizing.field(s),
        service: sizing.service(s).map(str::to_string),
        pool_max_size: found,
        analytic_max_size,
        // Sizes tried stay within the database limit, whatever the base size.
        analytic_exact: analytic_holds(s, sizing),
        pools,
        db_limit: u64::from(s.db_limit()),
        room,
        max_size_allowed: allowed,
        slo: *slo,
        binding: None,
        reason: None,
        fixes: Vec::new(),
        notes: Vec::new(),
        curve: runs.seen.values().map(|(p, _)| *p).collect(),
    };
    match found {
        Some(size) => explain::found(s, sizing, &mut rec, &runs.seen, size),
        None => explain::none(s, sizing, &mut rec, &runs.seen),
    }
    Ok(rec)
}

/// Whether the formulas behind the first guess are exact for this scenario
/// (the database limit aside: sizes tried stay within it).
fn analytic_holds(s: &Scenario, sizing: Sizing) -> bool {
    sizing
        .assumptions(s)
        .iter()
        .all(|a| a.holds || a.assumption == Assumption::WithinDbLimit)
}

/// Simulated sizes: the point and whether it met the SLO.
type Seen = BTreeMap<u32, (SweepPoint, bool)>;

struct Runs<'a> {
    base: &'a Scenario,
    sizing: Sizing,
    scope: Scope,
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
        let s = with_size(self.base, self.sizing, size)?;
        let report = crate::Sim::new(&validate(&s, self.max_events)?).run_to_end();
        let ok = check_bounds(&report, &Bounds::from(*self.slo), self.scope).is_empty();
        let point = SweepPoint::from_scope(f64::from(size), &report, self.scope);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::plan::analytic::{self, erlang_c};

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

    /// Two services; the second, "worker", is an M/M/c pool: one instance,
    /// warm, 900/s x exponential 10 ms. The first may hold 40 connections.
    fn two_services(max_connections: u32) -> Scenario {
        parse(&format!(
            r#"{{"seed": 5, "duration_s": 100, "warmup_s": 5,
                "services": [
                  {{"name": "api", "instances": 2, "workload": {{"rate_per_s": 100}},
                   "pool": {{"max_size": 20}}}},
                  {{"name": "worker", "instances": 1,
                   "workload": {{"rate_per_s": 900,
                                 "query_ms": {{"kind": "exponential", "mean": 10}}}},
                   "pool": {{"max_size": 10, "min_idle": 10, "acquire_timeout_ms": null}}}}],
                "database": {{"connect_ms": 0, "max_connections": {max_connections}}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn sizes_a_chosen_service_beside_the_others() {
        let slo = Slo {
            max_p99_wait_ms: 5.0,
            max_timeout_fraction: None,
            max_failure_fraction: None,
        };
        // The worker sized, the database allowing `max_connections`.
        let worker = |max_connections| {
            recommend_sizing(
                &two_services(max_connections),
                Sizing::Pool(1),
                &slo,
                crate::DEFAULT_MAX_EVENTS,
                &mut |_| {},
            )
            .unwrap()
        };
        let rec = worker(60);
        assert_eq!(rec.field, "services[1].pool.max_size");
        assert_eq!(rec.service.as_deref(), Some("worker"));
        // 60 - 3 reserved - the api's 2 x 20 = 17 left for the worker.
        assert_eq!((rec.room, rec.max_size_allowed), (17, 17));
        let want = erlang_c_size(900.0, 10.0, 5.0);
        assert_eq!(rec.analytic_max_size, Some(want));
        let got = rec.pool_max_size.unwrap();
        assert!(got.abs_diff(want) <= 1, "{rec:#?}");
        // The curve holds the worker's own waits, not the api's.
        let at = rec
            .curve
            .iter()
            .find(|p| p.value == f64::from(got))
            .unwrap();
        assert!(at.p99_wait_ms <= 5.0);
        // With 53 connections only 10 are left, enough for the 9 busy on
        // average but not for the SLO: the database's connections bind.
        let rec = worker(53);
        assert_eq!(rec.pool_max_size, None, "{rec:#?}");
        assert_eq!(rec.binding, Some(Binding::DatabaseConnections));
        assert_eq!(rec.max_size_allowed, 10);
        assert!(
            rec.fixes.iter().any(|f| f.contains("other parties")),
            "{:?}",
            rec.fixes
        );
        // With 50, 7 are left: fewer than the 9 the load keeps busy.
        let rec = worker(50);
        assert_eq!(rec.binding, Some(Binding::LoadAboveCapacity));
        assert!(rec.reason.as_deref().unwrap().contains("other parties"));
    }

    #[test]
    fn sizes_the_proxy_pool_by_erlang_c() {
        // MODEL.md §9's M/M/S case: 800/s x 10 ms = 8 erlangs at the proxy.
        let s = analytic::mms_behind_proxy(100);
        let slo = Slo {
            max_p99_wait_ms: 2.0,
            max_timeout_fraction: None,
            max_failure_fraction: None,
        };
        let rec = recommend_sizing(
            &s,
            Sizing::Proxy,
            &slo,
            crate::DEFAULT_MAX_EVENTS,
            &mut |_| {},
        )
        .unwrap();
        assert_eq!(rec.field, "proxy.default_pool_size");
        assert_eq!(rec.service, None);
        assert_eq!(rec.analytic_max_size, Some(erlang_c_size(800.0, 10.0, 2.0)));
        assert!(rec.analytic_exact);
        let got = rec.pool_max_size.unwrap();
        assert!(
            got.abs_diff(rec.analytic_max_size.unwrap()) <= 1,
            "{rec:#?}"
        );
        // Every server pool size tried kept min_pool_size with it (warm).
        let warm = with_size(&s, Sizing::Proxy, 7).unwrap().proxy.unwrap();
        assert_eq!((warm.default_pool_size, warm.min_pool_size), (7, 7));
        // Without a proxy there is nothing to size.
        let e = Sizing::Proxy.validate(&mmc(100.0, 10.0, 10.0)).unwrap_err();
        assert!(e.to_string().contains("proxy"), "{e}");
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
