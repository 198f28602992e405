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

mod queue;
mod rules;

pub use queue::{Mmc, erlang_b, erlang_c};
pub use rules::{
    Budget, ConcurrencyRule, CoresRule, Rules, ServerlessRule, Verdict, budget, rules,
};

use serde::{Deserialize, Serialize};

use crate::dist::{lognormal_params, mean_ms};
use crate::scenario::{Dist, QueryMode, Scenario};
use crate::warnings::{mean_hold_ms, peak_rate};

/// p99 / p50 of any exponential distribution: ln(100) / ln(2).
pub const EXPONENTIAL_P99_OVER_P50: f64 = 6.643_856_189_774_724;

/// Everything the calculator says about one scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calc {
    /// The load the formulas were fed, derived from the scenario.
    pub load: Load,
    /// Little's law: busy connections = arrival rate x mean hold time.
    pub littles_law: LittlesLaw,
    /// The guides' rules of thumb.
    pub rules: Rules,
    /// The fleet's connections against the database's limit.
    pub budget: Budget,
    /// One pool as M/M/c (Erlang C), as if waiters never gave up.
    pub erlang_c: QueueResult,
    /// One pool as M/M/c+D with the acquire timeout; `null` without one.
    pub with_timeout: Option<QueueResult>,
    /// Every assumption the queueing results make, checked against the scenario.
    pub assumptions: Vec<AssumptionCheck>,
}

/// The load on the fleet and on each pool, at the busiest step of the profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    /// Pools in the fleet (instances x pools per instance).
    pub pools: u64,
    /// Requests per second at the busiest step.
    pub peak_rate_per_s: f64,
    /// Connection acquisitions per second in each pool.
    pub acquires_per_pool_per_s: f64,
    /// Acquisitions per request: the queries, or one for a transaction.
    pub acquires_per_request: u32,
    /// Mean time a request holds connections, summed over its queries, ms.
    pub hold_per_request_ms: f64,
    /// Mean time one acquisition holds its connection, ms.
    pub hold_per_acquire_ms: f64,
}

/// Little's law: mean busy connections = rate x mean hold time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LittlesLaw {
    /// Busy connections across the fleet.
    pub busy_connections: f64,
    /// Busy connections in each pool (the offered load, erlangs).
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

/// An assumption behind the formulas.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Assumption {
    /// Acquisitions arrive as a Poisson process.
    PoissonArrivals,
    /// Hold times are exponential.
    ExponentialHold,
    /// Pools do not interact.
    OnePool,
    /// Queries run at full speed however many run at once (`cores: null`).
    NoDbContention,
    /// Connections are open before they are needed.
    WarmPool,
    /// The arrival rate does not change.
    SteadyRate,
    /// The database never refuses a connection.
    WithinDbLimit,
}

/// One assumption checked against the scenario.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssumptionCheck {
    /// The assumption.
    pub assumption: Assumption,
    /// Whether the scenario keeps it.
    pub holds: bool,
    /// Why, with the numbers.
    pub detail: String,
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

/// The calculator's answer for a validated scenario.
pub fn calc(s: &Scenario) -> Calc {
    let load = load(s);
    let assumptions = assumptions(s);
    // The queueing results rest on every assumption checked.
    let exact = assumptions.iter().all(|a| a.holds);
    let busy_per_pool = load.acquires_per_pool_per_s * load.hold_per_acquire_ms / 1000.0;
    let queue = |timeout_ms| pool_queue(s, s.app().pool.max_size, timeout_ms);
    Calc {
        littles_law: LittlesLaw {
            busy_connections: load.peak_rate_per_s * load.hold_per_request_ms / 1000.0,
            busy_per_pool,
            utilization: busy_per_pool / f64::from(s.app().pool.max_size.max(1)),
            assumes: vec![Assumption::SteadyRate],
        },
        rules: rules(s, &load),
        budget: budget(s),
        erlang_c: queue_result(&queue(None), s.app().pool.acquire_timeout_ms, exact),
        with_timeout: s
            .app()
            .pool
            .acquire_timeout_ms
            .map(|tau| queue_result(&queue(Some(tau)), None, exact)),
        assumptions,
        load,
    }
}

/// The load figures of a scenario, at its peak rate.
pub fn load(s: &Scenario) -> Load {
    let pools = s.pool_count().max(1);
    let acquires_per_request = match s.app().workload.query_mode {
        QueryMode::Transaction => 1,
        QueryMode::Sequential | QueryMode::Parallel => s.app().workload.queries_per_request.max(1),
    };
    let hold_per_request_ms = mean_hold_ms(s);
    let peak_rate_per_s = peak_rate(s);
    Load {
        pools,
        peak_rate_per_s,
        acquires_per_pool_per_s: peak_rate_per_s * f64::from(acquires_per_request) / pools as f64,
        acquires_per_request,
        hold_per_request_ms,
        hold_per_acquire_ms: hold_per_request_ms / f64::from(acquires_per_request),
    }
}

/// One pool of `servers` connections under the scenario's peak load.
pub fn pool_queue(s: &Scenario, servers: u32, timeout_ms: Option<f64>) -> Mmc {
    let l = load(s);
    Mmc::new(
        servers,
        l.acquires_per_pool_per_s / 1000.0,
        l.hold_per_acquire_ms,
        timeout_ms,
    )
}

