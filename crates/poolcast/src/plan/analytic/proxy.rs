//! The proxy's server pools as M/M/S queues (MODEL.md §9).
//!
//! In transaction (or statement) mode a server connection is a server in
//! the queueing sense: a client takes one for a transaction (a query in
//! autocommit, the whole request in `transaction` mode), waits FIFO when all
//! `default_pool_size` are busy, and gives it back. With Poisson
//! transactions and exponential holds that is M/M/S, so Erlang C gives the
//! chance to wait and the waits, and M/M/S+D with `query_wait_timeout_ms`
//! the fraction that gives up. Each database has its own server pool; a
//! service's reads go to the replicas' pools, split evenly. In session mode
//! a client connection keeps its server connection while it is open, so the
//! question is only whether the client connections outnumber the servers.

use serde::{Deserialize, Serialize};

use super::assume::{
    AssumptionCheck, arrivals, check, exponential_hold, no_contention, no_retries, steady,
};
use super::demand::{acquires_per_request, peak_rate, share_on};
use super::serverless::client_connections;
use super::{Assumption, Mmc, QueueResult, percent, queue_result};
use crate::input::scenario::{PoolMode, Proxy, QueryMode, Route, Scenario, Service};
use crate::plan::analytic::demand::workload_hold_ms;

/// What queueing theory says about the proxy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyCalc {
    /// `session`, `transaction` or `statement`.
    pub pool_mode: PoolMode,
    /// Client connections the services routed through it can open, in all.
    pub client_connections: u64,
    /// `max_client_conn`.
    pub max_client_conn: u32,
    /// `max_client_conn - client_connections`; negative when over.
    pub client_headroom: i64,
    /// One server pool per database: the primary, then each replica.
    pub server_pools: Vec<ServerPoolQueue>,
    /// What the results rest on.
    pub assumes: Vec<AssumptionCheck>,
}

/// One server pool under the load of the services routed through the proxy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerPoolQueue {
    /// `"primary"`, `"replica:1"`, ...
    pub database: String,
    /// `default_pool_size` (S).
    pub servers: u32,
    /// `reserve_pool_size`, which the formulas leave out (it only helps).
    pub reserve: u32,
    /// Server acquisitions (transactions or statements) per second.
    pub rate_per_s: f64,
    /// Mean time one holds its server connection, ms.
    pub hold_ms: f64,
    /// M/M/S, as if waiters never gave up; `null` in session mode.
    pub erlang_c: Option<QueueResult>,
    /// M/M/S+D with `query_wait_timeout_ms`; `null` without one, or in session mode.
    pub with_timeout: Option<QueueResult>,
    /// The result in a sentence.
    pub message: String,
}

/// The proxy's queues; `None` without a proxy.
pub fn proxy_calc(s: &Scenario) -> Option<ProxyCalc> {
    let p = s.proxy.as_ref()?;
    let routed = routed(s);
    let dbs = u64::from(s.database_count());
    let clients: u64 = routed.iter().map(|x| client_connections(x) * dbs).sum();
    let assumes = assumptions(s, &routed);
    let exact = assumes.iter().all(|a| a.holds);
    let server_pools = (0..s.database_count())
        .map(|db| server_pool(s, p, &routed, db, exact))
        .collect();
    Some(ProxyCalc {
        pool_mode: p.pool_mode,
        client_connections: clients,
        max_client_conn: p.max_client_conn,
        client_headroom: i64::from(p.max_client_conn) - clients as i64,
        server_pools,
        assumes,
    })
}

/// The services routed through the proxy, in order.
pub(crate) fn routed(s: &Scenario) -> Vec<&Service> {
    s.services
        .iter()
        .filter(|x| x.route == Route::Proxy)
        .collect()
}

/// Client connections the services routed through the proxy, all but the
/// one named `name`, can open: to each database.
pub(crate) fn other_clients(s: &Scenario, name: &str) -> u64 {
    let dbs = u64::from(s.database_count());
    routed(s)
        .iter()
        .filter(|x| x.name != name)
        .map(|x| client_connections(x) * dbs)
        .sum()
}

/// Server acquisitions per second on database `db` and their mean hold, ms.
pub fn server_load(s: &Scenario, routed: &[&Service], db: u32) -> (f64, f64) {
    let mut rate = 0.0;
    let mut busy = 0.0;
    for svc in routed {
        let w = &svc.workload;
        let per_request = f64::from(acquires_per_request(w));
        let r = peak_rate(svc) * per_request * share_on(s, svc, db);
        rate += r;
        busy += r * workload_hold_ms(w) / per_request;
    }
    (rate, if rate > 0.0 { busy / rate } else { 0.0 })
}

