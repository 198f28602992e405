//! The page's entry point: mounts the Yew app. Nothing else lives here.

#[cfg(target_arch = "wasm32")]
fn main() {
    yew::Renderer::<poolcast_web::app::App>::new().render();
}

/// Natively there is no page; the library's pure modules are tested instead.
#[cfg(not(target_arch = "wasm32"))]
fn main() {}
