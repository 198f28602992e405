//! The one boundary where input is checked: JSON text or a [`Scenario`] in,
//! a scenario the engine can run without failing out, or errors that name
//! the field and what is allowed.
//!
//! Field paths follow the document's own shape: `pool.max_size` in a
//! version-1 scenario, `services[1].pool.max_size` in a version-2 one.

use std::fmt;

use crate::input::dist::{lognormal_params, mean_ms, measured_problem};
use crate::input::scenario::{
    Arrivals, Dist, PoolMode, QueryMode, Route, Scenario, Service, ServiceKind, Target, TimedEvent,
    from_value,
};

/// Default ceiling on the events a run may take (about 3-5 s natively).
pub const DEFAULT_MAX_EVENTS: u64 = 50_000_000;

/// Largest pool, fleet, database or core count accepted.
const MAX_COUNT: u32 = 1_000_000;
/// Largest total of pools across the fleet (replica pools included).
const MAX_POOLS: u64 = 100_000;
/// Longest simulated time, seconds (about 116 days).
const MAX_SECONDS: f64 = 1e7;
/// Longest duration a distribution or timeout may name, ms (about 11.6 days).
const MAX_MS: f64 = 1e9;
/// Most services in one scenario.
pub const MAX_SERVICES: usize = 32;
/// Most timed events in one scenario.
pub const MAX_EVENTS_LISTED: usize = 200;
/// Most read replicas.
pub const MAX_REPLICAS: u32 = 16;
/// Most closed-loop users of one service.
pub const MAX_USERS: u32 = 100_000;
/// Most values a measured distribution may list.
pub const MAX_POINTS: usize = 100_000;
/// Most attempts a retry policy may make.
pub const MAX_ATTEMPTS: u32 = 20;

/// One problem with one field.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `pool.max_size`.
    pub field: String,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Why a scenario cannot be run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScenarioError {
    /// The text is not a scenario (bad JSON, wrong type, unknown field).
    #[error("{0}")]
    Parse(FieldError),
    /// Fields hold values outside what is allowed.
    #[error("{}", join(.0))]
    Invalid(Vec<FieldError>),
    /// The run would take too long.
    #[error(
        "the scenario needs about {estimated_events} events, over the limit of {max_events}: \
         shorten duration_s or warmup_s, or lower the request rate or the users \
         (or raise the limit explicitly, e.g. --max-events)"
    )]
    TooLarge {
        /// Estimated events.
        estimated_events: u64,
        /// The limit in force.
        max_events: u64,
    },
}

fn join(errors: &[FieldError]) -> String {
    let lines: Vec<String> = errors.iter().map(ToString::to_string).collect();
    lines.join("\n")
}

impl ScenarioError {
    /// Every field error, one per problem.
    pub fn field_errors(&self) -> Vec<FieldError> {
        match self {
            ScenarioError::Parse(e) => vec![e.clone()],
            ScenarioError::Invalid(v) => v.clone(),
            ScenarioError::TooLarge { .. } => vec![FieldError {
                field: "duration_s".into(),
                message: self.to_string(),
            }],
        }
    }
}

/// Parses scenario JSON (version 1 or 2), naming the field of any error.
pub fn parse(json: &str) -> Result<Scenario, ScenarioError> {
    let err = |field: String, message: String| ScenarioError::Parse(FieldError { field, message });
    let text = json.trim_start();
    if !text.is_empty() && !text.starts_with('{') {
        return Err(err(
            "scenario".into(),
            "must be a JSON object, like {\"pool\": {\"max_size\": 20}}".into(),
        ));
    }
    let value: serde_json::Value =
        serde_json::from_str(json).map_err(|e| err("scenario".into(), e.to_string()))?;
    from_value(value).map_err(|(field, message)| err(field, message))
}

