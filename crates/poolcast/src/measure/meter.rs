//! The one place the engine writes what it measures.
//!
//! [`Meter`] holds the run's levels (integrated over time), its counters,
//! histograms and timeline ([`Stats`]), and, when a scenario has more than
//! one service, each service's share ([`SvcStats`]). Its verbs update the
//! totals and, where there are several services, the service's own figures
//! too, so the engine never writes the "one service or several" branch
//! itself.
//!
//! The verbs that sit on a request's path take the engine's `P` (a plain
//! scenario: one service, see `sim::engine::is_plain`), with which the
//! per-service branch is compiled out.

use crate::input::dist::Time;
use crate::input::scenario::Cause;
use crate::measure::stats::{Levels, Stats};
use crate::measure::svcstats::SvcStats;
use crate::slab::Slab;

/// Levels, statistics and per-service figures of one run.
#[derive(Debug)]
pub struct Meter {
    pub stats: Stats,
    pub levels: Levels,
    /// More than one service: per-service figures are kept in `stats.svcs`.
    pub per_service: bool,
}

impl Meter {
    /// A meter for a run whose window is `warmup..end`, with `dbs`
    /// databases and `services` services.
    pub fn new(warmup: Time, end: Time, dbs: usize, services: usize) -> Meter {
        let per_service = services > 1;
        let mut stats = Stats::with_dbs(warmup, end, dbs);
        if per_service {
            stats.svcs = Slab::from_vec(vec![SvcStats::default(); services]);
        }
        Meter {
            stats,
            levels: Levels::default(),
            per_service,
        }
    }

    /// Service `svc`'s own figures, if they are kept.
    #[inline(always)]
    fn svc<const P: bool>(&mut self, svc: u16) -> Option<&mut SvcStats> {
        if !P && self.per_service {
            Some(&mut self.stats.svcs[usize::from(svc)])
        } else {
            None
        }
    }

    /// A pool of `max_size` joined service `svc` (`primary`: a primary
    /// pool, not a replica's sibling).
    pub fn pool_added(&mut self, svc: u16, max_size: u32, primary: bool, now: Time) {
        self.pool_capacity(svc, i64::from(max_size), i64::from(primary), now);
    }

    /// A pool of `max_size` left service `svc`'s capacity.
    pub fn pool_removed(&mut self, svc: u16, max_size: u32, primary: bool, now: Time) {
        self.pool_capacity(svc, -i64::from(max_size), -i64::from(primary), now);
    }

    fn pool_capacity(&mut self, svc: u16, capacity: i64, primary: i64, now: Time) {
        if primary != 0 {
            self.levels.primary_pools.add(now, primary);
        }
        self.levels.capacity.add(now, capacity);
        if let Some(st) = self.svc::<false>(svc) {
            st.capacity.add(now, capacity);
            st.primary_pools.add(now, primary);
        }
    }

    /// A request of `svc` arrived at `now` (`measured`: inside the window).
    #[inline(always)]
    pub fn arrived<const P: bool>(&mut self, svc: u16, measured: bool) {
        self.stats.tally.arrived += 1;
        self.stats.tl_arrival();
        if !P {
            // A plain scenario has no retries: its attempts are its arrivals.
            self.stats.counters.req_attempts += u64::from(measured);
        }
        if let Some(st) = self.svc::<P>(svc) {
            st.arrived += 1;
            if measured {
                st.req_attempts += 1;
            }
        }
    }

    /// An acquisition of `svc` started.
    #[inline(always)]
    pub fn acquire_started<const P: bool>(&mut self, svc: u16) {
        self.stats.tally.attempts += 1;
        if let Some(st) = self.svc::<P>(svc) {
            st.attempts += 1;
        }
    }

    /// An acquisition of `svc` found no idle connection.
    #[inline(always)]
    pub fn acquire_waited<const P: bool>(&mut self, svc: u16) {
        self.stats.tally.waited += 1;
        if let Some(st) = self.svc::<P>(svc) {
            st.waited += 1;
        }
    }

