pub(crate) mod hist;
pub(crate) mod incidents;
pub mod report;
pub(crate) mod stats;
pub(crate) mod svcstats;
