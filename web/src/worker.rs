//! Inside the Web Worker: take one job at a time, step the simulation in
//! chunks and post progress (at most every 50 ms) and the result. A run
//! cannot be interrupted from inside; the page cancels by terminating the
//! worker and starting a fresh one.

use poolcast::recommend::recommend_with_progress;
use poolcast::sweep::SweepPoint;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::proto::{FromWorker, ToWorker, run_stepped};

/// Least time between two progress messages, ms.
const PROGRESS_EVERY_MS: f64 = 50.0;

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

fn handle(scope: &DedicatedWorkerGlobalScope, text: &str) {
    let job: ToWorker = match serde_json::from_str(text) {
        Ok(job) => job,
        Err(e) => {
            let message = format!("the worker could not read its job: {e}");
            return post(scope, &FromWorker::Failed { id: 0, message });
        }
    };
    let (id, scenario, sweep_value) = match job {
        ToWorker::Run { id, scenario } => (id, scenario, None),
        ToWorker::SweepPoint {
            id,
            value,
            scenario,
        } => (id, scenario, Some(value)),
        ToWorker::Recommend { id, scenario, slo } => {
            let mut tried = |_: &SweepPoint| post(scope, &FromWorker::Tried { id });
            let msg = match recommend_with_progress(&scenario, &slo, u64::MAX, &mut tried) {
                Ok(r) => FromWorker::Recommended {
                    id,
                    recommendation: Box::new(r),
                },
                Err(e) => FromWorker::Failed {
                    id,
                    message: e.to_string(),
                },
            };
            return post(scope, &msg);
        }
    };
    let t0 = js_sys::Date::now();
    let mut last = t0;
    let result = run_stepped(&scenario, |fraction| {
        let now = js_sys::Date::now();
        if sweep_value.is_none() && now - last >= PROGRESS_EVERY_MS {
            last = now;
            post(scope, &FromWorker::Progress { id, fraction });
        }
    });
    let msg = match (result, sweep_value) {
        (Ok(report), None) => FromWorker::Done {
            id,
            report: Box::new(report),
            elapsed_ms: js_sys::Date::now() - t0,
        },
        (Ok(report), Some(value)) => FromWorker::SweepDone {
            id,
            point: SweepPoint::from_report(value, &report),
        },
        (Err(message), _) => FromWorker::Failed { id, message },
    };
    post(scope, &msg);
}
