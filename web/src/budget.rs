//! The calculator for version 2, until the core's own lands (the adapter
//! the calculator panel draws from):
//!
//! - the connection budget per database: who can open how many connections,
//!   summed over the services and the proxy, against what limit, with the
//!   headroom;
//! - Erlang B for a serverless service: its functions as a loss system
//!   (throttled at `max_concurrency`, or refused by the database);
//! - Erlang C for the proxy's server pool per database;
//! - the knobs a recommendation can turn: one service's pool size, or the
//!   proxy's `default_pool_size`.

use poolcast::Scenario;
use poolcast::analytic::{Mmc, erlang_b};
use poolcast::scenario::{QueryMode, Route, Service};
use serde::{Deserialize, Serialize};

/// One line of a database's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct BudgetRow {
    /// Who opens the connections ("api", "the proxy").
    pub who: String,
    /// How the number is made ("3 instances x 1 pool x 10").
    pub how: String,
    /// Most connections it can open to this database.
    pub connections: u64,
}

/// One database's budget.
#[derive(Debug, Clone, PartialEq)]
pub struct DbBudget {
    /// `"primary"`, `"replica:1"`, ...
    pub database: String,
    /// Each opener.
    pub rows: Vec<BudgetRow>,
    /// Their sum.
    pub total: u64,
    /// Connections it accepts (max_connections - reserved).
    pub limit: u64,
}

impl DbBudget {
    /// limit - total (negative: over).
    pub fn headroom(&self) -> i64 {
        self.limit as i64 - self.total as i64
    }
}

/// Connections one service can open to one database directly.
fn direct(svc: &Service) -> (u64, String) {
    let size = u64::from(svc.pool.max_size);
    if svc.is_serverless() {
        let c = svc.serverless_or_default().max_concurrency;
        (
            u64::from(c) * size,
            format!("up to {c} functions x pool {size}"),
        )
    } else {
        let (i, p) = (svc.instances, svc.pools_per_instance);
        (
            u64::from(i) * u64::from(p) * size,
            format!(
                "{i} instances x {p} pool{} x {size}",
                if p == 1 { "" } else { "s" }
            ),
        )
    }
}

/// The budget of every database.
pub fn budgets(s: &Scenario) -> Vec<DbBudget> {
    (0..s.database_count())
        .map(|db| {
            let mut rows = Vec::new();
            for svc in s.services.iter().filter(|x| x.route == Route::Direct) {
                let (n, how) = direct(svc);
                rows.push(BudgetRow {
                    who: svc.name.clone(),
                    how,
                    connections: n,
                });
            }
            if let Some(p) = &s.proxy
                && s.services.iter().any(|x| x.route == Route::Proxy)
            {
                let n = u64::from(p.default_pool_size) + u64::from(p.reserve_pool_size);
                let mut how = format!("default_pool_size {}", p.default_pool_size);
                if p.reserve_pool_size > 0 {
                    how.push_str(&format!(" + reserve {}", p.reserve_pool_size));
                }
                let via: Vec<&str> = s
                    .services
                    .iter()
                    .filter(|x| x.route == Route::Proxy)
                    .map(|x| x.name.as_str())
                    .collect();
                how.push_str(&format!(" (for {})", via.join(", ")));
                rows.push(BudgetRow {
                    who: "the proxy".into(),
                    how,
                    connections: n,
                });
            }
            let limit = if db == 0 {
                u64::from(s.database.limit())
            } else {
                s.database.replicas.map_or(0, |r| {
                    u64::from(r.max_connections.saturating_sub(r.reserved_connections))
                })
            };
            DbBudget {
                database: Scenario::database_name(db),
                total: rows.iter().map(|r| r.connections).sum(),
                rows,
                limit,
            }
        })
        .collect()
}

/// The proxy's client connections against `max_client_conn`.
pub fn proxy_clients(s: &Scenario) -> Option<(u64, u64)> {
    let p = s.proxy.as_ref()?;
    let per_db = u64::from(s.database_count());
    let clients: u64 = s
        .services
        .iter()
        .filter(|x| x.route == Route::Proxy)
        .map(|x| direct(x).0 * per_db)
        .sum();
    (clients > 0).then_some((clients, u64::from(p.max_client_conn)))
}

