//! The calculator: what Little's law, queueing theory and the guides' rules
//! of thumb say about a scenario, without simulating it.
//!
//! [`calc`] turns a scenario into a [`Calc`]: plain serde data for the CLI
//! (`poolcast calc`) and the web page. Each queueing result lists the
//! assumptions it rests on and whether this scenario keeps them, so a reader
//! knows when to trust the simulation instead. Pure functions, no I/O.
//!
//! ```
//! let s = poolcast::parse(r#"{
//!     "workload": {"rate_per_s": 900, "query_ms": {"kind": "exponential", "mean": 10}},
//!     "fleet": {"instances": 1},
//!     "pool": {"max_size": 10, "min_idle": 10, "acquire_timeout_ms": null},
//!     "database": {"connect_ms": 0}
//! }"#).unwrap();
//! let c = poolcast::analytic::calc(&s);
//! // 9 erlangs on 10 connections: Erlang C says 67% of acquisitions wait.
//! assert!((c.erlang_c.p_wait - 0.6687).abs() < 1e-4);
//! assert!(c.erlang_c.exact);
//! ```

mod assume;
mod budget;
pub(crate) mod demand;
mod proxy;
mod queue;
mod rules;
mod serverless;

pub use assume::{Assumption, AssumptionCheck, EXPONENTIAL_P99_OVER_P50, assumptions_for};
pub use budget::{BudgetRow, DatabaseBudget, Opener, database_budgets, limit_of, others_on};
pub use demand::{acquires_per_request, peak_rate, sends_reads, share_on};
#[cfg(test)]
pub(crate) use proxy::mms_behind_proxy;
pub use proxy::{ProxyCalc, ServerPoolQueue, proxy_calc, server_load};
pub(crate) use proxy::{other_clients, routed};
pub use queue::{Mmc, erlang_b, erlang_c};
pub use rules::{
    Budget, ConcurrencyRule, CoresRule, Rules, ServerlessRule, Verdict, budget, rules,
};
pub(crate) use serverless::client_connections;
pub use serverless::{LimitLoss, ServerlessLoss, serverless_losses};

use serde::{Deserialize, Serialize};

use crate::input::dist::lognormal_params;
use crate::input::scenario::{Dist, Scenario, Service};
use crate::plan::analytic::demand::workload_hold_ms;

/// Everything the calculator says about one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calc {
    /// The service the single-pool results below describe.
    pub service: String,
    /// The load the formulas were fed, derived from the scenario.
    pub load: Load,
    /// Little's law: busy connections = arrival rate x mean hold time.
    pub littles_law: LittlesLaw,
    /// The guides' rules of thumb.
    pub rules: Rules,
    /// The primary's connections against its limit, sized by this service.
    pub budget: Budget,
    /// One pool as M/M/c (Erlang C), as if waiters never gave up.
    pub erlang_c: QueueResult,
    /// One pool as M/M/c+D with the acquire timeout; `null` without one.
    pub with_timeout: Option<QueueResult>,
    /// Every assumption the queueing results make, checked against the scenario.
    pub assumptions: Vec<AssumptionCheck>,
    /// Each database's connection budget: who can open how many, the limit,
    /// the headroom.
    pub databases: Vec<DatabaseBudget>,
    /// Erlang B for each serverless service.
    pub serverless: Vec<ServerlessLoss>,
    /// Erlang C for the proxy's server pools; `null` without a proxy.
    pub proxy: Option<ProxyCalc>,
}

/// The load on a service and on each of its primary pools, at its busiest.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    /// Primary pools of the service (instances x pools per instance; for a
    /// serverless service, `max_concurrency` functions with a pool each).
    pub pools: u64,
    /// Requests per second at the busiest (closed loop: the most the users
    /// can send).
    pub peak_rate_per_s: f64,
    /// Connection acquisitions per second in each primary pool.
    pub acquires_per_pool_per_s: f64,
    /// Acquisitions per request: the queries, or one for a transaction.
    pub acquires_per_request: u32,
    /// Mean time a request holds connections, summed over its queries, ms.
    pub hold_per_request_ms: f64,
    /// Mean time one acquisition holds its connection, ms.
    pub hold_per_acquire_ms: f64,
    /// Fraction of the acquisitions that go to the primary (the rest are
    /// reads on the replicas' pools).
    pub primary_share: f64,
}