/// A scenario that passed [`validate`]: the only input the engine takes
/// ([`crate::Sim::new`]). Its field is private and only [`validate`] makes
/// one, so a scenario that was parsed but not checked (an event aimed at a
/// replica that does not exist, a negative pool) cannot reach the engine,
/// whose tables are indexed by numbers that validation bounded.
///
/// ```compile_fail,E0308
/// // A parsed scenario is not a validated one: this does not compile.
/// let s = poolcast::parse(r#"{"workload": {"rate_per_s": 10}}"#).unwrap();
/// let sim = poolcast::Sim::new(&s);
/// ```
///
/// ```compile_fail,E0423
/// // Nor can one be made without validating.
/// let s = poolcast::parse(r#"{"workload": {"rate_per_s": 10}}"#).unwrap();
/// let v = poolcast::validate::Validated(s);
/// ```
///
/// ```
/// let s = poolcast::parse(r#"{"workload": {"rate_per_s": 10}}"#).unwrap();
/// let v = poolcast::validate(&s, poolcast::DEFAULT_MAX_EVENTS).unwrap();
/// let report = poolcast::Sim::new(&v).run_to_end();
/// assert!(report.requests.arrived > 0);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Validated(Scenario);

impl Validated {
    /// The scenario.
    pub fn scenario(&self) -> &Scenario {
        &self.0
    }

    /// The scenario, to edit (an edited copy must be validated again).
    pub fn into_scenario(self) -> Scenario {
        self.0
    }
}

impl std::ops::Deref for Validated {
    type Target = Scenario;
    fn deref(&self) -> &Scenario {
        &self.0
    }
}

/// Checks every value; `max_events` caps the estimated work. The scenario
/// comes back as a [`Validated`], which the engine takes.
pub fn validate(s: &Scenario, max_events: u64) -> Result<Validated, ScenarioError> {
    let mut v = Checker::default();
    if s.version == 1 && !s.fits_v1() {
        v.err(
            "version",
            "a version-1 scenario has one service, \"app\", straight to the database, without \
             retries, a proxy or events: set version 2"
                .into(),
        );
    } else if s.version != 1 && s.version != 2 {
        v.err(
            "version",
            format!(
                "unsupported version {}; this build reads versions 1 and 2",
                s.version
            ),
        );
    }
    v.range_f("duration_s", s.duration_s, 0.001, MAX_SECONDS);
    v.range_f("warmup_s", s.warmup_s, 0.0, MAX_SECONDS);
    check_services(&mut v, s);
    check_database(&mut v, s);
    if let Some(p) = &s.proxy {
        check_proxy(&mut v, p);
    }
    check_events(&mut v, s);
    if !v.errors.is_empty() {
        return Err(ScenarioError::Invalid(v.errors));
    }
    let estimated_events = estimate_events(s);
    if estimated_events > max_events as f64 {
        return Err(ScenarioError::TooLarge {
            estimated_events: estimated_events as u64,
            max_events,
        });
    }
    Ok(Validated(s.clone()))
}

/// Parses and validates in one step.
pub fn parse_and_validate(json: &str, max_events: u64) -> Result<Validated, ScenarioError> {
    validate(&parse(json)?, max_events)
}

/// Rough count of engine events a run takes: per request an arrival, and per
/// query a completion plus an open or a timeout now and then; closed-loop
/// users send one request per think time and request time (MODEL.md §6b).
pub fn estimate_events(s: &Scenario) -> f64 {
    let total_s = s.total_s();
    let replicas = f64::from(s.database.replica_count());
    let mut events = 0.0;
    for svc in &s.services {
        let w = &svc.workload;
        let q = f64::from(w.queries_per_request.max(1));
        let mut per_request = 1.0 + 2.0 * q;
        if svc.route == Route::Proxy {
            per_request += q;
        }
        if svc.is_serverless() {
            per_request += 2.0;
        }
        let requests = match &w.arrivals {
            Arrivals::Open => svc.expected_arrivals(total_s),
            Arrivals::Closed {
                users,
                think_ms,
                requests_per_user,
                ..
            } => {
                let cycle_ms = (mean_ms(think_ms) + q * mean_ms(&w.query_ms)).max(1.0);
                let by_time = f64::from(*users) * total_s * 1000.0 / cycle_ms;
                match requests_per_user {
                    Some(n) => by_time.min(f64::from(*users) * *n as f64),
                    None => by_time,
                }
            }
        };
        let pools = svc.pool_count() as f64 * (1.0 + replicas);
        events += requests * per_request + pools * f64::from(svc.pool.min_idle) * 2.0;
    }
    events
}

/// A path prefix for service `i`'s fields: version 1's own names for a
/// version-1 scenario.
struct Paths {
    v1: bool,
    i: usize,
}