fn server_pool(
    s: &Scenario,
    p: &Proxy,
    routed: &[&Service],
    db: u32,
    exact: bool,
) -> ServerPoolQueue {
    let database = Scenario::database_name(db);
    let servers = p.default_pool_size;
    let (rate, hold_ms) = server_load(s, routed, db);
    if p.pool_mode == PoolMode::Session {
        let clients: u64 = routed.iter().map(|x| client_connections(x)).sum();
        let message = if clients > u64::from(servers) {
            format!(
                "{database}: session mode, so each client connection keeps a server connection \
                 while it is open; the services can open {clients} client connections and the \
                 pool has {servers}: the others wait for one to close (up to \
                 query_wait_timeout_ms). Transaction mode shares the servers per transaction."
            )
        } else {
            format!(
                "{database}: session mode; the services can open {clients} client connections, \
                 within the {servers} server connections."
            )
        };
        return ServerPoolQueue {
            database,
            servers,
            reserve: p.reserve_pool_size,
            rate_per_s: rate,
            hold_ms,
            erlang_c: None,
            with_timeout: None,
            message,
        };
    }
    let queue = |timeout| Mmc::new(servers, rate / 1000.0, hold_ms, timeout);
    let erlang_c = queue_result(&queue(None), p.query_wait_timeout_ms, exact);
    let with_timeout = p
        .query_wait_timeout_ms
        .map(|t| queue_result(&queue(Some(t)), None, exact));
    let a = erlang_c.offered_load;
    let message = if rate == 0.0 {
        format!("{database}: no transactions reach this server pool.")
    } else if !erlang_c.stable {
        format!(
            "{database}: {a:.1} erlangs on {servers} server connections: more than they can \
             carry, so the wait grows until query_wait_timeout_ms; raise default_pool_size above \
             {}.",
            a.ceil()
        )
    } else {
        format!(
            "{database}: {a:.1} erlangs on {servers} server connections ({:.0}% busy): {} of \
             transactions wait, {:.2} ms on average (Erlang C).",
            erlang_c.utilization * 100.0,
            percent(erlang_c.p_wait),
            erlang_c.mean_wait_ms.unwrap_or(0.0)
        )
    };
    ServerPoolQueue {
        database,
        servers,
        reserve: p.reserve_pool_size,
        rate_per_s: rate,
        hold_ms,
        erlang_c: Some(erlang_c),
        with_timeout,
        message,
    }
}

fn assumptions(s: &Scenario, routed: &[&Service]) -> Vec<AssumptionCheck> {
    let Some(p) = s.proxy.as_ref() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let transaction = p.pool_mode != PoolMode::Session;
    out.push(check(
        Assumption::TransactionPooling,
        transaction,
        if transaction {
            "a server connection is held for one transaction or statement.".into()
        } else {
            "session mode: a server connection is held as long as its client connection, not \
             per transaction; the queue formulas do not apply."
                .into()
        },
    ));
    for svc in routed {
        // Poisson transactions need one per request (or Poisson requests
        // with a single query); each check names its service.
        for mut c in [arrivals(svc), exponential_hold(svc)] {
            c.detail = format!("{}: {}", svc.name, c.detail);
            out.push(c);
        }
        out.push(client_pools_free(svc, s));
        if svc.retry.is_some() {
            out.push(no_retries(svc));
        }
    }
    if routed.len() > 1 {
        out.push(check(
            Assumption::ExponentialHold,
            false,
            format!(
                "{} services share the server pool with different hold times; the formulas use \
                 their mean.",
                routed.len()
            ),
        ));
    }
    let warm = p.min_pool_size >= p.default_pool_size || s.database.connect_ms == 0.0;
    out.push(check(
        Assumption::WarmPool,
        warm,
        if warm {
            "the server connections are ready when needed.".into()
        } else {
            format!(
                "server connections are opened on demand (min_pool_size {} < default_pool_size \
                 {}), one at a time, each taking database.connect_ms = {} ms.",
                p.min_pool_size, p.default_pool_size, s.database.connect_ms
            )
        },
    ));
    if let Some(svc) = routed.first() {
        out.push(steady(s, svc));
    }
    out.push(no_contention(s));
    out
}

