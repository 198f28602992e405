//! The scenario: what to simulate (MODEL.md §3 and §7).
//!
//! In memory a scenario is always version 2's shape: one or more
//! [`Service`]s sharing the database(s), an optional [`Proxy`], timed
//! [`TimedEvent`]s. A version-1 document (`workload`, `fleet`, `pool` at the
//! top) reads as one service named `"app"` and keeps `version: 1`, so it is
//! written back in version 1's shape: links and files made for version 1
//! round-trip unchanged. [`Scenario::to_v2`] is the migration.
//!
//! Plain structs with public fields. Every field has a default, so `{}` is a
//! valid scenario; unknown fields are rejected. Durations are in milliseconds
//! unless the name says `_s`. Checking the values happens once, in
//! [`crate::validate()`].

mod doc;
mod incidents;
mod infra;
mod workload;

pub use doc::ScenarioV1;
pub(crate) use doc::from_value;
pub use incidents::{Breaker, Budget, Cause, Jitter, Retry, Target, TimedEvent};
pub use infra::{
    Contention, Database, OnConnectError, Pool, PoolMode, Proxy, Replicas, Route, Serverless,
    ServiceKind,
};
pub use workload::{Arrivals, Dist, QueryMode, RateStep, TransactionLimits, Workload};

use serde::{Deserialize, Serialize};

/// The newest scenario format version this build reads and writes.
pub const SCENARIO_VERSION: u32 = 2;

/// A complete description of one simulation run.
#[derive(Debug, Clone, PartialEq)]
pub struct Scenario {
    /// Format version: 1 (one fleet, written in version 1's shape) or 2.
    pub version: u32,
    /// A label for people; not used by the simulation.
    pub name: String,
    /// Seed of the random generator: same scenario and seed, same report.
    pub seed: u64,
    /// Length of the measured window, in seconds.
    pub duration_s: f64,
    /// Simulated time before the window; nothing in it is measured.
    pub warmup_s: f64,
    /// The applications sharing the database(s), at least one.
    pub services: Vec<Service>,
    /// A PgBouncer-style proxy, for services with `route: "proxy"`.
    pub proxy: Option<Proxy>,
    /// The primary database server (and its replicas).
    pub database: Database,
    /// Things that happen at a moment of the run.
    pub events: Vec<TimedEvent>,
}

impl Default for Scenario {
    /// Version 1's default: 4 instances x 20 connections, 400 requests/s.
    fn default() -> Self {
        ScenarioV1::default().into()
    }
}

/// One application: its instances (or functions), their pools, and what it
/// asks of the database.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Service {
    /// Unique, non-empty.
    pub name: String,
    /// Long-lived instances, or serverless functions.
    pub kind: ServiceKind,
    /// Instances at time 0 (not used by serverless services).
    pub instances: u32,
    /// Primary pools in each instance (more than one is the "client per
    /// module" anti-pattern).
    pub pools_per_instance: u32,
    /// Straight to the database, or through the proxy.
    pub route: Route,
    /// What the service asks of the database.
    pub workload: Workload,
    /// The settings of each of its pools.
    pub pool: Pool,
    /// Function instances (`kind: "serverless"`; defaults when left out).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub serverless: Option<Serverless>,
    /// How failed requests are retried.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub retry: Option<Retry>,
}

impl Default for Service {
    fn default() -> Self {
        Service {
            name: "app".to_string(),
            kind: ServiceKind::Instances,
            instances: 4,
            pools_per_instance: 1,
            route: Route::Direct,
            workload: Workload::default(),
            pool: Pool::default(),
            serverless: None,
            retry: None,
        }
    }
}

impl Service {
    /// Whether it is a serverless service.
    pub fn is_serverless(&self) -> bool {
        self.kind == ServiceKind::Serverless
    }

    /// Its serverless settings (the defaults when the block is left out).
    pub fn serverless_or_default(&self) -> Serverless {
        self.serverless.clone().unwrap_or_default()
    }