impl Paths {
    fn field(&self, name: &str) -> String {
        if self.v1 {
            match name {
                "instances" | "pools_per_instance" => format!("fleet.{name}"),
                _ => name.to_string(),
            }
        } else {
            format!("services[{}].{name}", self.i)
        }
    }
}

fn check_services(v: &mut Checker, s: &Scenario) {
    if s.services.is_empty() {
        v.err("services", "a scenario needs at least one service".into());
    }
    if s.services.len() > MAX_SERVICES {
        v.err(
            "services",
            format!("at most {MAX_SERVICES} services, got {}", s.services.len()),
        );
    }
    let mut pools: u64 = 0;
    let siblings = 1 + u64::from(s.database.replica_count());
    for (i, svc) in s.services.iter().enumerate() {
        let p = Paths {
            v1: s.version == 1,
            i,
        };
        if svc.name.trim().is_empty() {
            v.err(&p.field("name"), "must not be empty".into());
        } else if s.services[..i].iter().any(|o| o.name == svc.name) {
            v.err(
                &p.field("name"),
                format!("another service is already called {:?}", svc.name),
            );
        }
        check_service(v, s, svc, &p);
        pools = pools.saturating_add(svc.pool_count().saturating_mul(siblings));
    }
    if pools > MAX_POOLS {
        let field = Paths {
            v1: s.version == 1,
            i: 0,
        }
        .field("instances");
        v.err(
            &field,
            format!(
                "instances x pools_per_instance = {pools} pools in all (replica pools included) \
                 is over the limit of {MAX_POOLS}"
            ),
        );
    }
}

fn check_service(v: &mut Checker, s: &Scenario, svc: &Service, p: &Paths) {
    match svc.kind {
        ServiceKind::Instances => {
            v.range_u(&p.field("instances"), svc.instances, 1, MAX_COUNT);
            if svc.serverless.is_some() {
                v.err(
                    &p.field("serverless"),
                    "only a service of kind \"serverless\" takes this block".into(),
                );
            }
        }
        ServiceKind::Serverless => {
            if svc.pools_per_instance != 1 {
                v.err(
                    &p.field("pools_per_instance"),
                    "a serverless function instance owns one pool; leave this at 1".into(),
                );
            }
            let sl = svc.serverless_or_default();
            v.range_u(
                &p.field("serverless.max_concurrency"),
                sl.max_concurrency,
                1,
                MAX_COUNT,
            );
            v.dist(&p.field("serverless.cold_start_ms"), &sl.cold_start_ms);
            v.range_f(
                &p.field("serverless.idle_reclaim_s"),
                sl.idle_reclaim_s,
                0.0,
                MAX_SECONDS,
            );
            v.range_f(
                &p.field("serverless.orphan_linger_s"),
                sl.orphan_linger_s,
                0.0,
                MAX_SECONDS,
            );
        }
    }
    v.range_u(
        &p.field("pools_per_instance"),
        svc.pools_per_instance,
        1,
        1000,
    );
    if svc.route == Route::Proxy {
        match &s.proxy {
            None => v.err(
                &p.field("route"),
                "route \"proxy\" needs a proxy block at the top of the scenario".into(),
            ),
            Some(proxy)
                if proxy.pool_mode == PoolMode::Statement
                    && svc.workload.query_mode == QueryMode::Transaction =>
            {
                v.err(
                    &p.field("workload.query_mode"),
                    "a proxy in statement mode refuses transactions (PgBouncer disconnects the \
                     client): use pool_mode \"transaction\" or another query_mode"
                        .into(),
                )
            }
            Some(_) => {}
        }
    }
    check_workload(v, svc, p);
    check_pool(v, svc, p);
    if let Some(r) = &svc.retry {
        let f = |n: &str| p.field(&format!("retry.{n}"));
        v.range_u(&f("max_attempts"), r.max_attempts, 1, MAX_ATTEMPTS);
        v.range_f(&f("base_ms"), r.base_ms, 0.0, MAX_MS);
        v.range_f(&f("cap_ms"), r.cap_ms, 0.0, MAX_MS);
        if r.cap_ms < r.base_ms {
            v.err(
                &f("cap_ms"),
                format!("must be at least base_ms ({}), got {}", r.base_ms, r.cap_ms),
            );
        }
        if let Some(b) = r.budget {
            v.range_f(&f("budget.ratio"), b.ratio, 0.0, 1000.0);
            v.range_f(&f("budget.max_tokens"), b.max_tokens, 0.0, 1e9);
        }
        if let Some(b) = r.breaker {
            v.range_f(&f("breaker.window_s"), b.window_s, 0.001, MAX_SECONDS);
            v.range_u(&f("breaker.min_requests"), b.min_requests, 1, u32::MAX);
            v.range_f(&f("breaker.error_rate"), b.error_rate, 0.000_001, 1.0);
            v.range_f(&f("breaker.open_s"), b.open_s, 0.001, MAX_SECONDS);
        }
    }
}

