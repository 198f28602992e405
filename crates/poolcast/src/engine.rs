//! The discrete-event loop: pop the earliest event, set the clock, dispatch.
//!
//! [`Sim`] owns the whole state and the one seeded generator. It runs in
//! slices ([`Sim::step`]) so a caller can show progress and cancel; the
//! request flow is in `flow.rs`, connection lifecycle below.

use rand::RngExt;

use crate::dist::{Draws, Sampler, ms_to_ns, s_to_ns, to_ns};
use crate::pool::{Conn, NONE, Pool, Req, Slab};
use crate::ps::Cpu;
use crate::queue::{Event, EventQueue, Time};
use crate::report::Report;
use crate::scenario::{OnConnectError, QueryMode, Scenario};
use crate::stats::{Levels, Stats};

/// Settings of the run, converted to nanoseconds once.
#[derive(Debug)]
pub(crate) struct Config {
    pub queries: u32,
    pub mode: QueryMode,
    pub query: Sampler,
    pub hold: Sampler,
    pub connect_ns: Time,
    pub acquire_timeout: Option<Time>,
    pub idle_timeout: Option<Time>,
    pub lifetime: Option<Time>,
    pub jitter_ns: f64,
    pub max_uses: Option<u32>,
    pub retry: bool,
    pub retry_ns: Time,
    pub statement_timeout: Option<Time>,
    pub max_size: u32,
    pub min_idle: u32,
    pub db_limit: u64,
}

/// Mean gap between Poisson arrivals at `rate_per_s`, ns; 0 for no arrivals.
fn gap_mean_ns(rate_per_s: f64) -> f64 {
    if rate_per_s > 0.0 {
        1e9 / rate_per_s
    } else {
        0.0
    }
}

/// A running simulation of one scenario.
pub struct Sim {
    pub(crate) scenario: Scenario,
    pub(crate) cfg: Config,
    pub(crate) rng: Draws,
    pub(crate) queue: EventQueue,
    pub(crate) now: Time,
    pub(crate) end: Time,
    pub(crate) pools: Slab<Pool>,
    pub(crate) conns: Slab<Conn>,
    pub(crate) reqs: Slab<Req>,
    pub(crate) cpu: Option<Cpu>,
    pub(crate) ps_dirty: bool,
    pub(crate) levels: Levels,
    pub(crate) stats: Stats,
    pub(crate) events: u64,
    /// Mean gap between arrivals at the current rate, ns (0: no arrivals).
    gap_mean_ns: f64,
    steps: Vec<(Time, f64)>,
    next_step: usize,
    done: bool,
}

impl Sim {
    /// Prepares a run; the scenario must have passed [`crate::validate()`].
    pub fn new(scenario: &Scenario) -> Sim {
        let s = scenario.clone();
        let p = &s.pool;
        let cfg = Config {
            queries: s.workload.queries_per_request,
            mode: s.workload.query_mode,
            query: Sampler::new(&s.workload.query_ms),
            hold: Sampler::new(&s.workload.hold_extra_ms),
            connect_ns: ms_to_ns(s.database.connect_ms),
            acquire_timeout: p.acquire_timeout_ms.map(ms_to_ns),
            idle_timeout: p.idle_timeout_ms.map(ms_to_ns),
            lifetime: p.max_lifetime_ms.map(ms_to_ns),
            jitter_ns: p.lifetime_jitter_ms * 1e6,
            max_uses: p.max_uses,
            retry: p.on_connect_error == OnConnectError::Retry,
            retry_ns: ms_to_ns(p.create_retry_interval_ms).max(1),
            statement_timeout: s.database.statement_timeout_ms.map(ms_to_ns),
            max_size: p.max_size,
            min_idle: p.min_idle,
            db_limit: u64::from(s.db_limit()),
        };
        let warmup = s_to_ns(s.warmup_s);
        let end = warmup + s_to_ns(s.duration_s).max(1);
        let cores = s.database.cores;
        let steps = s
            .workload
            .rate_profile
            .iter()
            .map(|st| (s_to_ns(st.at_s), st.rate_per_s))
            .filter(|&(at, _)| at > 0)
            .collect();
        let mut sim = Sim {
            rng: Draws::new(s.seed),
            queue: EventQueue::default(),
            now: 0,
            end,
            pools: Slab::filled(s.pool_count(), Pool::default),
            conns: Slab::default(),
            reqs: Slab::default(),
            cpu: cores.map(Cpu::new),
            ps_dirty: false,
            levels: Levels::default(),
            stats: Stats::new(warmup, end),
            events: 0,
            gap_mean_ns: gap_mean_ns(s.rate_at(0.0)),
            steps,
            next_step: 0,
            done: false,
            cfg,
            scenario: s,
        };
        sim.start();
        sim
    }

    fn start(&mut self) {
        for p in 0..self.pools.items.len() as u32 {
            self.replenish(p);
        }
        for &(at, _) in &self.steps {
            self.queue.push(at, Event::RateChange);
        }
        self.schedule_arrival();
    }

