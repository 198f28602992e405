//! A request's path: acquire a connection (idle, newly opened, or after a
//! FIFO wait), run its queries, give the connection back, finish.

use rand::RngExt;

use crate::input::scenario::{Cause, QueryMode};
use crate::sim::engine::Engine;
use crate::sim::pool::{ConnState, NONE, Req, ReqRare, ReqState, Waiter};
use crate::sim::queue::{Event, Time};

impl Engine {
    #[inline(always)]
    pub(crate) fn new_request<const P: bool>(
        &mut self,
        svc: u32,
        pool: u32,
        measured: bool,
        user: u32,
        func: u32,
    ) -> u32 {
        let cfg = &self.cfgs[svc];
        let follow_up = !P && ((user & func) != NONE || cfg.start_checks.retry());
        let id = self.store.insert_req(Req {
            user,
            func,
            follow_up,
            ..Req::new(svc as u16, pool, self.now, cfg.queries, measured)
        });
        if !P && self.replicas > 0 {
            self.grow_waits(id);
        }
        id
    }

    /// Request `id`'s side data.
    pub(crate) fn rare(&self, id: u32) -> ReqRare {
        self.store
            .rare
            .get(id as usize)
            .copied()
            .unwrap_or(ReqRare {
                tx_conn: NONE,
                sleep_ns: 0,
            })
    }

    /// Request `id`'s side data, to change it.
    pub(crate) fn rare_mut(&mut self, id: u32) -> &mut ReqRare {
        let i = id as usize;
        if self.store.rare.len() <= i {
            self.store.rare.resize(
                i + 1,
                ReqRare {
                    tx_conn: NONE,
                    sleep_ns: 0,
                },
            );
        }
        &mut self.store.rare[i]
    }

    /// `begin` for the rarer callers (a cold start's end, a retry, a
    /// function or breaker path): one out-of-line copy instead of the whole
    /// request path inlined into each of them.
    #[inline(never)]
    pub(crate) fn begin_general(&mut self, id: u32) {
        self.begin::<false>(id);
    }

    /// `run_query` for the proxy's paths, out of line (see `begin_general`).
    #[inline(never)]
    pub(crate) fn run_query_general(&mut self, conn: u32) {
        self.run_query::<false>(conn);
    }

    /// `start_request` for closed-loop users, out of line.
    #[inline(never)]
    pub(crate) fn start_request_general(&mut self, svc: u32, user: u32) {
        self.start_request::<false>(svc, user);
    }

    /// Starts an attempt of request `id`: its first acquisition, or all of
    /// them for parallel queries.
    #[inline(always)]
    pub(crate) fn begin<const P: bool>(&mut self, id: u32) {
        let svc = if P {
            0
        } else {
            u32::from(self.store.reqs[id].svc)
        };
        let cfg = &self.cfgs[svc];
        match cfg.mode {
            QueryMode::Parallel => {
                for _ in 0..cfg.queries {
                    if self.store.reqs[id].state != ReqState::Active {
                        break;
                    }
                    let pool = self.query_pool::<P>(id);
                    self.acquire::<P>(id, pool);
                }
            }
            QueryMode::Sequential | QueryMode::Transaction => {
                let pool = self.query_pool::<P>(id);
                self.acquire::<P>(id, pool);
            }
        }
    }

    /// The pool of the request's next query: its home pool, or for a read
    /// the sibling pool of a replica drawn uniformly.
    #[inline(always)]
    fn query_pool<const P: bool>(&mut self, id: u32) -> u32 {
        let r = &self.store.reqs[id];
        let home = r.home;
        if P {
            return home;
        }
        let cfg = &self.cfgs[u32::from(r.svc)];
        if cfg.read_fraction > 0.0 && cfg.mode != QueryMode::Transaction {
            let rf = cfg.read_fraction;
            if self.rng.rng.random::<f64>() < rf {
                let k = if self.replicas == 1 {
                    1
                } else {
                    1 + self.rng.rng.random_range(0..self.replicas)
                };
                return home + k;
            }
        }
        home
    }

