pub mod analytic;
pub mod recommend;
pub mod sweep;
pub mod warnings;
