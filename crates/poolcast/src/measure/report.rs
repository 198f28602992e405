//! The report: what a run measured (MODEL.md §4).
//!
//! Plain serde structs. A report holds no wall-clock time, so the same
//! scenario and seed give the same bytes on every platform.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::input::scenario::Scenario;

/// Everything one run measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Report {
    /// The scenario as run, defaults filled in.
    pub scenario: Scenario,
    /// What became of the requests that arrived in the window.
    pub requests: Requests,
    /// Connection acquisitions started in the window.
    pub acquire: Acquire,
    /// Arrival to completion of completed requests, ms.
    pub latency_ms: Summary,
    /// Pool occupancy over the window.
    pub pool: PoolStats,
    /// What the database saw.
    pub database: DatabaseStats,
    /// Requests completed in the window per second of window.
    pub throughput_per_s: f64,
    /// The run over time, in buckets.
    pub timeline: Timeline,
    /// Plain sentences a planner must see.
    pub warnings: Vec<String>,
    /// Events the engine processed.
    pub events: u64,
    /// Each service alone, in scenario order.
    pub services: Vec<ServiceReport>,
    /// Each database: the primary, then the replicas.
    pub databases: Vec<DatabaseReport>,
    /// The proxy, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proxy: Option<ProxyReport>,
    /// One entry per timed event: how long the system took to recover.
    pub incidents: Vec<Incident>,
}

/// Request outcomes; `arrived = completed + timed_out + failed + in_flight`
/// and `attempts = arrived + retries`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requests {
    /// Requests that arrived in the window.
    pub arrived: u64,
    /// Of those, completed.
    pub completed: u64,
    /// Of those, failed with a pool timeout (Prisma P2024).
    pub timed_out: u64,
    /// Of those, failed otherwise (too many clients, statement timeout).
    pub failed: u64,
    /// Of those, still running when the window ended.
    pub in_flight: u64,
    /// Failed requests by the cause of their last attempt (`pool_timeout`
    /// equals `timed_out`); only causes that occurred.
    pub failed_by_cause: BTreeMap<String, u64>,
    /// Tries of those requests, first tries and retries.
    pub attempts: u64,
    /// Of those tries, retries.
    pub retries: u64,
    /// attempts / arrived (1 without retries; 0 when nothing arrived).
    pub amplification: f64,
}

/// Connection acquisition statistics.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Acquire {
    /// Acquisitions started in the window.
    pub attempts: u64,
    /// Of those, how many got a connection: the waits `wait_ms` describes
    /// (an addition to MODEL.md §4; 0 means `wait_ms` has no data).
    pub served: u64,
    /// Fraction of attempts not served at once.
    pub p_wait: f64,
    /// Fraction of attempts that hit `acquire_timeout_ms`.
    pub timeout_fraction: f64,
    /// Wait of the attempts that got a connection, ms.
    pub wait_ms: Summary,
    /// How those waits are distributed (an addition to MODEL.md §4).
    pub wait_histogram: WaitHistogram,
}

/// Counts of served waits by upper bound: `counts[i]` waits were at most
/// `le_ms[i]` and above `le_ms[i - 1]`; the first bound is 0 (served at
/// once). Bounds step 1-2-5 per decade; empty buckets at the top are left off.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WaitHistogram {
    /// Upper bound of each bucket, ms.
    pub le_ms: Vec<f64>,
    /// Waits in each bucket.
    pub counts: Vec<u64>,
}

/// Mean and nearest-rank percentiles, ms.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Summary {
    /// Exact mean.
    pub mean: f64,
    /// Median.
    pub p50: f64,
    /// 95th percentile.
    pub p95: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
}

/// Pool occupancy.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PoolStats {
    /// Time-average busy connections / (pools x `max_size`).
    pub utilization: f64,
    /// Fraction of time a pool had waiters, averaged over pools.
    pub exhausted_fraction: f64,
    /// Most requests waiting at once, fleet-wide.
    pub peak_waiting: u64,
}

/// Database-side statistics.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseStats {
    /// Most client connections (open or opening) at any moment of the run.
    pub peak_connections: u64,
    /// Connection opens refused with SQLSTATE 53300, in the window.
    pub too_many_clients: u64,
    /// Queries cancelled by `statement_timeout_ms`, in the window.
    pub statement_timeouts: u64,
    /// Time-average busy cores / cores; `null` without `cores`.
    pub core_utilization: Option<f64>,
    /// Mean time a query spent on the database, ms, over queries that ended
    /// in the window (an addition to MODEL.md §4: with `cores` set it grows
    /// when more queries run than there are cores).
    pub mean_query_ms: f64,
}

/// The run over time, from the start of the run (warmup included).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Timeline {
    /// Width of one bucket, seconds.
    pub bucket_s: f64,
    /// One value per bucket for each series.
    pub series: Series,
    /// Markers of the timed events, for the charts.
    pub events: Vec<Marker>,
}

/// A moment worth marking on the time axis.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Marker {
    /// When, s from time 0.
    pub at_s: f64,
    /// When it ends, s from time 0 (equal to `at_s` for a moment).
    pub end_s: f64,
    /// What happened, in a few words.
    pub label: String,
}

