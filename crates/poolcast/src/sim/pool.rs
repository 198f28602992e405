//! The state the engine moves around: pools, connections and requests.
//!
//! A pool is a resource with a capacity (`max_size`): an idle stack (LIFO,
//! the most recently returned first, the oldest at the bottom where the idle
//! reaper looks), a FIFO of waiters, and counts of connections open or being
//! opened (`total`) and lent out (`busy`). Connections and requests live in
//! slabs indexed by `u32` and reused; a request's generation makes stale
//! references (a waiter entry or a retry timer of a finished request) harmless.

use std::collections::VecDeque;

use crate::input::dist::Time;
pub use crate::slab::Slab;

/// "No request" in a connection's `req`.
pub const NONE: u32 = u32::MAX;

/// One pool of one instance.
#[derive(Debug, Default)]
pub struct Pool {
    /// The service it belongs to.
    pub svc: u16,
    /// The database its connections reach (0: the primary); its offset in
    /// its instance's group of pools, which is the primary pool followed by
    /// one sibling per replica.
    pub db: u8,
    /// A primary pool (arrivals land here), not a replica's sibling.
    pub primary: bool,
    /// Its instance takes no new work; connections close as they come back.
    pub draining: bool,
    /// Its serverless instance is frozen (warm and idle) since this time:
    /// timers do not run.
    pub frozen_at: Option<Time>,
    /// Removed (its function was reclaimed); the slot waits for reuse.
    pub gone: bool,
    /// Drained: it left the capacity totals.
    pub retired: bool,
    /// Idle connections; push and pop at the back, reap at the front.
    pub idle: VecDeque<u32>,
    /// Waiting acquisitions, oldest first; may hold stale entries.
    pub waiters: VecDeque<Waiter>,
    /// Live entries of `waiters`.
    pub waiting: u32,
    /// Connections open or being opened.
    pub total: u32,
    /// Connections lent to requests.
    pub busy: u32,
    /// An `AcquireTimeout` event is pending.
    pub timeout_armed: bool,
    /// An `IdleReap` event is pending.
    pub reap_armed: bool,
    /// A `Replenish` event is pending.
    pub replenish_armed: bool,
}

/// An acquisition waiting in a pool's FIFO.
#[derive(Debug, Clone, Copy)]
pub struct Waiter {
    /// The request.
    pub req: u32,
    /// Its generation when it queued.
    pub epoch: u32,
    /// When the acquisition started.
    pub start: Time,
}

/// Where a connection is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnState {
    /// Being opened.
    Opening,
    /// In its pool's idle stack.
    Idle,
    /// Lent to a request.
    Lent,
    /// Its serverless instance was reclaimed; it lingers at the database.
    Orphan,
    /// Closed; the slot is free.
    Closed,
}

/// One connection of an application pool: to a database, or a client
/// connection to the proxy.
///
/// One cache line, aligned: a fleet of 10,000 instances x 10 has 100,000 of
/// them, touched at random, and at 72 bytes most straddled two lines.
#[derive(Debug, Clone, Copy)]
#[repr(align(64))]
pub struct Conn {
    /// Owning pool.
    pub pool: u32,
    /// The database its queries run on.
    pub db: u8,
    /// Where it is in its life.
    pub state: ConnState,
    /// Its connect will fail: the target was down when it started.
    pub doomed: bool,
    /// A client connection to the proxy (not counted at a database).
    pub proxied: bool,
    /// The proxy's server connection bound to it, or [`NONE`].
    pub server: u32,
    /// Request using it (or that it is being opened for), or [`NONE`].
    pub req: u32,
    /// Generation of `req`.
    pub req_epoch: u32,
    /// Borrows so far.
    pub uses: u32,
    /// Retire when returned at or after this time.
    pub retire_at: Time,
    /// When it last became idle; while it is being opened, the start of
    /// the acquisition it is opened for (both only read in those states).
    pub idle_since: Time,
    /// When its current or last query started.
    pub query_start: Time,
    /// Sequence number of its current or last query.
    pub qseq: u32,
    /// A query is running on it.
    pub in_query: bool,
    /// The running query will end in a statement timeout (no-cores path).
    pub query_fails: bool,
}

