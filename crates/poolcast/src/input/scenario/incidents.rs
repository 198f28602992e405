//! What goes wrong over time and how clients react: failure causes, retry
//! policies with budgets and breakers, and timed events (MODEL.md §6).

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Why a request (or one attempt of it) failed; every failure counts under
/// exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// No connection within `acquire_timeout_ms` (Prisma P2024).
    PoolTimeout,
    /// The database refused a connection (SQLSTATE 53300).
    TooManyClients,
    /// A query ran past `statement_timeout_ms` (57014).
    StatementTimeout,
    /// The proxy refused a client connection past `max_client_conn`.
    MaxClientConn,
    /// No server connection at the proxy within `query_wait_timeout_ms`.
    QueryWaitTimeout,
    /// A serverless service was at `max_concurrency`.
    Throttled,
    /// A connect while the database (or the proxy) was down.
    DbUnavailable,
    /// The connection broke under a running request (a restart).
    ConnectionLost,
    /// A transaction could not start within `max_wait_ms`.
    TransactionStartTimeout,
    /// A transaction ran past `timeout_ms`.
    TransactionTimeout,
    /// The database ended a session idle in a transaction.
    IdleInTransaction,
    /// The service's circuit breaker was open.
    BreakerOpen,
}

impl Cause {
    /// Every cause, in the report's order.
    pub const ALL: [Cause; 12] = [
        Cause::PoolTimeout,
        Cause::TooManyClients,
        Cause::StatementTimeout,
        Cause::MaxClientConn,
        Cause::QueryWaitTimeout,
        Cause::Throttled,
        Cause::DbUnavailable,
        Cause::ConnectionLost,
        Cause::TransactionStartTimeout,
        Cause::TransactionTimeout,
        Cause::IdleInTransaction,
        Cause::BreakerOpen,
    ];

    /// The name used in JSON.
    pub fn name(self) -> &'static str {
        match self {
            Cause::PoolTimeout => "pool_timeout",
            Cause::TooManyClients => "too_many_clients",
            Cause::StatementTimeout => "statement_timeout",
            Cause::MaxClientConn => "max_client_conn",
            Cause::QueryWaitTimeout => "query_wait_timeout",
            Cause::Throttled => "throttled",
            Cause::DbUnavailable => "db_unavailable",
            Cause::ConnectionLost => "connection_lost",
            Cause::TransactionStartTimeout => "transaction_start_timeout",
            Cause::TransactionTimeout => "transaction_timeout",
            Cause::IdleInTransaction => "idle_in_transaction",
            Cause::BreakerOpen => "breaker_open",
        }
    }
}

/// How a service retries failed requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Retry {
    /// Attempts in all, the first included (1: no retry).
    pub max_attempts: u32,
    /// The causes that are retried.
    pub on: Vec<Cause>,
    /// Backoff of the first retry, ms.
    pub base_ms: f64,
    /// Longest backoff, ms.
    pub cap_ms: f64,
    /// How the backoff is randomised.
    pub jitter: Jitter,
    /// A token bucket that bounds retries (the AWS SDK's retry quota).
    pub budget: Option<Budget>,
    /// A circuit breaker that fails requests at once while it is open.
    pub breaker: Option<Breaker>,
}

impl Default for Retry {
    fn default() -> Self {
        Retry {
            max_attempts: 1,
            on: Vec::new(),
            base_ms: 100.0,
            cap_ms: 10_000.0,
            jitter: Jitter::Full,
            budget: None,
            breaker: None,
        }
    }
}

/// Backoff before retry k, with b = min(cap, base x 2^(k-1)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Jitter {
    /// Sleep b.
    None,
    /// Uniform on [0, b].
    Full,
    /// b/2 + uniform on [0, b/2].
    Equal,
    /// min(cap, uniform on [base, 3 x the previous sleep]).
    Decorrelated,
}

/// A retry token bucket: each first attempt adds `ratio` tokens (up to
/// `max_tokens`), each retry spends one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Budget {
    /// Tokens added per first attempt.
    pub ratio: f64,
    /// Most tokens held (the bucket starts full).
    pub max_tokens: f64,
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            ratio: 0.1,
            max_tokens: 100.0,
        }
    }
}