/// A service's busiest arrival rate, requests per second (closed loop:
/// users over their cycle).
pub fn peak_rate(svc: &Service) -> f64 {
    match &svc.workload.arrivals {
        poolcast::scenario::Arrivals::Open => svc.peak_rate(),
        poolcast::scenario::Arrivals::Closed {
            users, think_ms, ..
        } => {
            let q = f64::from(svc.workload.queries_per_request.max(1));
            let cycle = poolcast::mean_ms(think_ms) + q * poolcast::mean_ms(&svc.workload.query_ms);
            f64::from(*users) * 1000.0 / cycle.max(1.0)
        }
    }
}

/// Mean time a request holds its function (or a connection), ms.
fn request_ms(svc: &Service) -> f64 {
    let w = &svc.workload;
    let q = poolcast::mean_ms(&w.query_ms) * f64::from(w.queries_per_request.max(1));
    match w.query_mode {
        QueryMode::Transaction => q + poolcast::mean_ms(&w.hold_extra_ms),
        QueryMode::Sequential => q,
        QueryMode::Parallel => poolcast::mean_ms(&w.query_ms),
    }
}

/// A serverless service as Erlang's loss system.
#[derive(Debug, Clone, PartialEq)]
pub struct LossResult {
    /// The service.
    pub service: String,
    /// Offered load: busiest rate x time per request, erlangs (functions busy).
    pub offered: f64,
    /// The servers of the loss system: the smaller of `max_concurrency` and
    /// the connections left for it at the database (direct route).
    pub servers: u32,
    /// What binds: "max_concurrency" or "the database's headroom".
    pub bound_by: &'static str,
    /// Erlang B: the fraction of requests lost (throttled or refused).
    pub loss: f64,
}

/// Erlang B for every serverless service (warm functions, no cold start:
/// the lower bound of what the simulation shows).
pub fn serverless_loss(s: &Scenario) -> Vec<LossResult> {
    let budgets = budgets(s);
    let primary = budgets.first();
    s.services
        .iter()
        .filter(|x| x.is_serverless())
        .map(|svc| {
            let offered = peak_rate(svc) * request_ms(svc) / 1000.0;
            let conc = svc.serverless_or_default().max_concurrency;
            let (servers, bound_by) = match (svc.route, primary) {
                (Route::Direct, Some(b)) => {
                    let others: u64 = b
                        .rows
                        .iter()
                        .filter(|r| r.who != svc.name)
                        .map(|r| r.connections)
                        .sum();
                    let left = b.limit.saturating_sub(others) / u64::from(svc.pool.max_size.max(1));
                    if left < u64::from(conc) {
                        (left as u32, "the database's headroom")
                    } else {
                        (conc, "max_concurrency")
                    }
                }
                _ => (conc, "max_concurrency"),
            };
            LossResult {
                service: svc.name.clone(),
                offered,
                servers,
                bound_by,
                loss: if servers == 0 {
                    1.0
                } else {
                    erlang_b(servers, offered)
                },
            }
        })
        .collect()
}

/// The proxy's server pool for one database as M/M/S.
#[derive(Debug, Clone, PartialEq)]
pub struct ProxyQueue {
    /// The database.
    pub database: String,
    /// Server connections (S = default_pool_size).
    pub servers: u32,
    /// Server acquisitions per second.
    pub rate_per_s: f64,
    /// Mean hold of a server connection, ms.
    pub hold_ms: f64,
    /// Offered load, erlangs.
    pub offered: f64,
    /// Erlang C: P(a transaction waits).
    pub p_wait: f64,
    /// Mean wait of those served, ms (`None`: unbounded).
    pub mean_wait_ms: Option<f64>,
    /// p99 wait, ms (`None`: unbounded).
    pub p99_wait_ms: Option<f64>,
}

