//! poolcast-web: the planner's page over the poolcast core.
//!
//! The pure parts (the reducer, the permalink codec, the presets, the
//! `DATABASE_URL`/env parser, exports, the worker protocol and the verdict
//! wording) compile and are tested natively. The browser parts (Yew
//! components, the worker host, canvases) are built only for wasm32.

pub mod edit;
pub mod envparse;
pub mod export;
pub mod permalink;
pub mod presets;
pub mod proto;
pub mod state;
pub mod verdict;

#[cfg(target_arch = "wasm32")]
pub mod app;
#[cfg(target_arch = "wasm32")]
pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod components;
#[cfg(target_arch = "wasm32")]
pub mod host;
#[cfg(target_arch = "wasm32")]
pub mod runner;
#[cfg(target_arch = "wasm32")]
pub mod worker;