/// Whether a service's client pools can hold every transaction it sends:
/// by Erlang C their chance to wait is under 1%.
fn client_pools_free(svc: &Service, s: &Scenario) -> AssumptionCheck {
    if svc.is_serverless() {
        return check(
            Assumption::ClientPoolsDoNotBind,
            true,
            format!(
                "{}: each function runs one request at a time on its own pool.",
                svc.name
            ),
        );
    }
    let pools = svc.pool_count().max(1) as f64;
    let w = &svc.workload;
    let per_request = f64::from(acquires_per_request(w));
    let per_pool_per_ms = peak_rate(svc) * per_request * share_on(s, svc, 0) / pools / 1000.0;
    let hold = workload_hold_ms(w) / per_request;
    let p_wait = Mmc::new(svc.pool.max_size, per_pool_per_ms, hold, None).p_wait();
    check(
        Assumption::ClientPoolsDoNotBind,
        p_wait < 0.01 && w.query_mode != QueryMode::Parallel,
        format!(
            "{}: each client pool of {} waits with probability {:.3} (Erlang C), so it {} the \
             transactions it passes on.",
            svc.name,
            svc.pool.max_size,
            p_wait,
            if p_wait < 0.01 {
                "hardly delays"
            } else {
                "queues and smooths"
            }
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;
    use crate::plan::analytic::erlang_c;

    fn behind_proxy(mode: &str, replicas: &str) -> Scenario {
        parse(&format!(
            r#"{{"services": [{{"name": "api", "instances": 20, "route": "proxy",
                  "workload": {{"rate_per_s": 900, "read_fraction": 0.5,
                                "query_ms": {{"kind": "exponential", "mean": 10}}}},
                  "pool": {{"max_size": 10, "min_idle": 10}}}}],
                "proxy": {{"pool_mode": "{mode}", "default_pool_size": 10, "min_pool_size": 10,
                          "max_client_conn": 1000, "query_wait_timeout_ms": null}},
                "database": {{"connect_ms": 0 {replicas}}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn transaction_mode_is_erlang_c_per_database() {
        // 900/s x 10 ms = 9 erlangs on 10 servers: the textbook 0.6687.
        let p = proxy_calc(&behind_proxy("transaction", "")).unwrap();
        assert_eq!(p.server_pools.len(), 1);
        let q = p.server_pools[0].erlang_c.as_ref().unwrap();
        assert!((q.p_wait - erlang_c(10, 9.0)).abs() < 1e-12, "{q:?}");
        assert!((q.p_wait - 0.6687).abs() < 1e-4);
        assert!((q.mean_wait_ms.unwrap() - 6.687).abs() < 1e-3);
        assert!(q.exact, "{:?}", p.assumes);
        assert_eq!((p.client_connections, p.client_headroom), (200, 800));
        // Two replicas take half the queries: 4.5 erlangs on the primary,
        // 2.25 on each replica; client connections to each database count.
        let p = proxy_calc(&behind_proxy(
            "transaction",
            r#", "replicas": {"count": 2}"#,
        ))
        .unwrap();
        let a: Vec<f64> = p
            .server_pools
            .iter()
            .map(|q| q.erlang_c.as_ref().unwrap().offered_load)
            .collect();
        assert!(
            (a[0] - 4.5).abs() < 1e-9 && (a[2] - 2.25).abs() < 1e-9,
            "{a:?}"
        );
        assert_eq!(p.client_connections, 600);
    }

    #[test]
    fn session_mode_has_no_queue() {
        let p = proxy_calc(&behind_proxy("session", "")).unwrap();
        let q = &p.server_pools[0];
        assert!(q.erlang_c.is_none());
        assert!(
            q.message.contains("200 client connections"),
            "{}",
            q.message
        );
        assert!(!p.assumes[0].holds);
    }
}

/// MODEL.md §9's M/M/S case: ten client pools that never bind, in front of
/// a warm transaction-mode server pool of S = 10, one exponential query per
/// request: 800/s x 10 ms = 8 erlangs; `duration_s` long.
#[cfg(test)]
pub(crate) fn mms_behind_proxy(duration_s: u32) -> Scenario {
    crate::parse(&format!(
        r#"{{"seed": 9, "duration_s": {duration_s}, "warmup_s": 5,
            "services": [{{"name": "api", "instances": 10, "route": "proxy",
              "workload": {{"rate_per_s": 800,
                           "query_ms": {{"kind": "exponential", "mean": 10}}}},
              "pool": {{"max_size": 20, "min_idle": 20, "acquire_timeout_ms": null}}}}],
            "proxy": {{"pool_mode": "transaction", "default_pool_size": 10,
                      "min_pool_size": 10, "max_client_conn": 1000,
                      "query_wait_timeout_ms": null, "client_connect_ms": 0}},
            "database": {{"connect_ms": 0}}}}"#
    ))
    .unwrap()
}

#[cfg(test)]
mod against_the_simulation {
    use super::*;

    #[test]
    fn a_transaction_pool_is_erlang_c() {
        // MODEL.md §9: many client pools that never bind, a warm server pool
        // of S = 10, one exponential query per request: M/M/10 at a = 8.
        let s = mms_behind_proxy(300);
        let p = proxy_calc(&s).unwrap();
        let q = p.server_pools[0].erlang_c.clone().unwrap();
        assert!(q.exact, "{:?}", p.assumes);
        let r = crate::run(&s).unwrap();
        let sim = r.proxy.unwrap();
        let n = sim.attempts as f64;
        // Waits of neighbouring transactions are strongly correlated at 80%
        // load: 6 standard errors, inflated 4x.
        let tol = 24.0 * (q.p_wait * (1.0 - q.p_wait) / n).sqrt();
        assert!(
            (sim.p_wait - q.p_wait).abs() < tol,
            "sim {} vs Erlang C {} (tol {tol})",
            sim.p_wait,
            q.p_wait
        );
        let mean = q.mean_wait_ms.unwrap();
        assert!(
            (sim.wait_ms.mean - mean).abs() < 0.1 * mean,
            "sim {} vs Erlang C {mean}",
            sim.wait_ms.mean
        );
    }
}
