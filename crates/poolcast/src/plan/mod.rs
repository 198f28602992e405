//! The planning room: what a planner asks beyond one run. Closed-form
//! theory (`analytic`: Little's law, Erlang B and C, M/M/c+D, the
//! connection budget), sizing and gates (`recommend`), sweeps and grids
//! (`sweep`), and the warnings written from a finished report. It reads the
//! input and measure rooms and runs simulations only through the public
//! run API (`crate::run`, `crate::Sim`).

pub mod analytic;
pub mod recommend;
pub mod sweep;
pub mod warnings;