    /// Starts one acquisition for request `id` in `pool`.
    #[inline(always)]
    pub(crate) fn acquire<const P: bool>(&mut self, id: u32, pool: u32) {
        let r = &mut self.store.reqs[id];
        r.pool = pool;
        r.acquire_start = self.now;
        r.reached_pool = true;
        let svc = if P { 0 } else { r.svc };
        self.meter.acquire_started::<P>(svc);
        if let Some(conn) = self.store.pools[pool].idle.pop_back() {
            self.meter.levels.idle.add(self.now, -1);
            self.served::<P>(svc, self.now);
            self.assign::<P>(conn, id);
            return;
        }
        self.meter.acquire_waited::<P>(svc);
        if self.store.pools[pool].total < self.cfgs[u32::from(svc)].max_size {
            if let Err(cause) = self.open::<P>(pool, id, self.now) {
                self.refused(id, pool, None, cause);
            }
            return;
        }
        self.enqueue::<P>(id, pool, self.now);
    }

    /// Records a served acquire wait that started at `start`.
    #[inline(always)]
    pub(crate) fn served<const P: bool>(&mut self, svc: u16, start: Time) {
        self.meter.served::<P>(svc, start, self.now);
    }

    /// Opening a connection for `id`'s acquisition in `pool` failed with
    /// `cause` (`waiter` if it had been waiting).
    pub(crate) fn refused(&mut self, id: u32, pool: u32, waiter: Option<Waiter>, cause: Cause) {
        let svc = self.store.pools[pool].svc;
        if !self.cfgs[u32::from(svc)].retry_connect {
            self.fail(id, cause);
            self.maybe_free(id);
            return;
        }
        match waiter {
            // Back to the head of the line it came from.
            Some(w) => {
                self.store.pools[pool].waiters.push_front(w);
                self.note_queued::<false>(id, pool, 1);
                self.inc_waiting::<false>(pool);
                self.arm_timeout(pool);
            }
            None => self.enqueue::<false>(id, pool, self.now),
        }
        self.arm_retry(id, pool);
    }

    /// A connect for `id`'s acquisition in `pool` (started at `start`)
    /// failed after its connect time: the target was down. Without connect
    /// retries the request fails; with them it is back in line where it
    /// was: a retry's open left its entry in the queue marked to skip, and
    /// that entry comes alive again; a first open had no entry, so it
    /// queues at the head with its acquisition's start (its acquire
    /// timeout still counts from there).
    pub(crate) fn open_failed(&mut self, id: u32, pool: u32, epoch: u32, start: Time) {
        let svc = self.store.pools[pool].svc;
        if !self.cfgs[u32::from(svc)].retry_connect {
            self.fail(id, Cause::DbUnavailable);
            self.maybe_free(id);
            return;
        }
        let marked = if self.replicas > 0 {
            let i = self.wait_index(id, pool);
            self.store.waits[i].1 > 0
        } else {
            self.store.reqs[id].stale_waits > 0
        };
        if marked {
            self.store.reqs[id].stale_waits -= 1;
            if self.replicas > 0 {
                let i = self.wait_index(id, pool);
                self.store.waits[i].1 -= 1;
            }
        } else {
            // The line is in order of start (the acquire timeout looks at
            // its head only): the entry goes where its start puts it.
            let waiters = &mut self.store.pools[pool].waiters;
            let at = waiters.partition_point(|w| w.start <= start);
            waiters.insert(
                at,
                Waiter {
                    req: id,
                    epoch,
                    start,
                },
            );
            if at == 0
                && self.store.pools[pool].timeout_armed
                && let Some((timeout, _)) = self.cfgs[u32::from(svc)].acquire_timeout
            {
                // The armed timer is for a later head.
                let due = start.saturating_add(timeout).max(self.now);
                self.queue.push(due, Event::AcquireTimeout { pool });
            }
        }
        self.note_queued::<false>(id, pool, 1);
        self.inc_waiting::<false>(pool);
        self.arm_timeout(pool);
        self.arm_retry(id, pool);
    }

    #[inline(always)]
    fn enqueue<const P: bool>(&mut self, id: u32, pool: u32, start: Time) {
        let epoch = self.store.reqs[id].epoch;
        self.note_queued::<P>(id, pool, 1);
        self.store.pools[pool].waiters.push_back(Waiter {
            req: id,
            epoch,
            start,
        });
        self.inc_waiting::<P>(pool);
        self.arm_timeout(pool);
    }

    /// Counts `delta` waiter entries of `id` in `pool`.
    #[inline(always)]
    fn note_queued<const P: bool>(&mut self, id: u32, pool: u32, delta: i32) {
        let r = &mut self.store.reqs[id];
        r.queued = r.queued.wrapping_add_signed(delta);
        if !P && self.replicas > 0 {
            let i = self.wait_index(id, pool);
            self.store.waits[i].0 = self.store.waits[i].0.wrapping_add_signed(delta);
        }
    }