const _: () = assert!(std::mem::size_of::<Conn>() == 64);

/// What became of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReqState {
    /// Still running, nothing failed.
    Active,
    /// An acquisition hit the acquire timeout.
    TimedOut,
    /// Failed otherwise (refused, cancelled, broken, ...).
    Failed,
    /// The slot is free for reuse.
    Free,
    /// A retry waiting for its backoff to end.
    Backoff,
}

/// One request in flight.
#[derive(Debug, Clone, Copy)]
pub struct Req {
    /// Bumped each time the slot is freed.
    pub epoch: u32,
    /// The pool it uses.
    pub pool: u32,
    /// Arrival time.
    pub arrival: Time,
    /// Start of its current acquisition(s).
    pub acquire_start: Time,
    /// Queries not yet started.
    pub to_start: u32,
    /// Connections it holds.
    pub running: u32,
    /// Its live waiter entries.
    pub queued: u32,
    /// Waiter entries to drop (served by a retried open instead).
    pub stale_waits: u32,
    /// The home primary pool (arrivals land here; reads use its siblings).
    pub home: u32,
    /// The service.
    pub svc: u16,
    /// Attempts before this one (0 for the first).
    pub attempt: u8,
    /// An acquisition of this attempt reached a pool (counts for a breaker).
    pub reached_pool: bool,
    /// The closed-loop user who sent it, or [`NONE`].
    pub user: u32,
    /// Its serverless function instance, or [`NONE`].
    pub func: u32,
    /// Its resolution matters beyond the counters (a user, a function, a
    /// retry policy or breaker).
    pub follow_up: bool,
    /// Connections being opened for it.
    pub opening: u32,
    /// Outcome so far.
    pub state: ReqState,
    /// Arrived inside the measured window.
    pub measured: bool,
    /// A `Retry` event is pending.
    pub retry_armed: bool,
}

impl Req {
    /// The first attempt of a request of `svc` that arrives `now` at its
    /// home primary pool `home`, with `queries` queries to run; from no
    /// user or function, and nothing to follow up (set those fields on the
    /// result where they apply).
    #[inline(always)]
    pub fn new(svc: u16, home: u32, now: Time, queries: u32, measured: bool) -> Req {
        Req {
            epoch: 0,
            pool: home,
            arrival: now,
            acquire_start: now,
            to_start: queries,
            running: 0,
            queued: 0,
            stale_waits: 0,
            home,
            svc,
            attempt: 0,
            reached_pool: false,
            user: NONE,
            func: NONE,
            follow_up: false,
            opening: 0,
            state: ReqState::Active,
            measured,
            retry_armed: false,
        }
    }
}

impl Store {
    /// Puts `req` in a slot and returns it. The slot's generation carries
    /// on, so references to the slot's earlier request stay stale.
    #[inline(always)]
    pub fn insert_req(&mut self, req: Req) -> u32 {
        let epoch = self.reqs.next_free().map_or(0, |i| self.reqs[i].epoch);
        self.reqs.insert(Req { epoch, ..req })
    }
}

/// The engine's pools, connections and requests, in reused slots.
#[derive(Debug, Default)]
pub struct Store {
    pub pools: Slab<Pool>,
    pub conns: Slab<Conn>,
    pub reqs: Slab<Req>,
    /// Per request and pool offset in its instance group, its waiter
    /// entries in that pool (live, stale to skip); only with replicas, where
    /// one request can wait in several pools at once.
    pub waits: Vec<(u32, u32)>,
    /// What a few requests need beyond [`Req`], indexed like `reqs`.
    pub rare: Vec<ReqRare>,
}

/// What a few requests need beyond [`Req`], kept beside the slab (indexed
/// like it) so the common request stays small.
#[derive(Debug, Clone, Copy, Default)]
pub struct ReqRare {
    /// The connection a transaction holds (checked against its owner).
    pub tx_conn: u32,
    /// The backoff slept before the current attempt, ns.
    pub sleep_ns: u64,
}
