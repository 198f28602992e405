pub(crate) mod hist;
pub(crate) mod incidents;
pub(crate) mod meter;
pub mod report;
pub(crate) mod stats;
pub(crate) mod svcstats;