/// Little's law: mean busy connections = rate x mean hold time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LittlesLaw {
    /// Busy connections across the service.
    pub busy_connections: f64,
    /// Busy connections in each primary pool (the offered load, erlangs).
    pub busy_per_pool: f64,
    /// `busy_per_pool / pool.max_size`; at 1 or more the pool cannot keep up.
    pub utilization: f64,
    /// What this result rests on.
    pub assumes: Vec<Assumption>,
}

/// One pool as a queue.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QueueResult {
    /// `M/M/c` or `M/M/c+D`.
    pub model: String,
    /// Connections (c = `pool.max_size`).
    pub servers: u32,
    /// Offered load, erlangs (a = lambda x mean hold).
    pub offered_load: f64,
    /// a / c.
    pub utilization: f64,
    /// Whether waits stay bounded (always with a timeout, else a < c).
    pub stable: bool,
    /// P(wait > 0).
    pub p_wait: f64,
    /// M/M/c+D: the fraction that time out. M/M/c: P(wait > acquire_timeout_ms)
    /// if nobody gave up (0 without a timeout).
    pub p_timeout: f64,
    /// Mean wait of served acquisitions, ms; `null` when unbounded.
    pub mean_wait_ms: Option<f64>,
    /// Median wait of served acquisitions, ms.
    pub p50_wait_ms: Option<f64>,
    /// 95th percentile wait of served acquisitions, ms.
    pub p95_wait_ms: Option<f64>,
    /// 99th percentile wait of served acquisitions, ms.
    pub p99_wait_ms: Option<f64>,
    /// What this result rests on.
    pub assumes: Vec<Assumption>,
    /// Whether the scenario keeps every one of them.
    pub exact: bool,
}

const QUEUE_ASSUMES: [Assumption; 7] = [
    Assumption::PoissonArrivals,
    Assumption::ExponentialHold,
    Assumption::OnePool,
    Assumption::NoDbContention,
    Assumption::WarmPool,
    Assumption::SteadyRate,
    Assumption::WithinDbLimit,
];

/// The calculator's answer for a validated scenario, its single-pool
/// results for the first service.
pub fn calc(s: &Scenario) -> Calc {
    calc_for(s, 0)
}

/// The calculator's answer for a validated scenario, its single-pool
/// results for service `svc` (an index into `services`; out of range reads
/// as the first).
pub fn calc_for(s: &Scenario, svc: usize) -> Calc {
    let svc = if svc < s.services.len() { svc } else { 0 };
    let service = &s.services[svc];
    let load = load_for(s, svc);
    let assumptions = assumptions_for(s, svc);
    // The queueing results rest on every assumption checked.
    let exact = assumptions.iter().all(|a| a.holds);
    let busy_per_pool = load.acquires_per_pool_per_s * load.hold_per_acquire_ms / 1000.0;
    let queue = |timeout_ms| pool_queue_for(s, svc, service.pool.max_size, timeout_ms);
    Calc {
        service: service.name.clone(),
        littles_law: LittlesLaw {
            busy_connections: load.peak_rate_per_s * load.hold_per_request_ms / 1000.0,
            busy_per_pool,
            utilization: busy_per_pool / f64::from(service.pool.max_size.max(1)),
            assumes: vec![Assumption::SteadyRate],
        },
        rules: rules(s, svc, &load),
        budget: budget(s, svc),
        erlang_c: queue_result(&queue(None), service.pool.acquire_timeout_ms, exact),
        with_timeout: service
            .pool
            .acquire_timeout_ms
            .map(|tau| queue_result(&queue(Some(tau)), None, exact)),
        assumptions,
        load,
        databases: database_budgets(s),
        serverless: serverless_losses(s),
        proxy: proxy_calc(s),
    }
}

/// The load figures of the first service.
pub fn load(s: &Scenario) -> Load {
    load_for(s, 0)
}

/// The pools of a service, each with `pool.max_size` connections: its
/// instances' pools, or for a serverless service one per function
/// (`max_concurrency`).
pub(crate) fn pools_of(service: &Service) -> u64 {
    if service.is_serverless() {
        u64::from(service.serverless_or_default().max_concurrency)
    } else {
        service.pool_count()
    }
}