fn check_workload(v: &mut Checker, svc: &Service, p: &Paths) {
    let w = &svc.workload;
    let f = |n: &str| p.field(&format!("workload.{n}"));
    v.range_f(&f("rate_per_s"), w.rate_per_s, 0.0, 1e8);
    let mut last = f64::NEG_INFINITY;
    for (i, step) in w.rate_profile.iter().enumerate() {
        let at = f(&format!("rate_profile[{i}].at_s"));
        v.range_f(&at, step.at_s, 0.0, MAX_SECONDS);
        if step.at_s <= last {
            v.err(&at, "steps must be in increasing order of at_s".into());
        }
        last = step.at_s;
        v.range_f(
            &f(&format!("rate_profile[{i}].rate_per_s")),
            step.rate_per_s,
            0.0,
            1e8,
        );
    }
    v.range_u(&f("queries_per_request"), w.queries_per_request, 1, 1000);
    v.dist(&f("query_ms"), &w.query_ms);
    v.dist(&f("hold_extra_ms"), &w.hold_extra_ms);
    v.range_f(&f("read_fraction"), w.read_fraction, 0.0, 1.0);
    if let Arrivals::Closed {
        users,
        think_ms,
        ramp_s,
        requests_per_user,
    } = &w.arrivals
    {
        v.range_u(&f("arrivals.users"), *users, 1, MAX_USERS);
        v.dist(&f("arrivals.think_ms"), think_ms);
        v.range_f(&f("arrivals.ramp_s"), *ramp_s, 0.0, MAX_SECONDS);
        if requests_per_user == &Some(0) {
            v.err(
                &f("arrivals.requests_per_user"),
                "must be at least 1, or null for no end".into(),
            );
        }
    }
    if let Some(t) = w.transaction {
        if w.query_mode != QueryMode::Transaction {
            v.err(
                &f("transaction"),
                "transaction limits need query_mode \"transaction\"".into(),
            );
        }
        v.range_f(&f("transaction.max_wait_ms"), t.max_wait_ms, 0.001, MAX_MS);
        v.range_f(&f("transaction.timeout_ms"), t.timeout_ms, 0.001, MAX_MS);
    }
}

fn check_pool(v: &mut Checker, svc: &Service, p: &Paths) {
    let pool = &svc.pool;
    let f = |n: &str| p.field(&format!("pool.{n}"));
    v.range_u(&f("max_size"), pool.max_size, 1, 100_000);
    if pool.min_idle > pool.max_size {
        v.err(
            &f("min_idle"),
            format!(
                "must be at most {} ({}), got {}",
                f("max_size"),
                pool.max_size,
                pool.min_idle
            ),
        );
    }
    v.opt_ms(&f("acquire_timeout_ms"), pool.acquire_timeout_ms, 0.0);
    v.opt_ms(&f("idle_timeout_ms"), pool.idle_timeout_ms, 0.0);
    v.opt_ms(&f("max_lifetime_ms"), pool.max_lifetime_ms, 0.001);
    v.range_f(
        &f("lifetime_jitter_ms"),
        pool.lifetime_jitter_ms,
        0.0,
        MAX_MS,
    );
    if let Some(uses) = pool.max_uses {
        v.range_u(&f("max_uses"), uses, 1, u32::MAX);
    }
    v.range_f(
        &f("create_retry_interval_ms"),
        pool.create_retry_interval_ms,
        0.001,
        MAX_MS,
    );
}