    /// Index of (`id`, `pool`'s offset in its group) in the spread table.
    #[inline(always)]
    fn wait_index(&self, id: u32, pool: u32) -> usize {
        id as usize * (self.replicas as usize + 1) + usize::from(self.store.pools[pool].db)
    }

    pub(crate) fn grow_waits(&mut self, id: u32) {
        let need = (id as usize + 1) * (self.replicas as usize + 1);
        if self.store.waits.len() < need {
            self.store.waits.resize(need, (0, 0));
        }
    }

    /// `id`'s live waiter entries in `pool`.
    fn queued_in(&self, id: u32, pool: u32) -> u32 {
        if self.replicas > 0 {
            self.store.waits[self.wait_index(id, pool)].0
        } else {
            self.store.reqs[id].queued
        }
    }

    #[inline(always)]
    pub(crate) fn inc_waiting<const P: bool>(&mut self, pool: u32) {
        let p = &mut self.store.pools[pool];
        p.waiting += 1;
        let (svc, first) = (p.svc, p.waiting == 1 && p.primary);
        self.meter.waiting_started::<P>(svc, first, self.now);
    }

    #[inline(always)]
    fn dec_waiting<const P: bool>(&mut self, pool: u32, n: u32) {
        if n == 0 {
            return;
        }
        let p = &mut self.store.pools[pool];
        p.waiting -= n;
        let (svc, last) = (p.svc, p.waiting == 0 && p.primary);
        self.meter.waiting_ended::<P>(svc, n, last, self.now);
    }

    /// Whether a waiter entry is stale (its request finished or failed).
    #[inline(always)]
    fn dead(&self, w: &Waiter) -> bool {
        let r = &self.store.reqs[w.req];
        r.epoch != w.epoch || r.state == ReqState::Failed || r.state == ReqState::Free
    }

    /// Takes one stale waiter entry of `id` in `pool`, if it has one.
    #[inline(always)]
    fn take_stale_wait<const P: bool>(&mut self, id: u32, pool: u32) -> bool {
        if self.store.reqs[id].stale_waits == 0 {
            return false;
        }
        if !P && self.replicas > 0 {
            let i = self.wait_index(id, pool);
            if self.store.waits[i].1 == 0 {
                return false;
            }
            self.store.waits[i].1 -= 1;
        }
        self.store.reqs[id].stale_waits -= 1;
        true
    }

    /// Drops stale entries at the head and returns the first live one.
    #[inline(always)]
    fn drop_stale_head<const P: bool>(&mut self, pool: u32) -> Option<Waiter> {
        while let Some(w) = self.store.pools[pool].waiters.front().copied() {
            if self.dead(&w) || self.take_stale_wait::<P>(w.req, pool) {
                self.store.pools[pool].waiters.pop_front();
            } else {
                return Some(w);
            }
        }
        None
    }

    /// Takes the oldest live waiter of `pool` out of the line.
    #[inline(always)]
    pub(crate) fn pop_waiter<const P: bool>(&mut self, pool: u32) -> Option<Waiter> {
        let w = self.drop_stale_head::<P>(pool)?;
        self.store.pools[pool].waiters.pop_front();
        self.note_queued::<P>(w.req, pool, -1);
        self.dec_waiting::<P>(pool, 1);
        Some(w)
    }

    #[inline(always)]
    fn arm_timeout(&mut self, pool: u32) {
        let svc = self.store.pools[pool].svc;
        let Some((timeout, _)) = self.cfgs[u32::from(svc)].acquire_timeout else {
            return;
        };
        let p = &mut self.store.pools[pool];
        if p.timeout_armed {
            return;
        }
        if let Some(front) = p.waiters.front() {
            p.timeout_armed = true;
            // A waiter back in line after a failed connect may be past its
            // deadline already: it times out at once.
            let at = front.start.saturating_add(timeout).max(self.now);
            self.queue.push(at, Event::AcquireTimeout { pool });
        }
    }

