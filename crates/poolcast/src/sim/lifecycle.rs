//! A connection's life: opened (to a database, or to the proxy as a
//! client), idle or lent, retired by idle timeout, lifetime or uses, and
//! closed; orphaned when its serverless function is reclaimed.

use rand::RngExt;

use crate::input::scenario::Cause;
use crate::sim::engine::Engine;
use crate::sim::pool::{Conn, ConnState, NONE, ReqState};
use crate::sim::queue::{Event, Time};

impl Engine {
    /// Opens a connection for `pool` (and for request `req`, or [`NONE`]);
    /// the cause if it is refused at once.
    pub(crate) fn open<const P: bool>(
        &mut self,
        pool: u32,
        req: u32,
        start: Time,
    ) -> Result<(), Cause> {
        let p = &self.store.pools[pool];
        let (db, svc) = if P { (0, 0) } else { (p.db, u32::from(p.svc)) };
        let proxied = !P && self.cfgs[svc].proxied;
        let (delay, doomed) = if proxied {
            self.proxy_open_client()?
        } else {
            let d = &self.dbs[u32::from(db)];
            if !P && d.down {
                (d.cfg.connect_ns, true)
            } else {
                let st = &mut self.meter.stats.dbs[usize::from(db)];
                if st.conns >= d.cfg.limit {
                    st.tally.too_many_clients += 1;
                    return Err(Cause::TooManyClients);
                }
                self.meter.stats.db_conns(db, 1);
                debug_assert!(
                    self.meter.stats.dbs[usize::from(db)].conns <= d.cfg.limit,
                    "database over its limit"
                );
                (d.cfg.connect_ns, false)
            }
        };
        let req_epoch = if req == NONE {
            0
        } else {
            self.store.reqs[req].epoch
        };
        let qseq = self
            .store
            .conns
            .next_free()
            .map_or(0, |i| self.store.conns[i].qseq);
        let conn = self.store.conns.insert(Conn {
            pool,
            db,
            state: ConnState::Opening,
            doomed,
            proxied,
            server: NONE,
            req,
            req_epoch,
            uses: 0,
            retire_at: Time::MAX,
            idle_since: start,
            query_start: 0,
            qseq,
            in_query: false,
            query_fails: false,
        });
        let p = &mut self.store.pools[pool];
        p.total += 1;
        debug_assert!(p.total <= self.cfgs[svc].max_size, "pool over max_size");
        if req != NONE {
            self.store.reqs[req].opening += 1;
        }
        self.queue
            .push(self.now + delay, Event::ConnectDone { conn });
        Ok(())
    }

    pub(crate) fn on_connect_done<const P: bool>(&mut self, conn: u32) {
        let c = self.store.conns[conn];
        match c.state {
            ConnState::Opening => {}
            // Orphaned while opening: it lingers from now.
            ConnState::Orphan => return self.linger(conn),
            // Broken while opening (a restart).
            _ => return,
        }
        if !P && c.doomed {
            return self.connect_failed(conn);
        }
        let svc = if P {
            0
        } else {
            u32::from(self.store.pools[c.pool].svc)
        };
        if let Some(life) = self.cfgs[svc].lifetime {
            let jitter = (self.rng.rng.random::<f64>() * self.cfgs[svc].jitter_ns) as u64;
            self.store.conns[conn].retire_at = self.now.saturating_add(life).saturating_add(jitter);
        }
        if c.req != NONE {
            self.store.conns[conn].req = NONE;
            let r = &mut self.store.reqs[c.req];
            if r.epoch == c.req_epoch {
                r.opening -= 1;
                if r.state == ReqState::Active {
                    let svc = r.svc;
                    self.served::<P>(svc, c.idle_since);
                    self.assign::<P>(conn, c.req);
                    return;
                }
                self.maybe_free(c.req);
            }
        }
        self.hand_over::<P>(conn, false);
    }

    /// A connect to a database (or the proxy) that was down failed.
    fn connect_failed(&mut self, conn: u32) {
        let c = self.store.conns[conn];
        self.close::<false>(conn);
        if c.req == NONE {
            self.arm_replenish(c.pool);
            return;
        }
        let r = &mut self.store.reqs[c.req];
        if r.epoch != c.req_epoch {
            return;
        }
        r.opening -= 1;
        if r.state == ReqState::Active {
            self.open_failed(c.req, c.pool, c.req_epoch, c.idle_since);
        } else {
            self.maybe_free(c.req);
        }
    }

    /// Closes a connection for good.
    pub(crate) fn close<const P: bool>(&mut self, conn: u32) {
        let c = self.store.conns[conn];
        if P || c.state != ConnState::Orphan {
            self.store.pools[c.pool].total -= 1;
        }
        // A doomed connect never counted where it was going.
        if !P && c.doomed {
        } else if !P && c.proxied {
            self.proxy_client_closed(conn);
        } else {
            self.meter.stats.db_conns(c.db, -1);
        }
        let orphan = c.state == ConnState::Orphan;
        let c = &mut self.store.conns[conn];
        let pool = c.pool;
        c.state = ConnState::Closed;
        c.in_query = false;
        c.qseq = c.qseq.wrapping_add(1);
        self.store.conns.remove(conn);
        if !P && !orphan {
            self.retire_if_drained(pool);
        }
    }

    /// Opens connections until the pool holds `min_idle`.
    pub(crate) fn replenish<const P: bool>(&mut self, pool: u32) {
        let p = &self.store.pools[pool];
        let min_idle = self.cfgs[u32::from(p.svc)].min_idle;
        // A reclaimed function's pool (a stale timer's) opens nothing.
        if !P && (p.draining || p.gone) {
            return;
        }
        while self.store.pools[pool].total < min_idle {
            if self.open::<P>(pool, NONE, self.now).is_err() {
                self.arm_replenish(pool);
                return;
            }
        }
    }

