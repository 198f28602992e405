//! The page's side of a simulation worker: start it, queue jobs until its
//! wasm has loaded (it says `Ready`), pass its answers on, and stop it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker};
use yew::Callback;

use crate::proto::{FromWorker, ToWorker};

/// The worker's loader script, next to index.html (Trunk names it after
/// the binary).
pub const WORKER_URL: &str = "./poolcast-worker_loader.js";

/// A running worker. Dropping it terminates the worker.
pub struct WorkerHost {
    worker: Worker,
    ready: Rc<Cell<bool>>,
    queue: Rc<RefCell<Vec<String>>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl WorkerHost {
    /// Starts a worker; its answers go to `on_answer`, load errors to `on_error`.
    pub fn spawn(
        on_answer: Callback<FromWorker>,
        on_error: Callback<String>,
    ) -> Result<WorkerHost, String> {
        let worker = Worker::new(WORKER_URL).map_err(|e| format!("{e:?}"))?;
        let ready = Rc::new(Cell::new(false));
        let queue: Rc<RefCell<Vec<String>>> = Rc::default();
        let (w, r, q) = (worker.clone(), ready.clone(), queue.clone());
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |e: MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            match FromWorker::from_json(&text) {
                Ok(FromWorker::Ready) => {
                    r.set(true);
                    for job in q.borrow_mut().drain(..) {
                        let _ = w.post_message(&JsValue::from_str(&job));
                    }
                }
                Ok(answer) => on_answer.emit(answer),
                Err(e) => web_sys::console::error_1(&format!("bad worker message: {e}").into()),
            }
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        let on_error = Closure::<dyn FnMut(ErrorEvent)>::new(move |e: ErrorEvent| {
            on_error.emit(format!("the simulation worker failed: {}", e.message()));
        });
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        Ok(WorkerHost {
            worker,
            ready,
            queue,
            _on_message: on_message,
            _on_error: on_error,
        })
    }

    /// Sends a job (queued until the worker is ready).
    pub fn send(&self, job: &ToWorker) {
        let text = job.to_json();
        if self.ready.get() {
            let _ = self.worker.post_message(&JsValue::from_str(&text));
        } else {
            self.queue.borrow_mut().push(text);
        }
    }
}

impl Drop for WorkerHost {
    fn drop(&mut self) {
        // A message already queued for the page would otherwise call the
        // handlers this drop frees.
        self.worker.set_onmessage(None);
        self.worker.set_onerror(None);
        self.worker.terminate();
    }
}