    pub(crate) fn on_acquire_timeout<const P: bool>(&mut self, pool: u32) {
        let svc = self.store.pools[pool].svc;
        let Some((timeout, cause)) = self.cfgs[u32::from(svc)].acquire_timeout else {
            return;
        };
        self.store.pools[pool].timeout_armed = false;
        while let Some(w) = self.drop_stale_head::<P>(pool) {
            if w.start.saturating_add(timeout) > self.now {
                break;
            }
            self.pop_waiter::<P>(pool);
            self.meter.acquire_timed_out(svc, w.start);
            self.time_out(w.req, cause);
            self.maybe_free(w.req);
        }
        self.arm_timeout(pool);
    }

    /// An acquisition of `id` ran out of time. Unlike [`Engine::fail`], the
    /// request's other acquisitions (parallel queries) go on, as in
    /// version 1.
    fn time_out(&mut self, id: u32, cause: Cause) {
        let r = &mut self.store.reqs[id];
        if r.state == ReqState::Active {
            r.state = ReqState::TimedOut;
            self.attempt_failed(id, cause);
        }
    }

    fn arm_retry(&mut self, id: u32, pool: u32) {
        let r = &mut self.store.reqs[id];
        if !r.retry_armed {
            r.retry_armed = true;
            let (req, epoch) = (id, r.epoch);
            let retry_ns = self.cfgs[u32::from(r.svc)].retry_ns;
            self.queue
                .push(self.now + retry_ns, Event::Retry { req, epoch, pool });
        }
    }

    pub(crate) fn on_retry(&mut self, id: u32, epoch: u32, pool: u32) {
        let r = &mut self.store.reqs[id];
        if r.epoch != epoch {
            return;
        }
        r.retry_armed = false;
        let (start, svc) = (r.acquire_start, r.svc);
        if r.state != ReqState::Active
            || self.queued_in(id, pool) == 0
            || self.store.pools[pool].total >= self.cfgs[u32::from(svc)].max_size
        {
            return;
        }
        if self.open::<false>(pool, id, start).is_ok() {
            // One of its waiter entries is now served by this open instead.
            self.note_queued::<false>(id, pool, -1);
            self.store.reqs[id].stale_waits += 1;
            if self.replicas > 0 {
                let i = self.wait_index(id, pool);
                self.store.waits[i].1 += 1;
            }
            self.dec_waiting::<false>(pool, 1);
        }
        if self.queued_in(id, pool) > 0 {
            self.arm_retry(id, pool);
        }
    }

    /// Lends `conn` to request `id` and starts its next query.
    #[inline(always)]
    pub(crate) fn assign<const P: bool>(&mut self, conn: u32, id: u32) {
        self.count_busy::<P>(self.store.conns[conn].pool, 1);
        self.lend::<P>(conn, id);
    }

    /// Changes the count of lent connections of `pool`.
    #[inline(always)]
    pub(crate) fn count_busy<const P: bool>(&mut self, pool: u32, delta: i32) {
        let p = &mut self.store.pools[pool];
        p.busy = p.busy.wrapping_add_signed(delta);
        debug_assert!(p.busy <= p.total, "more connections lent than open");
        let svc = p.svc;
        self.meter.busy::<P>(svc, delta, self.now);
    }

    /// Gives `conn`, already counted as lent, to request `id` and starts its
    /// next query.
    #[inline(always)]
    pub(crate) fn lend<const P: bool>(&mut self, conn: u32, id: u32) {
        let r = &mut self.store.reqs[id];
        let (epoch, svc) = (r.epoch, r.svc);
        r.running += 1;
        let c = &mut self.store.conns[conn];
        c.req = id;
        c.req_epoch = epoch;
        c.uses += 1;
        c.state = ConnState::Lent;
        let cfg = &self.cfgs[u32::from(svc)];
        if !P
            && let Some(t) = cfg.tx_timeout
            && cfg.mode == QueryMode::Transaction
        {
            self.rare_mut(id).tx_conn = conn;
            self.queue
                .push(self.now + t, Event::TxTimeout { req: id, epoch });
        }
        self.start_query::<P>(conn);
    }

    /// Starts the next query of the request holding `conn`: through the
    /// proxy, a server connection first.
    #[inline(always)]
    pub(crate) fn start_query<const P: bool>(&mut self, conn: u32) {
        let id = self.store.conns[conn].req;
        self.store.reqs[id].to_start -= 1;
        let c = &self.store.conns[conn];
        if !P && c.proxied && c.server == NONE {
            self.proxy_acquire(conn);
        } else {
            self.run_query::<P>(conn);
        }
    }

