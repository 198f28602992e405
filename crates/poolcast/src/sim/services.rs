//! Services: where a request enters (an instance's pool, a serverless
//! function, or a refusal), and what happens when it is resolved (the
//! closed-loop user's next request, the function going idle, the breaker).

use std::collections::VecDeque;

use rand::RngExt;

use crate::input::scenario::Cause;
use crate::sim::engine::Engine;
use crate::sim::pool::{NONE, Req, Slab};
use crate::sim::queue::Time;

/// One long-lived instance of a service.
#[derive(Debug, Clone, Copy)]
pub struct Instance {
    /// Its first pool; its pools follow contiguously.
    pub first: u32,
    /// Takes new work (false once it drains).
    pub live: bool,
}

/// A serverless function instance.
#[derive(Debug, Clone, Copy)]
pub struct Func {
    /// Its primary pool; replica siblings follow.
    pub pool: u32,
    /// Running a request (cold start included).
    pub busy: bool,
    /// Bumped when it goes idle, so older reclaim timers are stale.
    pub epoch: u32,
    /// Its reclaim timer (the one of its idle periods that is in the event
    /// queue, live or stale) is queued.
    pub queued: bool,
    /// The queue key of its live reclaim timer not pushed yet (0: none):
    /// it goes in when the queued, stale one comes up.
    pub pending: u128,
}

/// A closed-loop virtual user.
#[derive(Debug, Clone, Copy, Default)]
pub struct User {
    /// The instance (index into the service's instances) it talks to.
    pub inst: u32,
    /// Requests sent so far.
    pub sent: u64,
}

/// What one service is doing.
#[derive(Debug, Default)]
pub struct SvcState {
    /// Live primary pools: where open-loop arrivals land.
    pub live: Vec<u32>,
    /// Instances, for a service of kind "instances".
    pub insts: Vec<Instance>,
    /// Function instances, for a serverless service.
    pub funcs: Slab<Func>,
    /// Warm idle functions, most recently used last.
    pub warm: Vec<u32>,
    /// Busy functions.
    pub busy_funcs: u32,
    /// Closed-loop users.
    pub users: Vec<User>,
    /// Retry budget tokens.
    pub tokens: f64,
    /// The breaker is open until then.
    pub breaker_until: Time,
    /// Finished attempts in the breaker's window: (time, failed).
    pub window: VecDeque<(Time, bool)>,
    /// Failed entries of `window`.
    pub window_failed: u32,
    /// Time the breaker was open inside the measured window, ns.
    pub breaker_open_ns: u64,
    /// Connections of reclaimed functions still open.
    pub orphans: u64,
    pub peak_orphans: u64,
    /// Functions (busy or warm) at once, at most.
    pub peak_funcs: u64,
    /// Cold starts and throttled requests of requests that arrived in the window.
    pub cold_starts: u64,
    pub throttled: u64,
}

impl Engine {
    /// A new request of service `svc` (from closed-loop `user`, or
    /// [`NONE`] for an open-loop arrival) enters the system.
    #[inline(always)]
    pub(crate) fn start_request<const P: bool>(&mut self, svc: u32, user: u32) {
        let measured = self.meter.stats.in_window(self.now);
        self.meter.arrived::<P>(svc as u16, measured);
        if !P && self.cfgs[svc].start_checks.any() {
            self.start_checked(svc, user, measured);
            return;
        }
        let pool = self.pick_pool::<P>(svc, user);
        let id = self.new_request::<P>(svc, pool, measured, user, NONE);
        self.begin::<P>(id);
    }

    /// A new request of a service with retries, a breaker, or functions.
    #[inline(never)]
    fn start_checked(&mut self, svc: u32, user: u32, measured: bool) {
        let checks = self.cfgs[svc].start_checks;
        if checks.retry() {
            self.fill_budget(svc);
            if self.breaker_open(svc) {
                self.reject(svc, user, measured, Cause::BreakerOpen);
                return;
            }
        }
        if checks.serverless() {
            self.function_request(svc, user, measured);
            return;
        }
        let pool = self.pick_pool::<false>(svc, user);
        let id = self.new_request::<false>(svc, pool, measured, user, NONE);
        self.begin_general(id);
    }

    /// The primary pool a new request of `svc` lands in: uniformly among
    /// the live ones, or among its user's instance's.
    #[inline(always)]
    pub(crate) fn pick_pool<const P: bool>(&mut self, svc: u32, user: u32) -> u32 {
        if !P && user != NONE {
            return self.user_pool(svc, user);
        }
        // A plain scenario's pools are its live ones, numbered from 0.
        let n = if P {
            self.store.pools.items.len() as u32
        } else {
            self.svcs[svc as usize].live.len() as u32
        };
        let i = if n == 1 {
            0
        } else {
            self.rng.rng.random_range(0..n)
        };
        if P {
            i
        } else {
            self.svcs[svc as usize].live[i as usize]
        }
    }

    /// A request refused before it reached a pool (breaker open, throttled):
    /// it fails at once.
    pub(crate) fn reject(&mut self, svc: u32, user: u32, measured: bool, cause: Cause) {
        let id = self.store.insert_req(Req {
            user,
            follow_up: user != NONE || self.cfgs[svc].start_checks.retry(),
            ..Req::new(svc as u16, NONE, self.now, 0, measured)
        });
        if self.replicas > 0 {
            self.grow_waits(id);
        }
        self.fail(id, cause);
        self.maybe_free(id);
    }

    /// A request's final outcome is known: its user sends the next one, its
    /// function goes idle, its breaker counts it.
    pub(crate) fn resolved(&mut self, id: u32) {
        let r = self.store.reqs[id];
        if r.user != NONE {
            self.user_resolved(u32::from(r.svc), r.user, r.arrival);
        }
        if r.func != NONE {
            self.function_done(u32::from(r.svc), r.func);
        }
    }
}