/// Erlang C for the proxy's server pool of each database, at the busiest
/// rates of the services routed through it (transaction or statement mode;
/// session mode holds a server per client connection and is not a queue).
pub fn proxy_queues(s: &Scenario) -> Vec<ProxyQueue> {
    let Some(p) = &s.proxy else {
        return Vec::new();
    };
    if p.pool_mode == poolcast::scenario::PoolMode::Session {
        return Vec::new();
    }
    let dbs = s.database_count();
    (0..dbs)
        .filter_map(|db| {
            let mut rate = 0.0;
            let mut busy = 0.0;
            for svc in s.services.iter().filter(|x| x.route == Route::Proxy) {
                let w = &svc.workload;
                let r = peak_rate(svc);
                let reads = if dbs > 1 { w.read_fraction } else { 0.0 };
                let (acq, hold) = match w.query_mode {
                    QueryMode::Transaction
                        if p.pool_mode != poolcast::scenario::PoolMode::Statement =>
                    {
                        // A transaction runs on the primary, whole.
                        if db > 0 {
                            continue;
                        }
                        (r, request_ms(svc))
                    }
                    _ => {
                        let q = f64::from(w.queries_per_request.max(1));
                        let share = if db == 0 {
                            1.0 - reads
                        } else {
                            reads / f64::from(dbs - 1)
                        };
                        (r * q * share, poolcast::mean_ms(&w.query_ms))
                    }
                };
                rate += acq;
                busy += acq * hold;
            }
            if rate <= 0.0 {
                return None;
            }
            let hold_ms = busy / rate;
            let q = Mmc::new(p.default_pool_size, rate / 1000.0, hold_ms, None);
            Some(ProxyQueue {
                database: Scenario::database_name(db),
                servers: p.default_pool_size,
                rate_per_s: rate,
                hold_ms,
                offered: q.offered_load(),
                p_wait: q.p_wait(),
                mean_wait_ms: q.mean_served_wait_ms(),
                p99_wait_ms: q.served_wait_quantile_ms(0.99),
            })
        })
        .collect()
}

/// What a recommendation sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "service", rename_all = "snake_case")]
pub enum Knob {
    /// `pool.max_size` of service `0`.
    Service(usize),
    /// The proxy's `default_pool_size`.
    Proxy,
}

impl Knob {
    /// The field it sets, as the form names it.
    pub fn path(self) -> String {
        match self {
            Knob::Service(i) => format!("services.{i}.pool.max_size"),
            Knob::Proxy => "proxy.default_pool_size".into(),
        }
    }

    /// Its current value in `s`.
    pub fn value(self, s: &Scenario) -> u32 {
        match self {
            Knob::Service(i) => s.services.get(i).map_or(1, |x| x.pool.max_size),
            Knob::Proxy => s.proxy.map_or(1, |p| p.default_pool_size),
        }
    }

    /// `s` with the knob at `n` (a warm pool, `min_idle = max_size`, stays
    /// warm; otherwise `min_idle` is capped; the proxy's `min_pool_size` too).
    pub fn set(self, s: &Scenario, n: u32) -> Scenario {
        let mut out = s.clone();
        match self {
            Knob::Service(i) => {
                if let Some(svc) = out.services.get_mut(i) {
                    let warm = svc.pool.min_idle == svc.pool.max_size;
                    svc.pool.max_size = n;
                    svc.pool.min_idle = if warm { n } else { svc.pool.min_idle.min(n) };
                }
            }
            Knob::Proxy => {
                if let Some(p) = out.proxy.as_mut() {
                    let warm = p.min_pool_size == p.default_pool_size;
                    p.default_pool_size = n;
                    p.min_pool_size = if warm { n } else { p.min_pool_size.min(n) };
                }
            }
        }
        out
    }

    /// The largest value that keeps every database within its limit (at
    /// least 1), so a search never tries a size the database refuses.
    pub fn allowed(self, s: &Scenario) -> u32 {
        let mut hi = 1;
        let fits = |n: u32| budgets(&self.set(s, n)).iter().all(|b| b.total <= b.limit);
        // Budgets grow with n: gallop, then bisect.
        if !fits(1) {
            return 1;
        }
        while hi < 100_000 && fits(hi * 2) {
            hi *= 2;
        }
        let (mut lo, mut top) = (hi, (hi * 2).min(100_000).max(hi));
        while top > lo + 1 {
            let mid = lo + (top - lo) / 2;
            if fits(mid) {
                lo = mid;
            } else {
                top = mid;
            }
        }
        if fits(top) { top } else { lo }
    }

    /// A label for people.
    pub fn label(self, s: &Scenario) -> String {
        match self {
            Knob::Service(i) => format!(
                "{}'s pool size (pool.max_size)",
                s.services.get(i).map_or("?", |x| x.name.as_str())
            ),
            Knob::Proxy => "the proxy's default_pool_size".into(),
        }
    }
}

