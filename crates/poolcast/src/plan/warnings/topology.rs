//! Warnings for version 2's parts: the connection budget of each database
//! over every service and the proxy, serverless fleets, the proxy's client
//! limit, transactions' limits, retries and incidents. Each says what to
//! change. (Version 1's sentences, for a scenario of its shape, are in
//! `pool.rs`.)

use crate::input::dist::mean_ms;
use crate::input::scenario::{Cause, Jitter, Route, Scenario, TimedEvent};
use crate::measure::report::Report;
use crate::plan::analytic::demand::workload_hold_ms;
use crate::plan::analytic::{client_connections, limit_of, routed};

/// Who can open how many connections to each database, by name: every
/// instance has a pool per database (its primary pools and their replica
/// siblings), and the proxy a server pool per database, so the list is the
/// same for every database.
pub fn budget_of(s: &Scenario) -> Vec<(String, u64)> {
    let mut parts: Vec<(String, u64)> = s
        .services
        .iter()
        .filter(|svc| svc.route == Route::Direct)
        .map(|svc| (svc.name.clone(), client_connections(svc)))
        .collect();
    if let Some(p) = &s.proxy
        && s.services.iter().any(|x| x.route == Route::Proxy)
    {
        parts.push((
            "the proxy".into(),
            u64::from(p.default_pool_size + p.reserve_pool_size),
        ));
    }
    parts
}

pub(crate) fn budget(s: &Scenario, out: &mut Vec<String>) {
    for db in 0..s.database_count() {
        let name = Scenario::database_name(db);
        let limit = limit_of(s, db);
        let parts = budget_of(s);
        let total: u64 = parts.iter().map(|(_, n)| n).sum();
        let list: Vec<String> = parts.iter().map(|(w, n)| format!("{w} {n}")).collect();
        if total > limit {
            out.push(format!(
                "the services can open {total} connections to {name} ({}) but it accepts \
                 {limit} (max_connections - reserved): under load it refuses the rest with \
                 \"too many clients\" (53300); lower pool sizes or instances, or route the \
                 services through the proxy.",
                list.join(", ")
            ));
        } else if total * 5 > limit * 4 {
            out.push(format!(
                "the services can open {total} connections to {name} ({}), over 80% of the \
                 {limit} it accepts: the guides keep 20% free for deploys, migrations and admin \
                 sessions.",
                list.join(", ")
            ));
        }
    }
    for svc in s.services.iter().filter(|x| x.is_serverless()) {
        let f = svc.serverless_or_default();
        let can = client_connections(svc);
        let limit = limit_of(s, 0);
        if svc.route == Route::Direct && can > limit {
            out.push(format!(
                "serverless service {} can run {} functions at once, each with a pool of {}: up \
                 to {can} connections against the {limit} the primary accepts, and reclaimed \
                 functions leave theirs open for {} s; route it through PgBouncer (route \
                 \"proxy\", pool_mode \"transaction\") or cap serverless.max_concurrency at {}.",
                svc.name,
                f.max_concurrency,
                svc.pool.max_size,
                f.orphan_linger_s,
                (limit / u64::from(svc.pool.max_size)).max(1)
            ));
        }
    }
    if let Some(p) = &s.proxy {
        let clients: u64 = routed(s)
            .iter()
            .map(|x| client_connections(x) * u64::from(s.database_count()))
            .sum();
        if clients > u64::from(p.max_client_conn) {
            out.push(format!(
                "the services routed through the proxy can open {clients} client connections, \
                 over its max_client_conn of {}: past it PgBouncer refuses with \"no more \
                 connections allowed (max_client_conn)\"; raise proxy.max_client_conn to \
                 {clients} or lower the pools.",
                p.max_client_conn
            ));
        }
    }
    rolling_budget(s, out);
}

/// A rolling restart runs old and new pools side by side.
fn rolling_budget(s: &Scenario, out: &mut Vec<String>) {
    for e in &s.events {
        let TimedEvent::RollingRestart { service, batch, .. } = e else {
            continue;
        };
        let Some((_, svc)) = s.service(service) else {
            continue;
        };
        if svc.route != Route::Direct {
            continue;
        }
        let limit = limit_of(s, 0);
        let others: u64 = budget_of(s)
            .iter()
            .filter(|(n, _)| n != service)
            .map(|(_, n)| n)
            .sum();
        let during = (u64::from(svc.instances) + u64::from(*batch))
            * u64::from(svc.pools_per_instance)
            * u64::from(svc.pool.max_size)
            + others;
        if during > limit {
            out.push(format!(
                "during the rolling restart of {service}, {batch} new instance(s) start before \
                 the old ones have closed: up to {during} connections against the {limit} the \
                 primary accepts; restart one at a time, lower pool.max_size, or leave headroom."
            ));
        }
    }
}

pub(crate) fn load(s: &Scenario, out: &mut Vec<String>) {
    for svc in &s.services {
        if svc.workload.is_closed() || svc.is_serverless() {
            continue;
        }
        let rate = svc.peak_rate();
        let hold_ms = workload_hold_ms(&svc.workload);
        let need = rate * hold_ms / 1000.0;
        let cap = (svc.pool_count() * u64::from(svc.pool.max_size)) as f64;
        if need > cap {
            out.push(format!(
                "{} at {rate} requests/s holding connections {hold_ms:.1} ms each needs {need:.0} \
                 busy connections but its pools have {cap:.0}: requests will time out; add \
                 connections or instances (within max_connections) or make queries shorter.",
                svc.name
            ));
        }
    }
    if let Some(cores) = s.database.cores {
        let work: f64 = s
            .services
            .iter()
            .filter(|x| !x.workload.is_closed())
            .map(|x| {
                let w = &x.workload;
                let reads = if s.database.replica_count() > 0 {
                    w.read_fraction
                } else {
                    0.0
                };
                x.peak_rate()
                    * f64::from(w.queries_per_request)
                    * (1.0 - reads)
                    * mean_ms(&w.query_ms)
                    / 1000.0
            })
            .sum();
        if work > f64::from(cores) {
            out.push(format!(
                "the queries need {work:.1} cores of primary time at the peak rates but it has \
                 {cores}: no pool size helps; add cores or replicas, cache, or cut query time."
            ));
        }
    }
}

