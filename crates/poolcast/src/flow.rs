//! A request's path: acquire a connection (idle, newly opened, or after a
//! FIFO wait), run its queries, give the connection back, finish.

use crate::engine::Sim;
use crate::pool::{NONE, Req, ReqState, Waiter};
use crate::queue::{Event, Time};
use crate::scenario::QueryMode;

impl Sim {
    #[inline(always)]
    pub(crate) fn new_request(&mut self, pool: u32, measured: bool) -> u32 {
        let epoch = self.reqs.next_free().map_or(0, |i| self.reqs[i].epoch);
        self.reqs.insert(Req {
            epoch,
            pool,
            arrival: self.now,
            acquire_start: self.now,
            to_start: self.cfg.queries,
            running: 0,
            queued: 0,
            skip: 0,
            opening: 0,
            state: ReqState::Active,
            measured,
            retry_armed: false,
        })
    }

    /// Starts one acquisition for request `id`.
    #[inline(always)]
    pub(crate) fn acquire(&mut self, id: u32) {
        let pool = self.reqs[id].pool;
        self.reqs[id].acquire_start = self.now;
        self.stats.tally.attempts += 1;
        if let Some(conn) = self.pools[pool].idle.pop_back() {
            self.levels.idle.add(self.now, -1);
            self.stats.served(self.now, self.now);
            self.assign(conn, id);
            return;
        }
        self.stats.tally.waited += 1;
        if self.pools[pool].total < self.cfg.max_size {
            if !self.open(pool, id, self.now) {
                self.refused(id, None);
            }
            return;
        }
        self.enqueue(id, self.now);
    }

    /// The database refused to open a connection for `id`'s acquisition
    /// (`waiter` if it had been waiting).
    pub(crate) fn refused(&mut self, id: u32, waiter: Option<Waiter>) {
        if !self.cfg.retry {
            self.fail(id);
            self.maybe_free(id);
            return;
        }
        match waiter {
            // Back to the head of the line it came from.
            Some(w) => {
                self.pools[self.reqs[id].pool].waiters.push_front(w);
                self.reqs[id].queued += 1;
                self.inc_waiting(self.reqs[id].pool);
                self.arm_timeout(self.reqs[id].pool);
            }
            None => self.enqueue(id, self.now),
        }
        self.arm_retry(id);
    }

    #[inline(always)]
    fn enqueue(&mut self, id: u32, start: Time) {
        let r = &mut self.reqs[id];
        r.queued += 1;
        let (pool, epoch) = (r.pool, r.epoch);
        self.pools[pool].waiters.push_back(Waiter {
            req: id,
            epoch,
            start,
        });
        self.inc_waiting(pool);
        self.arm_timeout(pool);
    }

    #[inline(always)]
    fn inc_waiting(&mut self, pool: u32) {
        let p = &mut self.pools[pool];
        p.waiting += 1;
        if p.waiting == 1 {
            self.levels.pools_waiting.add(self.now, 1);
        }
        self.levels.waiting.add(self.now, 1);
        self.stats.note_waiting(self.now, self.levels.waiting.value);
    }

    #[inline(always)]
    fn dec_waiting(&mut self, pool: u32, n: u32) {
        if n == 0 {
            return;
        }
        let p = &mut self.pools[pool];
        p.waiting -= n;
        if p.waiting == 0 {
            self.levels.pools_waiting.add(self.now, -1);
        }
        self.levels.waiting.add(self.now, -i64::from(n));
    }

    /// Whether a waiter entry is stale (its request finished or failed).
    #[inline(always)]
    fn dead(&self, w: &Waiter) -> bool {
        let r = &self.reqs[w.req];
        r.epoch != w.epoch || r.state == ReqState::Failed || r.state == ReqState::Free
    }

    /// Drops stale entries at the head; true if an entry to skip was dropped.
    #[inline(always)]
    fn drop_stale_head(&mut self, pool: u32) -> Option<Waiter> {
        while let Some(w) = self.pools[pool].waiters.front().copied() {
            if self.dead(&w) {
                self.pools[pool].waiters.pop_front();
            } else if self.reqs[w.req].skip > 0 {
                self.reqs[w.req].skip -= 1;
                self.pools[pool].waiters.pop_front();
            } else {
                return Some(w);
            }
        }
        None
    }

