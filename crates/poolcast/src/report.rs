//! The report: what a run measured (MODEL.md §4).
//!
//! Plain serde structs. A report holds no wall-clock time, so the same
//! scenario and seed give the same bytes on every platform.

use serde::{Deserialize, Serialize};

use crate::scenario::Scenario;

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
}

/// Request outcomes; `arrived = completed + timed_out + failed + in_flight`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl Report {
    /// The report as compact JSON (the byte-identical form).
    pub fn to_json(&self) -> String {
        // Serialising plain structs of numbers and strings cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The report as indented JSON.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}
