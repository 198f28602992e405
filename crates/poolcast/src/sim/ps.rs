//! Exact processor sharing of the database's cores.
//!
//! With `A` queries running on `K` cores, each progresses at rate
//! `min(1, K/A)`. All running queries progress at the same rate, so we keep
//! one virtual clock `V` (work done by any query that ran the whole time) and
//! give each query the tag `V_at_start + work`; queries finish in tag order,
//! and the next finish is `(tag_min - V) / rate` of real time away. Each
//! change of `A` moves that time, so the engine reschedules one `PsDone`
//! event, stamped with a generation that makes older ones stale.
//!
//! Contention (MODEL.md §6, Gunther's Universal Scalability Law) divides the
//! rate by `1 + sigma (A - 1) + kappa A (A - 1)`; it is still one rate for
//! every running query, so the same virtual clock serves. Without cores
//! (`cores: null`) the share is 1 however many run.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use crate::sim::queue::Time;

/// One running query: (tag bits, connection, query sequence). Tags are
/// non-negative finite floats, whose bit patterns order like the numbers.
type Tagged = Reverse<(u64, u32, u32)>;

/// The shared CPU of a database.
#[derive(Debug)]
pub struct Cpu {
    /// Cores; infinite for `cores: null`.
    cores: f64,
    sigma: f64,
    kappa: f64,
    /// sigma or kappa is not zero.
    contended: bool,
    /// Running queries.
    active: u64,
    /// The rate every running query progresses at, for `active` and `cores`.
    rate: f64,
    vtime: f64,
    last: Time,
    heap: BinaryHeap<Tagged>,
    /// Generation of the one `PsDone` event that is current.
    pub epoch: u32,
}

impl Cpu {
    /// A CPU with `cores` cores.
    #[cfg(test)]
    pub fn new(cores: u32) -> Cpu {
        Cpu::with_contention(Some(cores), 0.0, 0.0)
    }

    /// A CPU with `cores` cores (`None`: as many as there are queries) and
    /// the Universal Scalability Law's `sigma` and `kappa`.
    pub fn with_contention(cores: Option<u32>, sigma: f64, kappa: f64) -> Cpu {
        Cpu {
            cores: cores.map_or(f64::INFINITY, f64::from),
            sigma,
            kappa,
            contended: sigma != 0.0 || kappa != 0.0,
            active: 0,
            rate: 1.0,
            vtime: 0.0,
            last: 0,
            heap: BinaryHeap::new(),
            epoch: 0,
        }
    }

    /// Recomputes the rate for the current `active` and `cores`; the rate
    /// changes only with them, so it is cached instead of recomputed at each
    /// advance.
    fn update_rate(&mut self) {
        self.rate = self.compute_rate();
    }

    fn compute_rate(&self) -> f64 {
        let a = self.active as f64;
        let share = if a <= self.cores { 1.0 } else { self.cores / a };
        if self.contended && a > 1.0 {
            share / (1.0 + self.sigma * (a - 1.0) + self.kappa * a * (a - 1.0))
        } else {
            share
        }
    }

    /// Cores in use: min(running queries, cores).
    pub fn busy_cores(&self) -> u64 {
        self.active.min(self.cores as u64)
    }

    /// Changes the number of cores from `now` on (`None`: unlimited).
    pub fn set_cores(&mut self, now: Time, cores: Option<u32>) {
        self.advance(now);
        self.cores = cores.map_or(f64::INFINITY, f64::from);
        self.update_rate();
    }

    /// Moves the virtual clock up to `now`.
    pub fn advance(&mut self, now: Time) {
        if self.active > 0 {
            self.vtime += (now - self.last) as f64 * self.rate;
        }
        self.last = now;
    }

    /// Starts a query of `work_ns` on `conn` (its sequence `seq`).
    pub fn start(&mut self, now: Time, conn: u32, seq: u32, work_ns: u64) {
        self.advance(now);
        let tag = self.vtime + work_ns as f64;
        self.heap.push(Reverse((tag.to_bits(), conn, seq)));
        self.active += 1;
        self.update_rate();
    }

    /// Forgets a cancelled query; its heap entry is skipped later.
    pub fn cancel(&mut self, now: Time) {
        self.advance(now);
        debug_assert!(self.active > 0);
        self.active -= 1;
        self.update_rate();
    }

    /// When the next query finishes, given which entries are still live.
    /// Bumps the generation: the caller schedules `PsDone` with it.
    pub fn next_done(&mut self, now: Time, live: impl Fn(u32, u32) -> bool) -> Option<Time> {
        self.epoch = self.epoch.wrapping_add(1);
        while let Some(&Reverse((_, conn, seq))) = self.heap.peek() {
            if live(conn, seq) {
                break;
            }
            self.heap.pop();
        }
        let &Reverse((tag, _, _)) = self.heap.peek()?;
        let left = (f64::from_bits(tag) - self.vtime).max(0.0);
        Some(now + (left / self.rate).ceil() as u64)
    }

    /// Takes the live query with the smallest tag, which is finishing now.
    pub fn pop_done(&mut self, now: Time, live: impl Fn(u32, u32) -> bool) -> Option<(u32, u32)> {
        self.advance(now);
        while let Some(Reverse((tag, conn, seq))) = self.heap.pop() {
            if live(conn, seq) {
                self.vtime = self.vtime.max(f64::from_bits(tag));
                self.active -= 1;
                self.update_rate();
                return Some((conn, seq));
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_queries_on_one_core_share_it() {
        // Two 10 ms queries on one core, started together: both progress at
        // half speed; the first (by tag, then connection) ends at 20 ms and
        // the second right after it.
        let mut cpu = Cpu::new(1);
        cpu.start(0, 1, 0, 10_000_000);
        cpu.start(0, 2, 0, 10_000_000);
        assert_eq!(cpu.next_done(0, |_, _| true), Some(20_000_000));
        assert_eq!(cpu.pop_done(20_000_000, |_, _| true), Some((1, 0)));
        assert_eq!(cpu.next_done(20_000_000, |_, _| true), Some(20_000_000));
    }

    #[test]
    fn contention_slows_every_query_by_the_usl_factor() {
        // Two 10 ms queries, no core limit, sigma 0.5: each runs at
        // 1 / (1 + 0.5) while both run, so both end at 15 ms.
        let mut cpu = Cpu::with_contention(None, 0.5, 0.0);
        cpu.start(0, 1, 0, 10_000_000);
        cpu.start(0, 2, 0, 10_000_000);
        assert_eq!(cpu.next_done(0, |_, _| true), Some(15_000_000));
        // kappa: A = 2 adds kappa x 2 x 1 = 0.5 as well.
        let mut cpu = Cpu::with_contention(None, 0.0, 0.25);
        cpu.start(0, 1, 0, 10_000_000);
        cpu.start(0, 2, 0, 10_000_000);
        assert_eq!(cpu.next_done(0, |_, _| true), Some(15_000_000));
    }

    #[test]
    fn a_late_query_slows_an_early_one() {
        // 10 ms of work alone for 5 ms, then shared with a second query on
        // one core: the remaining 5 ms take 10 ms, ending at 15 ms.
        let mut cpu = Cpu::new(1);
        cpu.start(0, 1, 0, 10_000_000);
        cpu.start(5_000_000, 2, 0, 10_000_000);
        assert_eq!(cpu.next_done(5_000_000, |_, _| true), Some(15_000_000));
    }
}
