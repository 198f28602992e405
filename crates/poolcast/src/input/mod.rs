//! The input room: what a scenario is and how it gets in. The scenario
//! types and their two JSON shapes (`scenario/`), parsing and validation
//! with field paths (`validate`: the one boundary, which makes the
//! [`validate::Validated`] scenario the engine takes), settings converted once
//! for the engine (`config`), and duration distributions (`dist`,
//! `measured`). It depends on no other room.

pub(crate) mod config;
pub(crate) mod dist;
pub(crate) mod measured;
pub mod scenario;
pub mod validate;
