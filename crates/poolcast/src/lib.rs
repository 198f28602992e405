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

mod input;
pub mod json;
mod measure;
mod plan;
mod run;
mod sim;
mod slab;

pub use input::{scenario, validate};
pub use measure::report;
pub use plan::{analytic, recommend, sweep, warnings};

pub use input::dist::{Z99, lognormal_params, mean_ms};
pub use report::Report;
pub use run::{Sim, run, run_json, run_with_limit};
pub use scenario::Scenario;
pub use validate::{
    DEFAULT_MAX_EVENTS, FieldError, ScenarioError, parse, parse_and_validate, validate,
};