/// The load figures of service `svc`, at its busiest.
pub fn load_for(s: &Scenario, svc: usize) -> Load {
    let service = &s.services[svc];
    let pools = pools_of(service).max(1);
    let acquires_per_request = acquires_per_request(&service.workload);
    let hold_per_request_ms = workload_hold_ms(&service.workload);
    let peak_rate_per_s = peak_rate(service);
    let primary_share = share_on(s, service, 0);
    Load {
        pools,
        peak_rate_per_s,
        acquires_per_pool_per_s: peak_rate_per_s * f64::from(acquires_per_request) * primary_share
            / pools as f64,
        acquires_per_request,
        hold_per_request_ms,
        hold_per_acquire_ms: hold_per_request_ms / f64::from(acquires_per_request),
        primary_share,
    }
}

/// One primary pool of the first service, of `servers` connections, under
/// its peak load.
pub fn pool_queue(s: &Scenario, servers: u32, timeout_ms: Option<f64>) -> Mmc {
    pool_queue_for(s, 0, servers, timeout_ms)
}

/// One primary pool of service `svc`, of `servers` connections, under its
/// peak load.
pub fn pool_queue_for(s: &Scenario, svc: usize, servers: u32, timeout_ms: Option<f64>) -> Mmc {
    let l = load_for(s, svc);
    Mmc::new(
        servers,
        l.acquires_per_pool_per_s / 1000.0,
        l.hold_per_acquire_ms,
        timeout_ms,
    )
}

/// Each queueing assumption for the first service.
pub fn assumptions(s: &Scenario) -> Vec<AssumptionCheck> {
    assumptions_for(s, 0)
}

pub(crate) fn queue_result(q: &Mmc, tail_at_ms: Option<f64>, exact: bool) -> QueueResult {
    let a = q.offered_load();
    QueueResult {
        model: if q.timeout_ms.is_some() {
            "M/M/c+D"
        } else {
            "M/M/c"
        }
        .to_string(),
        servers: q.servers,
        offered_load: a,
        utilization: a / f64::from(q.servers.max(1)),
        stable: q.stable(),
        p_wait: q.p_wait(),
        p_timeout: match (q.timeout_ms, tail_at_ms) {
            (Some(_), _) => q.p_timeout(),
            (None, Some(t)) => q.p_wait_over(t),
            (None, None) => 0.0,
        },
        mean_wait_ms: q.mean_served_wait_ms(),
        p50_wait_ms: q.served_wait_quantile_ms(0.50),
        p95_wait_ms: q.served_wait_quantile_ms(0.95),
        p99_wait_ms: q.served_wait_quantile_ms(0.99),
        assumes: QUEUE_ASSUMES.to_vec(),
        exact,
    }
}

/// A probability as a percentage for a sentence: "4.82%", "0.0031%", or
/// "under 0.0001%" for what rounds to nothing.
pub(crate) fn percent(p: f64) -> String {
    let x = p * 100.0;
    if x == 0.0 {
        "0%".into()
    } else if x < 1e-4 {
        "under 0.0001%".into()
    } else if x < 0.01 {
        // Two significant digits.
        let decimals = libm::ceil(-libm::log10(x)) as usize + 1;
        format!("{x:.decimals$}%")
    } else {
        format!("{x:.2}%")
    }
}

