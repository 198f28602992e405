pub(crate) mod config;
pub(crate) mod dist;
pub(crate) mod measured;
pub mod scenario;
pub mod validate;
