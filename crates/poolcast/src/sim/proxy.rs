//! A PgBouncer-style proxy (MODEL.md §6).
//!
//! Application pools of a service routed through the proxy hold *client*
//! connections to it (at most `max_client_conn`, not counted at a
//! database). The proxy keeps one *server* pool per database, of
//! `default_pool_size` connections that do count at the database. A client
//! that starts a query takes a server connection: an idle one (LIFO), or
//! one the pool opens (one open at a time, as PgBouncer does), or it waits
//! FIFO. It keeps the server for one statement, one transaction, or its
//! whole session (`pool_mode`). Once the head waiter has waited
//! `reserve_pool_timeout_ms` the pool may grow by `reserve_pool_size`; a
//! waiter not served within `query_wait_timeout_ms` fails and its client
//! connection is closed.

use std::collections::VecDeque;

use crate::input::config::ProxyCfg;
use crate::input::scenario::{Cause, PoolMode};
use crate::measure::hist::LogHist;
use crate::sim::engine::Engine;
use crate::sim::pool::{ConnState, NONE, Slab};
use crate::sim::queue::{Event, Time};

/// A client waiting for a server connection.
#[derive(Debug, Clone, Copy)]
pub struct ProxyWaiter {
    /// The client connection.
    pub conn: u32,
    /// Its query sequence when it queued (stale once it moved).
    pub seq: u32,
    /// When it started waiting.
    pub start: Time,
}

/// The proxy's server pool for one database.
#[derive(Debug, Default)]
pub struct ServerPool {
    /// Server connections open or opening.
    pub total: u32,
    /// One is being opened.
    pub opening: bool,
    /// Idle server connections; push and pop at the back.
    pub idle: VecDeque<u32>,
    /// Waiting clients, oldest first; may hold stale entries.
    pub waiters: VecDeque<ProxyWaiter>,
    /// Live entries of `waiters`.
    pub waiting: u32,
    pub check_armed: bool,
    pub reap_armed: bool,
    pub login_armed: bool,
    /// Most server connections at once.
    pub peak: u64,
}

/// One server connection.
#[derive(Debug, Clone, Copy)]
pub struct ServerConn {
    pub db: u8,
    pub state: ConnState,
    pub created: Time,
    pub idle_since: Time,
    /// The client connection it serves, or [`NONE`].
    pub client: u32,
}

/// The proxy's settings, state and statistics.
#[derive(Debug)]
pub struct ProxyState {
    pub(crate) cfg: ProxyCfg,
    /// Refusing every client (restarting).
    pub(crate) down: bool,
    /// Client connections open or opening.
    pub(crate) clients: u64,
    pub(crate) peak_clients: u64,
    /// One server pool per database.
    pub(crate) pools: Vec<ServerPool>,
    pub(crate) servers: Slab<ServerConn>,
    /// Server acquisitions started in the window, and how many waited.
    pub(crate) attempts: u64,
    pub(crate) waited: u64,
    /// Served waits of those, ns.
    pub(crate) wait: LogHist,
    pub(crate) wait_max: u64,
    pub(crate) query_wait_timeouts: u64,
    pub(crate) refusals: u64,
}

impl ProxyState {
    pub(crate) fn new(p: &crate::input::scenario::Proxy, dbs: u32) -> ProxyState {
        ProxyState {
            cfg: ProxyCfg::new(p),
            down: false,
            clients: 0,
            peak_clients: 0,
            pools: (0..dbs).map(|_| ServerPool::default()).collect(),
            servers: Slab::default(),
            attempts: 0,
            waited: 0,
            wait: LogHist::default(),
            wait_max: 0,
            query_wait_timeouts: 0,
            refusals: 0,
        }
    }
}

/// The proxy state, borrowed through its field only (`&mut self.proxy`), so
/// the engine's other fields stay usable beside it.
fn proxy_state(proxy: &mut Option<Box<ProxyState>>) -> &mut ProxyState {
    proxy
        .as_deref_mut()
        .expect("only a scenario with a proxy routes through it")
}