    #[inline]
    pub(crate) fn on_query_done<const P: bool>(&mut self, conn: u32, seq: u32) {
        let c = &self.store.conns[conn];
        // Only the general path cancels queries (restarts, transaction
        // timeouts), so only there can a completion be stale.
        debug_assert!(!P || (c.qseq == seq && c.in_query), "stale completion");
        if !P && (c.qseq != seq || !c.in_query) {
            return;
        }
        let fails = c.query_fails;
        self.query_finished::<P>(conn, fails);
    }

    /// The query on `conn` ended, cancelled by a statement timeout if `failed`.
    #[inline]
    pub(crate) fn query_finished<const P: bool>(&mut self, conn: u32, failed: bool) {
        let c = &mut self.store.conns[conn];
        c.in_query = false;
        let (id, db, took) = (c.req, if P { 0 } else { c.db }, self.now - c.query_start);
        let t = &mut self.meter.stats.dbs[usize::from(db)].tally;
        t.queries += 1;
        t.query_ns += u128::from(took);
        debug_assert!(id != NONE);
        if failed {
            t.statement_timeouts += 1;
            self.fail(id, Cause::StatementTimeout);
            self.release::<P>(conn);
            self.maybe_free(id);
            return;
        }
        let svc = if P {
            0
        } else {
            u32::from(self.store.reqs[id].svc)
        };
        match self.cfgs[svc].mode {
            QueryMode::Transaction => {
                if self.store.reqs[id].to_start > 0 {
                    self.start_query::<P>(conn);
                    return;
                }
                let hold = self.cfgs[svc].hold.sample(&mut self.rng);
                if hold > 0 {
                    let seq = self.store.conns[conn].qseq;
                    match self.dbs[u32::from(db)].cfg.idle_in_tx {
                        Some(limit) if hold > limit => {
                            self.queue
                                .push(self.now + limit, Event::IdleInTx { conn, seq });
                        }
                        _ => self
                            .queue
                            .push(self.now + hold, Event::HoldDone { conn, seq }),
                    }
                } else {
                    self.release::<P>(conn);
                    self.complete::<P>(id);
                }
            }
            QueryMode::Sequential => {
                self.release::<P>(conn);
                let r = &self.store.reqs[id];
                match (r.state, r.to_start) {
                    (ReqState::Active, 0) => self.complete::<P>(id),
                    (ReqState::Active, _) => {
                        let pool = self.query_pool::<P>(id);
                        self.acquire::<P>(id, pool);
                    }
                    _ => self.maybe_free(id),
                }
            }
            QueryMode::Parallel => {
                self.release::<P>(conn);
                let r = &self.store.reqs[id];
                if r.state == ReqState::Active {
                    if r.to_start == 0 && r.running == 0 && r.opening == 0 {
                        self.complete::<P>(id);
                    }
                } else {
                    self.maybe_free(id);
                }
            }
        }
    }

    pub(crate) fn on_hold_done<const P: bool>(&mut self, conn: u32, seq: u32) {
        let c = &self.store.conns[conn];
        if c.qseq != seq || c.state != ConnState::Lent {
            return;
        }
        let id = c.req;
        self.release::<P>(conn);
        self.complete::<P>(id);
    }

    /// A transaction ran past `timeout_ms`: its query is cancelled and its
    /// connection goes back to the pool.
    pub(crate) fn on_tx_timeout(&mut self, id: u32, epoch: u32) {
        let r = &self.store.reqs[id];
        if r.epoch != epoch || r.state != ReqState::Active || r.running == 0 {
            return;
        }
        let Some(conn) = self.conn_of(id) else {
            return;
        };
        if self.store.conns[conn].proxied && self.store.conns[conn].server == NONE {
            // Still waiting at the proxy: it stops waiting.
            self.proxy_forget_waiter(conn);
        }
        self.cancel_query(conn);
        self.fail(id, Cause::TransactionTimeout);
        self.release::<false>(conn);
        self.maybe_free(id);
    }

    /// The session of `conn` sat idle in a transaction past the database's
    /// `idle_in_transaction_session_timeout`: the database ends it.
    pub(crate) fn on_idle_in_tx(&mut self, conn: u32, seq: u32) {
        let c = &self.store.conns[conn];
        if c.qseq != seq || c.state != ConnState::Lent {
            return;
        }
        let (id, pool) = (c.req, c.pool);
        self.fail(id, Cause::IdleInTransaction);
        self.drop_lent(conn, true);
        self.capacity_freed::<false>(pool);
        self.maybe_free(id);
    }

