//! What a recommendation sizes, and everything that depends on it: the
//! field set, whose figures the SLO reads, how large the connection limits
//! let it grow, and the queueing formulas' first guess.

use serde::{Deserialize, Serialize};

use super::{MAX_SIZE, Slo, queue_meets};
use crate::input::scenario::{Route, Scenario};
use crate::input::validate::{FieldError, ScenarioError};
use crate::plan::analytic::{
    self, AssumptionCheck, Mmc, limit_of, others_on, sends_reads, server_load,
};
use crate::plan::sweep::Scope;

/// The field a recommendation sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sizing {
    /// `pool.max_size` of service `services[i]`; the SLO reads its figures.
    Pool(usize),
    /// The proxy's `default_pool_size`; the SLO reads the wait for a server
    /// connection and the `query_wait_timeout` fraction.
    Proxy,
}

impl Sizing {
    /// Checks that the scenario has what this sizes.
    pub fn validate(&self, s: &Scenario) -> Result<(), ScenarioError> {
        let bad = |field: &str, message: String| {
            Err(ScenarioError::Parse(FieldError {
                field: field.into(),
                message,
            }))
        };
        match *self {
            Sizing::Pool(i) if i >= s.services.len() => bad(
                "services",
                format!(
                    "there is no service {i}: the scenario has {}",
                    s.services.len()
                ),
            ),
            Sizing::Pool(_) => Ok(()),
            Sizing::Proxy => match &s.proxy {
                None => bad(
                    "proxy",
                    "sizing the proxy's default_pool_size needs a proxy block".into(),
                ),
                Some(_) if analytic::routed(s).is_empty() => bad(
                    "proxy",
                    "no service routes through the proxy (route \"proxy\"), so its pool \
                     carries nothing"
                        .into(),
                ),
                Some(_) => Ok(()),
            },
        }
    }

    /// The path of the field set, as a sweep names it.
    pub fn field(&self, s: &Scenario) -> String {
        match *self {
            Sizing::Pool(0) if s.version == 1 && s.fits_v1() => "pool.max_size".into(),
            Sizing::Pool(i) => format!("services[{i}].pool.max_size"),
            Sizing::Proxy => "proxy.default_pool_size".into(),
        }
    }

