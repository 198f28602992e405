//! The assumptions behind the queueing formulas, each checked against a
//! scenario with the numbers that keep or break it, so a reader knows when
//! to trust the formulas and when only the simulation.

use serde::{Deserialize, Serialize};

use super::budget::{database_budgets, limit_of};
use super::demand::{connections_per_function, peak_rate};
use super::p99_over_p50;
use crate::input::dist::mean_ms;
use crate::input::scenario::{Arrivals, QueryMode, Route, Scenario, Service};

/// p99 / p50 of any exponential distribution: ln(100) / ln(2).
pub const EXPONENTIAL_P99_OVER_P50: f64 = 6.643_856_189_774_724;

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
    /// Failed requests are not retried (retries add load).
    NoRetries,
    /// Connections go straight to the database, with no wait at a proxy.
    NoProxyWait,
    /// A function's connection lives as long as its request
    /// (`idle_reclaim_s: 0`, `orphan_linger_s: 0`).
    ConnectionsEndWithRequest,
    /// A refused connection fails its request (`on_connect_error: "fail"`).
    RefusalFails,
    /// The proxy holds a server connection for one transaction or statement.
    TransactionPooling,
    /// The client pools in front of the proxy never make anyone wait.
    ClientPoolsDoNotBind,
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

pub(crate) fn check(assumption: Assumption, holds: bool, detail: String) -> AssumptionCheck {
    AssumptionCheck {
        assumption,
        holds,
        detail,
    }
}

/// Open-loop arrivals: Poisson; closed-loop users are not.
pub(crate) fn arrivals(svc: &Service) -> AssumptionCheck {
    let w = &svc.workload;
    let q = w.queries_per_request;
    if let Arrivals::Closed { users, .. } = &w.arrivals {
        return check(
            Assumption::PoissonArrivals,
            false,
            format!(
                "{users} closed-loop users send a request only when their last one ended, not as \
                 a Poisson process; the formulas take the most they can send, {:.1} requests/s.",
                peak_rate(svc)
            ),
        );
    }
    match (w.query_mode, q) {
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
    }
}

/// Hold times of `svc` against an exponential's spread.
pub(crate) fn exponential_hold(svc: &Service) -> AssumptionCheck {
    let w = &svc.workload;
    let ratio = p99_over_p50(&w.query_ms);
    let near = (ratio / EXPONENTIAL_P99_OVER_P50 - 1.0).abs() <= 0.2;
    let summed = w.query_mode == QueryMode::Transaction
        && (w.queries_per_request > 1 || mean_ms(&w.hold_extra_ms) > 0.0);
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
    check(Assumption::ExponentialHold, near && !summed, hold)
}

/// `cores: null` and no contention block.
pub(crate) fn no_contention(s: &Scenario) -> AssumptionCheck {
    let d = &s.database;
    let uses_cores = d.cores.is_some() || d.replicas.is_some_and(|r| r.cores.is_some());
    let contention = d.contention.is_some_and(|c| c.sigma > 0.0 || c.kappa > 0.0);
    let detail = match (d.cores, contention) {
        (None, false) if !uses_cores => {
            "database.cores is null: queries never slow each other down.".to_string()
        }
        (Some(k), _) => format!(
            "database.cores = {k}: with more than {k} queries running each one slows down, \
             which the formulas ignore."
        ),
        (None, true) => "database.contention slows queries as more run at once, which the \
                         formulas ignore."
            .to_string(),
        (None, false) => "the replicas have cores: with more queries running than cores each \
                          slows down, which the formulas ignore."
            .to_string(),
    };
    check(
        Assumption::NoDbContention,
        !uses_cores && !contention,
        detail,
    )
}

/// A steady rate and no timed events.
pub(crate) fn steady(s: &Scenario, svc: &Service) -> AssumptionCheck {
    let w = &svc.workload;
    let peak = peak_rate(svc);
    let flat = w
        .rate_profile
        .iter()
        .all(|st| st.rate_per_s == w.rate_per_s);
    let detail = if !flat {
        format!(
            "the formulas use the peak rate, {peak} requests/s, as if it lasted for ever; a short \
             burst does less harm."
        )
    } else if !s.events.is_empty() {
        format!(
            "{} timed events change the system during the run; the formulas describe it \
             between them.",
            s.events.len()
        )
    } else if w.is_closed() {
        "the users' pace is steady once they have all started.".to_string()
    } else {
        format!("the rate is {peak} requests/s throughout.")
    };
    check(Assumption::SteadyRate, flat && s.events.is_empty(), detail)
}