    /// The connection request `id` holds in a transaction.
    fn conn_of(&self, id: u32) -> Option<u32> {
        let r = &self.store.reqs[id];
        let conn = self.rare(id).tx_conn;
        (conn != NONE && {
            let c = &self.store.conns[conn];
            c.state == ConnState::Lent && c.req == id && c.req_epoch == r.epoch
        })
        .then_some(conn)
    }

    /// Closes lent `conn` for good (broken, or ended by the database):
    /// its request no longer holds it. With `kill_server` the proxy's
    /// server connection behind it is closed too.
    pub(crate) fn drop_lent(&mut self, conn: u32, kill_server: bool) {
        let c = self.store.conns[conn];
        self.cancel_query(conn);
        if c.req != NONE && self.store.reqs[c.req].epoch == c.req_epoch {
            self.store.reqs[c.req].running -= 1;
        }
        self.store.conns[conn].req = NONE;
        self.count_busy::<false>(c.pool, -1);
        if kill_server && c.proxied && c.server != NONE {
            self.proxy_kill_server(conn);
        }
        self.close::<false>(conn);
    }

    /// `conn` comes back from its request: retire it or pass it on.
    #[inline(always)]
    pub(crate) fn release<const P: bool>(&mut self, conn: u32) {
        let c = &mut self.store.conns[conn];
        let id = c.req;
        c.req = NONE;
        let (pool, uses, retire_at) = (c.pool, c.uses, c.retire_at);
        if !P && c.proxied && c.server != NONE {
            self.proxy_release_after_transaction(conn);
        }
        self.store.reqs[id].running -= 1;
        let svc = if P {
            0
        } else {
            u32::from(self.store.pools[pool].svc)
        };
        let worn = self.cfgs[svc].max_uses.is_some_and(|m| uses >= m);
        if worn || self.now >= retire_at {
            self.count_busy::<P>(pool, -1);
            self.close::<P>(conn);
            self.capacity_freed::<P>(pool);
        } else {
            // Straight to the next waiter if there is one: it stays lent.
            self.hand_over::<P>(conn, true);
        }
    }

    #[inline(always)]
    pub(crate) fn complete<const P: bool>(&mut self, id: u32) {
        let r = self.store.reqs[id];
        debug_assert!(r.state == ReqState::Active);
        self.meter
            .completed::<P>(r.svc, r.arrival, r.measured, self.now);
        if !P && r.follow_up {
            self.attempt_succeeded(id);
            self.resolved(id);
        }
        self.free::<P>(id);
    }

    /// Marks `id` failed (once) and cancels its waiting acquisitions.
    pub(crate) fn fail(&mut self, id: u32, cause: Cause) {
        let r = &mut self.store.reqs[id];
        if r.state != ReqState::Active {
            return;
        }
        r.state = ReqState::Failed;
        let (queued, pool, home) = (r.queued, r.pool, r.home);
        r.queued = 0;
        r.stale_waits = 0;
        if queued > 0 {
            if self.replicas == 0 {
                self.dec_waiting::<false>(pool, queued);
            } else {
                for k in 0..=self.replicas {
                    let i = id as usize * (self.replicas as usize + 1) + k as usize;
                    let (q, _) = std::mem::take(&mut self.store.waits[i]);
                    self.dec_waiting::<false>(home + k, q);
                }
            }
        }
        self.attempt_failed(id, cause);
    }

    /// Frees a failed or timed-out request once nothing refers to it.
    pub(crate) fn maybe_free(&mut self, id: u32) {
        let r = &self.store.reqs[id];
        if r.state != ReqState::Active
            && r.state != ReqState::Free
            && r.state != ReqState::Backoff
            && r.running == 0
            && r.opening == 0
            && r.queued == 0
        {
            self.free::<false>(id);
        }
    }

    #[inline(always)]
    pub(crate) fn free<const P: bool>(&mut self, id: u32) {
        let r = &mut self.store.reqs[id];
        r.epoch = r.epoch.wrapping_add(1);
        r.state = ReqState::Free;
        self.store.reqs.remove(id);
        if !P && self.replicas > 0 {
            let base = id as usize * (self.replicas as usize + 1);
            for e in &mut self.store.waits[base..base + self.replicas as usize + 1] {
                *e = (0, 0);
            }
        }
    }
}
