//! poolcast: a deterministic discrete-event simulation of database
//! connection pools, a fleet of application instances, and one database.
//!
//! A [`Scenario`] goes in, a [`Report`] comes out. The core does no I/O and,
//! once a scenario is validated, cannot fail. Time is integer nanoseconds,
//! every random draw comes from one generator seeded by `scenario.seed`, and
//! the report carries no wall-clock time, so the same scenario gives the same
//! bytes natively and in WebAssembly.
//!
//! ```
//! let scenario = poolcast::parse(r#"{
//!     "duration_s": 20, "warmup_s": 2,
//!     "workload": {"rate_per_s": 900, "query_ms": {"kind": "exponential", "mean": 10}},
//!     "fleet": {"instances": 1},
//!     "pool": {"max_size": 10, "min_idle": 10, "acquire_timeout_ms": null},
//!     "database": {"connect_ms": 0}
//! }"#).unwrap();
//! let report = poolcast::run(&scenario).unwrap();
//! // An M/M/10 queue at 90% load: Erlang C says P(wait) = 0.67.
//! assert!((report.acquire.p_wait - 0.67).abs() < 0.05);
//! ```

pub mod analytic;
mod config;
mod db;
mod dist;
mod engine;
mod flow;
mod heap;
mod hist;
mod incidents;
pub mod json;
mod lifecycle;
mod measured;
mod partial;
mod pool;
mod proxy;
mod ps;
mod queue;
pub mod recommend;
pub mod report;
mod retry;
pub mod scenario;
mod serverless;
mod services;
mod stats;
mod summary;
mod svcstats;
pub mod sweep;
mod timed;
mod users;
pub mod validate;
pub mod warnings;
mod warnings_v2;

pub use dist::{Z99, lognormal_params, mean_ms};
pub use engine::Sim;
pub use report::Report;
pub use scenario::Scenario;
pub use validate::{
    DEFAULT_MAX_EVENTS, FieldError, ScenarioError, parse, parse_and_validate, validate,
};

/// Validates `scenario` (with the default event limit) and runs it.
pub fn run(scenario: &Scenario) -> Result<Report, ScenarioError> {
    run_with_limit(scenario, DEFAULT_MAX_EVENTS)
}

/// Validates `scenario` against `max_events` and runs it.
pub fn run_with_limit(scenario: &Scenario, max_events: u64) -> Result<Report, ScenarioError> {
    validate(scenario, max_events)?;
    Ok(Sim::new(scenario).run_to_end())
}

/// Parses, validates and runs scenario JSON, returning the report JSON.
pub fn run_json(json: &str, max_events: u64) -> Result<String, ScenarioError> {
    let scenario = parse_and_validate(json, max_events)?;
    Ok(Sim::new(&scenario).run_to_end().to_json())
}