/// No retry policy that retries anything.
pub(crate) fn no_retries(svc: &Service) -> AssumptionCheck {
    match &svc.retry {
        Some(r) if r.max_attempts > 1 && !r.on.is_empty() => check(
            Assumption::NoRetries,
            false,
            format!(
                "{} retries up to {} attempts: under failures each retry is another arrival, \
                 which the formulas leave out.",
                svc.name, r.max_attempts
            ),
        ),
        _ => check(
            Assumption::NoRetries,
            true,
            format!("{} does not retry.", svc.name),
        ),
    }
}

/// Every queueing assumption of the single-pool formulas for service
/// `svc` (an index into `services`).
pub fn assumptions_for(s: &Scenario, svc: usize) -> Vec<AssumptionCheck> {
    let service = &s.services[svc];
    let pools = service.pool_count();
    let one_pool = if service.is_serverless() {
        check(
            Assumption::OnePool,
            false,
            format!(
                "each function runs one request at a time with its own pool; it waits only when \
                 a request takes more connections at once ({}) than max_size ({}), which the \
                 formulas do not model.",
                connections_per_function(service),
                service.pool.max_size
            ),
        )
    } else if pools == 1 {
        check(Assumption::OnePool, true, "one pool in the service.".into())
    } else {
        check(
            Assumption::OnePool,
            false,
            format!(
                "{pools} pools: each is taken as its own queue with 1/{pools} of the load (exact \
                 for the random split), but they share the database's connections and cores."
            ),
        )
    };
    let p = &service.pool;
    let warm = p.min_idle >= p.max_size && p.max_lifetime_ms.is_none() && p.max_uses.is_none();
    let warm_pool = check(
        Assumption::WarmPool,
        warm || s.database.connect_ms == 0.0,
        if warm || s.database.connect_ms == 0.0 {
            "connections are ready when needed.".into()
        } else {
            format!(
                "connections are opened on demand (pool.min_idle {} < max_size {}) or retired \
                 (max_lifetime_ms, max_uses): each open adds database.connect_ms = {} ms to some \
                 waits.",
                p.min_idle, p.max_size, s.database.connect_ms
            )
        },
    );
    let budgets = database_budgets(s);
    let over: Vec<String> = budgets
        .iter()
        .filter(|b| b.total > b.limit)
        .map(|b| format!("{} {} of {}", b.database, b.total, b.limit))
        .collect();
    let b = &budgets[0];
    let within = check(
        Assumption::WithinDbLimit,
        over.is_empty(),
        if budgets.len() == 1 && b.rows.len() == 1 {
            format!(
                "the fleet may open {} connections and the database accepts {}.",
                b.total, b.limit
            )
        } else if over.is_empty() {
            format!(
                "every party together may open {} connections to the primary and it accepts {}.",
                b.total,
                limit_of(s, 0)
            )
        } else {
            format!(
                "the parties may open more than a database accepts ({}): refused connections \
                 fail requests, which the formulas leave out.",
                over.join(", ")
            )
        },
    );
    let mut out = vec![
        arrivals(service),
        exponential_hold(service),
        one_pool,
        no_contention(s),
        warm_pool,
        steady(s, service),
        within,
    ];
    // Version 2's parts, listed only where the scenario uses them, so a
    // version-1 scenario keeps its list.
    if service.retry.is_some() {
        out.push(no_retries(service));
    }
    if service.route == Route::Proxy {
        out.push(check(
            Assumption::NoProxyWait,
            false,
            format!(
                "{}'s pools hold connections to the proxy: each hold includes the wait for a \
                 server connection there, which these formulas leave out (the proxy's own queue \
                 is in proxy.server_pools).",
                service.name
            ),
        ));
    }
    out
}