impl Engine {
    /// A client connection is opening: its connect time and whether it is
    /// doomed (the proxy is down), or refused past `max_client_conn`.
    pub(crate) fn proxy_open_client(&mut self) -> Result<(Time, bool), Cause> {
        let in_window = self.meter.stats.in_window(self.now);
        let px = proxy_state(&mut self.proxy);
        if px.down {
            return Ok((px.cfg.client_connect, true));
        }
        if px.clients >= px.cfg.max_client_conn {
            if in_window {
                px.refusals += 1;
            }
            return Err(Cause::MaxClientConn);
        }
        px.clients += 1;
        px.peak_clients = px.peak_clients.max(px.clients);
        Ok((px.cfg.client_connect, false))
    }

    /// A client connection closed: a server it held goes back.
    pub(crate) fn proxy_client_closed(&mut self, conn: u32) {
        let server = self.store.conns[conn].server;
        proxy_state(&mut self.proxy).clients -= 1;
        if server != NONE {
            self.unbind(conn);
            self.give_server(server);
        }
    }

    /// The client `conn` starts a query and needs a server connection.
    pub(crate) fn proxy_acquire(&mut self, conn: u32) {
        let (db, seq) = (
            usize::from(self.store.conns[conn].db),
            self.store.conns[conn].qseq,
        );
        let in_window = self.meter.stats.in_window(self.now);
        let now = self.now;
        let px = proxy_state(&mut self.proxy);
        if in_window {
            px.attempts += 1;
        }
        if let Some(s) = px.pools[db].idle.pop_back() {
            if in_window {
                px.wait.record(0);
            }
            self.bind(conn, s);
            self.run_query_general(conn);
            return;
        }
        if in_window {
            px.waited += 1;
        }
        let sp = &mut px.pools[db];
        sp.waiters.push_back(ProxyWaiter {
            conn,
            seq,
            start: now,
        });
        sp.waiting += 1;
        self.meter.levels.proxy_waiting.add(now, 1);
        self.proxy_try_open(db as u32);
        self.arm_proxy_check(db as u32);
    }

    fn bind(&mut self, conn: u32, server: u32) {
        self.store.conns[conn].server = server;
        let s = &mut proxy_state(&mut self.proxy).servers[server];
        s.client = conn;
        s.state = ConnState::Lent;
    }

    pub(crate) fn proxy_unbind(&mut self, conn: u32) {
        if self.store.conns[conn].server != NONE {
            self.unbind(conn);
        }
    }

    /// A client connect in progress no longer counts (the proxy went down).
    pub(crate) fn proxy_uncount_client(&mut self) {
        proxy_state(&mut self.proxy).clients -= 1;
    }

    fn unbind(&mut self, conn: u32) {
        let server = std::mem::replace(&mut self.store.conns[conn].server, NONE);
        proxy_state(&mut self.proxy).servers[server].client = NONE;
    }

    /// The request holding client `conn` is done with it: outside session
    /// mode its server connection goes back.
    pub(crate) fn proxy_release_after_transaction(&mut self, conn: u32) {
        if proxy_state(&mut self.proxy).cfg.mode == PoolMode::Session {
            return;
        }
        let server = self.store.conns[conn].server;
        self.unbind(conn);
        self.give_server(server);
    }

    /// The server connection behind `conn` was ended by its database.
    pub(crate) fn proxy_kill_server(&mut self, conn: u32) {
        let server = self.store.conns[conn].server;
        self.unbind(conn);
        self.close_server(server);
    }

    /// Client `conn` stopped waiting for a server (its request failed).
    pub(crate) fn proxy_forget_waiter(&mut self, conn: u32) {
        let (db, seq) = (
            usize::from(self.store.conns[conn].db),
            self.store.conns[conn].qseq,
        );
        let now = self.now;
        let sp = &mut proxy_state(&mut self.proxy).pools[db];
        let mine = |w: &ProxyWaiter| w.conn == conn && w.seq == seq;
        if sp.waiters.iter().any(mine) {
            sp.waiters.retain(|w| !mine(w));
            sp.waiting -= 1;
            self.meter.levels.proxy_waiting.add(now, -1);
        }
    }