/// p99 / p50 of a distribution, ms over ms (`NaN` when p50 is 0).
fn p99_over_p50(d: &Dist) -> f64 {
    match *d {
        Dist::Constant { .. } => 1.0,
        Dist::Exponential { .. } => EXPONENTIAL_P99_OVER_P50,
        Dist::Uniform { min, max } => (min + 0.99 * (max - min)) / (min + 0.5 * (max - min)),
        Dist::Lognormal { .. } => match lognormal_params(d) {
            Ok(Some((_, sigma))) => libm::exp(sigma * crate::input::dist::Z99),
            _ => f64::NAN,
        },
        Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. } => {
            match crate::input::measured::Measured::new(d) {
                Some(m) => m.at(0.99) / m.at(0.5),
                None => f64::NAN,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn percentages_for_sentences() {
        assert_eq!(percent(0.0482187), "4.82%");
        assert_eq!(percent(0.000_031), "0.0031%");
        assert_eq!(percent(1e-18), "under 0.0001%");
        assert_eq!(percent(5e-7), "under 0.0001%");
        assert_eq!(percent(0.0), "0%");
    }

    fn scenario(json: &str) -> Scenario {
        parse(json).unwrap()
    }

    #[test]
    fn calc_for_a_textbook_pool() {
        // a = 900/s x 10 ms = 9 erlangs on 10 connections: Erlang C 0.6687,
        // mean wait C / (c mu - lambda) = 0.6687 / (1 - 0.9) ms (any
        // queueing text, e.g. Kleinrock vol. 1, eq. 3.43).
        let c = calc(&scenario(
            r#"{"workload": {"rate_per_s": 900, "query_ms": {"kind": "exponential", "mean": 10}},
                "fleet": {"instances": 1}, "database": {"connect_ms": 0, "max_connections": 20},
                "pool": {"max_size": 10, "min_idle": 10, "acquire_timeout_ms": null}}"#,
        ));
        assert!((c.littles_law.busy_connections - 9.0).abs() < 1e-9);
        assert!((c.erlang_c.p_wait - 0.6687).abs() < 1e-4);
        assert!((c.erlang_c.mean_wait_ms.unwrap() - 6.687).abs() < 1e-3);
        assert!(c.erlang_c.exact, "{:?}", c.assumptions);
        assert!(c.with_timeout.is_none());
        // 10 of 20 - 3 = 17 connections: 59%.
        assert_eq!(c.budget.verdict, Verdict::Comfortable);
    }

    #[test]
    fn default_scenario_flags_its_broken_assumptions() {
        let c = calc(&Scenario::default());
        let broken: Vec<Assumption> = c
            .assumptions
            .iter()
            .filter(|a| !a.holds)
            .map(|a| a.assumption)
            .collect();
        // Lognormal p50 8, p99 85: p99/p50 = 10.6, far from 6.64; 4 pools;
        // min_idle 0 with connect_ms 5.
        assert_eq!(
            broken,
            vec![
                Assumption::ExponentialHold,
                Assumption::OnePool,
                Assumption::WarmPool
            ]
        );
        assert!(!c.erlang_c.exact);
        // 4 x 20 = 80 of 97: 82%, over the guideline; 77 / 4 = 19 fits.
        assert_eq!(c.budget.verdict, Verdict::OverGuideline);
        assert_eq!(c.budget.headroom, 17);
        assert_eq!(c.budget.max_size_at_80, 19);
        let json = serde_json::to_string(&c).unwrap();
        let back: Calc = serde_json::from_str(&json).unwrap();
        assert_eq!((back.budget, back.assumptions), (c.budget, c.assumptions));
    }

    #[test]
    fn timeout_model_matches_the_simulation() {
        // An overloaded M/M/5+D pool: a = 6 erlangs on 5 connections, mean
        // hold 10 ms, timeout 10 ms. The engine is an independent oracle; the
        // tolerance is 5 standard errors of a proportion, inflated 3x for
        // the correlation between neighbouring waits.
        let s = scenario(
            r#"{"seed": 7, "duration_s": 200, "warmup_s": 5,
                "workload": {"rate_per_s": 600, "query_ms": {"kind": "exponential", "mean": 10}},
                "fleet": {"instances": 1}, "database": {"connect_ms": 0},
                "pool": {"max_size": 5, "min_idle": 5, "acquire_timeout_ms": 10}}"#,
        );
        let r = crate::run(&s).unwrap();
        let c = calc(&s);
        let d = c.with_timeout.unwrap();
        let n = r.acquire.attempts as f64;
        for (sim, theory) in [
            (r.acquire.timeout_fraction, d.p_timeout),
            (r.acquire.p_wait, d.p_wait),
        ] {
            let tol = 15.0 * (theory * (1.0 - theory) / n).sqrt();
            assert!(
                (sim - theory).abs() < tol,
                "sim {sim} vs theory {theory} (tol {tol})"
            );
        }
        let mean = d.mean_wait_ms.unwrap();
        assert!(
            (r.acquire.wait_ms.mean - mean).abs() < 0.05 * mean,
            "{r:?} vs {mean}"
        );
    }
}