/// A database's (`at`: "database" or "database.replicas") connection
/// limit, reserved connections and cores.
fn check_limits(v: &mut Checker, at: &str, max: u32, reserved: u32, cores: Option<u32>) {
    v.range_u(&format!("{at}.max_connections"), max, 1, MAX_COUNT);
    if reserved >= max {
        v.err(
            &format!("{at}.reserved_connections"),
            format!("must be less than {at}.max_connections ({max}), got {reserved}"),
        );
    }
    if let Some(cores) = cores {
        v.range_u(&format!("{at}.cores"), cores, 1, MAX_COUNT);
    }
}

fn check_database(v: &mut Checker, s: &Scenario) {
    let d = &s.database;
    check_limits(
        v,
        "database",
        d.max_connections,
        d.reserved_connections,
        d.cores,
    );
    v.range_f("database.connect_ms", d.connect_ms, 0.0, MAX_MS);
    v.opt_ms(
        "database.statement_timeout_ms",
        d.statement_timeout_ms,
        0.001,
    );
    v.opt_ms(
        "database.idle_in_transaction_timeout_ms",
        d.idle_in_transaction_timeout_ms,
        0.001,
    );
    if let Some(c) = d.contention {
        v.range_f("database.contention.sigma", c.sigma, 0.0, 10.0);
        v.range_f("database.contention.kappa", c.kappa, 0.0, 1.0);
    }
    if let Some(r) = d.replicas {
        v.range_u("database.replicas.count", r.count, 1, MAX_REPLICAS);
        check_limits(
            v,
            "database.replicas",
            r.max_connections,
            r.reserved_connections,
            r.cores,
        );
    }
}

fn check_proxy(v: &mut Checker, p: &crate::input::scenario::Proxy) {
    v.range_u("proxy.max_client_conn", p.max_client_conn, 1, MAX_COUNT);
    v.range_u("proxy.default_pool_size", p.default_pool_size, 1, 100_000);
    if p.min_pool_size > p.default_pool_size {
        v.err(
            "proxy.min_pool_size",
            format!(
                "must be at most proxy.default_pool_size ({}), got {}",
                p.default_pool_size, p.min_pool_size
            ),
        );
    }
    v.range_u("proxy.reserve_pool_size", p.reserve_pool_size, 0, 100_000);
    v.range_f(
        "proxy.reserve_pool_timeout_ms",
        p.reserve_pool_timeout_ms,
        0.0,
        MAX_MS,
    );
    v.opt_ms(
        "proxy.query_wait_timeout_ms",
        p.query_wait_timeout_ms,
        0.001,
    );
    v.opt_ms(
        "proxy.server_idle_timeout_ms",
        p.server_idle_timeout_ms,
        0.001,
    );
    v.opt_ms("proxy.server_lifetime_ms", p.server_lifetime_ms, 0.001);
    v.range_f(
        "proxy.server_login_retry_ms",
        p.server_login_retry_ms,
        0.001,
        MAX_MS,
    );
    v.range_f("proxy.client_connect_ms", p.client_connect_ms, 0.0, MAX_MS);
}