/// Per-bucket series; all have the same length.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Series {
    /// Time-average requests waiting for a connection, fleet-wide.
    pub waiting: Vec<f64>,
    /// Time-average connections lent to requests, fleet-wide.
    pub busy: Vec<f64>,
    /// Time-average open idle connections, fleet-wide.
    pub idle: Vec<f64>,
    /// Most database connections (open or opening) during the bucket.
    pub db_connections: Vec<u64>,
    /// Acquire timeouts during the bucket.
    pub timeouts: Vec<u64>,
    /// Other request failures during the bucket.
    pub failures: Vec<u64>,
    /// Requests arriving during the bucket.
    pub arrivals: Vec<u64>,
    /// 99th percentile of the waits served during the bucket, ms (`null`: none).
    pub p99_wait_ms: Vec<Option<f64>>,
    /// Retries started during the bucket.
    pub retries: Vec<u64>,
    /// Time-average live instances of every service.
    pub instances: Vec<f64>,
    /// Time-average clients waiting at the proxy for a server connection.
    pub proxy_waiting: Vec<f64>,
    /// Most connections (open or opening) of each database during the bucket.
    pub db_connections_by_database: BTreeMap<String, Vec<u64>>,
    /// Final request failures during the bucket, by cause (causes that occurred).
    pub failures_by_cause: BTreeMap<String, Vec<u64>>,
}

/// One service's share of the run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceReport {
    /// The service's name.
    pub name: String,
    /// What became of its requests.
    pub requests: Requests,
    /// Its connection acquisitions.
    pub acquire: Acquire,
    /// Arrival to completion of its completed requests, ms.
    pub latency_ms: Summary,
    /// Its pools' occupancy.
    pub pool: PoolStats,
    /// Its requests completed in the window per second of window.
    pub throughput_per_s: f64,
    /// Function instances, for a serverless service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serverless: Option<ServerlessReport>,
    /// Seconds of the window its breaker was open, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub breaker_open_s: Option<f64>,
}

/// A serverless service's function instances.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerlessReport {
    /// Cold starts of requests that arrived in the window.
    pub cold_starts: u64,
    /// cold starts / requests that were not throttled.
    pub cold_start_fraction: f64,
    /// Most instances (busy or warm) at once.
    pub peak_instances: u64,
    /// Requests refused at `max_concurrency`.
    pub throttled: u64,
    /// Most connections left open by reclaimed instances at once.
    pub peak_orphaned_connections: u64,
}

/// One database's statistics, named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseReport {
    /// `"primary"`, `"replica:1"`, ...
    pub name: String,
    /// Connections it accepts from clients (max_connections - reserved).
    pub limit: u64,
    /// Most client connections (open or opening) at any moment of the run.
    pub peak_connections: u64,
    /// Connection opens refused with SQLSTATE 53300, in the window.
    pub too_many_clients: u64,
    /// Queries cancelled by `statement_timeout_ms`, in the window.
    pub statement_timeouts: u64,
    /// Time-average busy cores / cores; `null` without `cores`.
    pub core_utilization: Option<f64>,
    /// Mean time a query spent on it, ms, over queries that ended in the window.
    pub mean_query_ms: f64,
}

impl DatabaseReport {
    /// Version 1's `database` block for this database.
    pub fn stats(&self) -> DatabaseStats {
        DatabaseStats {
            peak_connections: self.peak_connections,
            too_many_clients: self.too_many_clients,
            statement_timeouts: self.statement_timeouts,
            core_utilization: self.core_utilization,
            mean_query_ms: self.mean_query_ms,
        }
    }
}

/// What the proxy saw.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProxyReport {
    /// Most client connections (open or opening) at once.
    pub peak_client_connections: u64,
    /// Most server connections (open or opening) at once, per database.
    pub peak_server_connections: BTreeMap<String, u64>,
    /// Server acquisitions started in the window.
    pub attempts: u64,
    /// Fraction of them that had to wait.
    pub p_wait: f64,
    /// Waits for a server connection of those that got one, ms.
    pub wait_ms: Summary,
    /// Clients that waited past `query_wait_timeout_ms`.
    pub query_wait_timeouts: u64,
    /// Client connects refused past `max_client_conn`.
    pub max_client_conn_refusals: u64,
}

/// How the run recovered from one timed event (MODEL.md §6b).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Incident {
    /// When the event started, s from time 0.
    pub at_s: f64,
    /// Its kind (`db_restart`, `slow_queries`, ...).
    pub kind: String,
    /// When it ended, s from time 0.
    pub end_s: f64,
    /// Seconds after `end_s` until failures and p99 wait were back in their
    /// band; `null` if they never were before the run ended.
    pub recovery_s: Option<f64>,
}

impl Report {
    /// The report as compact JSON (the byte-identical form).
    pub fn to_json(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The report as indented JSON (made from the compact text: see
    /// [`crate::json`]).
    pub fn to_json_pretty(&self) -> String {
        crate::json::to_string_pretty(self).unwrap_or_default()
    }
}
