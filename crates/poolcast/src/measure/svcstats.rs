//! One service's share of the statistics (MODEL.md §8 `services`).
//!
//! Kept only when a scenario has more than one service: with one, its
//! figures are the totals, and a version-1 run pays nothing for them.

use crate::input::dist::Time;
use crate::measure::hist::LogHist;
use crate::measure::stats::{CAUSES, Level};

/// Counts and histograms of one service.
#[derive(Debug, Clone, Default)]
pub struct SvcStats {
    /// Requests that arrived, from time 0.
    pub arrived: u64,
    /// Connection acquisitions started, from time 0.
    pub attempts: u64,
    /// Of those, not served at once.
    pub waited: u64,
    /// Requests completed, from time 0.
    pub completions: u64,
    at_warmup: [u64; 4],
    /// Requests that arrived in the window and completed.
    pub completed: u64,
    /// ... and failed with a pool timeout.
    pub timed_out: u64,
    /// ... and failed otherwise.
    pub failed: u64,
    /// Acquisitions started in the window that timed out.
    pub timeouts: u64,
    /// Final failures by cause, of requests that arrived in the window.
    pub by_cause: [u64; CAUSES],
    /// Tries of requests that arrived in the window.
    pub req_attempts: u64,
    /// Retries of requests that arrived in the window.
    pub retries: u64,
    /// Served waits of acquisitions started in the window.
    pub wait: LogHist,
    /// Latency of completed requests that arrived in the window.
    pub latency: LogHist,
    /// Most waiters at once in the window.
    pub peak_waiting: u64,
    /// Lent connections.
    pub busy: Level,
    /// Sum of `max_size` over live pools.
    pub capacity: Level,
    /// Live primary pools.
    pub primary_pools: Level,
    /// Primary pools with waiters.
    pub pools_waiting: Level,
    /// Live waiters.
    pub waiting: u64,
    areas_at_warmup: [u128; 4],
}

/// A service's window averages.
#[derive(Debug, Clone, Copy)]
pub struct SvcMeans {
    pub busy: f64,
    pub capacity: f64,
    pub primary_pools: f64,
    pub pools_waiting: f64,
}

impl SvcStats {
    /// Takes the warmup snapshot.
    pub fn snapshot(&mut self, mark: Time) {
        self.at_warmup = [self.arrived, self.attempts, self.waited, self.completions];
        self.areas_at_warmup = self.areas(mark);
    }

    fn areas(&self, t: Time) -> [u128; 4] {
        [
            self.busy.area(t),
            self.capacity.area(t),
            self.primary_pools.area(t),
            self.pools_waiting.area(t),
        ]
    }

    /// The window's arrived, attempts, waited and completions.
    pub fn window_tally(&self) -> [u64; 4] {
        let now = [self.arrived, self.attempts, self.waited, self.completions];
        std::array::from_fn(|i| now[i] - self.at_warmup[i])
    }

    /// Time averages over `[warmup, end)`.
    pub fn means(&self, warmup: Time, end: Time) -> SvcMeans {
        let width = (end - warmup).max(1) as f64;
        let a = self.areas(end);
        let w = self.areas_at_warmup;
        let m = |i: usize| (a[i] - w[i]) as f64 / width;
        SvcMeans {
            busy: m(0),
            capacity: m(1),
            primary_pools: m(2),
            pools_waiting: m(3),
        }
    }
}