/// The knobs of a scenario: each service's pool, and the proxy's when a
/// service uses it.
pub fn knobs(s: &Scenario) -> Vec<Knob> {
    let mut out: Vec<Knob> = (0..s.services.len()).map(Knob::Service).collect();
    if s.proxy.is_some() && s.services.iter().any(|x| x.route == Route::Proxy) {
        out.push(Knob::Proxy);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::presets::by_id;

    #[test]
    fn the_budget_sums_services_and_the_proxy_per_database() {
        let p = by_id("mega-directory").unwrap();
        let a = budgets(p.before.as_ref().unwrap());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].rows[0].connections, 30, "3 x 1 x 10");
        assert_eq!(a[0].rows[1].connections, 1000, "1000 functions x 1");
        assert_eq!((a[0].total, a[0].limit), (1030, 97));
        assert_eq!(a[0].headroom(), -933);
        let b = budgets(&p.scenario);
        assert_eq!(b[0].rows.len(), 2);
        assert_eq!(b[0].rows[1].who, "the proxy");
        assert_eq!((b[0].total, b[0].headroom()), (50, 47));
        assert_eq!(proxy_clients(&p.scenario), Some((1000, 1000)));
        let s = by_id("failover").unwrap().scenario;
        assert_eq!(budgets(&s).len(), 3, "the primary and two replicas");
        assert!(budgets(&s).iter().all(|b| b.total == 40 && b.limit == 97));
    }

    #[test]
    fn erlang_b_for_serverless_functions() {
        let p = by_id("mega-directory").unwrap();
        let a = serverless_loss(p.before.as_ref().unwrap());
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].bound_by, "the database's headroom");
        assert_eq!(a[0].servers, 67, "97 - the API's 30");
        // At 1000 req/s x 13.4 ms the functions need about 13 connections.
        assert!((a[0].offered - 13.4).abs() < 0.2, "{:?}", a[0]);
        assert!(a[0].loss < 1e-6);
        let b = serverless_loss(&p.scenario);
        assert_eq!((b[0].servers, b[0].bound_by), (1000, "max_concurrency"));
    }

    #[test]
    fn erlang_c_for_the_proxy_pool() {
        let p = by_id("mega-directory").unwrap();
        let q = proxy_queues(&p.scenario);
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].servers, 20);
        assert!((q[0].rate_per_s - 1000.0).abs() < 1e-9);
        assert!(q[0].p_wait > 0.03 && q[0].p_wait < 0.1, "{:?}", q[0]);
        // Against the textbook: M/M/2 at a = 1 waits with probability 1/3.
        let mut s = p.scenario.clone();
        s.services[1].workload.rate_per_s = 100.0;
        s.services[1].workload.rate_profile.clear();
        s.services[1].workload.query_ms = poolcast::scenario::Dist::Exponential { mean: 10.0 };
        let s = Knob::Proxy.set(&s, 2);
        let q = proxy_queues(&s);
        assert!((q[0].p_wait - 1.0 / 3.0).abs() < 1e-9, "{:?}", q[0]);
        assert!(proxy_queues(&by_id("livedash").unwrap().scenario).is_empty());
    }

    #[test]
    fn knobs_set_their_field_and_know_what_fits() {
        let p = by_id("mega-directory").unwrap();
        assert_eq!(
            knobs(&p.scenario),
            [Knob::Service(0), Knob::Service(1), Knob::Proxy]
        );
        assert_eq!(knobs(p.before.as_ref().unwrap()).len(), 2);
        let s = Knob::Proxy.set(&p.scenario, 40);
        assert_eq!(Knob::Proxy.value(&s), 40);
        assert_eq!(Knob::Proxy.allowed(&p.scenario), 67, "97 - the API's 30");
        assert_eq!(
            Knob::Service(0).allowed(&p.scenario),
            25,
            "3 x 25 + 20 <= 97"
        );
        assert_eq!(Knob::Service(0).path(), "services.0.pool.max_size");
        let warm = by_id("cultivai").unwrap().scenario;
        let s = Knob::Service(0).set(&warm, 9);
        assert_eq!((s.app().pool.max_size, s.app().pool.min_idle), (9, 9));
        let json = serde_json::to_string(&Knob::Service(1)).unwrap();
        assert_eq!(
            serde_json::from_str::<Knob>(&json).unwrap(),
            Knob::Service(1)
        );
    }
}