/// A circuit breaker per service, without a half-open state.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Breaker {
    /// The window over which finished requests are counted, s.
    pub window_s: f64,
    /// Fewest finished requests in the window before it may open.
    pub min_requests: u32,
    /// Failed fraction at which it opens.
    pub error_rate: f64,
    /// How long it stays open, s.
    pub open_s: f64,
}

impl Default for Breaker {
    fn default() -> Self {
        Breaker {
            window_s: 10.0,
            min_requests: 20,
            error_rate: 0.5,
            open_s: 5.0,
        }
    }
}

/// What a database event acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The primary database.
    Primary,
    /// Replica N (from 1).
    Replica(u32),
    /// The proxy.
    Proxy,
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Primary => write!(f, "primary"),
            Target::Replica(n) => write!(f, "replica:{n}"),
            Target::Proxy => write!(f, "proxy"),
        }
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, ser: S) -> Result<S::Ok, S::Error> {
        ser.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Target {
    fn deserialize<D: Deserializer<'de>>(de: D) -> Result<Self, D::Error> {
        let s = String::deserialize(de)?;
        match s.as_str() {
            "primary" => Ok(Target::Primary),
            "proxy" => Ok(Target::Proxy),
            _ => s
                .strip_prefix("replica:")
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|&n| n >= 1)
                .map(Target::Replica)
                .ok_or_else(|| {
                    serde::de::Error::custom(format!(
                        "unknown target {s:?}: expected \"primary\", \"replica:N\" (N from 1) or \"proxy\""
                    ))
                }),
        }
    }
}

/// Something that happens at a moment of the run (`at_s` counts from time
/// 0, warmup included, as `rate_profile` does).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum TimedEvent {
    /// Every connection to the target breaks; it refuses connects for `down_s`.
    DbRestart {
        /// When, s.
        at_s: f64,
        /// The database or the proxy.
        target: Target,
        /// How long it stays down, s.
        down_s: f64,
    },
    /// Queries starting on the target in the window take `factor` times longer.
    SlowQueries {
        /// When, s.
        at_s: f64,
        /// The database.
        target: Target,
        /// Multiplier of query durations.
        factor: f64,
        /// How long, s.
        for_s: f64,
    },
    /// The target database has `cores` cores for a while.
    Cores {
        /// When, s.
        at_s: f64,
        /// The database.
        target: Target,
        /// Cores during the window.
        cores: u32,
        /// How long, s.
        for_s: f64,
    },
    /// The service runs `instances` instances from then on.
    Scale {
        /// When, s.
        at_s: f64,
        /// The service's name.
        service: String,
        /// Live instances after the event.
        instances: u32,
    },
    /// Instances are replaced `batch` at a time every `every_s`.
    RollingRestart {
        /// When, s.
        at_s: f64,
        /// The service's name.
        service: String,
        /// Instances replaced at a time.
        batch: u32,
        /// Time between batches, s.
        every_s: f64,
    },
}

/// A few words saying what an event does: the label of its marker on the
/// charts and in the report's timeline.
impl fmt::Display for TimedEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimedEvent::DbRestart { target, down_s, .. } => {
                write!(f, "{target} restarts ({down_s} s down)")
            }
            TimedEvent::SlowQueries { target, factor, .. } => {
                write!(f, "queries x{factor} on {target}")
            }
            TimedEvent::Cores { target, cores, .. } => write!(f, "{target} on {cores} cores"),
            TimedEvent::Scale {
                service, instances, ..
            } => write!(f, "{service} scales to {instances}"),
            TimedEvent::RollingRestart { service, batch, .. } => {
                write!(f, "{service} rolling restart, {batch} at a time")
            }
        }
    }
}

impl TimedEvent {
    /// When the event starts, s from time 0.
    pub fn at_s(&self) -> f64 {
        match *self {
            TimedEvent::DbRestart { at_s, .. }
            | TimedEvent::SlowQueries { at_s, .. }
            | TimedEvent::Cores { at_s, .. }
            | TimedEvent::Scale { at_s, .. }
            | TimedEvent::RollingRestart { at_s, .. } => at_s,
        }
    }

    /// The name of its kind in JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            TimedEvent::DbRestart { .. } => "db_restart",
            TimedEvent::SlowQueries { .. } => "slow_queries",
            TimedEvent::Cores { .. } => "cores",
            TimedEvent::Scale { .. } => "scale",
            TimedEvent::RollingRestart { .. } => "rolling_restart",
        }
    }
}
