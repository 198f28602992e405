//! The path to the data: pools, the database and its replicas, the
//! PgBouncer-style proxy, and serverless functions (MODEL.md §3, §6, §7).

use serde::{Deserialize, Serialize};

use super::workload::Dist;

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

/// The primary database server (and the settings its replicas share).
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
    /// Gunther's Universal Scalability Law on top of processor sharing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contention: Option<Contention>,
    /// PostgreSQL `idle_in_transaction_session_timeout`; `null` never.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub idle_in_transaction_timeout_ms: Option<f64>,
    /// Read replicas, each with its own limit and cores.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<Replicas>,
}

impl Default for Database {
    fn default() -> Self {
        Database {
            max_connections: 100,
            reserved_connections: 3,
            cores: None,
            connect_ms: 5.0,
            statement_timeout_ms: None,
            contention: None,
            idle_in_transaction_timeout_ms: None,
            replicas: None,
        }
    }
}

impl Database {
    /// Connections the primary accepts from clients.
    pub fn limit(&self) -> u32 {
        self.max_connections
            .saturating_sub(self.reserved_connections)
    }

    /// Read replicas (0 without a `replicas` block).
    pub fn replica_count(&self) -> u32 {
        self.replicas.map_or(0, |r| r.count)
    }

    /// Whether any field beyond version 1's is in use.
    pub fn uses_v2(&self) -> bool {
        self.contention.is_some()
            || self.idle_in_transaction_timeout_ms.is_some()
            || self.replicas.is_some()
    }
}

/// Loss of throughput as more queries run at once: with A active, each runs
/// at `min(1, K/A) / (1 + sigma (A - 1) + kappa A (A - 1))`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Contention {
    /// Serialisation (locks, a single writer).
    pub sigma: f64,
    /// Coherency (buffer and lock-manager traffic between backends).
    pub kappa: f64,
}

impl Default for Contention {
    fn default() -> Self {
        Contention {
            sigma: 0.02,
            kappa: 0.0005,
        }
    }
}

/// Read replicas; connect time, statement timeout and contention are the
/// primary's.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Replicas {
    /// How many replicas.
    pub count: u32,
    /// `max_connections` of each replica.
    pub max_connections: u32,
    /// `superuser_reserved_connections` of each replica.
    pub reserved_connections: u32,
    /// Cores of each replica; `null` means no contention.
    pub cores: Option<u32>,
}

impl Default for Replicas {
    fn default() -> Self {
        Replicas {
            count: 1,
            max_connections: 100,
            reserved_connections: 3,
            cores: None,
        }
    }
}

/// PgBouncer's `pool_mode`: how long a client keeps a server connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PoolMode {
    /// From the client connection's first query until it closes.
    Session,
    /// For one transaction (one query when the app does not open one).
    Transaction,
    /// For one query.
    Statement,
}

/// A PgBouncer-style proxy between the services routed through it and the
/// databases. Defaults are PgBouncer's own.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Proxy {
    /// How long a client keeps a server connection.
    pub pool_mode: PoolMode,
    /// Most client connections; past it a connect is refused.
    pub max_client_conn: u32,
    /// Server connections per database.
    pub default_pool_size: u32,
    /// Server connections per database opened at start and kept.
    pub min_pool_size: u32,
    /// Extra server connections allowed once a client has waited
    /// `reserve_pool_timeout_ms`.
    pub reserve_pool_size: u32,
    /// Wait after which the reserve may be used, ms.
    pub reserve_pool_timeout_ms: f64,
    /// A client waiting longer for a server connection fails; `null` never.
    pub query_wait_timeout_ms: Option<f64>,
    /// Idle server connections above `min_pool_size` close after this; `null` never.
    pub server_idle_timeout_ms: Option<f64>,
    /// Unused server connections older than this close; `null` never.
    pub server_lifetime_ms: Option<f64>,
    /// After a failed server connect, wait this long before the next, ms.
    pub server_login_retry_ms: f64,
    /// Time for an application to open a client connection, ms.
    pub client_connect_ms: f64,
}

impl Default for Proxy {
    fn default() -> Self {
        Proxy {
            pool_mode: PoolMode::Session,
            max_client_conn: 100,
            default_pool_size: 20,
            min_pool_size: 0,
            reserve_pool_size: 0,
            reserve_pool_timeout_ms: 5000.0,
            query_wait_timeout_ms: Some(120_000.0),
            server_idle_timeout_ms: Some(600_000.0),
            server_lifetime_ms: Some(3_600_000.0),
            server_login_retry_ms: 15_000.0,
            client_connect_ms: 1.0,
        }
    }
}

/// How a service runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ServiceKind {
    /// A fixed fleet of long-lived processes (containers, VMs).
    Instances,
    /// One function instance per concurrent request (AWS Lambda, Vercel).
    Serverless,
}

/// Where a service's pools connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    /// Straight to the database(s).
    Direct,
    /// Through the proxy.
    Proxy,
}

/// Function instances of a serverless service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Serverless {
    /// Most instances busy at once; a request past it fails `throttled`.
    pub max_concurrency: u32,
    /// Start-up time of a new instance, ms.
    pub cold_start_ms: Dist,
    /// An instance idle this long is reclaimed, s (0: when its request ends).
    pub idle_reclaim_s: f64,
    /// A reclaimed instance's connections stay open at the database this
    /// long, s (0: closed cleanly).
    pub orphan_linger_s: f64,
}

impl Default for Serverless {
    fn default() -> Self {
        Serverless {
            max_concurrency: 1000,
            cold_start_ms: Dist::Lognormal {
                p50: Some(250.0),
                mean: None,
                p99: 1000.0,
            },
            idle_reclaim_s: 600.0,
            orphan_linger_s: 7200.0,
        }
    }
}
