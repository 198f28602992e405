pub mod analytic;
pub mod recommend;
pub mod sweep;
pub mod warnings;
pub(crate) mod warnings_v2;
