//! The measure room: what a run records and reports. The [`meter::Meter`]
//! the engine writes into (levels, counters, histograms, the timeline, each
//! service's share), the histogram, recovery after incidents, and the
//! `Report` types. It reads the input room only.

pub(crate) mod hist;
pub(crate) mod incidents;
pub(crate) mod meter;
pub mod report;
pub(crate) mod stats;
pub(crate) mod svcstats;