    /// Primary pools at time 0 (0 for serverless services, whose pools come
    /// and go with their function instances).
    pub fn pool_count(&self) -> u64 {
        if self.is_serverless() {
            0
        } else {
            u64::from(self.instances) * u64::from(self.pools_per_instance)
        }
    }

    /// Arrival rate in force at `t_s` seconds after the start (open loop).
    pub fn rate_at(&self, t_s: f64) -> f64 {
        let mut rate = self.workload.rate_per_s;
        for step in &self.workload.rate_profile {
            if step.at_s <= t_s {
                rate = step.rate_per_s;
            }
        }
        rate
    }

    /// The busiest rate of the profile (open loop).
    pub fn peak_rate(&self) -> f64 {
        self.workload
            .rate_profile
            .iter()
            .map(|st| st.rate_per_s)
            .fold(self.workload.rate_per_s, f64::max)
    }

    /// Expected open-loop arrivals over `total_s` seconds from time 0.
    pub fn expected_arrivals(&self, total_s: f64) -> f64 {
        if self.workload.is_closed() {
            return 0.0;
        }
        let mut steps: Vec<RateStep> = self.workload.rate_profile.clone();
        steps.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        let mut total = 0.0;
        let mut t = 0.0;
        let mut rate = self.workload.rate_per_s;
        for step in steps {
            let at = step.at_s.clamp(0.0, total_s);
            total += rate * (at - t).max(0.0);
            t = t.max(at);
            rate = step.rate_per_s;
        }
        total + rate * (total_s - t).max(0.0)
    }
}

/// Version 1's fleet: how many instances and pools share the database.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Fleet {
    /// Application instances (processes, containers, lambdas).
    pub instances: u32,
    /// Pools in each instance (more than one is the "client per module" anti-pattern).
    pub pools_per_instance: u32,
}

impl Default for Fleet {
    fn default() -> Self {
        Fleet {
            instances: 4,
            pools_per_instance: 1,
        }
    }
}

impl Scenario {
    /// The first service: version 1's whole fleet.
    pub fn app(&self) -> &Service {
        &self.services[0]
    }

    /// The first service, to change it.
    pub fn app_mut(&mut self) -> &mut Service {
        &mut self.services[0]
    }

    /// Connections the primary database accepts from clients.
    pub fn db_limit(&self) -> u32 {
        self.database.limit()
    }

    /// Primary pools of all instance services at time 0.
    pub fn pool_count(&self) -> u64 {
        self.services.iter().map(Service::pool_count).sum()
    }

    /// The run's length, warmup included, in seconds.
    pub fn total_s(&self) -> f64 {
        self.warmup_s + self.duration_s
    }

    /// Expected open-loop arrivals over the whole run, all services.
    pub fn expected_arrivals(&self) -> f64 {
        let total = self.total_s();
        self.services
            .iter()
            .map(|s| s.expected_arrivals(total))
            .sum()
    }

    /// Whether the scenario can be written as a version-1 document: one
    /// instance service named "app", straight to the database, without
    /// retries, proxy or events.
    pub fn fits_v1(&self) -> bool {
        match self.services.as_slice() {
            [s] => {
                s.name == "app"
                    && s.kind == ServiceKind::Instances
                    && s.route == Route::Direct
                    && s.serverless.is_none()
                    && s.retry.is_none()
                    && self.proxy.is_none()
                    && self.events.is_empty()
            }
            _ => false,
        }
    }

    /// The same scenario as a version-2 document (`poolcast migrate`).
    pub fn to_v2(&self) -> Scenario {
        Scenario {
            version: 2,
            ..self.clone()
        }
    }

    /// The service called `name`, with its index.
    pub fn service(&self, name: &str) -> Option<(usize, &Service)> {
        self.services
            .iter()
            .enumerate()
            .find(|(_, s)| s.name == name)
    }

    /// Databases: the primary and each replica.
    pub fn database_count(&self) -> u32 {
        1 + self.database.replica_count()
    }

    /// The name of database `db` in reports: `"primary"`, `"replica:1"`, ...
    pub fn database_name(db: u32) -> String {
        if db == 0 {
            "primary".to_string()
        } else {
            format!("replica:{db}")
        }
    }
}