    /// Runs at most `max_events` events; returns true once the run is over.
    pub fn step(&mut self, max_events: u64) -> bool {
        for _ in 0..max_events {
            let Some((t, event)) = self.queue.pop_before(self.end) else {
                self.done = true;
                return true;
            };
            self.stats.advance(t, &self.levels);
            self.now = t;
            self.events += 1;
            self.dispatch(event);
            self.queue.settle();
            if self.ps_dirty {
                self.reschedule_cpu();
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
        self.events
    }

    /// Runs to the end and builds the report.
    pub fn run_to_end(mut self) -> Report {
        while !self.step(1 << 20) {}
        self.finish()
    }

    #[inline]
    fn dispatch(&mut self, event: Event) {
        // The two events of a plain request first, as conditional branches:
        // a jump table here was a misprediction on almost every event.
        if let Event::QueryDone { conn } = event {
            self.on_query_done(conn);
        } else if event == Event::Arrival {
            self.on_arrival();
        } else {
            self.dispatch_other(event);
        }
    }

    #[inline(never)]
    fn dispatch_other(&mut self, event: Event) {
        match event {
            Event::Arrival => self.on_arrival(),
            Event::RateChange => self.on_rate_change(),
            Event::QueryDone { conn } => self.on_query_done(conn),
            Event::PsDone { epoch } => self.on_ps_done(epoch),
            Event::StatementTimeout { conn, seq } => self.on_statement_timeout(conn, seq),
            Event::ConnectDone { conn } => self.on_connect_done(conn),
            Event::HoldDone { conn } => self.on_hold_done(conn),
            Event::AcquireTimeout { pool } => self.on_acquire_timeout(pool),
            Event::IdleReap { pool } => self.on_idle_reap(pool),
            Event::Retry { req, epoch } => self.on_retry(req, epoch),
            Event::Replenish { pool } => {
                self.pools[pool].replenish_armed = false;
                self.replenish(pool);
            }
        }
    }

    // ---- arrivals -------------------------------------------------------

    #[inline(always)]
    fn schedule_arrival(&mut self) {
        if self.gap_mean_ns > 0.0 {
            let gap = self.rng.exp1() * self.gap_mean_ns;
            let t = self.now.saturating_add(to_ns(gap));
            if t < self.end {
                self.queue.set_arrival(t);
            }
        }
    }

    fn on_rate_change(&mut self) {
        self.gap_mean_ns = gap_mean_ns(self.steps[self.next_step].1);
        self.next_step += 1;
        // Poisson arrivals are memoryless: drop the pending one and redraw.
        self.queue.clear_arrival();
        self.schedule_arrival();
    }

    #[inline(always)]
    fn on_arrival(&mut self) {
        self.schedule_arrival();
        let npools = self.pools.items.len() as u32;
        let pool = if npools == 1 {
            0
        } else {
            self.rng.rng.random_range(0..npools)
        };
        let measured = self.stats.in_window(self.now);
        self.stats.tally.arrived += 1;
        self.stats.tl_arrival();
        let id = self.new_request(pool, measured);
        match self.cfg.mode {
            QueryMode::Parallel => {
                for _ in 0..self.cfg.queries {
                    if self.reqs[id].state != crate::pool::ReqState::Active {
                        break;
                    }
                    self.acquire(id);
                }
            }
            QueryMode::Sequential | QueryMode::Transaction => self.acquire(id),
        }
    }

    // ---- connection lifecycle -------------------------------------------

    /// Opens a connection for `pool` (and for request `req`, or [`NONE`]);
    /// false if the database refused it.
    pub(crate) fn open(&mut self, pool: u32, req: u32, start: Time) -> bool {
        if self.levels.db_conns >= self.cfg.db_limit {
            self.stats.tally.too_many_clients += 1;
            return false;
        }
        let req_epoch = if req == NONE { 0 } else { self.reqs[req].epoch };
        let conn = self.conns.insert(Conn {
            pool,
            req,
            req_epoch,
            open_start: start,
            uses: 0,
            retire_at: Time::MAX,
            idle_since: 0,
            query_start: 0,
            qseq: 0,
            in_query: false,
            query_fails: false,
        });
        let p = &mut self.pools[pool];
        p.total += 1;
        debug_assert!(p.total <= self.cfg.max_size, "pool over max_size");
        self.levels.db_conns += 1;
        debug_assert!(
            self.levels.db_conns <= self.cfg.db_limit,
            "database over its limit"
        );
        self.stats.note_db(self.levels.db_conns);
        if req != NONE {
            self.reqs[req].opening += 1;
        }
        self.queue
            .push(self.now + self.cfg.connect_ns, Event::ConnectDone { conn });
        true
    }

    fn on_connect_done(&mut self, conn: u32) {
        if let Some(life) = self.cfg.lifetime {
            let jitter = (self.rng.rng.random::<f64>() * self.cfg.jitter_ns) as u64;
            self.conns[conn].retire_at = self.now.saturating_add(life).saturating_add(jitter);
        }
        let c = self.conns[conn];
        if c.req != NONE {
            self.conns[conn].req = NONE;
            let r = &mut self.reqs[c.req];
            if r.epoch == c.req_epoch {
                r.opening -= 1;
                if r.state == crate::pool::ReqState::Active {
                    self.stats.served(c.open_start, self.now);
                    self.assign(conn, c.req);
                    return;
                }
                self.maybe_free(c.req);
            }
        }
        self.hand_over(conn, false);
    }

    /// Closes a connection for good.
    pub(crate) fn close(&mut self, conn: u32) {
        let pool = self.conns[conn].pool;
        self.pools[pool].total -= 1;
        self.levels.db_conns -= 1;
        self.conns.remove(conn);
    }

    /// Opens connections until the pool holds `min_idle`.
    fn replenish(&mut self, pool: u32) {
        while self.pools[pool].total < self.cfg.min_idle {
            if !self.open(pool, NONE, self.now) {
                let p = &mut self.pools[pool];
                if !p.replenish_armed {
                    p.replenish_armed = true;
                    self.queue
                        .push(self.now + self.cfg.retry_ns, Event::Replenish { pool });
                }
                return;
            }
        }
    }

    /// A connection of `pool` was closed: reopen for `min_idle` or a waiter.
    pub(crate) fn capacity_freed(&mut self, pool: u32) {
        if self.pools[pool].total < self.cfg.min_idle {
            self.replenish(pool);
            return;
        }
        while self.pools[pool].total < self.cfg.max_size {
            let Some(w) = self.pop_waiter(pool) else {
                return;
            };
            if !self.open(pool, w.req, w.start) {
                self.refused(w.req, Some(w));
                return;
            }
        }
    }

    #[inline(always)]
    fn arm_reap(&mut self, pool: u32) {
        let Some(timeout) = self.cfg.idle_timeout else {
            return;
        };
        let p = &mut self.pools[pool];
        if p.reap_armed || p.total <= self.cfg.min_idle {
            return;
        }
        if let Some(&front) = p.idle.front() {
            p.reap_armed = true;
            let at = self.conns[front].idle_since.saturating_add(timeout);
            self.queue.push(at, Event::IdleReap { pool });
        }
    }

    fn on_idle_reap(&mut self, pool: u32) {
        let Some(timeout) = self.cfg.idle_timeout else {
            return;
        };
        self.pools[pool].reap_armed = false;
        loop {
            let p = &self.pools[pool];
            let Some(&front) = p.idle.front() else { break };
            let expired = self.conns[front].idle_since.saturating_add(timeout) <= self.now;
            if !expired || p.total <= self.cfg.min_idle {
                break;
            }
            self.pools[pool].idle.pop_front();
            self.levels.idle.add(self.now, -1);
            self.close(front);
        }
        self.arm_reap(pool);
    }

    /// Puts an available connection to use: the oldest waiter, else idle.
    /// With `busy`, it is still counted as lent (it comes back from a
    /// request), and stays so if a waiter takes it.
    #[inline(always)]
    pub(crate) fn hand_over(&mut self, conn: u32, busy: bool) {
        let pool = self.conns[conn].pool;
        if let Some(w) = self.pop_waiter(pool) {
            self.stats.served(w.start, self.now);
            if !busy {
                self.count_busy(pool, 1);
            }
            self.lend(conn, w.req);
            return;
        }
        if busy {
            self.count_busy(pool, -1);
        }
        self.conns[conn].idle_since = self.now;
        self.pools[pool].idle.push_back(conn);
        self.levels.idle.add(self.now, 1);
        self.arm_reap(pool);
    }

    // ---- processor sharing ----------------------------------------------

    fn reschedule_cpu(&mut self) {
        self.ps_dirty = false;
        let conns = &self.conns;
        let Some(cpu) = self.cpu.as_mut() else { return };
        let live = |c: u32, s: u32| conns[c].qseq == s && conns[c].in_query;
        if let Some(t) = cpu.next_done(self.now, live) {
            self.queue.push(t, Event::PsDone { epoch: cpu.epoch });
        }
    }

    fn on_ps_done(&mut self, epoch: u32) {
        let conns = &self.conns;
        let Some(cpu) = self.cpu.as_mut() else { return };
        if cpu.epoch != epoch {
            return;
        }
        let live = |c: u32, s: u32| conns[c].qseq == s && conns[c].in_query;
        let done = cpu.pop_done(self.now, live);
        self.levels.busy_cores.set(self.now, cpu.busy_cores());
        self.ps_dirty = true;
        if let Some((conn, _)) = done {
            self.query_finished(conn, false);
        }
    }

    fn on_statement_timeout(&mut self, conn: u32, seq: u32) {
        let c = self.conns[conn];
        if c.qseq != seq || !c.in_query {
            return;
        }
        if let Some(cpu) = self.cpu.as_mut() {
            cpu.cancel(self.now);
            self.levels.busy_cores.set(self.now, cpu.busy_cores());
            self.ps_dirty = true;
        }
        self.query_finished(conn, true);
    }

    /// Builds the report; the run must be over.
    pub fn finish(mut self) -> Report {
        crate::summary::build(&mut self)
    }
}
