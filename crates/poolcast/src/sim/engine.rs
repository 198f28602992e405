//! The discrete-event loop: pop the earliest event, set the clock, dispatch.
//!
//! [`Engine`] owns the whole state and the one seeded generator. It runs in
//! slices ([`Engine::step`]) so a caller can show progress and cancel. What each
//! event does lives with its concept: a request's path in `flow.rs`,
//! connections in `lifecycle.rs`, databases in `db.rs`, the proxy in
//! `proxy.rs`, serverless functions in `serverless.rs`, closed-loop users in
//! `users.rs`, retries in `retry.rs`, timed events in `timed.rs`.

use rand::RngExt;

use crate::input::config::{DbCfg, SvcCfg};
use crate::input::dist::{Draws, s_to_ns, to_ns};
use crate::input::scenario::{Scenario, TimedEvent};
use crate::input::validate::Validated;
use crate::measure::meter::Meter;
use crate::measure::report::Report;
use crate::sim::db::Db;
use crate::sim::pool::{NONE, Pool, Slab, Store};
use crate::sim::proxy::ProxyState;
use crate::sim::queue::{Event, EventQueue, Time};
use crate::sim::services::{Instance, SvcState};

/// Mean gap between Poisson arrivals at `rate_per_s`, ns; 0 for no arrivals.
fn gap_mean_ns(rate_per_s: f64) -> f64 {
    if rate_per_s > 0.0 {
        1e9 / rate_per_s
    } else {
        0.0
    }
}

/// The open-loop arrival stream: the superposition of every open service's
/// Poisson stream, each arrival given to a service in proportion to its rate.
#[derive(Debug, Default)]
pub(crate) struct OpenLoop {
    /// Current rate of each service (0 for closed-loop ones).
    pub rates: Vec<f64>,
    /// Services with open-loop arrivals.
    pub open: Vec<u32>,
    /// Mean gap between arrivals at the total rate, ns (0: no arrivals).
    pub gap_mean_ns: f64,
    /// Rate steps of all services: (time, service, rate), by time.
    pub steps: Vec<(Time, u32, f64)>,
    pub next_step: usize,
}

/// A running simulation of one scenario.
pub struct Engine {
    pub(crate) scenario: Scenario,
    /// Settings of each service.
    pub(crate) cfgs: Slab<SvcCfg>,
    /// What each service is doing: instances, functions, users, retries.
    pub(crate) svcs: Slab<SvcState>,
    /// The primary, then the replicas.
    pub(crate) dbs: Slab<Db>,
    pub(crate) replicas: u32,
    pub(crate) proxy: Option<Box<ProxyState>>,
    pub(crate) rng: Draws,
    pub(crate) queue: EventQueue,
    pub(crate) now: Time,
    pub(crate) end: Time,
    /// The pools, connections and requests.
    pub(crate) store: Store,
    /// Bit `db` set: database `db`'s processor-sharing event needs rescheduling.
    pub(crate) ps_dirty: u32,
    /// Everything measured: levels, counters, histograms, the timeline.
    pub(crate) meter: Meter,
    /// A plain scenario (see [`is_plain`]): the loop runs its lean copy.
    pub(crate) plain: bool,
    pub(crate) events: u64,
    /// Events the run counts without popping them: serverless reclaim
    /// timers superseded before they were pushed (see `sim/serverless.rs`).
    pub(crate) unpushed_events: u64,
    pub(crate) open: OpenLoop,
    pub(crate) timed: crate::sim::timed::TimedState,
    done: bool,
}

