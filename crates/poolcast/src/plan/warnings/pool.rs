//! The warnings of a scenario of one service of instances straight to one
//! database (version 1's shape): its connection budget, its load against
//! its pools and cores, and how its pools fared. Their sentences are
//! version 1's, unchanged.

use crate::input::dist::mean_ms;
use crate::input::scenario::{Dist, Scenario};
use crate::measure::report::Report;
use crate::plan::analytic::demand::workload_hold_ms;

/// Requests per second at the busiest step of the first service's profile.
fn peak_rate(s: &Scenario) -> f64 {
    s.app().peak_rate()
}

/// Mean time a request of the first service holds connections, summed over
/// its queries, in ms.
fn mean_hold_ms(s: &Scenario) -> f64 {
    workload_hold_ms(&s.app().workload)
}

fn pct(x: f64) -> String {
    let p = x * 100.0;
    if p >= 10.0 {
        format!("{p:.0}%")
    } else {
        format!("{p:.2}%")
    }
}

pub(crate) fn budget(s: &Scenario, out: &mut Vec<String>) {
    let app = s.app();
    let pools = s.pool_count();
    let cap = pools * u64::from(app.pool.max_size);
    let limit = u64::from(s.db_limit());
    let fit = limit / pools;
    let fix = if fit == 0 {
        "there are more pools than connections: put PgBouncer in front or run fewer instances"
            .to_string()
    } else {
        format!("lower pool.max_size to {fit} or fewer, or put PgBouncer in front")
    };
    if cap > limit {
        out.push(format!(
            "instances x pools x max_size = {cap} exceeds max_connections - reserved = {limit}: \
             under load the database refuses connections with \"too many clients\" (53300); {fix}."
        ));
    } else if cap * 5 > limit * 4 {
        let fit80 = (limit * 4 / 5 / pools).max(1);
        out.push(format!(
            "instances x pools x max_size = {cap} is {} of max_connections - reserved = {limit}, \
             over the 80% the guides keep free for deploys, migrations and admin sessions; \
             lower pool.max_size to {fit80}.",
            pct(cap as f64 / limit as f64)
        ));
    }
    let min_total = pools * u64::from(app.pool.min_idle);
    if min_total > limit {
        out.push(format!(
            "pool.min_idle alone asks for {min_total} connections across the fleet, more than the \
             database allows ({limit}); lower pool.min_idle."
        ));
    }
    if let Some(cores) = s.database.cores {
        let good = 2 * u64::from(cores) + 1;
        if cap > good {
            let per_pool = (good / pools).max(1);
            out.push(format!(
                "the fleet can run {cap} queries at once on {cores} database cores: past about \
                 cores x 2 + 1 = {good}, extra connections only queue inside the database and make \
                 every query slower (HikariCP, \"About Pool Sizing\"); try pool.max_size {per_pool}."
            ));
        }
    }
}

pub(crate) fn load(s: &Scenario, out: &mut Vec<String>) {
    let rate = peak_rate(s);
    let hold_ms = mean_hold_ms(s);
    let need = rate * hold_ms / 1000.0;
    let cap = (s.pool_count() * u64::from(s.app().pool.max_size)) as f64;
    if need > cap {
        out.push(format!(
            "at {rate} requests/s holding connections {hold_ms:.1} ms each, the fleet needs {need:.0} \
             busy connections but has {cap:.0}: the pools cannot keep up and requests will time out; \
             add connections or instances (within max_connections) or make queries shorter."
        ));
    }
    if let Some(cores) = s.database.cores {
        let w = &s.app().workload;
        let work = rate * f64::from(w.queries_per_request) * mean_ms(&w.query_ms) / 1000.0;
        if work > f64::from(cores) {
            out.push(format!(
                "the queries need {work:.1} cores of database time at {rate} requests/s but the \
                 database has {cores}: no pool size helps; add cores, cache, or cut query time."
            ));
        }
    }
    if rate <= 0.0 {
        out.push("workload.rate_per_s is 0: no requests arrive.".into());
    }
    if matches!(s.app().workload.query_ms, Dist::Constant { value } if value == 0.0) {
        out.push("workload.query_ms is always 0: queries hold no connection time.".into());
    }
}

pub(crate) fn outcomes(r: &Report, out: &mut Vec<String>) {
    let s = &r.scenario;
    if r.pool.utilization > 0.8 {
        out.push(format!(
            "pools are busy {} of the time on average (over 80%): waits grow steeply as this nears \
             100%; raise pool.max_size if max_connections allows, or shorten queries.",
            pct(r.pool.utilization)
        ));
    }
    if r.acquire.timeout_fraction > 0.0 {
        let to = s.app().pool.acquire_timeout_ms.unwrap_or(0.0);
        out.push(format!(
            "{} of connection acquisitions timed out after {to} ms (Prisma P2024, \"Timed out \
             fetching a new connection from the connection pool\"); give the pools more \
             connections, or lower the load per instance.",
            pct(r.acquire.timeout_fraction)
        ));
    }
    if r.database.too_many_clients > 0 {
        out.push(format!(
            "{} connection opens were refused with \"sorry, too many clients already\" (53300); \
             keep instances x pools x max_size under max_connections - reserved.",
            r.database.too_many_clients
        ));
    }
    if r.database.statement_timeouts > 0 {
        out.push(format!(
            "{} queries were cancelled by statement_timeout ({} ms).",
            r.database.statement_timeouts,
            s.database.statement_timeout_ms.unwrap_or(0.0)
        ));
    }
    let stuck = r.requests.in_flight;
    let no_timeout = s
        .services
        .iter()
        .any(|x| x.pool.acquire_timeout_ms.is_none());
    if no_timeout && stuck * 100 > r.requests.arrived.max(1) {
        out.push(format!(
            "{stuck} requests were still in flight when the run ended: with no acquire timeout \
             the line of waiters grows without bound when the pools cannot keep up."
        ));
    }
}