    /// Takes the oldest live waiter of `pool` out of the line.
    #[inline(always)]
    pub(crate) fn pop_waiter(&mut self, pool: u32) -> Option<Waiter> {
        let w = self.drop_stale_head(pool)?;
        self.pools[pool].waiters.pop_front();
        self.reqs[w.req].queued -= 1;
        self.dec_waiting(pool, 1);
        Some(w)
    }

    #[inline(always)]
    fn arm_timeout(&mut self, pool: u32) {
        let Some(timeout) = self.cfg.acquire_timeout else {
            return;
        };
        let p = &mut self.pools[pool];
        if p.timeout_armed {
            return;
        }
        if let Some(front) = p.waiters.front() {
            p.timeout_armed = true;
            let at = front.start.saturating_add(timeout);
            self.queue.push(at, Event::AcquireTimeout { pool });
        }
    }

    pub(crate) fn on_acquire_timeout(&mut self, pool: u32) {
        let Some(timeout) = self.cfg.acquire_timeout else {
            return;
        };
        self.pools[pool].timeout_armed = false;
        while let Some(w) = self.drop_stale_head(pool) {
            if w.start.saturating_add(timeout) > self.now {
                break;
            }
            self.pop_waiter(pool);
            if self.stats.in_window(w.start) {
                self.stats.counters.timeouts += 1;
            }
            self.stats.tl_timeout();
            let r = &mut self.reqs[w.req];
            if r.state == ReqState::Active {
                r.state = ReqState::TimedOut;
                if r.measured {
                    self.stats.counters.timed_out += 1;
                }
            }
            self.maybe_free(w.req);
        }
        self.arm_timeout(pool);
    }

    fn arm_retry(&mut self, id: u32) {
        let r = &mut self.reqs[id];
        if !r.retry_armed {
            r.retry_armed = true;
            let (req, epoch) = (id, r.epoch);
            self.queue
                .push(self.now + self.cfg.retry_ns, Event::Retry { req, epoch });
        }
    }

    pub(crate) fn on_retry(&mut self, id: u32, epoch: u32) {
        let r = &mut self.reqs[id];
        if r.epoch != epoch {
            return;
        }
        r.retry_armed = false;
        let (pool, start) = (r.pool, r.acquire_start);
        if r.state != ReqState::Active
            || r.queued == 0
            || self.pools[pool].total >= self.cfg.max_size
        {
            return;
        }
        if self.open(pool, id, start) {
            // One of its waiter entries is now served by this open instead.
            let r = &mut self.reqs[id];
            r.queued -= 1;
            r.skip += 1;
            self.dec_waiting(pool, 1);
        }
        if self.reqs[id].queued > 0 {
            self.arm_retry(id);
        }
    }

    /// Lends `conn` to request `id` and starts its next query.
    #[inline(always)]
    pub(crate) fn assign(&mut self, conn: u32, id: u32) {
        self.count_busy(self.conns[conn].pool, 1);
        self.lend(conn, id);
    }

    /// Changes the count of lent connections of `pool`.
    #[inline(always)]
    pub(crate) fn count_busy(&mut self, pool: u32, delta: i32) {
        let p = &mut self.pools[pool];
        p.busy = p.busy.wrapping_add_signed(delta);
        debug_assert!(p.busy <= p.total, "more connections lent than open");
        self.levels.busy.add(self.now, i64::from(delta));
    }

    /// Gives `conn`, already counted as lent, to request `id` and starts its
    /// next query.
    #[inline(always)]
    pub(crate) fn lend(&mut self, conn: u32, id: u32) {
        let c = &mut self.conns[conn];
        c.req = id;
        c.req_epoch = self.reqs[id].epoch;
        c.uses += 1;
        self.reqs[id].running += 1;
        self.start_query(conn);
    }

    #[inline(always)]
    fn start_query(&mut self, conn: u32) {
        let id = self.conns[conn].req;
        self.reqs[id].to_start -= 1;
        let work = self.cfg.query.sample(&mut self.rng);
        let c = &mut self.conns[conn];
        c.qseq = c.qseq.wrapping_add(1);
        c.in_query = true;
        c.query_start = self.now;
        let seq = c.qseq;
        match self.cpu.as_mut() {
            None => {
                let fails = self.cfg.statement_timeout.is_some_and(|st| work > st);
                c.query_fails = fails;
                let took = if fails {
                    self.cfg.statement_timeout.unwrap_or(work)
                } else {
                    work
                };
                self.queue.push(self.now + took, Event::QueryDone { conn });
            }
            Some(cpu) => {
                cpu.start(self.now, conn, seq, work);
                self.levels.busy_cores.set(self.now, cpu.busy_cores());
                self.ps_dirty = true;
                if let Some(st) = self.cfg.statement_timeout {
                    self.queue
                        .push(self.now + st, Event::StatementTimeout { conn, seq });
                }
            }
        }
    }

