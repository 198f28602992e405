//! poolcast-web: the planner's page over the poolcast core.
//!
//! The pure parts (the reducer and its jobs, form edits, the permalink
//! codec, the gallery, what each import, paste or link loads, the
//! `DATABASE_URL`/env and psql paste readers, what the calculator can
//! size, the sensitivity band, exports, the worker protocol and the verdict
//! wording) compile and are tested natively. The formulas, budgets and the
//! sizing search are the core's (`poolcast::analytic`, `poolcast::recommend`). The browser parts (Yew
//! components, the worker host, canvases) are built only for wasm32.

pub mod calibrate;
pub mod edit;
pub mod envparse;
pub mod export;
pub mod figures;
pub mod jobs;
pub mod loads;
pub mod permalink;
pub mod presets;
pub mod proto;
pub mod sensitivity;
pub mod state;
pub mod verdict;

#[cfg(test)]
mod testing;

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