    /// A free server connection: to the oldest waiting client, else idle
    /// (or closed past its lifetime).
    fn give_server(&mut self, server: u32) {
        let (now, warmup) = (self.now, self.meter.stats.warmup);
        let px = proxy_state(&mut self.proxy);
        let s = px.servers[server];
        let db = usize::from(s.db);
        if px.cfg.lifetime.is_some_and(|l| now - s.created >= l) {
            self.close_server(server);
            return;
        }
        loop {
            let px = proxy_state(&mut self.proxy);
            let Some(w) = px.pools[db].waiters.pop_front() else {
                break;
            };
            let c = &self.store.conns[w.conn];
            if c.qseq != w.seq || c.state != ConnState::Lent || c.server != NONE {
                continue;
            }
            px.pools[db].waiting -= 1;
            if w.start >= warmup {
                let wait = now - w.start;
                px.wait.record(wait);
                px.wait_max = px.wait_max.max(wait);
            }
            self.meter.levels.proxy_waiting.add(now, -1);
            self.bind(w.conn, server);
            self.run_query_general(w.conn);
            return;
        }
        let px = proxy_state(&mut self.proxy);
        px.pools[db].idle.push_back(server);
        let s = &mut px.servers[server];
        s.state = ConnState::Idle;
        s.idle_since = now;
        s.client = NONE;
        self.arm_server_reap(db as u32);
    }

    pub(crate) fn proxy_close_server(&mut self, server: u32) {
        self.close_server(server);
    }

    fn close_server(&mut self, server: u32) {
        let px = proxy_state(&mut self.proxy);
        let s = px.servers[server];
        let db = s.db;
        let sp = &mut px.pools[usize::from(db)];
        sp.total -= 1;
        if s.state == ConnState::Opening {
            sp.opening = false;
        }
        if s.state == ConnState::Idle {
            sp.idle.retain(|&x| x != server);
        }
        px.servers[server].state = ConnState::Closed;
        px.servers.remove(server);
        self.meter.stats.db_conns(db, -1);
        self.proxy_try_open(u32::from(db));
    }

    /// Opens a server connection to `db` if one is wanted and allowed.
    pub(crate) fn proxy_try_open(&mut self, db: u32) {
        let now = self.now;
        let d = &self.dbs[db];
        let (down, limit, connect) = (d.down, d.cfg.limit, d.cfg.connect_ns);
        let px = proxy_state(&mut self.proxy);
        let cfg = px.cfg;
        let sp = &mut px.pools[db as usize];
        // After a failed login PgBouncer waits server_login_retry before the
        // next connect.
        if sp.opening || sp.login_armed || px.down {
            return;
        }
        let head_waited = sp
            .waiters
            .iter()
            .find(|w| {
                let c = &self.store.conns[w.conn];
                c.qseq == w.seq && c.state == ConnState::Lent && c.server == NONE
            })
            .map(|w| now - w.start);
        let reserve = head_waited.is_some_and(|w| w >= cfg.reserve_timeout);
        let allowed = cfg.pool_size + if reserve { cfg.reserve } else { 0 };
        let wanted = sp.waiting > 0 || sp.total < cfg.min_pool_size;
        if !wanted || sp.total >= allowed {
            return;
        }
        let st = &mut self.meter.stats.dbs[db as usize];
        if down || st.conns >= limit {
            if !down {
                st.tally.too_many_clients += 1;
            }
            if !sp.login_armed {
                sp.login_armed = true;
                self.queue
                    .push(now + cfg.login_retry, Event::ServerLoginRetry { db });
            }
            return;
        }
        sp.opening = true;
        sp.total += 1;
        sp.peak = sp.peak.max(u64::from(sp.total));
        let sconn = px.servers.insert(ServerConn {
            db: db as u8,
            state: ConnState::Opening,
            created: now,
            idle_since: now,
            client: NONE,
        });
        self.meter.stats.db_conns(db as u8, 1);
        self.queue
            .push(now + connect, Event::ServerConnectDone { sconn });
    }

    pub(crate) fn on_server_connect_done(&mut self, sconn: u32) {
        let px = proxy_state(&mut self.proxy);
        let s = px.servers[sconn];
        if s.state != ConnState::Opening {
            return;
        }
        px.pools[usize::from(s.db)].opening = false;
        self.give_server(sconn);
        self.proxy_try_open(u32::from(s.db));
    }

    pub(crate) fn on_server_login_retry(&mut self, db: u32) {
        proxy_state(&mut self.proxy).pools[db as usize].login_armed = false;
        self.proxy_try_open(db);
    }