impl Engine {
    /// Prepares a run of a validated scenario.
    pub fn new(scenario: &Validated) -> Engine {
        let s = scenario.scenario().clone();
        let cfgs = Slab::from_vec(s.services.iter().map(|svc| SvcCfg::new(&s, svc)).collect());
        let ndb = s.database_count();
        let dbs = Slab::from_vec(
            (0..ndb)
                .map(|d| Db::new(DbCfg::new(&s, d), needs_cpu(&s, d)))
                .collect(),
        );
        let warmup = s_to_ns(s.warmup_s);
        let end = warmup + s_to_ns(s.duration_s).max(1);
        let mut sim = Engine {
            rng: Draws::new(s.seed),
            queue: EventQueue::default(),
            now: 0,
            end,
            cfgs,
            svcs: Slab::default(),
            dbs,
            replicas: s.database.replica_count(),
            proxy: s.proxy.as_ref().map(|p| Box::new(ProxyState::new(p, ndb))),
            store: Store::default(),
            ps_dirty: 0,
            meter: Meter::new(warmup, end, ndb as usize, s.services.len()),
            plain: is_plain(&s),
            events: 0,
            unpushed_events: 0,
            open: OpenLoop::default(),
            timed: Default::default(),
            done: false,
            scenario: s,
        };
        for db in 0..ndb {
            let cores = sim.dbs[db].cfg.cores.map_or(0, u64::from);
            sim.meter.stats.dbs[db as usize].cores.set(0, cores);
        }
        sim.build_services();
        sim.start();
        sim
    }

    /// Creates every instance service's pools, in service order: instance
    /// by instance, each primary pool followed by its replica siblings.
    fn build_services(&mut self) {
        for svc in 0..self.cfgs.items.len() {
            let mut state = SvcState::default();
            let cfg = &self.cfgs.items[svc];
            let instances = cfg.instances;
            if cfg.serverless.is_none() {
                for _ in 0..instances {
                    let first = self.add_pools(svc as u16, &mut state);
                    state.insts.push(Instance { first, live: true });
                }
                self.meter.levels.instances.add(0, i64::from(instances));
            }
            if let Some((_, max_tokens)) = cfg_budget(&self.cfgs.items[svc]) {
                state.tokens = max_tokens;
            }
            self.svcs.items.push(state);
        }
        let mut rates = Vec::new();
        for (i, svc) in self.scenario.services.iter().enumerate() {
            if svc.workload.is_closed() {
                rates.push(0.0);
                continue;
            }
            rates.push(svc.rate_at(0.0));
            self.open.open.push(i as u32);
            for st in &svc.workload.rate_profile {
                let at = s_to_ns(st.at_s);
                if at > 0 {
                    self.open.steps.push((at, i as u32, st.rate_per_s));
                }
            }
        }
        // Stable: steps at the same time keep service order.
        self.open.steps.sort_by_key(|&(at, _, _)| at);
        self.open.gap_mean_ns = gap_mean_ns(rates.iter().sum());
        self.open.rates = rates;
    }

    /// Adds one instance's pools (its primary pools and their siblings) to
    /// service `svc`, live.
    ///
    /// An instance's pools are contiguous and returned by their first. A
    /// long-lived instance's are appended; a function's reuse the slots of a
    /// reclaimed function (only functions free pools, a whole group at a
    /// time, so the free slots come back as one group in order).
    pub(crate) fn add_pools(&mut self, svc: u16, state: &mut SvcState) -> u32 {
        let cfg = &self.cfgs[u32::from(svc)];
        let function = cfg.serverless.is_some();
        let groups = if function { 1 } else { cfg.pools_per_instance };
        let max_size = cfg.max_size;
        let mut first = None;
        let mut k = 0;
        for _ in 0..groups {
            for db in 0..=self.replicas {
                let p = Pool {
                    svc,
                    db: db as u8,
                    primary: db == 0,
                    ..Pool::default()
                };
                let pool = if function {
                    self.store.pools.insert(p)
                } else {
                    self.store.pools.push(p)
                };
                let f = *first.get_or_insert(pool);
                debug_assert_eq!(pool, f + k, "an instance's pools are contiguous");
                k += 1;
                if db == 0 {
                    state.live.push(pool);
                }
                self.meter.pool_added(svc, max_size, db == 0, self.now);
            }
        }
        first.unwrap_or(0)
    }

