//! Settings of a run converted once to what the engine uses: integer
//! nanoseconds, samplers, and per-service and per-database tables that a
//! pool or a connection finds through its index.

use crate::input::dist::Time;
use crate::input::dist::{Sampler, ms_to_ns, s_to_ns};
use crate::input::scenario::{
    Arrivals, Cause, Jitter, OnConnectError, PoolMode, QueryMode, Route, Scenario, Service,
};

/// One service's settings.
#[derive(Debug)]
pub(crate) struct SvcCfg {
    pub queries: u32,
    pub mode: QueryMode,
    pub query: Sampler,
    pub hold: Sampler,
    /// Probability that a query is a read (0 without replicas).
    pub read_fraction: f64,
    /// The pool's acquisition limit (the earlier of `acquire_timeout_ms`
    /// and a transaction's `max_wait_ms`) and the cause it fails with.
    pub acquire_timeout: Option<(Time, Cause)>,
    /// A transaction's `timeout_ms`.
    pub tx_timeout: Option<Time>,
    pub idle_timeout: Option<Time>,
    pub lifetime: Option<Time>,
    pub jitter_ns: f64,
    pub max_uses: Option<u32>,
    pub retry_connect: bool,
    pub retry_ns: Time,
    pub max_size: u32,
    pub min_idle: u32,
    /// Pools connect to the proxy instead of the databases.
    pub proxied: bool,
    /// Instances at time 0 and primary pools in each.
    pub instances: u32,
    pub pools_per_instance: u32,
    pub serverless: Option<FnCfg>,
    pub closed: Option<ClosedCfg>,
    pub retry: Option<RetryCfg>,
    /// What a new request of this service must look at beyond the plain
    /// path.
    pub start_checks: StartChecks,
}

/// What a new request of a service must look at beyond the plain path: its
/// retry policy or breaker, its serverless function. One byte, so that the
/// common "nothing" is one comparison on the request path.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartChecks(u8);

impl StartChecks {
    const RETRY: u8 = 1;
    const SERVERLESS: u8 = 2;

    pub fn new(retry: bool, serverless: bool) -> StartChecks {
        StartChecks((u8::from(retry) * Self::RETRY) | (u8::from(serverless) * Self::SERVERLESS))
    }

    /// Anything at all.
    #[inline(always)]
    pub fn any(self) -> bool {
        self.0 != 0
    }

    /// The service has a retry policy or a breaker.
    #[inline(always)]
    pub fn retry(self) -> bool {
        self.0 & Self::RETRY != 0
    }

    /// The service is serverless.
    #[inline(always)]
    pub fn serverless(self) -> bool {
        self.0 & Self::SERVERLESS != 0
    }
}

/// A serverless service's function instances.
#[derive(Debug)]
pub(crate) struct FnCfg {
    pub max_concurrency: u32,
    pub cold_start: Sampler,
    pub idle_reclaim: Time,
    pub orphan_linger: Time,
}

/// Closed-loop users.
#[derive(Debug)]
pub(crate) struct ClosedCfg {
    pub users: u32,
    pub think: Sampler,
    pub ramp: Time,
    pub requests_per_user: Option<u64>,
}

/// A retry policy.
#[derive(Debug)]
pub(crate) struct RetryCfg {
    pub max_attempts: u32,
    /// Bit `c` set: cause number `c` is retried.
    pub on: u32,
    pub base_ns: f64,
    pub cap_ns: f64,
    pub jitter: Jitter,
    pub budget: Option<(f64, f64)>,
    pub breaker: Option<BreakerCfg>,
}

/// A circuit breaker.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BreakerCfg {
    pub window: Time,
    pub min_requests: u32,
    pub error_rate: f64,
    pub open: Time,
}

/// One database's settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DbCfg {
    pub limit: u64,
    pub cores: Option<u32>,
    pub connect_ns: Time,
    pub statement_timeout: Option<Time>,
    pub idle_in_tx: Option<Time>,
    pub sigma: f64,
    pub kappa: f64,
}

/// The proxy's settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ProxyCfg {
    pub mode: PoolMode,
    pub max_client_conn: u64,
    pub pool_size: u32,
    pub min_pool_size: u32,
    pub reserve: u32,
    pub reserve_timeout: Time,
    pub query_wait_timeout: Option<Time>,
    pub idle_timeout: Option<Time>,
    pub lifetime: Option<Time>,
    pub login_retry: Time,
    pub client_connect: Time,
}

/// The number of a cause in bit sets.
pub(crate) fn cause_bit(c: Cause) -> u32 {
    1 << (c as u32)
}

