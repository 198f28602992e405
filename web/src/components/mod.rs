//! The page's function components. Each takes plain props and reports what
//! the person did through `on_*` callbacks; none holds simulation state.

pub mod calculator;
pub mod chart;
pub mod events;
pub mod fields;
pub mod form;
pub mod gallery;
pub mod io;
pub mod results;
pub mod toolbar;
pub mod topology;