fn count(r: &Report, c: Cause) -> u64 {
    r.requests
        .failed_by_cause
        .get(c.name())
        .copied()
        .unwrap_or(0)
}

pub(crate) fn outcomes(r: &Report, out: &mut Vec<String>) {
    let s = &r.scenario;
    for db in r.databases.iter().skip(1) {
        if db.too_many_clients > 0 {
            out.push(format!(
                "{} refused {} connection opens with \"too many clients\" (53300): the replica \
                 pools of every instance add up past its limit; lower pool.max_size or add a \
                 proxy.",
                db.name, db.too_many_clients
            ));
        }
    }
    if let Some(p) = &r.proxy {
        if p.max_client_conn_refusals > 0 {
            out.push(format!(
                "the proxy refused {} client connections past max_client_conn; raise \
                 proxy.max_client_conn or lower the application pools.",
                p.max_client_conn_refusals
            ));
        }
        if p.query_wait_timeouts > 0 {
            out.push(format!(
                "{} clients waited at the proxy past query_wait_timeout_ms and were \
                 disconnected: its server pools are too small for the load (raise \
                 default_pool_size within max_connections) or queries hold them too long.",
                p.query_wait_timeouts
            ));
        }
    }
    let throttled = count(r, Cause::Throttled);
    if throttled > 0 {
        out.push(format!(
            "{throttled} requests failed throttled at the functions' max_concurrency; raise \
             serverless.max_concurrency (within what the database and proxy accept)."
        ));
    }
    for svc in &s.services {
        let Some(t) = svc.workload.transaction else {
            continue;
        };
        let hold = workload_hold_ms(&svc.workload);
        if hold > t.timeout_ms * 0.5 || count(r, Cause::TransactionTimeout) > 0 {
            let n = count(r, Cause::TransactionTimeout);
            out.push(format!(
                "{n} transactions of {} ran past transaction.timeout_ms ({} ms; they hold a \
                 connection {hold:.0} ms on average): raise the timeout above the transactions' \
                 p99 length or shorten them.",
                svc.name, t.timeout_ms
            ));
        }
    }
    let tst = count(r, Cause::TransactionStartTimeout);
    if tst > 0 {
        out.push(format!(
            "{tst} transactions could not start within transaction.max_wait_ms: the pool was \
             exhausted; give it more connections or lower the load."
        ));
    }
    let iit = count(r, Cause::IdleInTransaction);
    if iit > 0 {
        out.push(format!(
            "{iit} sessions were ended by idle_in_transaction_session_timeout: work inside a \
             transaction (hold_extra_ms) outlasts it; move slow calls out of the transaction."
        ));
    }
    retries(r, out);
    incidents(r, out);
}

fn retries(r: &Report, out: &mut Vec<String>) {
    let s = &r.scenario;
    for (svc, rep) in s.services.iter().zip(&r.services) {
        let Some(retry) = &svc.retry else { continue };
        if retry.jitter == Jitter::None && rep.requests.retries > 0 {
            out.push(format!(
                "{} retries without jitter: every request that failed together retries \
                 together, in synchronised waves; use jitter \"full\" (AWS's advice).",
                svc.name
            ));
        }
        if rep.requests.amplification > 1.5 {
            out.push(format!(
                "{} sends {:.2} attempts per request: retries amplify the load when the \
                 database is least able to take it; add a retry budget \
                 (retry.budget.ratio 0.1) or a breaker, and back off with jitter.",
                svc.name, rep.requests.amplification
            ));
        }
    }
}

fn incidents(r: &Report, out: &mut Vec<String>) {
    let s = &r.scenario;
    let restarted = s
        .events
        .iter()
        .any(|e| matches!(e, TimedEvent::DbRestart { .. }));
    let tmc: u64 = r.databases.iter().map(|d| d.too_many_clients).sum();
    if restarted && tmc > 0 {
        out.push(format!(
            "after the restart, reconnecting pools hit max_connections: {tmc} opens were \
             refused with \"too many clients\"; keep every pool's maximum under the limit, or \
             reconnect through the proxy."
        ));
    }
    // A scale changes capacity for good: its "recovery" is the load's
    // business, not a failure that outlasts a trigger.
    for inc in r.incidents.iter().filter(|i| i.kind != "scale") {
        let lasted = inc.end_s - inc.at_s;
        match inc.recovery_s {
            None => out.push(format!(
                "the {} at {} s never recovered: failures or waits stayed above their level \
                 before it until the run ended, a metastable failure; retry with full jitter \
                 and a budget, shorten acquire timeouts, or shed load.",
                inc.kind.replace('_', " "),
                inc.at_s
            )),
            Some(rec) if rec > (2.0 * lasted).max(10.0) => out.push(format!(
                "failures outlasted the {} at {} s by {rec:.0} s after it ended (it lasted \
                 {lasted:.0} s): retries or a backlog kept the system overloaded; retry with full \
                 jitter and a budget, or shorten acquire timeouts.",
                inc.kind.replace('_', " "),
                inc.at_s
            )),
            Some(_) => {}
        }
    }
}
