//! The one boundary where input is checked: JSON text or a [`Scenario`] in,
//! a scenario the engine can run without failing out, or errors that name
//! the field and what is allowed.

use std::fmt;

use crate::dist::lognormal_params;
use crate::scenario::{Dist, SCENARIO_VERSION, Scenario};

/// Default ceiling on the events a run may take (about 3-5 s natively).
pub const DEFAULT_MAX_EVENTS: u64 = 50_000_000;

/// Largest pool, fleet, database or core count accepted.
const MAX_COUNT: u32 = 1_000_000;
/// Largest total of pools across the fleet.
const MAX_POOLS: u64 = 100_000;
/// Longest simulated time, seconds (about 116 days).
const MAX_SECONDS: f64 = 1e7;
/// Longest duration a distribution or timeout may name, ms (about 11.6 days).
const MAX_MS: f64 = 1e9;

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
         shorten duration_s or warmup_s, or lower workload.rate_per_s \
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

/// Parses scenario JSON, naming the field of any error.
pub fn parse(json: &str) -> Result<Scenario, ScenarioError> {
    let text = json.trim_start();
    if !text.is_empty() && !text.starts_with('{') {
        return Err(ScenarioError::Parse(FieldError {
            field: "scenario".into(),
            message: "must be a JSON object, like {\"pool\": {\"max_size\": 20}}".into(),
        }));
    }
    let de = &mut serde_json::Deserializer::from_str(json);
    let scenario: Scenario = serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        // Broken JSON has no meaningful field: say where in the text it broke.
        let field = if inner.is_syntax() || inner.is_eof() || path == "." || path == "?" {
            "scenario".to_string()
        } else {
            path
        };
        ScenarioError::Parse(FieldError {
            field,
            message: inner.to_string(),
        })
    })?;
    Ok(scenario)
}

/// Checks every value; `max_events` caps the estimated work.
pub fn validate(s: &Scenario, max_events: u64) -> Result<(), ScenarioError> {
    let mut v = Checker::default();
    if s.version != SCENARIO_VERSION {
        v.err(
            "version",
            format!(
                "unsupported version {}; this build reads version {SCENARIO_VERSION}",
                s.version
            ),
        );
    }
    v.range_f("duration_s", s.duration_s, 0.001, MAX_SECONDS);
    v.range_f("warmup_s", s.warmup_s, 0.0, MAX_SECONDS);
    check_workload(&mut v, s);
    check_fleet_pool(&mut v, s);
    check_database(&mut v, s);
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
    Ok(())
}

/// Parses and validates in one step.
pub fn parse_and_validate(json: &str, max_events: u64) -> Result<Scenario, ScenarioError> {
    let s = parse(json)?;
    validate(&s, max_events)?;
    Ok(s)
}

/// Rough count of engine events a run takes: an arrival per request, and per
/// query a completion plus an open or a timeout now and then.
pub fn estimate_events(s: &Scenario) -> f64 {
    let q = f64::from(s.workload.queries_per_request.max(1));
    let per_request = 1.0 + 2.0 * q;
    let setup = s.pool_count() as f64 * f64::from(s.pool.min_idle) * 2.0;
    s.expected_arrivals() * per_request + setup
}

fn check_workload(v: &mut Checker, s: &Scenario) {
    let w = &s.workload;
    v.range_f("workload.rate_per_s", w.rate_per_s, 0.0, 1e8);
    let mut last = f64::NEG_INFINITY;
    for (i, step) in w.rate_profile.iter().enumerate() {
        let at = format!("workload.rate_profile[{i}].at_s");
        v.range_f(&at, step.at_s, 0.0, MAX_SECONDS);
        if step.at_s <= last {
            v.err(&at, "steps must be in increasing order of at_s".into());
        }
        last = step.at_s;
        v.range_f(
            &format!("workload.rate_profile[{i}].rate_per_s"),
            step.rate_per_s,
            0.0,
            1e8,
        );
    }
    v.range_u(
        "workload.queries_per_request",
        w.queries_per_request,
        1,
        1000,
    );
    v.dist("workload.query_ms", &w.query_ms);
    v.dist("workload.hold_extra_ms", &w.hold_extra_ms);
}

fn check_fleet_pool(v: &mut Checker, s: &Scenario) {
    v.range_u("fleet.instances", s.fleet.instances, 1, MAX_COUNT);
    v.range_u(
        "fleet.pools_per_instance",
        s.fleet.pools_per_instance,
        1,
        1000,
    );
    if s.pool_count() > MAX_POOLS {
        v.err(
            "fleet.instances",
            format!(
                "instances x pools_per_instance = {} is over the limit of {MAX_POOLS}",
                s.pool_count()
            ),
        );
    }
    let p = &s.pool;
    v.range_u("pool.max_size", p.max_size, 1, 100_000);
    if p.min_idle > p.max_size {
        v.err(
            "pool.min_idle",
            format!(
                "must be at most pool.max_size ({}), got {}",
                p.max_size, p.min_idle
            ),
        );
    }
    v.opt_ms("pool.acquire_timeout_ms", p.acquire_timeout_ms, 0.0);
    v.opt_ms("pool.idle_timeout_ms", p.idle_timeout_ms, 0.0);
    v.opt_ms("pool.max_lifetime_ms", p.max_lifetime_ms, 0.001);
    v.range_f("pool.lifetime_jitter_ms", p.lifetime_jitter_ms, 0.0, MAX_MS);
    if let Some(uses) = p.max_uses {
        v.range_u("pool.max_uses", uses, 1, u32::MAX);
    }
    v.range_f(
        "pool.create_retry_interval_ms",
        p.create_retry_interval_ms,
        0.001,
        MAX_MS,
    );
}

fn check_database(v: &mut Checker, s: &Scenario) {
    let d = &s.database;
    v.range_u("database.max_connections", d.max_connections, 1, MAX_COUNT);
    if d.reserved_connections >= d.max_connections {
        v.err(
            "database.reserved_connections",
            format!(
                "must be less than database.max_connections ({}), got {}",
                d.max_connections, d.reserved_connections
            ),
        );
    }
    if let Some(cores) = d.cores {
        v.range_u("database.cores", cores, 1, MAX_COUNT);
    }
    v.range_f("database.connect_ms", d.connect_ms, 0.0, MAX_MS);
    v.opt_ms(
        "database.statement_timeout_ms",
        d.statement_timeout_ms,
        0.001,
    );
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
        match *d {
            Dist::Constant { value } => self.range_f(&format!("{field}.value"), value, 0.0, MAX_MS),
            Dist::Exponential { mean } => {
                self.range_f(&format!("{field}.mean"), mean, 0.000_001, MAX_MS)
            }
            Dist::Uniform { min, max } => {
                self.range_f(&format!("{field}.min"), min, 0.0, MAX_MS);
                self.range_f(&format!("{field}.max"), max, 0.0, MAX_MS);
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
                    (Some(x), None) => self.range_f(&format!("{field}.p50"), x, 0.000_001, MAX_MS),
                    (None, Some(x)) => self.range_f(&format!("{field}.mean"), x, 0.000_001, MAX_MS),
                }
                self.range_f(&format!("{field}.p99"), p99, 0.000_001, MAX_MS);
            }
        }
        if self.errors.len() == before
            && let Err(message) = lognormal_params(d)
        {
            self.err(field, message);
        }
    }
}
