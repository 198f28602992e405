//! Inside the Web Worker: take one job at a time, step the simulation in
//! chunks and post progress (at most every 50 ms; with the timeline so far
//! at most every 250 ms, for live charts) and the result. A run cannot be
//! interrupted from inside; the page cancels by terminating the worker and
//! starting a fresh one.

use poolcast::recommend::{Sizing, recommend_sizing};
use poolcast::sweep::SweepPoint;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::figures::Figures;
use crate::proto::{FromWorker, ToWorker, run_stepped};

/// Least time between two progress messages, ms.
const PROGRESS_EVERY_MS: f64 = 50.0;
/// Least time between two partial timelines, ms.
const TIMELINE_EVERY_MS: f64 = 250.0;

/// Installs the message handler and tells the page the worker is ready.
pub fn start() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let inner = scope.clone();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
        if let Some(text) = e.data().as_string() {
            handle(&inner, &text);
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // The handler lives as long as the worker.
    on_message.forget();
    post(&scope, &FromWorker::Ready);
}

fn post(scope: &DedicatedWorkerGlobalScope, msg: &FromWorker) {
    // A failed post means the page is gone; nothing is left to tell.
    let _ = scope.post_message(&JsValue::from_str(&msg.to_json()));
}

/// Does the job in `text` and posts its answer (and, on the way, its
/// progress or the values a search tried).
fn handle(scope: &DedicatedWorkerGlobalScope, text: &str) {
    let job: ToWorker = match serde_json::from_str(text) {
        Ok(job) => job,
        Err(e) => {
            let message = format!("the worker could not read its job: {e}");
            return post(scope, &FromWorker::Failed { id: 0, message });
        }
    };
    let msg = match job {
        ToWorker::Run { id, scenario, live } => run(scope, id, &scenario, live),
        ToWorker::SweepPoint {
            id,
            value,
            scenario,
            knob,
        } => sweep_point(id, value, &scenario, knob),
        ToWorker::Band {
            id,
            factor,
            scenario,
        } => match run_stepped(&scenario, |_| {}) {
            Ok(report) => FromWorker::BandDone {
                id,
                factor,
                figures: Figures::of(&report),
            },
            Err(message) => FromWorker::Failed { id, message },
        },
        ToWorker::Advise {
            id,
            scenario,
            knob,
            slo,
        } => {
            // The core's search; it reports each simulated size as it
            // finishes. Cancel terminates this worker.
            let mut tried = |point: &SweepPoint| {
                post(scope, &FromWorker::Tried { id, tried: *point });
            };
            match recommend_sizing(&scenario, knob, &slo, u64::MAX, &mut tried) {
                Ok(a) => FromWorker::Advised {
                    id,
                    advised: Box::new(a),
                },
                Err(e) => FromWorker::Failed {
                    id,
                    message: e.to_string(),
                },
            }
        }
    };
    post(scope, &msg);
}

/// One point of sweep `id`: `scenario` run at `value` of `knob`, its
/// figures those of what `knob` sizes (its service's, or the proxy's).
fn sweep_point(
    id: u64,
    value: f64,
    scenario: &poolcast::Scenario,
    knob: Option<Sizing>,
) -> FromWorker {
    match run_stepped(scenario, |_| {}) {
        Ok(report) => {
            let scope = knob.map_or(poolcast::sweep::Scope::All, |k| k.scope(scenario));
            FromWorker::SweepDone {
                id,
                point: SweepPoint::from_scope(value, &report, scope),
            }
        }
        Err(message) => FromWorker::Failed { id, message },
    }
}

/// Runs one scenario, posting progress (and the timeline so far if `live`).
fn run(
    scope: &DedicatedWorkerGlobalScope,
    id: u64,
    scenario: &poolcast::Scenario,
    live: bool,
) -> FromWorker {
    let t0 = js_sys::Date::now();
    let (mut last, mut last_timeline) = (t0, t0);
    let result = run_stepped(scenario, |sim| {
        let now = js_sys::Date::now();
        if now - last < PROGRESS_EVERY_MS {
            return;
        }
        last = now;
        let timeline = (live && now - last_timeline >= TIMELINE_EVERY_MS).then(|| {
            last_timeline = now;
            Box::new(sim.partial_timeline())
        });
        post(
            scope,
            &FromWorker::Progress {
                id,
                fraction: sim.progress(),
                timeline,
            },
        );
    });
    match result {
        Ok(report) => FromWorker::Done {
            id,
            report: Box::new(report),
            elapsed_ms: js_sys::Date::now() - t0,
        },
        Err(message) => FromWorker::Failed { id, message },
    }
}
