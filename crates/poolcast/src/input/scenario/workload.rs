//! What a service asks of the database: arrivals, the shape of a request,
//! and the distributions its durations are drawn from (MODEL.md §3, §6).

use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

/// Requests arriving at a service and the queries each one runs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Workload {
    /// Poisson arrival rate for the whole service at time 0, requests per
    /// second (open loop only).
    pub rate_per_s: f64,
    /// Later rate changes; each step holds until the next one (open loop).
    pub rate_profile: Vec<RateStep>,
    /// Queries each request runs.
    pub queries_per_request: u32,
    /// How a request's queries use connections.
    pub query_mode: QueryMode,
    /// Duration of one query on the database, in milliseconds.
    pub query_ms: Dist,
    /// Extra time a `transaction` holds its connection without using the database.
    pub hold_extra_ms: Dist,
    /// Fraction of queries that are reads, sent to a replica when there is one.
    pub read_fraction: f64,
    /// Open loop (Poisson) or closed loop (virtual users).
    pub arrivals: Arrivals,
    /// Prisma-style limits of an interactive transaction (`query_mode: "transaction"`).
    pub transaction: Option<TransactionLimits>,
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
            read_fraction: 0.0,
            arrivals: Arrivals::Open,
            transaction: None,
        }
    }
}

impl Workload {
    /// Whether requests come from closed-loop users.
    pub fn is_closed(&self) -> bool {
        matches!(self.arrivals, Arrivals::Closed { .. })
    }

    /// Whether any field beyond version 1's is in use.
    pub fn uses_v2(&self) -> bool {
        self.read_fraction != 0.0 || self.is_closed() || self.transaction.is_some()
    }
}

/// Version 1's fields in version 1's order; the others only when they are
/// not their defaults, and a closed loop's rate fields not at all (a given
/// rate with closed-loop users is refused on reading).
impl Serialize for Workload {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        let closed = self.is_closed();
        let mut st = ser.serialize_struct("Workload", 9)?;
        if closed {
            st.skip_field("rate_per_s")?;
            st.skip_field("rate_profile")?;
        } else {
            st.serialize_field("rate_per_s", &self.rate_per_s)?;
            st.serialize_field("rate_profile", &self.rate_profile)?;
        }
        st.serialize_field("queries_per_request", &self.queries_per_request)?;
        st.serialize_field("query_mode", &self.query_mode)?;
        st.serialize_field("query_ms", &self.query_ms)?;
        st.serialize_field("hold_extra_ms", &self.hold_extra_ms)?;
        if self.read_fraction != 0.0 {
            st.serialize_field("read_fraction", &self.read_fraction)?;
        }
        if closed {
            st.serialize_field("arrivals", &self.arrivals)?;
        }
        if let Some(t) = &self.transaction {
            st.serialize_field("transaction", t)?;
        }
        st.end()
    }
}

/// From `at_s` (seconds since the start of the run, warmup included) on,
/// requests arrive at `rate_per_s`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateStep {
    /// When the step starts, seconds from the start of the run.
    pub at_s: f64,
    /// The service-wide rate from then on, requests per second.
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

/// Where a service's requests come from.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Arrivals {
    /// Poisson arrivals at `rate_per_s` (and `rate_profile`).
    #[default]
    Open,
    /// Virtual users, as artillery `quick --count U --num N` or k6
    /// `constant-vus`: each sends a request, waits for its result, thinks,
    /// and sends the next.
    Closed {
        /// Virtual users.
        users: u32,
        /// Pause between a result and the next request, ms.
        #[serde(default = "zero_ms")]
        think_ms: Dist,
        /// Users start spread evenly over this many seconds.
        #[serde(default)]
        ramp_s: f64,
        /// Requests each user sends; `null` until the run ends.
        #[serde(default)]
        requests_per_user: Option<u64>,
    },
}

fn zero_ms() -> Dist {
    Dist::Constant { value: 0.0 }
}

/// Prisma interactive transactions' `maxWait` and `timeout`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TransactionLimits {
    /// Longest wait to start the transaction (get a connection), ms.
    pub max_wait_ms: f64,
    /// Longest a transaction may run from its acquisition, ms.
    pub timeout_ms: f64,
}

impl Default for TransactionLimits {
    fn default() -> Self {
        TransactionLimits {
            max_wait_ms: 2000.0,
            timeout_ms: 5000.0,
        }
    }
}

/// A distribution of durations in milliseconds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
    /// Measured percentiles, as an APM shows them: `[[0.5, 8], [0.99, 85]]`.
    /// Between two points the quantile function is linear in the logarithm
    /// of the value; below the first it is linear from 0 at q = 0; above the
    /// last it stays at the last value.
    Quantiles {
        /// `[q, ms]` pairs, q increasing in (0, 1], ms non-decreasing.
        points: Vec<[f64; 2]>,
    },
    /// A Prometheus-style histogram: a bucket is drawn by its count, a value
    /// uniformly inside it; the first bucket starts at 0.
    Histogram {
        /// Upper bound of each bucket, ms, increasing.
        le_ms: Vec<f64>,
        /// Count of each bucket (or up to each bound, with `cumulative`).
        counts: Vec<f64>,
        /// Counts are cumulative (Prometheus `_bucket` series).
        #[serde(default, skip_serializing_if = "is_false")]
        cumulative: bool,
    },
    /// Drawn uniformly from measured values (a pgbench log, say).
    Samples {
        /// The measured durations, ms.
        ms: Vec<f64>,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}

impl Dist {
    /// Whether this kind is one of version 2's measured distributions.
    pub fn is_measured(&self) -> bool {
        matches!(
            self,
            Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. }
        )
    }
}
