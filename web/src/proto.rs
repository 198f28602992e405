//! The messages between the page and its simulation worker, as JSON text
//! (`postMessage` of a string), and the worker's stepped run loop.

use poolcast::recommend::{Recommendation, Sizing, Slo};
use poolcast::report::Timeline;
use poolcast::sweep::SweepPoint;
use poolcast::{Report, Scenario, Sim};
use serde::{Deserialize, Serialize};

use crate::figures::Figures;

/// Events run between two progress messages.
pub const CHUNK_EVENTS: u64 = 200_000;

/// From the page to a worker. Both directions are externally tagged
/// (`{"run": {...}}`), not internally (`{"type": "run", ...}`): serde reads
/// an internally tagged message by buffering it whole and then reading the
/// buffer, which compiled a second reader of `Report` and `Scenario` into
/// the site's wasm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ToWorker {
    /// Run a scenario and send back its report.
    Run {
        /// Job id, echoed in every answer.
        id: u64,
        /// What to run (already validated by the page).
        scenario: Scenario,
        /// Send the timeline so far with progress (live charts).
        #[serde(default)]
        live: bool,
    },
    /// Run one point of a sweep and send back its key figures.
    SweepPoint {
        /// Job id.
        id: u64,
        /// The swept field's value at this point.
        value: f64,
        /// The scenario with that value set.
        scenario: Scenario,
        /// What is swept (its p99 wait is the point's).
        #[serde(default)]
        knob: Option<Sizing>,
    },
    /// Run a scenario with query times scaled, for the sensitivity band.
    Band {
        /// Job id.
        id: u64,
        /// The query-time factor.
        factor: f64,
        /// The scenario, already scaled.
        scenario: Scenario,
    },
    /// Find the smallest value of what `knob` sizes meeting an SLO (the
    /// core's `recommend_sizing`).
    Advise {
        /// Job id.
        id: u64,
        /// The scenario.
        scenario: Scenario,
        /// What to size.
        knob: Sizing,
        /// The objective.
        slo: Slo,
    },
}

/// From a worker to the page.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FromWorker {
    /// The worker's wasm is loaded; it can take jobs.
    Ready,
    /// Part of a run is done.
    Progress {
        /// Job id.
        id: u64,
        /// Simulated time done, 0 to 1.
        fraction: f64,
        /// The timeline so far (sent now and then, for live charts).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        timeline: Option<Box<Timeline>>,
    },
    /// A run ended.
    Done {
        /// Job id.
        id: u64,
        /// Its report.
        report: Box<Report>,
        /// Wall-clock time the worker spent simulating, ms.
        elapsed_ms: f64,
    },
    /// A sweep point ended.
    SweepDone {
        /// Job id.
        id: u64,
        /// Its figures.
        point: SweepPoint,
    },
    /// One run of the sensitivity band ended.
    BandDone {
        /// Job id.
        id: u64,
        /// Its query-time factor.
        factor: f64,
        /// Its key figures.
        figures: Figures,
    },
    /// The recommendation search simulated one more value.
    Tried {
        /// Job id.
        id: u64,
        /// Its figures, as the SLO reads them.
        tried: SweepPoint,
    },
    /// The recommendation search ended.
    Advised {
        /// Job id.
        id: u64,
        /// The answer.
        advised: Box<Recommendation>,
    },
    /// A job could not run.
    Failed {
        /// Job id.
        id: u64,
        /// Why, in words.
        message: String,
    },
}

impl ToWorker {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

impl FromWorker {
    /// The message as JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads a message.
    pub fn from_json(text: &str) -> Result<FromWorker, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

/// Validates and runs `s` in chunks, calling `progress` after each one
/// with the simulation (which can give its timeline so far).
pub fn run_stepped(s: &Scenario, mut progress: impl FnMut(&Sim)) -> Result<Report, String> {
    let valid = poolcast::validate(s, u64::MAX).map_err(|e| e.to_string())?;
    let mut sim = Sim::new(&valid);
    while !sim.step(CHUNK_EVENTS) {
        progress(&sim);
    }
    Ok(sim.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_as_json() {
        let s = crate::testing::short(5.0, 1.0);
        let run = ToWorker::Run {
            id: 3,
            scenario: s.clone(),
            live: true,
        };
        let back: ToWorker = serde_json::from_str(&run.to_json()).unwrap();
        assert_eq!(back, run);
        let mut calls = 0;
        let report = run_stepped(&s, |_| calls += 1).unwrap();
        assert_eq!(
            report,
            poolcast::run(&s).unwrap(),
            "stepping changes nothing"
        );
        let done = FromWorker::Done {
            id: 3,
            report: Box::new(report),
            elapsed_ms: 1.5,
        };
        assert_eq!(FromWorker::from_json(&done.to_json()).unwrap(), done);
        let mut sim = Sim::new(&poolcast::validate(&s, u64::MAX).unwrap());
        sim.step(2000);
        let progress = FromWorker::Progress {
            id: 3,
            fraction: sim.progress(),
            timeline: Some(Box::new(sim.partial_timeline())),
        };
        assert_eq!(
            FromWorker::from_json(&progress.to_json()).unwrap(),
            progress
        );
        let advise = ToWorker::Advise {
            id: 4,
            scenario: s.clone(),
            knob: Sizing::Proxy,
            slo: Slo {
                max_p99_wait_ms: 5.0,
                max_timeout_fraction: None,
                max_failure_fraction: Some(0.01),
            },
        };
        assert_eq!(
            serde_json::from_str::<ToWorker>(&advise.to_json()).unwrap(),
            advise
        );
        // The core's answer and its progress cross as they are.
        let rec = poolcast::recommend::recommend_sizing(
            &s,
            Sizing::Pool(0),
            &Slo {
                max_p99_wait_ms: 50.0,
                max_timeout_fraction: None,
                max_failure_fraction: None,
            },
            u64::MAX,
            &mut |_| {},
        )
        .unwrap();
        let tried = FromWorker::Tried {
            id: 4,
            tried: rec.curve[0],
        };
        assert_eq!(FromWorker::from_json(&tried.to_json()).unwrap(), tried);
        let advised = FromWorker::Advised {
            id: 4,
            advised: Box::new(rec),
        };
        assert_eq!(FromWorker::from_json(&advised.to_json()).unwrap(), advised);
        assert!(FromWorker::from_json("{\"type\":\"nope\"}").is_err());
    }

    #[test]
    fn invalid_scenarios_fail_with_the_field() {
        let mut s = Scenario::default();
        s.app_mut().pool.max_size = 0;
        let e = run_stepped(&s, |_| {}).unwrap_err();
        assert!(e.contains("pool.max_size"), "{e}");
    }
}