impl SvcCfg {
    pub fn new(s: &Scenario, svc: &Service) -> SvcCfg {
        let w = &svc.workload;
        let p = &svc.pool;
        let replicas = s.database.replica_count();
        let acquire = p.acquire_timeout_ms.map(ms_to_ns);
        let max_wait = w.transaction.map(|t| ms_to_ns(t.max_wait_ms));
        let acquire_timeout = match (acquire, max_wait) {
            (Some(a), Some(m)) if a < m => Some((a, Cause::PoolTimeout)),
            (_, Some(m)) => Some((m, Cause::TransactionStartTimeout)),
            (Some(a), None) => Some((a, Cause::PoolTimeout)),
            (None, None) => None,
        };
        let serverless = svc.is_serverless().then(|| {
            let f = svc.serverless_or_default();
            FnCfg {
                max_concurrency: f.max_concurrency,
                cold_start: Sampler::new(&f.cold_start_ms),
                idle_reclaim: s_to_ns(f.idle_reclaim_s),
                orphan_linger: s_to_ns(f.orphan_linger_s),
            }
        });
        let closed = match &w.arrivals {
            Arrivals::Open => None,
            Arrivals::Closed {
                users,
                think_ms,
                ramp_s,
                requests_per_user,
            } => Some(ClosedCfg {
                users: *users,
                think: Sampler::new(think_ms),
                ramp: s_to_ns(*ramp_s),
                requests_per_user: *requests_per_user,
            }),
        };
        let retry = svc
            .retry
            .as_ref()
            .filter(|r| r.max_attempts > 1 || r.breaker.is_some())
            .map(|r| RetryCfg {
                max_attempts: r.max_attempts,
                on: r.on.iter().fold(0, |acc, &c| acc | cause_bit(c)),
                base_ns: r.base_ms * 1e6,
                cap_ns: r.cap_ms * 1e6,
                jitter: r.jitter,
                budget: r.budget.map(|b| (b.ratio, b.max_tokens)),
                breaker: r.breaker.map(|b| BreakerCfg {
                    window: s_to_ns(b.window_s).max(1),
                    min_requests: b.min_requests,
                    error_rate: b.error_rate,
                    open: s_to_ns(b.open_s),
                }),
            });
        SvcCfg {
            queries: w.queries_per_request,
            mode: w.query_mode,
            query: Sampler::new(&w.query_ms),
            hold: Sampler::new(&w.hold_extra_ms),
            read_fraction: if replicas > 0 { w.read_fraction } else { 0.0 },
            acquire_timeout,
            tx_timeout: w.transaction.map(|t| ms_to_ns(t.timeout_ms)),
            idle_timeout: p.idle_timeout_ms.map(ms_to_ns),
            lifetime: p.max_lifetime_ms.map(ms_to_ns),
            jitter_ns: p.lifetime_jitter_ms * 1e6,
            max_uses: p.max_uses,
            retry_connect: p.on_connect_error == OnConnectError::Retry,
            retry_ns: ms_to_ns(p.create_retry_interval_ms).max(1),
            max_size: p.max_size,
            min_idle: p.min_idle,
            proxied: svc.route == Route::Proxy,
            instances: svc.instances,
            pools_per_instance: svc.pools_per_instance,
            start_checks: StartChecks::new(retry.is_some(), serverless.is_some()),
            serverless,
            closed,
            retry,
        }
    }
}

impl DbCfg {
    /// Database `db` (0: the primary, then the replicas).
    pub fn new(s: &Scenario, db: u32) -> DbCfg {
        let d = &s.database;
        let (limit, cores) = match (db, d.replicas) {
            (0, _) | (_, None) => (d.limit(), d.cores),
            (_, Some(r)) => (
                r.max_connections.saturating_sub(r.reserved_connections),
                r.cores,
            ),
        };
        let c = d.contention.unwrap_or(crate::input::scenario::Contention {
            sigma: 0.0,
            kappa: 0.0,
        });
        DbCfg {
            limit: u64::from(limit),
            cores,
            connect_ns: ms_to_ns(d.connect_ms),
            statement_timeout: d.statement_timeout_ms.map(ms_to_ns),
            idle_in_tx: d.idle_in_transaction_timeout_ms.map(ms_to_ns),
            sigma: c.sigma,
            kappa: c.kappa,
        }
    }
}

impl ProxyCfg {
    pub fn new(p: &crate::input::scenario::Proxy) -> ProxyCfg {
        ProxyCfg {
            mode: p.pool_mode,
            max_client_conn: u64::from(p.max_client_conn),
            pool_size: p.default_pool_size,
            min_pool_size: p.min_pool_size,
            reserve: p.reserve_pool_size,
            reserve_timeout: ms_to_ns(p.reserve_pool_timeout_ms),
            query_wait_timeout: p.query_wait_timeout_ms.map(ms_to_ns),
            idle_timeout: p.server_idle_timeout_ms.map(ms_to_ns),
            lifetime: p.server_lifetime_ms.map(ms_to_ns),
            login_retry: ms_to_ns(p.server_login_retry_ms).max(1),
            client_connect: ms_to_ns(p.client_connect_ms),
        }
    }
}
