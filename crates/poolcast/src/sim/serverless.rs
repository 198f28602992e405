//! Serverless services (MODEL.md §6): each request runs on its own function
//! instance, a warm idle one if there is one (most recently used first),
//! else a new one after a cold start, unless `max_concurrency` are busy
//! (`throttled`). An idle instance is frozen: its pools' timers stop and its
//! connections stay open. After `idle_reclaim_s` it is reclaimed, and its
//! connections linger at the database for `orphan_linger_s`.
//!
//! Each idle period schedules a reclaim timer, and a warm instance taken
//! again makes it stale: at 100k requests/s and a 600 s reclaim, the queue
//! held 60M such timers (32 bytes each; 384 MB for a 120 s run of 10,000
//! functions). A function keeps at most one of them in the queue: the timer
//! of a later idle period takes its key (its place in the event order) when
//! it is scheduled, and goes in when the queued one comes up stale. A timer
//! superseded before it went in is counted as the event it would have been
//! (`unpushed_events`), so the report's event count is unchanged; it would
//! have done nothing else.

use crate::input::scenario::Cause;
use crate::sim::engine::Engine;
use crate::sim::pool::{NONE, ReqState};
use crate::sim::queue::{Event, key_time};
use crate::sim::services::Func;

impl Engine {
    /// A request of serverless service `svc` looks for a function instance.
    pub(crate) fn function_request(&mut self, svc: u32, user: u32, measured: bool) {
        match self.take_function(svc, measured) {
            Some((pool, func, cold)) => {
                let id = self.new_request::<false>(svc, pool, measured, user, func);
                self.start_on_function(id, cold);
            }
            None => self.reject(svc, user, measured, Cause::Throttled),
        }
    }

    /// A warm function or a new one: its primary pool, its index and the
    /// cold start to wait (ns); `None` when `max_concurrency` are busy.
    pub(crate) fn take_function(&mut self, svc: u32, measured: bool) -> Option<(u32, u32, u64)> {
        let max = self.cfgs[svc]
            .serverless
            .as_ref()
            .map_or(0, |f| f.max_concurrency);
        let st = &mut self.svcs[svc as usize];
        if st.busy_funcs >= max {
            if measured {
                st.throttled += 1;
            }
            return None;
        }
        st.busy_funcs += 1;
        if let Some(func) = st.warm.pop() {
            st.funcs[func].busy = true;
            let pool = st.funcs[func].pool;
            self.thaw(pool);
            return Some((pool, func, 0));
        }
        // A new instance with fresh pools (which take no open-loop arrivals,
        // so they leave the service's live list at once).
        let mut st = std::mem::take(&mut self.svcs[svc as usize]);
        let epoch = st.funcs.next_free().map_or(0, |i| st.funcs[i].epoch);
        let func = st.funcs.insert(Func {
            pool: NONE,
            busy: true,
            epoch,
            queued: false,
            pending: 0,
        });
        let before = st.live.len();
        let pool = self.add_pools(svc as u16, &mut st);
        st.live.truncate(before);
        st.funcs[func].pool = pool;
        let funcs = u64::from(st.busy_funcs) + st.warm.len() as u64;
        st.peak_funcs = st.peak_funcs.max(funcs);
        if measured {
            st.cold_starts += 1;
        }
        self.svcs[svc as usize] = st;
        self.meter.levels.instances.add(self.now, 1);
        for p in pool..=pool + self.replicas {
            self.replenish::<false>(p);
        }
        let cold = self.cfgs[svc]
            .serverless
            .as_ref()
            .map_or(0, |f| f.cold_start.sample(&mut self.rng));
        Some((pool, func, cold))
    }

    pub(crate) fn start_on_function(&mut self, id: u32, cold: u64) {
        if cold == 0 {
            self.begin_general(id);
        } else {
            let epoch = self.store.reqs[id].epoch;
            self.queue
                .push(self.now + cold, Event::ColdStartDone { req: id, epoch });
        }
    }

    pub(crate) fn on_cold_start_done(&mut self, id: u32, epoch: u32) {
        let r = &self.store.reqs[id];
        if r.epoch == epoch && r.state == ReqState::Active {
            self.begin_general(id);
        }
    }

