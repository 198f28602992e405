//! The page's side of a simulation worker: start it (`web/worker.js`, which
//! loads the page's own wasm module), queue jobs until that has loaded (it
//! says `Ready`), pass its answers on, and stop it.

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{ErrorEvent, MessageEvent, Worker, WorkerOptions, WorkerType};
use yew::Callback;

use crate::proto::{FromWorker, ToWorker};

/// The worker's script, next to index.html: it loads the page's own wasm
/// module, whose addresses it gets as its first message.
pub const WORKER_URL: &str = "./worker.js";

/// What a worker loads: the absolute addresses of the wasm-bindgen glue and
/// the wasm of the module this page runs, as JSON. Trunk names both with a
/// content hash and preloads them (`<link rel="modulepreload">`, `<link
/// rel="preload" href="..._bg.wasm">`).
fn module_urls() -> Result<String, String> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let href = |selector: &str| {
        document
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlLinkElement>().ok())
            .map(|l| l.href())
            .ok_or_else(|| format!("the page does not name its wasm module ({selector})"))
    };
    let glue = href("link[rel=modulepreload]")?;
    let wasm = href(r#"link[rel=preload][href$=".wasm"]"#)?;
    Ok(serde_json::json!({ "glue": glue, "wasm": wasm }).to_string())
}

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
        let urls = module_urls()?;
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        let worker =
            Worker::new_with_options(WORKER_URL, &options).map_err(|e| format!("{e:?}"))?;
        worker
            .post_message(&JsValue::from_str(&urls))
            .map_err(|e| format!("{e:?}"))?;
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
