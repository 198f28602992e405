//! What the native tests of several modules share: a short scenario and a
//! finished run of one.

use std::rc::Rc;

use poolcast::Scenario;

use crate::jobs::Outcome;

/// The default scenario, measured for `duration_s` after `warmup_s`.
pub fn short(duration_s: f64, warmup_s: f64) -> Scenario {
    Scenario {
        duration_s,
        warmup_s,
        ..Scenario::default()
    }
}

/// A finished run of `s`, as the worker would have answered it.
pub fn outcome(s: &Scenario) -> Rc<Outcome> {
    Rc::new(Outcome {
        report: Rc::new(poolcast::run(s).unwrap()),
        elapsed_ms: 1.0,
        roundtrip_ms: 2.0,
    })
}