    /// An acquisition of `svc` that started at `start` was served at `now`.
    #[inline(always)]
    pub fn served<const P: bool>(&mut self, svc: u16, start: Time, now: Time) {
        self.stats.served(start, now);
        let warmup = self.stats.warmup;
        if let Some(st) = self.svc::<P>(svc)
            && start >= warmup
        {
            st.wait.record(now - start);
        }
    }

    /// An acquisition of `svc` queued (`first`: its primary pool had no
    /// waiter before).
    #[inline(always)]
    pub fn waiting_started<const P: bool>(&mut self, svc: u16, first: bool, now: Time) {
        if first {
            self.levels.pools_waiting.add(now, 1);
        }
        self.levels.waiting.add(now, 1);
        self.stats.note_waiting(now, self.levels.waiting.value);
        let warmup = self.stats.warmup;
        if let Some(st) = self.svc::<P>(svc) {
            if first {
                st.pools_waiting.add(now, 1);
            }
            st.waiting += 1;
            if now >= warmup {
                st.peak_waiting = st.peak_waiting.max(st.waiting);
            }
        }
    }

    /// `n` waiters of `svc` left a queue (`last`: its primary pool has no
    /// waiter now).
    #[inline(always)]
    pub fn waiting_ended<const P: bool>(&mut self, svc: u16, n: u32, last: bool, now: Time) {
        if last {
            self.levels.pools_waiting.add(now, -1);
        }
        self.levels.waiting.add(now, -i64::from(n));
        if let Some(st) = self.svc::<P>(svc) {
            if last {
                st.pools_waiting.add(now, -1);
            }
            st.waiting -= u64::from(n);
        }
    }

    /// An acquisition of `svc` that started at `start` timed out.
    pub fn acquire_timed_out(&mut self, svc: u16, start: Time) {
        if self.stats.in_window(start) {
            self.stats.counters.timeouts += 1;
            if let Some(st) = self.svc::<false>(svc) {
                st.timeouts += 1;
            }
        }
        self.stats.tl_timeout();
    }

    /// `delta` more connections of `svc` are lent.
    #[inline(always)]
    pub fn busy<const P: bool>(&mut self, svc: u16, delta: i32, now: Time) {
        self.levels.busy.add(now, i64::from(delta));
        if let Some(st) = self.svc::<P>(svc) {
            st.busy.add(now, i64::from(delta));
        }
    }

    /// A request of `svc` that arrived at `arrival` completed at `now`.
    #[inline(always)]
    pub fn completed<const P: bool>(&mut self, svc: u16, arrival: Time, measured: bool, now: Time) {
        if measured {
            self.stats.counters.completed += 1;
            self.stats.latency.record(now - arrival);
        }
        self.stats.tally.completions += 1;
        if let Some(st) = self.svc::<P>(svc) {
            st.completions += 1;
            if measured {
                st.completed += 1;
                st.latency.record(now - arrival);
            }
        }
    }

    /// A request of `svc` failed for good with `cause`.
    pub fn failed(&mut self, svc: u16, cause: Cause, measured: bool) {
        if measured {
            let c = &mut self.stats.counters;
            if cause == Cause::PoolTimeout {
                c.timed_out += 1;
            } else {
                c.failed += 1;
            }
            c.by_cause[cause as usize] += 1;
            if let Some(st) = self.svc::<false>(svc) {
                if cause == Cause::PoolTimeout {
                    st.timed_out += 1;
                } else {
                    st.failed += 1;
                }
                st.by_cause[cause as usize] += 1;
            }
        }
        self.stats.tl_failure(cause);
    }

    /// A request of `svc` will try again.
    pub fn retried(&mut self, svc: u16, measured: bool) {
        if measured {
            self.stats.counters.retries += 1;
            self.stats.counters.req_attempts += 1;
            if let Some(st) = self.svc::<false>(svc) {
                st.retries += 1;
                st.req_attempts += 1;
            }
        }
        self.stats.tl_retry();
    }

    /// Moves the statistics' clock to `now`.
    #[inline(always)]
    pub fn advance(&mut self, now: Time) {
        self.stats.advance(now, &self.levels);
    }
}