    /// The request on function `func` of `svc` is resolved: the instance
    /// goes idle (frozen) until its next request or its reclaim.
    pub(crate) fn function_done(&mut self, svc: u32, func: u32) {
        let reclaim = self.cfgs[svc]
            .serverless
            .as_ref()
            .map_or(0, |f| f.idle_reclaim);
        let st = &mut self.svcs[svc as usize];
        let f = &mut st.funcs[func];
        f.busy = false;
        f.epoch = f.epoch.wrapping_add(1);
        let (pool, epoch) = (f.pool, f.epoch);
        st.busy_funcs -= 1;
        st.warm.push(func);
        for p in pool..=pool + self.replicas {
            self.store.pools[p].frozen_at = Some(self.now);
        }
        let at = self.now + reclaim;
        let key = self.queue.reserve(at);
        let f = &mut self.svcs[svc as usize].funcs[func];
        if f.queued {
            // The queued timer is stale; this one goes in when it comes up.
            let superseded = std::mem::replace(&mut f.pending, key);
            if superseded != 0 {
                self.never_pushed(superseded);
            }
        } else {
            self.queue_reclaim(key, svc, func, epoch);
        }
    }

    /// Puts function `func`'s reclaim timer in the queue with `key`: the
    /// one it keeps there.
    fn queue_reclaim(&mut self, key: u128, svc: u32, func: u32, epoch: u32) {
        self.svcs[svc as usize].funcs[func].queued = true;
        let again = false;
        self.queue.push_key(
            key,
            Event::Reclaim {
                svc,
                func,
                epoch,
                again,
            },
        );
    }

    /// A stale reclaim timer with `key` that never goes in counts as the
    /// event it would have been, if it would have come up before the end.
    fn never_pushed(&mut self, key: u128) {
        self.unpushed_events += u64::from(key_time(key) < self.end);
    }

    /// A function's queued reclaim timer came up stale: its pending one,
    /// if still live, goes in.
    fn reclaim_superseded(&mut self, svc: u32, func: u32) {
        let f = &mut self.svcs[svc as usize].funcs[func];
        f.queued = false;
        let key = std::mem::take(&mut f.pending);
        if key == 0 {
            return;
        }
        if f.busy {
            // Taken again since: it would have come up stale too.
            self.never_pushed(key);
            return;
        }
        let epoch = f.epoch;
        self.queue_reclaim(key, svc, func, epoch);
    }

    /// Unfreezes a function's pools: their idle timers resume where they
    /// stopped.
    fn thaw(&mut self, pool: u32) {
        for p in pool..=pool + self.replicas {
            let Some(since) = self.store.pools[p].frozen_at.take() else {
                continue;
            };
            let frozen = self.now - since;
            let pool = &self.store.pools[p];
            for &c in &pool.idle {
                self.store.conns[c].idle_since += frozen;
            }
            self.arm_reap::<false>(p);
        }
    }

    pub(crate) fn on_reclaim(&mut self, svc: u32, func: u32, epoch: u32, again: bool) {
        let st = &self.svcs[svc as usize];
        let f = st.funcs[func];
        if f.busy || f.epoch != epoch {
            // A retry's timer (`again`) is not the function's queued one.
            if !again {
                self.reclaim_superseded(svc, func);
            }
            return;
        }
        if !again {
            let f = &mut self.svcs[svc as usize].funcs[func];
            debug_assert_eq!(f.pending, 0, "a live queued timer has none pending");
            f.queued = false;
        }
        let pool = f.pool;
        // A connection still opening belongs to the pool until it opens;
        // reclaim once none is.
        let opening = (pool..=pool + self.replicas)
            .any(|p| self.store.pools[p].total as usize > self.store.pools[p].idle.len());
        if opening {
            let again = self.dbs[0u32].cfg.connect_ns.max(1_000_000);
            let at = self.now + again;
            let again = true;
            self.queue.push(
                at,
                Event::Reclaim {
                    svc,
                    func,
                    epoch,
                    again,
                },
            );
            return;
        }
        let st = &mut self.svcs[svc as usize];
        st.warm.retain(|&x| x != func);
        st.funcs.remove(func);
        st.funcs[func].epoch = st.funcs[func].epoch.wrapping_add(1);
        let linger = self.cfgs[svc]
            .serverless
            .as_ref()
            .map_or(0, |f| f.orphan_linger);
        let max_size = self.cfgs[svc].max_size;
        // Freed from the last to the first, so the slab hands the group out
        // again in order (every group has the same size).
        for p in (pool..=pool + self.replicas).rev() {
            for conn in self.take_idle(p) {
                if linger == 0 {
                    self.close::<false>(conn);
                } else {
                    self.orphan(conn, svc);
                }
            }
            self.meter
                .pool_removed(svc as u16, max_size, p == pool, self.now);
            self.store.pools[p].gone = true;
            self.store.pools.remove(p);
        }
        self.meter.levels.instances.add(self.now, -1);
    }
}
