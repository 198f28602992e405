//! The simulation worker's entry point (Trunk builds it as a Web Worker).

#[cfg(target_arch = "wasm32")]
fn main() {
    poolcast_web::worker::start();
}

/// Natively there is no worker.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
