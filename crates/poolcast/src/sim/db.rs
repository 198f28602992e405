//! The databases (the primary, then the replicas): running a query, either
//! as a pure delay or under processor sharing of the database's cores with
//! contention; statement timeouts; cancelling a running query.

use crate::input::config::DbCfg;
use crate::sim::engine::Engine;
use crate::sim::ps::Cpu;
use crate::sim::queue::{Event, Time};

/// One database's settings and state.
#[derive(Debug)]
pub struct Db {
    pub(crate) cfg: DbCfg,
    /// Processor sharing, when the database has cores or contention.
    pub(crate) cpu: Option<Cpu>,
    /// It refuses every connection (restarting).
    pub(crate) down: bool,
    /// Query durations drawn now are multiplied by this (a brownout).
    pub(crate) slow: f64,
}

impl Db {
    pub(crate) fn new(cfg: DbCfg, needs_cpu: bool) -> Db {
        Db {
            cpu: needs_cpu.then(|| Cpu::with_contention(cfg.cores, cfg.sigma, cfg.kappa)),
            cfg,
            down: false,
            slow: 1.0,
        }
    }
}

/// A query's work during a brownout; kept out of line so the common path
/// does not compute it.
#[cold]
#[inline(never)]
fn slowed(work: Time, factor: f64) -> Time {
    crate::input::dist::to_ns(work as f64 * factor)
}

impl Engine {
    /// Runs the next query of the request holding `conn` on its database.
    #[inline(always)]
    pub(crate) fn run_query<const P: bool>(&mut self, conn: u32) {
        let svc = if P {
            0
        } else {
            u32::from(self.store.pools[self.store.conns[conn].pool].svc)
        };
        let mut work = self.cfgs[svc].query.sample(&mut self.rng);
        let c = &mut self.store.conns[conn];
        let db = if P { 0 } else { c.db };
        let d = &mut self.dbs[u32::from(db)];
        if !P && d.slow != 1.0 {
            work = slowed(work, d.slow);
        }
        c.qseq = c.qseq.wrapping_add(1);
        c.in_query = true;
        c.query_start = self.now;
        let seq = c.qseq;
        let statement_timeout = d.cfg.statement_timeout;
        match d.cpu.as_mut() {
            None => {
                let fails = statement_timeout.is_some_and(|st| work > st);
                c.query_fails = fails;
                let took = if fails {
                    statement_timeout.unwrap_or(work)
                } else {
                    work
                };
                self.queue
                    .push(self.now + took, Event::QueryDone { conn, seq });
            }
            Some(cpu) => {
                cpu.start(self.now, conn, seq, work);
                let busy = cpu.busy_cores();
                self.meter.stats.dbs[usize::from(db)]
                    .busy_cores
                    .set(self.now, busy);
                self.ps_dirty |= 1 << db;
                if let Some(st) = statement_timeout {
                    self.queue
                        .push(self.now + st, Event::StatementTimeout { conn, seq });
                }
            }
        }
    }

    /// Reschedules the processor-sharing event of every database whose
    /// running set changed.
    pub(crate) fn reschedule_cpus<const P: bool>(&mut self) {
        if P {
            // A plain scenario has one database.
            self.ps_dirty = 0;
            self.reschedule_cpu(0);
            return;
        }
        while self.ps_dirty != 0 {
            let db = self.ps_dirty.trailing_zeros();
            self.ps_dirty &= self.ps_dirty - 1;
            self.reschedule_cpu(db);
        }
    }

    #[inline(always)]
    fn reschedule_cpu(&mut self, db: u32) {
        let conns = &self.store.conns;
        let Some(cpu) = self.dbs[db].cpu.as_mut() else {
            return;
        };
        let live = |c: u32, s: u32| conns[c].qseq == s && conns[c].in_query;
        if let Some(t) = cpu.next_done(self.now, live) {
            self.queue.push(
                t,
                Event::PsDone {
                    db,
                    epoch: cpu.epoch,
                },
            );
        }
    }

    pub(crate) fn on_ps_done<const P: bool>(&mut self, db: u32, epoch: u32) {
        let conns = &self.store.conns;
        let Some(cpu) = self.dbs[db].cpu.as_mut() else {
            return;
        };
        if cpu.epoch != epoch {
            return;
        }
        let live = |c: u32, s: u32| conns[c].qseq == s && conns[c].in_query;
        let done = cpu.pop_done(self.now, live);
        let busy = cpu.busy_cores();
        self.meter.stats.dbs[db as usize]
            .busy_cores
            .set(self.now, busy);
        self.ps_dirty |= 1 << db;
        if let Some((conn, _)) = done {
            self.query_finished::<P>(conn, false);
        }
    }

    pub(crate) fn on_statement_timeout<const P: bool>(&mut self, conn: u32, seq: u32) {
        let c = self.store.conns[conn];
        if c.qseq != seq || !c.in_query {
            return;
        }
        // A timeout only ever ends the query it was set for: a connection
        // slot reused by a new connection continues its sequence numbers,
        // so an old timer cannot match a new query.
        debug_assert_eq!(
            Some(self.now - c.query_start),
            self.dbs[u32::from(c.db)].cfg.statement_timeout,
            "statement timeout of another query"
        );
        self.leave_cpu(c.db);
        self.query_finished::<P>(conn, true);
    }

    /// A query on database `db` stops using its cores early.
    fn leave_cpu(&mut self, db: u8) {
        if let Some(cpu) = self.dbs[u32::from(db)].cpu.as_mut() {
            cpu.cancel(self.now);
            let busy = cpu.busy_cores();
            self.meter.stats.dbs[usize::from(db)]
                .busy_cores
                .set(self.now, busy);
            self.ps_dirty |= 1 << db;
        }
    }

    /// Cancels the query running on `conn`, if any: it stops using the
    /// database at once, and its completion event goes stale.
    pub(crate) fn cancel_query(&mut self, conn: u32) {
        let c = &mut self.store.conns[conn];
        // Bumping the sequence also makes a pending hold's end stale.
        c.qseq = c.qseq.wrapping_add(1);
        if !c.in_query {
            return;
        }
        c.in_query = false;
        let db = c.db;
        self.leave_cpu(db);
    }
}
