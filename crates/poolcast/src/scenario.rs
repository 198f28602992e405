//! The scenario: what to simulate (MODEL.md §3, version 1).
//!
//! Plain serde structs with public fields. Every field has a default, so `{}`
//! is a valid scenario; unknown fields are rejected. Durations are in
//! milliseconds unless the name says `_s`. Checking the values happens once,
//! in [`crate::validate()`].

use serde::{Deserialize, Serialize};

/// The scenario format version this build reads and writes.
pub const SCENARIO_VERSION: u32 = 1;

/// A complete description of one simulation run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Scenario {
    /// Format version; only [`SCENARIO_VERSION`] is accepted.
    pub version: u32,
    /// A label for people; not used by the simulation.
    pub name: String,
    /// Seed of the random generator: same scenario and seed, same report.
    pub seed: u64,
    /// Length of the measured window, in seconds.
    pub duration_s: f64,
    /// Simulated time before the window; nothing in it is measured.
    pub warmup_s: f64,
    /// What the application asks of the database.
    pub workload: Workload,
    /// How many application instances and pools share the database.
    pub fleet: Fleet,
    /// The settings every pool of the fleet uses.
    pub pool: Pool,
    /// The PostgreSQL-like server.
    pub database: Database,
}

impl Default for Scenario {
    fn default() -> Self {
        Scenario {
            version: SCENARIO_VERSION,
            name: "4 instances x 20 vs max_connections 100".to_string(),
            seed: 42,
            duration_s: 600.0,
            warmup_s: 30.0,
            workload: Workload::default(),
            fleet: Fleet::default(),
            pool: Pool::default(),
            database: Database::default(),
        }
    }
}

/// Requests arriving at the fleet and the queries each one runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Poisson arrival rate for the whole fleet at time 0, requests per second.
    pub rate_per_s: f64,
    /// Later rate changes; each step holds until the next one.
    pub rate_profile: Vec<RateStep>,
    /// Queries each request runs.
    pub queries_per_request: u32,
    /// How a request's queries use connections.
    pub query_mode: QueryMode,
    /// Duration of one query on the database, in milliseconds.
    pub query_ms: Dist,
    /// Extra time a `transaction` holds its connection without using the database.
    pub hold_extra_ms: Dist,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            rate_per_s: 400.0,
            rate_profile: Vec::new(),
            queries_per_request: 1,
            query_mode: QueryMode::Sequential,
            query_ms: Dist::Lognormal {
                p50: Some(8.0),
                mean: None,
                p99: 85.0,
            },
            hold_extra_ms: Dist::Constant { value: 0.0 },
        }
    }
}

/// From `at_s` (seconds since the start of the run, warmup included) on,
/// requests arrive at `rate_per_s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateStep {
    /// When the step starts, seconds from the start of the run.
    pub at_s: f64,
    /// The fleet-wide rate from then on, requests per second.
    pub rate_per_s: f64,
}

/// How a request's queries borrow connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueryMode {
    /// Acquire, query, release, then the next query.
    Sequential,
    /// All queries acquire at once; the request ends when the last ends.
    Parallel,
    /// One connection for all queries plus `hold_extra_ms`.
    Transaction,
}

/// A distribution of durations in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Dist {
    /// Always `value`.
    Constant {
        /// The duration, ms.
        value: f64,
    },
    /// Exponential with the given mean.
    Exponential {
        /// Mean, ms.
        mean: f64,
    },
    /// Lognormal given by its median or its mean, and its 99th percentile.
    Lognormal {
        /// Median, ms (give this or `mean`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        p50: Option<f64>,
        /// Mean, ms (give this or `p50`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        mean: Option<f64>,
        /// 99th percentile, ms.
        p99: f64,
    },
    /// Uniform between `min` and `max`.
    Uniform {
        /// Smallest value, ms.
        min: f64,
        /// Largest value, ms.
        max: f64,
    },
}

/// The application fleet.
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

/// What a pool does when the database refuses a new connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnConnectError {
    /// The request that tried fails (Prisma).
    Fail,
    /// Try again every `create_retry_interval_ms` (tarn, knex).
    Retry,
}

/// Settings of each connection pool.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Pool {
    /// Most connections the pool holds, open or being opened.
    pub max_size: u32,
    /// Connections opened at start and kept.
    pub min_idle: u32,
    /// Longest wait for a connection; `null` waits forever.
    pub acquire_timeout_ms: Option<f64>,
    /// An idle connection above `min_idle` is closed after this; `null` never.
    pub idle_timeout_ms: Option<f64>,
    /// A connection is retired after this age when next returned; `null` never.
    pub max_lifetime_ms: Option<f64>,
    /// Uniform random extra lifetime, up to this, per connection.
    pub lifetime_jitter_ms: f64,
    /// A connection is retired after this many borrows; `null` never.
    pub max_uses: Option<u32>,
    /// What happens when the database refuses a connection.
    pub on_connect_error: OnConnectError,
    /// Interval between tries with `on_connect_error: "retry"`.
    pub create_retry_interval_ms: f64,
}

impl Default for Pool {
    fn default() -> Self {
        Pool {
            max_size: 20,
            min_idle: 0,
            acquire_timeout_ms: Some(10_000.0),
            idle_timeout_ms: Some(300_000.0),
            max_lifetime_ms: None,
            lifetime_jitter_ms: 0.0,
            max_uses: None,
            on_connect_error: OnConnectError::Fail,
            create_retry_interval_ms: 200.0,
        }
    }
}

/// The database server all pools connect to.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    /// PostgreSQL `max_connections`.
    pub max_connections: u32,
    /// Connections kept for superusers (`superuser_reserved_connections`).
    pub reserved_connections: u32,
    /// CPU cores shared by running queries; `null` means no contention.
    pub cores: Option<u32>,
    /// Time to open a connection, ms.
    pub connect_ms: f64,
    /// PostgreSQL `statement_timeout`: cancel longer queries; `null` never.
    pub statement_timeout_ms: Option<f64>,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            max_connections: 100,
            reserved_connections: 3,
            cores: None,
            connect_ms: 5.0,
            statement_timeout_ms: None,
        }
    }
}

impl Scenario {
    /// Connections the database accepts from clients.
    pub fn db_limit(&self) -> u32 {
        self.database
            .max_connections
            .saturating_sub(self.database.reserved_connections)
    }

    /// Pools in the whole fleet.
    pub fn pool_count(&self) -> u64 {
        u64::from(self.fleet.instances) * u64::from(self.fleet.pools_per_instance)
    }

    /// Arrival rate in force at `t_s` seconds after the start.
    pub fn rate_at(&self, t_s: f64) -> f64 {
        let mut rate = self.workload.rate_per_s;
        for step in &self.workload.rate_profile {
            if step.at_s <= t_s {
                rate = step.rate_per_s;
            }
        }
        rate
    }

    /// Expected arrivals over the whole run (warmup included).
    pub fn expected_arrivals(&self) -> f64 {
        let end = self.warmup_s + self.duration_s;
        let mut steps: Vec<RateStep> = self.workload.rate_profile.clone();
        steps.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        let mut total = 0.0;
        let mut t = 0.0;
        let mut rate = self.workload.rate_per_s;
        for step in steps {
            let at = step.at_s.clamp(0.0, end);
            total += rate * (at - t).max(0.0);
            t = t.max(at);
            rate = step.rate_per_s;
        }
        total + rate * (end - t).max(0.0)
    }
}