fn queue_result(q: &Mmc, tail_at_ms: Option<f64>, exact: bool) -> QueueResult {
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

/// p99 / p50 of a distribution, ms over ms (`NaN` when p50 is 0).
fn p99_over_p50(d: &Dist) -> f64 {
    match *d {
        Dist::Constant { .. } => 1.0,
        Dist::Exponential { .. } => EXPONENTIAL_P99_OVER_P50,
        Dist::Uniform { min, max } => (min + 0.99 * (max - min)) / (min + 0.5 * (max - min)),
        Dist::Lognormal { .. } => match lognormal_params(d) {
            Ok(Some((_, sigma))) => libm::exp(sigma * crate::dist::Z99),
            _ => f64::NAN,
        },
        Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. } => {
            match crate::measured::Measured::new(d) {
                Some(m) => m.at(0.99) / m.at(0.5),
                None => f64::NAN,
            }
        }
    }
}

/// Each queueing assumption, checked against the scenario.
pub fn assumptions(s: &Scenario) -> Vec<AssumptionCheck> {
    let w = &s.app().workload;
    let q = w.queries_per_request;
    let check = |assumption, holds, detail: String| AssumptionCheck {
        assumption,
        holds,
        detail,
    };
    let arrivals = match (w.query_mode, q) {
        (_, 1) | (QueryMode::Transaction, _) => check(
            Assumption::PoissonArrivals,
            true,
            "one acquisition per request, and requests arrive as a Poisson process.".into(),
        ),
        (QueryMode::Sequential, _) => check(
            Assumption::PoissonArrivals,
            false,
            format!(
                "each request acquires {q} times in a row, so acquisitions come in trains, not as \
                 a Poisson process; the formulas are a rough guide."
            ),
        ),
        (QueryMode::Parallel, _) => check(
            Assumption::PoissonArrivals,
            false,
            format!(
                "each request acquires {q} connections at once: batches wait longer than Erlang C \
                 says."
            ),
        ),
    };
    let ratio = p99_over_p50(&w.query_ms);
    let near = (ratio / EXPONENTIAL_P99_OVER_P50 - 1.0).abs() <= 0.2;
    let summed =
        w.query_mode == QueryMode::Transaction && (q > 1 || mean_ms(&w.hold_extra_ms) > 0.0);
    let mut hold = format!(
        "query_ms has p99/p50 = {ratio:.2}; an exponential has {EXPONENTIAL_P99_OVER_P50:.2}{}",
        if near {
            "."
        } else if ratio < EXPONENTIAL_P99_OVER_P50 {
            ": times vary less, so real waits are shorter than the formulas say."
        } else {
            ": a heavier tail, so real waits are longer than the formulas say."
        }
    );
    if summed {
        hold.push_str(
            " A transaction holds its connection for several parts in a row, which varies less \
             than one exponential.",
        );
    }
    let pools = s.pool_count();
    let db_limit = u64::from(s.db_limit());
    let fleet = pools * u64::from(s.app().pool.max_size);
    let warm = s.app().pool.min_idle >= s.app().pool.max_size
        && s.app().pool.max_lifetime_ms.is_none()
        && s.app().pool.max_uses.is_none();
    let peak = peak_rate(s);
    let steady = w
        .rate_profile
        .iter()
        .all(|st| st.rate_per_s == w.rate_per_s);
    vec![
        arrivals,
        check(Assumption::ExponentialHold, near && !summed, hold),
        check(
            Assumption::OnePool,
            pools == 1,
            if pools == 1 {
                "one pool in the fleet.".into()
            } else {
                format!(
                    "{pools} pools: each is taken as its own queue with 1/{pools} of the load \
                     (exact for the random split), but they share the database's connections \
                     and cores."
                )
            },
        ),
        check(
            Assumption::NoDbContention,
            s.database.cores.is_none(),
            match s.database.cores {
                None => "database.cores is null: queries never slow each other down.".into(),
                Some(k) => format!(
                    "database.cores = {k}: with more than {k} queries running each one slows \
                     down, which the formulas ignore."
                ),
            },
        ),
        check(
            Assumption::WarmPool,
            warm || s.database.connect_ms == 0.0,
            if warm || s.database.connect_ms == 0.0 {
                "connections are ready when needed.".into()
            } else {
                format!(
                    "connections are opened on demand (pool.min_idle {} < max_size {}) or retired \
                     (max_lifetime_ms, max_uses): each open adds database.connect_ms = {} ms to \
                     some waits.",
                    s.app().pool.min_idle,
                    s.app().pool.max_size,
                    s.database.connect_ms
                )
            },
        ),
        check(
            Assumption::SteadyRate,
            steady,
            if steady {
                format!("the rate is {peak} requests/s throughout.")
            } else {
                format!(
                    "the formulas use the peak rate, {peak} requests/s, as if it lasted for ever; \
                     a short burst does less harm."
                )
            },
        ),
        check(
            Assumption::WithinDbLimit,
            fleet <= db_limit,
            format!("the fleet may open {fleet} connections and the database accepts {db_limit}."),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

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
