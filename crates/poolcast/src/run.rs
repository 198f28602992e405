//! The public run API: the one way in to the engine for the CLI, the page's
//! worker, the planning room and the tests.
//!
//! [`Sim`] wraps the engine (`sim::engine::Engine`) and adds what the
//! simulation room does not know: the warnings, which the planning room
//! writes from the finished report.

use crate::Scenario;
use crate::input::validate::{
    DEFAULT_MAX_EVENTS, ScenarioError, Validated, parse_and_validate, validate,
};
use crate::measure::report::{Report, Timeline};
use crate::plan::warnings::warnings;
use crate::sim::engine::Engine;

/// A running simulation of one validated scenario.
pub struct Sim {
    engine: Engine,
}

impl Sim {
    /// Prepares a run. Only a [`Validated`] scenario gets here.
    pub fn new(scenario: &Validated) -> Sim {
        Sim {
            engine: Engine::new(scenario),
        }
    }

    /// Runs at most `max_events` events; returns true once the run is over.
    #[inline]
    pub fn step(&mut self, max_events: u64) -> bool {
        self.engine.step(max_events)
    }

    /// Fraction of simulated time done, from 0 to 1.
    pub fn progress(&self) -> f64 {
        self.engine.progress()
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.engine.events()
    }

    /// The timeline of the buckets closed so far (see
    /// `Engine::partial_timeline`).
    pub fn partial_timeline(&self) -> Timeline {
        self.engine.partial_timeline()
    }

    /// Makes the run take the general path even where the plain one would
    /// do; for tests, which check that both give the same report.
    #[doc(hidden)]
    pub fn without_plain_path(self) -> Sim {
        Sim {
            engine: self.engine.without_plain_path(),
        }
    }

    /// Whether the run takes the plain path (see `sim::engine::is_plain`);
    /// for the test that compares it with the general path.
    #[doc(hidden)]
    pub fn takes_plain_path(&self) -> bool {
        self.engine.plain
    }

    /// Runs to the end and builds the report.
    pub fn run_to_end(mut self) -> Report {
        while !self.step(1 << 20) {}
        self.finish()
    }

    /// Builds the report with its warnings; the run must be over.
    pub fn finish(self) -> Report {
        let mut report = self.engine.finish();
        report.warnings = warnings(&report);
        report
    }
}

/// Validates `scenario` (with the default event limit) and runs it.
pub fn run(scenario: &Scenario) -> Result<Report, ScenarioError> {
    run_with_limit(scenario, DEFAULT_MAX_EVENTS)
}

/// Validates `scenario` against `max_events` and runs it.
pub fn run_with_limit(scenario: &Scenario, max_events: u64) -> Result<Report, ScenarioError> {
    Ok(Sim::new(&validate(scenario, max_events)?).run_to_end())
}

/// Parses, validates and runs scenario JSON, returning the report JSON.
pub fn run_json(json: &str, max_events: u64) -> Result<String, ScenarioError> {
    let scenario = parse_and_validate(json, max_events)?;
    Ok(Sim::new(&scenario).run_to_end().to_json())
}