fn check_events(v: &mut Checker, s: &Scenario) {
    if s.events.len() > MAX_EVENTS_LISTED {
        v.err(
            "events",
            format!("at most {MAX_EVENTS_LISTED} events, got {}", s.events.len()),
        );
    }
    for (i, e) in s.events.iter().enumerate() {
        let f = |n: &str| format!("events[{i}].{n}");
        v.range_f(&f("at_s"), e.at_s(), 0.0, MAX_SECONDS);
        let target = |v: &mut Checker, t: Target, proxy_ok: bool| match t {
            Target::Primary => {}
            Target::Replica(n) if n <= s.database.replica_count() => {}
            Target::Replica(n) => v.err(
                &f("target"),
                format!(
                    "there is no replica {n}: database.replicas.count is {}",
                    s.database.replica_count()
                ),
            ),
            Target::Proxy if proxy_ok && s.proxy.is_some() => {}
            Target::Proxy if proxy_ok => {
                v.err(&f("target"), "the scenario has no proxy".into());
            }
            Target::Proxy => v.err(
                &f("target"),
                "this event acts on a database: \"primary\" or \"replica:N\"".into(),
            ),
        };
        let instance_service = |v: &mut Checker, name: &str| match s.service(name) {
            None => v.err(&f("service"), format!("no service is called {name:?}")),
            Some((_, svc)) if svc.is_serverless() => v.err(
                &f("service"),
                format!("{name:?} is serverless: its platform starts and stops its instances"),
            ),
            Some(_) => {}
        };
        match e {
            TimedEvent::DbRestart {
                target: t, down_s, ..
            } => {
                target(v, *t, true);
                v.range_f(&f("down_s"), *down_s, 0.0, MAX_SECONDS);
            }
            TimedEvent::SlowQueries {
                target: t,
                factor,
                for_s,
                ..
            } => {
                target(v, *t, false);
                v.range_f(&f("factor"), *factor, 0.001, 1000.0);
                v.range_f(&f("for_s"), *for_s, 0.0, MAX_SECONDS);
            }
            TimedEvent::Cores {
                target: t,
                cores,
                for_s,
                ..
            } => {
                target(v, *t, false);
                v.range_u(&f("cores"), *cores, 1, MAX_COUNT);
                v.range_f(&f("for_s"), *for_s, 0.0, MAX_SECONDS);
            }
            TimedEvent::Scale {
                service, instances, ..
            } => {
                instance_service(v, service);
                v.range_u(&f("instances"), *instances, 1, MAX_COUNT);
            }
            TimedEvent::RollingRestart {
                service,
                batch,
                every_s,
                ..
            } => {
                instance_service(v, service);
                v.range_u(&f("batch"), *batch, 1, MAX_COUNT);
                v.range_f(&f("every_s"), *every_s, 0.001, MAX_SECONDS);
            }
        }
    }
}

#[derive(Default)]
struct Checker {
    errors: Vec<FieldError>,
}

impl Checker {
    fn err(&mut self, field: &str, message: String) {
        self.errors.push(FieldError {
            field: field.to_string(),
            message,
        });
    }

    fn range_f(&mut self, field: &str, x: f64, lo: f64, hi: f64) {
        if !x.is_finite() || x < lo || x > hi {
            self.err(
                field,
                format!("must be a number from {lo} to {hi}, got {x}"),
            );
        }
    }

    fn range_u(&mut self, field: &str, x: u32, lo: u32, hi: u32) {
        if x < lo || x > hi {
            self.err(
                field,
                format!("must be a whole number from {lo} to {hi}, got {x}"),
            );
        }
    }

    fn opt_ms(&mut self, field: &str, x: Option<f64>, lo: f64) {
        if let Some(x) = x {
            self.range_f(field, x, lo, MAX_MS);
        }
    }

    fn dist(&mut self, field: &str, d: &Dist) {
        let before = self.errors.len();
        match d {
            Dist::Constant { value } => {
                self.range_f(&format!("{field}.value"), *value, 0.0, MAX_MS)
            }
            Dist::Exponential { mean } => {
                self.range_f(&format!("{field}.mean"), *mean, 0.000_001, MAX_MS)
            }
            Dist::Uniform { min, max } => {
                self.range_f(&format!("{field}.min"), *min, 0.0, MAX_MS);
                self.range_f(&format!("{field}.max"), *max, 0.0, MAX_MS);
                if min > max {
                    self.err(
                        &format!("{field}.max"),
                        format!("must be at least min ({min}), got {max}"),
                    );
                }
            }
            Dist::Lognormal { p50, mean, p99 } => {
                match (p50, mean) {
                    (Some(_), Some(_)) | (None, None) => {
                        self.err(
                            field,
                            "a lognormal takes p50 or mean (one of them) with p99".into(),
                        );
                    }
                    (Some(x), None) => self.range_f(&format!("{field}.p50"), *x, 0.000_001, MAX_MS),
                    (None, Some(x)) => {
                        self.range_f(&format!("{field}.mean"), *x, 0.000_001, MAX_MS)
                    }
                }
                self.range_f(&format!("{field}.p99"), *p99, 0.000_001, MAX_MS);
            }
            Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. } => {
                if let Some((sub, message)) = measured_problem(d, MAX_MS, MAX_POINTS) {
                    self.err(&format!("{field}{sub}"), message);
                }
            }
        }
        if self.errors.len() == before
            && let Err(message) = lognormal_params(d)
        {
            self.err(field, message);
        }
    }
}
