//! Timed events (MODEL.md §6): database (or proxy) restarts, slow-query
//! brownouts, lost cores, scaling, rolling restarts.
//!
//! Each event is `Timed { index, phase }`: phase 0 at `at_s` starts it; a
//! later phase ends it (`down_s`, `for_s`) or runs a rolling restart's next
//! batch. An event that overlaps an earlier one of the same kind on the same
//! target replaces it while it lasts: an end only undoes its own start.

use crate::input::scenario::{Cause, Target, TimedEvent};
use crate::sim::engine::Engine;
use crate::sim::pool::{ConnState, NONE};
use crate::sim::queue::Event;
use crate::sim::services::Instance;

/// The database an event target names (`None` for the proxy).
pub(crate) fn target_db(t: Target) -> Option<u32> {
    match t {
        Target::Primary => Some(0),
        Target::Replica(n) => Some(n),
        Target::Proxy => None,
    }
}

/// What the timed events have done so far.
#[derive(Debug, Default)]
pub(crate) struct TimedState {
    /// When each event ended (or will end), s from time 0; `None` until it
    /// starts.
    pub ends: Vec<Option<f64>>,
    /// A rolling restart's instances still to replace, per event.
    pub rolling: Vec<Vec<u32>>,
    /// Per kind of window ([`Window`]), the event whose setting is in force
    /// on each database ([`NONE`]: the database's own).
    pub owners: [Vec<u32>; 2],
}

/// What a window event changes on a database for a while.
#[derive(Debug, Clone, Copy)]
enum Window {
    /// Its queries' length (a brownout).
    Slow = 0,
    /// Its cores.
    Cores = 1,
}

impl Engine {
    pub(crate) fn schedule_timed_events(&mut self) {
        let n = self.scenario.events.len();
        let dbs = self.dbs.items.len();
        self.timed = TimedState {
            ends: vec![None; n],
            rolling: vec![Vec::new(); n],
            owners: [vec![NONE; dbs], vec![NONE; dbs]],
        };
        for i in 0..n {
            let at = crate::input::dist::s_to_ns(self.scenario.events[i].at_s());
            self.queue.push(
                at,
                Event::Timed {
                    index: i as u32,
                    phase: 0,
                },
            );
        }
    }

    fn at_later(&mut self, s: f64, index: u32, phase: u32) {
        let at = self.now + crate::input::dist::s_to_ns(s);
        self.queue.push(at, Event::Timed { index, phase });
    }

    /// Starts (`phase` 0) or ends (1) window event `index` of `kind` on
    /// `db`, which lasts `for_s`: `apply(sim, true)` puts its setting in
    /// force, `apply(sim, false)` brings the database's own back, unless a
    /// later window of the same kind took over the database meanwhile.
    fn window(
        &mut self,
        kind: Window,
        db: u32,
        index: u32,
        phase: u32,
        for_s: f64,
        apply: impl FnOnce(&mut Engine, bool),
    ) {
        let owner = kind as usize;
        if phase == 0 {
            self.timed.ends[index as usize] = Some(self.now as f64 / 1e9 + for_s);
            self.timed.owners[owner][db as usize] = index;
            apply(self, true);
            self.at_later(for_s, index, 1);
        } else if self.timed.owners[owner][db as usize] == index {
            self.timed.owners[owner][db as usize] = NONE;
            apply(self, false);
        }
    }