    /// The service sized, by name; `None` for the proxy.
    pub fn service<'a>(&self, s: &'a Scenario) -> Option<&'a str> {
        match *self {
            Sizing::Pool(i) => s.services.get(i).map(|x| x.name.as_str()),
            Sizing::Proxy => None,
        }
    }

    /// Whose figures the SLO reads.
    pub fn scope(&self, s: &Scenario) -> Scope {
        match *self {
            Sizing::Pool(_) if s.services.len() == 1 => Scope::All,
            Sizing::Pool(i) => Scope::Service(i),
            Sizing::Proxy => Scope::Proxy,
        }
    }

    /// The current value of the field.
    pub fn current(&self, s: &Scenario) -> u32 {
        match *self {
            Sizing::Pool(i) => s.services[i].pool.max_size,
            Sizing::Proxy => s.proxy.map_or(0, |p| p.default_pool_size),
        }
    }

    /// How many pools take the size: the service's pools (a serverless
    /// service's `max_concurrency` functions), or the proxy's server pools
    /// that may fill up (the primary's, and each replica's when reads go
    /// through the proxy).
    pub fn pools(&self, s: &Scenario) -> u64 {
        match *self {
            Sizing::Pool(i) => analytic::pools_of(&s.services[i]),
            Sizing::Proxy => self.databases(s).len() as u64,
        }
    }

    /// The databases the size counts at.
    fn databases(&self, s: &Scenario) -> Vec<u32> {
        let reads = match *self {
            Sizing::Pool(i) => sends_reads(s, &s.services[i]),
            Sizing::Proxy => analytic::routed(s).iter().any(|x| sends_reads(s, x)),
        };
        let last = if reads { s.database.replica_count() } else { 0 };
        (0..=last).collect()
    }

    /// Who the size is counted as in the budget tables.
    fn who<'a>(&self, s: &'a Scenario) -> &'a str {
        self.service(s).unwrap_or("proxy")
    }

    /// What the other parties may hold where the size counts: on the
    /// primary, or for a service behind the proxy, its other clients.
    pub fn others(&self, s: &Scenario) -> u64 {
        match (*self, &s.proxy) {
            (Sizing::Pool(i), Some(p)) if s.services[i].route == Route::Proxy => {
                let (_, room) = self.allowed(s);
                u64::from(p.max_client_conn) - room
            }
            _ => others_on(s, 0, self.who(s)),
        }
    }

    /// The largest size the connection limits allow, with the connections
    /// left for what is sized (the tightest database's limit less what the
    /// other parties may hold there; for a service behind the proxy,
    /// `max_client_conn` less the other clients).
    pub fn allowed(&self, s: &Scenario) -> (u32, u64) {
        let pools = self.pools(s).max(1);
        let (size, room) = match (*self, &s.proxy) {
            (Sizing::Pool(i), Some(p)) if s.services[i].route == Route::Proxy => {
                let dbs = u64::from(s.database_count());
                let others = analytic::other_clients(s, &s.services[i].name);
                let room = u64::from(p.max_client_conn).saturating_sub(others);
                (room / (pools * dbs), room)
            }
            _ => {
                let room = self
                    .databases(s)
                    .into_iter()
                    .map(|db| limit_of(s, db).saturating_sub(others_on(s, db, self.who(s))))
                    .min()
                    .unwrap_or(0);
                match *self {
                    Sizing::Pool(_) => (room / pools, room),
                    Sizing::Proxy => {
                        let reserve = u64::from(s.proxy.map_or(0, |p| p.reserve_pool_size));
                        (room.saturating_sub(reserve), room)
                    }
                }
            }
        };
        (size.min(u64::from(MAX_SIZE)) as u32, room)
    }

    /// The assumptions of the formulas behind the first guess, checked:
    /// the sized service's single-pool formulas, or the proxy's.
    pub(super) fn assumptions(&self, s: &Scenario) -> Vec<AssumptionCheck> {
        match *self {
            Sizing::Pool(i) => analytic::assumptions_for(s, i),
            Sizing::Proxy => analytic::proxy_calc(s).map_or(Vec::new(), |p| p.assumes),
        }
    }

    /// The queue one pool of `servers` connections is, by the formulas,
    /// for each database it serves.
    pub fn queues(&self, s: &Scenario, servers: u32) -> Vec<Mmc> {
        match *self {
            Sizing::Pool(i) => vec![analytic::pool_queue_for(
                s,
                i,
                servers,
                s.services[i].pool.acquire_timeout_ms,
            )],
            Sizing::Proxy => {
                let routed = analytic::routed(s);
                let timeout = s.proxy.and_then(|p| p.query_wait_timeout_ms);
                (0..s.database_count())
                    .map(|db| server_load(s, &routed, db))
                    .filter(|&(rate, _)| rate > 0.0)
                    .map(|(rate, hold)| Mmc::new(servers, rate / 1000.0, hold, timeout))
                    .collect()
            }
        }
    }

    /// The smallest size that meets `slo` by the queueing formulas, up to
    /// `MAX_SIZE`; `None` in the proxy's session mode, where they do not apply.
    pub fn analytic_size(&self, s: &Scenario, slo: &Slo) -> Option<u32> {
        if *self == Sizing::Proxy
            && s.proxy
                .is_some_and(|p| p.pool_mode == crate::input::scenario::PoolMode::Session)
        {
            return None;
        }
        let mut queues = self.queues(s, 1);
        while queues.first().is_some_and(|q| q.servers <= MAX_SIZE) {
            if queues.iter().all(|q| queue_meets(q, slo)) {
                return queues.first().map(|q| q.servers);
            }
            queues = queues.iter().map(Mmc::with_one_more).collect();
        }
        None
    }
}