    fn arm_replenish(&mut self, pool: u32) {
        let p = &mut self.store.pools[pool];
        if !p.replenish_armed && !p.draining && !p.gone {
            p.replenish_armed = true;
            let retry_ns = self.cfgs[u32::from(p.svc)].retry_ns;
            self.queue
                .push(self.now + retry_ns, Event::Replenish { pool });
        }
    }

    /// A connection of `pool` was closed: reopen for `min_idle` or a waiter.
    pub(crate) fn capacity_freed<const P: bool>(&mut self, pool: u32) {
        let p = &self.store.pools[pool];
        if !P && p.gone {
            return;
        }
        let cfg = &self.cfgs[u32::from(p.svc)];
        let (min_idle, max_size) = (cfg.min_idle, cfg.max_size);
        if p.total < min_idle && !p.draining {
            self.replenish::<P>(pool);
            return;
        }
        while self.store.pools[pool].total < max_size {
            let Some(w) = self.pop_waiter::<P>(pool) else {
                return;
            };
            if let Err(cause) = self.open::<P>(pool, w.req, w.start) {
                self.refused(w.req, pool, Some(w), cause);
                return;
            }
        }
    }

    #[inline(always)]
    pub(crate) fn arm_reap<const P: bool>(&mut self, pool: u32) {
        let p = &self.store.pools[pool];
        let cfg = &self.cfgs[if P { 0 } else { u32::from(p.svc) }];
        let Some(timeout) = cfg.idle_timeout else {
            return;
        };
        if p.reap_armed || p.total <= cfg.min_idle || (!P && p.frozen_at.is_some()) {
            return;
        }
        if let Some(&front) = p.idle.front() {
            let at = self.store.conns[front].idle_since.saturating_add(timeout);
            self.store.pools[pool].reap_armed = true;
            self.queue.push(at, Event::IdleReap { pool });
        }
    }

    pub(crate) fn on_idle_reap<const P: bool>(&mut self, pool: u32) {
        let svc = u32::from(self.store.pools[pool].svc);
        let (Some(timeout), min_idle) = (self.cfgs[svc].idle_timeout, self.cfgs[svc].min_idle)
        else {
            return;
        };
        self.store.pools[pool].reap_armed = false;
        if self.store.pools[pool].frozen_at.is_some() {
            return;
        }
        loop {
            let p = &self.store.pools[pool];
            let Some(&front) = p.idle.front() else { break };
            let expired = self.store.conns[front].idle_since.saturating_add(timeout) <= self.now;
            if !expired || p.total <= min_idle {
                break;
            }
            self.store.pools[pool].idle.pop_front();
            self.meter.levels.idle.add(self.now, -1);
            self.close::<P>(front);
        }
        self.arm_reap::<P>(pool);
    }

    /// Puts an available connection to use: the oldest waiter, else idle.
    /// With `busy`, it is still counted as lent (it comes back from a
    /// request), and stays so if a waiter takes it.
    #[inline(always)]
    pub(crate) fn hand_over<const P: bool>(&mut self, conn: u32, busy: bool) {
        let pool = self.store.conns[conn].pool;
        if let Some(w) = self.pop_waiter::<P>(pool) {
            let svc = if P { 0 } else { self.store.pools[pool].svc };
            self.served::<P>(svc, w.start);
            if !busy {
                self.count_busy::<P>(pool, 1);
            }
            self.lend::<P>(conn, w.req);
            return;
        }
        if busy {
            self.count_busy::<P>(pool, -1);
        }
        if !P && self.store.pools[pool].draining {
            self.close::<P>(conn);
            return;
        }
        let c = &mut self.store.conns[conn];
        c.idle_since = self.now;
        c.state = ConnState::Idle;
        self.store.pools[pool].idle.push_back(conn);
        self.meter.levels.idle.add(self.now, 1);
        self.arm_reap::<P>(pool);
    }

    /// Takes every idle connection out of `pool`, for `f` to close or orphan.
    pub(crate) fn take_idle(&mut self, pool: u32) -> Vec<u32> {
        let idle: Vec<u32> = self.store.pools[pool].idle.drain(..).collect();
        self.meter.levels.idle.add(self.now, -(idle.len() as i64));
        idle
    }

    /// `conn` was left open by a reclaimed function: it stays counted at
    /// its database (or the proxy) for `orphan_linger_s`.
    pub(crate) fn orphan(&mut self, conn: u32, svc: u32) {
        let c = &mut self.store.conns[conn];
        let was_opening = c.state == ConnState::Opening;
        c.state = ConnState::Orphan;
        // An orphan has no pool any more (its slot may be reused) and no
        // request: `req` holds its service instead.
        c.req = svc;
        let pool = c.pool;
        self.store.pools[pool].total -= 1;
        let st = &mut self.svcs[svc as usize];
        st.orphans += 1;
        st.peak_orphans = st.peak_orphans.max(st.orphans);
        if !was_opening {
            self.linger(conn);
        }
    }

    /// Starts an orphan's linger.
    fn linger(&mut self, conn: u32) {
        let svc = self.store.conns[conn].req;
        let linger = self.cfgs[svc]
            .serverless
            .as_ref()
            .map_or(0, |f| f.orphan_linger);
        self.queue
            .push(self.now + linger, Event::OrphanGone { conn });
    }

    pub(crate) fn on_orphan_gone(&mut self, conn: u32) {
        let c = self.store.conns[conn];
        if c.state != ConnState::Orphan {
            return;
        }
        self.svcs[c.req as usize].orphans -= 1;
        self.close::<false>(conn);
    }
}
