//! The site's one wasm module. In the page it mounts the Yew app; in a
//! simulation worker (`web/worker.js` loads this same module) it does
//! nothing at start, and the worker script calls [`worker_start`].

#[cfg(target_arch = "wasm32")]
fn main() {
    // Only the page has a window.
    if web_sys::window().is_some() {
        yew::Renderer::<poolcast_web::app::App>::new().render();
    }
}

/// Called by `web/worker.js` once the module is loaded in a worker:
/// installs the message handler and tells the page the worker is ready.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn worker_start() {
    poolcast_web::worker::start();
}

/// Natively there is no page; the library's pure modules are tested instead.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