    pub(crate) fn on_timed(&mut self, index: u32, phase: u32) {
        let i = index as usize;
        let now_s = self.now as f64 / 1e9;
        match self.scenario.events[i].clone() {
            TimedEvent::DbRestart { target, down_s, .. } => {
                if phase == 0 {
                    self.timed.ends[i] = Some(now_s + down_s);
                    self.restart(target, true);
                    self.at_later(down_s, index, 1);
                } else {
                    self.restart(target, false);
                }
            }
            TimedEvent::SlowQueries {
                target,
                factor,
                for_s,
                ..
            } => {
                let db = target_db(target).unwrap_or(0);
                self.window(Window::Slow, db, index, phase, for_s, |sim, on| {
                    sim.dbs[db].slow = if on { factor } else { 1.0 };
                });
            }
            TimedEvent::Cores {
                target,
                cores,
                for_s,
                ..
            } => {
                let db = target_db(target).unwrap_or(0);
                self.window(Window::Cores, db, index, phase, for_s, |sim, on| {
                    let set = if on {
                        Some(cores)
                    } else {
                        sim.dbs[db].cfg.cores
                    };
                    sim.set_cores(db, set);
                });
            }
            TimedEvent::Scale {
                service, instances, ..
            } => {
                self.timed.ends[i] = Some(now_s);
                if let Some((svc, _)) = self.scenario.service(&service) {
                    self.scale(svc as u32, instances);
                }
            }
            TimedEvent::RollingRestart {
                service,
                batch,
                every_s,
                ..
            } => {
                let Some((svc, _)) = self.scenario.service(&service) else {
                    return;
                };
                let svc = svc as u32;
                if phase == 0 {
                    let old: Vec<u32> = self.live_instances(svc);
                    let batches = old.len().div_ceil(batch as usize).max(1);
                    self.timed.ends[i] = Some(now_s + batches as f64 * every_s);
                    self.timed.rolling[i] = old;
                }
                let todo = &mut self.timed.rolling[i];
                let take = todo.len().min(batch as usize);
                let now_batch: Vec<u32> = todo.drain(..take).collect();
                let more = !todo.is_empty();
                for inst in now_batch {
                    self.drain_instance(svc, inst);
                    self.add_instance(svc);
                }
                if more {
                    self.at_later(every_s, index, phase + 1);
                }
            }
        }
    }

    fn set_cores(&mut self, db: u32, cores: Option<u32>) {
        if let Some(cpu) = self.dbs[db].cpu.as_mut() {
            cpu.set_cores(self.now, cores);
            let busy = cpu.busy_cores();
            let st = &mut self.meter.stats.dbs[db as usize];
            st.busy_cores.set(self.now, busy);
            st.cores.set(self.now, cores.map_or(0, u64::from));
            self.ps_dirty |= 1 << db;
        }
    }

    /// Indices of `svc`'s live instances, oldest first.
    fn live_instances(&self, svc: u32) -> Vec<u32> {
        let st = &self.svcs[svc as usize];
        (0..st.insts.len() as u32)
            .filter(|&i| st.insts[i as usize].live)
            .collect()
    }

    /// Adds or removes instances of `svc` until `n` are live; removal takes
    /// the newest first.
    fn scale(&mut self, svc: u32, n: u32) {
        let live = self.live_instances(svc);
        let n = n as usize;
        if live.len() < n {
            for _ in live.len()..n {
                self.add_instance(svc);
            }
        } else {
            for &inst in live[n..].iter().rev() {
                self.drain_instance(svc, inst);
            }
        }
    }

    /// A new instance with fresh pools (`min_idle` opened at once).
    fn add_instance(&mut self, svc: u32) {
        let mut st = std::mem::take(&mut self.svcs[svc as usize]);
        let first = self.add_pools(svc as u16, &mut st);
        st.insts.push(Instance { first, live: true });
        self.svcs[svc as usize] = st;
        self.meter.levels.instances.add(self.now, 1);
        let per = self.cfgs[svc].pools_per_instance * (1 + self.replicas);
        for p in first..first + per {
            self.replenish::<false>(p);
        }
    }

    /// Instance `inst` of `svc` takes no new work: idle connections close,
    /// lent ones close when they come back.
    fn drain_instance(&mut self, svc: u32, inst: u32) {
        let st = &mut self.svcs[svc as usize];
        let first = st.insts[inst as usize].first;
        st.insts[inst as usize].live = false;
        let per = self.cfgs[svc].pools_per_instance * (1 + self.replicas);
        st.live.retain(|&p| p < first || p >= first + per);
        self.meter.levels.instances.add(self.now, -1);
        for p in first..first + per {
            self.store.pools[p].draining = true;
            for conn in self.take_idle(p) {
                self.close::<false>(conn);
            }
            self.retire_if_drained(p);
        }
    }

    /// A draining pool whose last connection closed leaves the capacity
    /// totals (until then its lent connections still count as busy).
    pub(crate) fn retire_if_drained(&mut self, p: u32) {
        let pool = &self.store.pools[p];
        if !pool.draining || pool.retired || pool.total > 0 || pool.waiting > 0 {
            return;
        }
        let (svc, primary) = (usize::from(pool.svc), pool.primary);
        self.store.pools[p].retired = true;
        let max_size = self.cfgs[svc].max_size;
        self.meter
            .pool_removed(svc as u16, max_size, primary, self.now);
    }