    fn start(&mut self) {
        for p in 0..self.store.pools.items.len() as u32 {
            self.replenish::<false>(p);
        }
        if let Some(proxy) = &self.proxy {
            for db in 0..proxy.pools.len() as u32 {
                self.proxy_try_open(db);
            }
        }
        for i in 0..self.open.steps.len() {
            self.queue.push(self.open.steps[i].0, Event::RateChange);
        }
        self.schedule_arrival();
        self.start_users();
        self.schedule_timed_events();
    }

    /// Runs at most `max_events` events; returns true once the run is over.
    pub fn step(&mut self, max_events: u64) -> bool {
        if self.plain {
            self.run::<true>(max_events)
        } else {
            self.run::<false>(max_events)
        }
    }

    /// Makes the run take the general path even where the plain one would
    /// do; for tests, which check that both give the same report.
    #[doc(hidden)]
    pub fn without_plain_path(mut self) -> Engine {
        self.plain = false;
        self
    }

    /// The loop, compiled twice: with `P` (a plain scenario: see
    /// [`is_plain`]) the request path leaves out every check of what such a
    /// scenario cannot have.
    fn run<const P: bool>(&mut self, max_events: u64) -> bool {
        for _ in 0..max_events {
            let Some((t, event)) = self.queue.pop_before(self.end) else {
                self.done = true;
                return true;
            };
            debug_assert!(t >= self.now, "an event scheduled in the past");
            self.meter.advance(t);
            self.now = t;
            self.events += 1;
            self.dispatch::<P>(event);
            self.queue.settle();
            if self.ps_dirty != 0 {
                self.reschedule_cpus::<P>();
            }
        }
        self.done
    }

    /// Fraction of simulated time done, from 0 to 1.
    pub fn progress(&self) -> f64 {
        if self.done {
            1.0
        } else {
            self.now as f64 / self.end as f64
        }
    }

    /// Events processed so far.
    pub fn events(&self) -> u64 {
        self.events + self.unpushed_events
    }

    #[inline]
    fn dispatch<const P: bool>(&mut self, event: Event) {
        // The two events of a plain request first, as conditional branches:
        // a jump table here was a misprediction on almost every event.
        if let Event::QueryDone { conn, seq } = event {
            self.on_query_done::<P>(conn, seq);
        } else if event == Event::Arrival {
            self.on_arrival::<P>();
        } else if let Event::PsDone { db, epoch } = event {
            self.on_ps_done::<P>(db, epoch);
        } else {
            // The rest are rarer: one general copy of them keeps the wasm
            // small.
            self.dispatch_other(event);
        }
    }

    #[inline(never)]
    fn dispatch_other(&mut self, event: Event) {
        match event {
            Event::Arrival => self.on_arrival::<false>(),
            Event::RateChange => self.on_rate_change(),
            Event::QueryDone { conn, seq } => self.on_query_done::<false>(conn, seq),
            Event::PsDone { db, epoch } => self.on_ps_done::<false>(db, epoch),
            Event::StatementTimeout { conn, seq } => self.on_statement_timeout::<false>(conn, seq),
            Event::ConnectDone { conn } => self.on_connect_done::<false>(conn),
            Event::HoldDone { conn, seq } => self.on_hold_done::<false>(conn, seq),
            Event::AcquireTimeout { pool } => self.on_acquire_timeout::<false>(pool),
            Event::IdleReap { pool } => self.on_idle_reap::<false>(pool),
            Event::Retry { req, epoch, pool } => self.on_retry(req, epoch, pool),
            Event::Replenish { pool } => {
                self.store.pools[pool].replenish_armed = false;
                self.replenish::<false>(pool);
            }
            Event::UserSend { svc, user } => self.on_user_send(svc, user),
            Event::ColdStartDone { req, epoch } => self.on_cold_start_done(req, epoch),
            Event::Reclaim {
                svc,
                func,
                epoch,
                again,
            } => self.on_reclaim(svc, func, epoch, again),
            Event::OrphanGone { conn } => self.on_orphan_gone(conn),
            Event::TxTimeout { req, epoch } => self.on_tx_timeout(req, epoch),
            Event::IdleInTx { conn, seq } => self.on_idle_in_tx(conn, seq),
            Event::Attempt { req, epoch } => self.on_attempt(req, epoch),
            Event::ServerConnectDone { sconn } => self.on_server_connect_done(sconn),
            Event::ServerLoginRetry { db } => self.on_server_login_retry(db),
            Event::ProxyWaitCheck { db } => self.on_proxy_wait_check(db),
            Event::ServerReap { db } => self.on_server_reap(db),
            Event::Timed { index, phase } => self.on_timed(index, phase),
        }
    }