    /// Arms the check of the head waiter's query wait timeout and reserve.
    fn arm_proxy_check(&mut self, db: u32) {
        let now = self.now;
        let px = proxy_state(&mut self.proxy);
        let cfg = px.cfg;
        let sp = &mut px.pools[db as usize];
        if sp.check_armed {
            return;
        }
        let Some(head) = sp.waiters.front() else {
            return;
        };
        let mut at = Time::MAX;
        if let Some(t) = cfg.query_wait_timeout {
            at = at.min(head.start.saturating_add(t));
        }
        if cfg.reserve > 0 && now < head.start.saturating_add(cfg.reserve_timeout) {
            at = at.min(head.start.saturating_add(cfg.reserve_timeout));
        }
        if at != Time::MAX {
            sp.check_armed = true;
            self.queue.push(at.max(now), Event::ProxyWaitCheck { db });
        }
    }

    pub(crate) fn on_proxy_wait_check(&mut self, db: u32) {
        proxy_state(&mut self.proxy).pools[db as usize].check_armed = false;
        let limit = proxy_state(&mut self.proxy).cfg.query_wait_timeout;
        loop {
            let px = proxy_state(&mut self.proxy);
            let Some(w) = px.pools[db as usize].waiters.front().copied() else {
                break;
            };
            let c = &self.store.conns[w.conn];
            if c.qseq != w.seq || c.state != ConnState::Lent || c.server != NONE {
                px.pools[db as usize].waiters.pop_front();
                continue;
            }
            if limit.is_none_or(|t| w.start.saturating_add(t) > self.now) {
                break;
            }
            px.pools[db as usize].waiters.pop_front();
            px.pools[db as usize].waiting -= 1;
            if w.start >= self.meter.stats.warmup {
                px.query_wait_timeouts += 1;
            }
            self.meter.levels.proxy_waiting.add(self.now, -1);
            self.query_wait_timed_out(w.conn);
        }
        self.proxy_try_open(db);
        self.arm_proxy_check(db);
    }

    /// A client waited past `query_wait_timeout_ms`: its request fails and
    /// the proxy closes its connection.
    fn query_wait_timed_out(&mut self, conn: u32) {
        let c = self.store.conns[conn];
        self.fail(c.req, Cause::QueryWaitTimeout);
        let id = c.req;
        self.drop_lent(conn, false);
        self.capacity_freed::<false>(c.pool);
        self.maybe_free(id);
    }

    fn arm_server_reap(&mut self, db: u32) {
        let px = proxy_state(&mut self.proxy);
        let cfg = px.cfg;
        let sp = &px.pools[db as usize];
        if sp.reap_armed {
            return;
        }
        // Idle connections close by idle timeout only above min_pool_size;
        // a deadline that closes nothing would fire again at once.
        let above_min = sp.total > cfg.min_pool_size;
        let mut at = Time::MAX;
        for &s in &sp.idle {
            let sc = &px.servers[s];
            if let Some(t) = cfg.idle_timeout.filter(|_| above_min) {
                at = at.min(sc.idle_since.saturating_add(t));
            }
            if let Some(l) = cfg.lifetime {
                at = at.min(sc.created.saturating_add(l));
            }
        }
        if at != Time::MAX {
            px.pools[db as usize].reap_armed = true;
            self.queue.push(at, Event::ServerReap { db });
        }
    }

    pub(crate) fn on_server_reap(&mut self, db: u32) {
        let now = self.now;
        let px = proxy_state(&mut self.proxy);
        px.pools[db as usize].reap_armed = false;
        let cfg = px.cfg;
        let idle: Vec<u32> = px.pools[db as usize].idle.iter().copied().collect();
        for s in idle {
            let px = proxy_state(&mut self.proxy);
            let sc = px.servers[s];
            let sp = &px.pools[db as usize];
            let old = cfg.lifetime.is_some_and(|l| now - sc.created >= l);
            let idle_long = cfg.idle_timeout.is_some_and(|t| now - sc.idle_since >= t)
                && sp.total > cfg.min_pool_size;
            if old || idle_long {
                self.close_server(s);
            }
        }
        self.arm_server_reap(db);
    }
}