    /// Takes `target` down (`down`) or brings it back up.
    fn restart(&mut self, target: Target, down: bool) {
        match target_db(target) {
            Some(db) => {
                self.dbs[db].down = down;
                if down {
                    self.break_database(db);
                }
            }
            None => {
                if let Some(px) = self.proxy.as_deref_mut() {
                    px.down = down;
                }
                if down {
                    self.break_proxy();
                }
            }
        }
        // Pools notice at once: those with waiters or below min_idle try
        // to open again (and fail while the target is down).
        for p in 0..self.store.pools.items.len() as u32 {
            let pool = &self.store.pools[p];
            if !pool.gone && !pool.draining && pool.frozen_at.is_none() {
                self.capacity_freed::<false>(p);
            }
        }
        if !down && let Some(px) = &self.proxy {
            for db in 0..px.pools.len() as u32 {
                self.proxy_try_open(db);
            }
        }
    }

    /// Every connection to database `db` vanishes: direct ones, the proxy's
    /// server connections, orphans.
    fn break_database(&mut self, db: u32) {
        for conn in 0..self.store.conns.items.len() as u32 {
            let c = self.store.conns[conn];
            if c.state != ConnState::Closed && !c.proxied && u32::from(c.db) == db {
                self.vanish(conn);
            }
        }
        let Some(px) = self.proxy.as_deref() else {
            return;
        };
        let servers: Vec<(u32, u32)> = (0..px.servers.items.len() as u32)
            .filter(|&s| {
                let sc = &px.servers.items[s as usize];
                sc.state != ConnState::Closed && u32::from(sc.db) == db
            })
            .map(|s| (s, px.servers.items[s as usize].client))
            .collect();
        for (server, client) in servers {
            if client != NONE {
                self.server_lost(client);
            }
            self.proxy_close_server(server);
        }
    }

    /// The proxy restarts: every client connection to it vanishes, and its
    /// server connections close.
    fn break_proxy(&mut self) {
        for conn in 0..self.store.conns.items.len() as u32 {
            let c = self.store.conns[conn];
            if c.state != ConnState::Closed && c.proxied {
                self.vanish(conn);
            }
        }
        let Some(px) = self.proxy.as_deref() else {
            return;
        };
        let servers: Vec<u32> = (0..px.servers.items.len() as u32)
            .filter(|&s| px.servers.items[s as usize].state != ConnState::Closed)
            .collect();
        for server in servers {
            self.proxy_close_server(server);
        }
    }

    /// The server connection behind client `conn` broke: a request using
    /// it fails `connection_lost` and the client is closed; an idle
    /// session client just loses its server.
    fn server_lost(&mut self, conn: u32) {
        let c = self.store.conns[conn];
        match c.state {
            ConnState::Lent => {
                let id = c.req;
                self.fail(id, Cause::ConnectionLost);
                self.proxy_unbind(conn);
                self.drop_lent(conn, false);
                self.capacity_freed::<false>(c.pool);
                self.maybe_free(id);
            }
            _ => self.proxy_unbind(conn),
        }
    }

    /// Connection `conn` breaks where it stands.
    fn vanish(&mut self, conn: u32) {
        let c = self.store.conns[conn];
        match c.state {
            ConnState::Idle => {
                self.store.pools[c.pool].idle.retain(|&x| x != conn);
                self.meter.levels.idle.add(self.now, -1);
                self.close::<false>(conn);
            }
            ConnState::Lent => {
                let id = c.req;
                if c.proxied && c.server == NONE {
                    self.proxy_forget_waiter(conn);
                }
                self.fail(id, Cause::ConnectionLost);
                self.drop_lent(conn, true);
                self.maybe_free(id);
            }
            ConnState::Opening => {
                // Its connect will fail; it no longer counts where it was going.
                if !c.doomed {
                    if c.proxied {
                        self.proxy_uncount_client();
                    } else {
                        self.meter.stats.db_conns(c.db, -1);
                    }
                    self.store.conns[conn].doomed = true;
                }
            }
            ConnState::Orphan => {
                self.svcs[c.req as usize].orphans -= 1;
                self.close::<false>(conn);
            }
            ConnState::Closed => {}
        }
    }

    /// When timed event `i` ends, s from time 0, once it has started.
    pub(crate) fn event_end(&self, i: usize) -> Option<f64> {
        self.timed.ends[i]
    }
}