    // ---- open-loop arrivals ---------------------------------------------

    #[inline(always)]
    fn schedule_arrival(&mut self) {
        if self.open.gap_mean_ns > 0.0 {
            let gap = self.rng.exp1() * self.open.gap_mean_ns;
            let t = self.now.saturating_add(to_ns(gap));
            if t < self.end {
                self.queue.set_arrival(t);
            }
        }
    }

    fn on_rate_change(&mut self) {
        let (_, svc, rate) = self.open.steps[self.open.next_step];
        self.open.next_step += 1;
        self.open.rates[svc as usize] = rate;
        self.open.gap_mean_ns = gap_mean_ns(self.open.rates.iter().sum());
        // Poisson arrivals are memoryless: drop the pending one and redraw.
        self.queue.clear_arrival();
        self.schedule_arrival();
    }

    #[inline(always)]
    fn on_arrival<const P: bool>(&mut self) {
        self.schedule_arrival();
        let svc = if P {
            0
        } else if self.open.open.len() == 1 {
            self.open.open[0]
        } else {
            self.pick_open_service()
        };
        self.start_request::<P>(svc, NONE);
    }

    /// The service of an arrival, drawn in proportion to the current rates.
    fn pick_open_service(&mut self) -> u32 {
        let total: f64 = self.open.rates.iter().sum();
        let mut x = self.rng.rng.random::<f64>() * total;
        let mut last = self.open.open[0];
        for &svc in &self.open.open {
            let rate = self.open.rates[svc as usize];
            if rate > 0.0 {
                last = svc;
                if x < rate {
                    return svc;
                }
                x -= rate;
            }
        }
        last
    }

    /// Builds the report, without the warnings (the planning room writes
    /// them: see [`crate::Sim::finish`]); the run must be over.
    pub fn finish(mut self) -> Report {
        crate::sim::summary::build(&mut self)
    }
}

/// Whether a scenario is plain: one service of instances, straight to the
/// database, without replicas, retries, closed-loop users, transaction
/// limits or timed events. Version 1's every scenario is; the engine then
/// runs a copy of the request path without the checks for the rest.
fn is_plain(s: &Scenario) -> bool {
    let [svc] = s.services.as_slice() else {
        return false;
    };
    svc.kind == crate::input::scenario::ServiceKind::Instances
        && svc.route == crate::input::scenario::Route::Direct
        && svc.retry.is_none()
        && !svc.workload.is_closed()
        && svc.workload.transaction.is_none()
        && s.database.replica_count() == 0
        && s.proxy.is_none()
        && s.events.is_empty()
}

/// A service's retry budget (ratio, max tokens), if it has one.
fn cfg_budget(cfg: &SvcCfg) -> Option<(f64, f64)> {
    cfg.retry.as_ref().and_then(|r| r.budget)
}

/// Whether database `db` needs processor sharing: it has cores or
/// contention, or an event changes its cores.
fn needs_cpu(s: &Scenario, db: u32) -> bool {
    let cfg = DbCfg::new(s, db);
    let cores_event = s.events.iter().any(|e| match e {
        TimedEvent::Cores { target, .. } => crate::sim::timed::target_db(*target) == Some(db),
        _ => false,
    });
    cfg.cores.is_some() || cfg.sigma != 0.0 || cfg.kappa != 0.0 || cores_event
}