    #[inline]
    pub(crate) fn on_query_done(&mut self, conn: u32) {
        let fails = self.conns[conn].query_fails;
        self.query_finished(conn, fails);
    }

    /// The query on `conn` ended, cancelled by a statement timeout if `failed`.
    #[inline]
    pub(crate) fn query_finished(&mut self, conn: u32, failed: bool) {
        let c = &mut self.conns[conn];
        c.in_query = false;
        let id = c.req;
        self.stats.tally.queries += 1;
        self.stats.tally.query_ns += u128::from(self.now - c.query_start);
        debug_assert!(id != NONE);
        if failed {
            self.stats.tally.statement_timeouts += 1;
            self.fail(id);
            self.release(conn);
            self.maybe_free(id);
            return;
        }
        match self.cfg.mode {
            QueryMode::Transaction => {
                if self.reqs[id].to_start > 0 {
                    self.start_query(conn);
                    return;
                }
                let hold = self.cfg.hold.sample(&mut self.rng);
                if hold > 0 {
                    self.queue.push(self.now + hold, Event::HoldDone { conn });
                } else {
                    self.release(conn);
                    self.complete(id);
                }
            }
            QueryMode::Sequential => {
                self.release(conn);
                let r = &self.reqs[id];
                match (r.state, r.to_start) {
                    (ReqState::Active, 0) => self.complete(id),
                    (ReqState::Active, _) => self.acquire(id),
                    _ => self.maybe_free(id),
                }
            }
            QueryMode::Parallel => {
                self.release(conn);
                let r = &self.reqs[id];
                if r.state == ReqState::Active {
                    if r.to_start == 0 && r.running == 0 && r.opening == 0 {
                        self.complete(id);
                    }
                } else {
                    self.maybe_free(id);
                }
            }
        }
    }

    pub(crate) fn on_hold_done(&mut self, conn: u32) {
        let id = self.conns[conn].req;
        self.release(conn);
        self.complete(id);
    }

    /// `conn` comes back from its request: retire it or pass it on.
    #[inline(always)]
    fn release(&mut self, conn: u32) {
        let c = &mut self.conns[conn];
        let id = c.req;
        c.req = NONE;
        let (pool, uses, retire_at) = (c.pool, c.uses, c.retire_at);
        self.reqs[id].running -= 1;
        let worn = self.cfg.max_uses.is_some_and(|m| uses >= m);
        if worn || self.now >= retire_at {
            self.count_busy(pool, -1);
            self.close(conn);
            self.capacity_freed(pool);
        } else {
            // Straight to the next waiter if there is one: it stays lent.
            self.hand_over(conn, true);
        }
    }

    #[inline(always)]
    fn complete(&mut self, id: u32) {
        let r = self.reqs[id];
        debug_assert!(r.state == ReqState::Active);
        if r.measured {
            self.stats.counters.completed += 1;
            self.stats.latency.record(self.now - r.arrival);
        }
        self.stats.tally.completions += 1;
        self.free(id);
    }

    /// Marks `id` failed (once) and cancels its waiting acquisitions.
    fn fail(&mut self, id: u32) {
        let r = &mut self.reqs[id];
        if r.state != ReqState::Active {
            return;
        }
        r.state = ReqState::Failed;
        let (queued, pool, measured) = (r.queued, r.pool, r.measured);
        r.queued = 0;
        r.skip = 0;
        if measured {
            self.stats.counters.failed += 1;
        }
        self.stats.tl_failure();
        self.dec_waiting(pool, queued);
    }

    /// Frees a failed or timed-out request once nothing refers to it.
    pub(crate) fn maybe_free(&mut self, id: u32) {
        let r = &self.reqs[id];
        if r.state != ReqState::Active
            && r.state != ReqState::Free
            && r.running == 0
            && r.opening == 0
            && r.queued == 0
        {
            self.free(id);
        }
    }

    #[inline(always)]
    fn free(&mut self, id: u32) {
        let r = &mut self.reqs[id];
        r.epoch = r.epoch.wrapping_add(1);
        r.state = ReqState::Free;
        self.reqs.remove(id);
    }
}
