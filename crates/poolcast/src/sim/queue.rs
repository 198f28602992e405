//! The event queue: a heap keyed by (time, sequence), so events with equal
//! time come out in the order they were scheduled.

use crate::sim::heap::{Heap, Keyed};

pub use crate::input::dist::Time;

/// Everything that can happen; the engine's loop matches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next open-loop request arrives (one stream for all services).
    Arrival,
    /// The arrival rate of a service changes to the next step of the profiles.
    RateChange,
    /// A query without CPU contention ends (or hits `statement_timeout_ms`);
    /// stale unless `seq` is the connection's running query.
    QueryDone { conn: u32, seq: u32 },
    /// The next query under processor sharing on database `db` may be done;
    /// stale if `epoch` moved.
    PsDone { db: u32, epoch: u32 },
    /// `statement_timeout_ms` of query `seq` on `conn` (processor sharing).
    StatementTimeout { conn: u32, seq: u32 },
    /// A connection finished opening.
    ConnectDone { conn: u32 },
    /// A transaction's extra hold time ended.
    HoldDone { conn: u32, seq: u32 },
    /// The oldest waiter of `pool` may have reached its acquire timeout.
    AcquireTimeout { pool: u32 },
    /// The oldest idle connection of `pool` may have reached its idle timeout.
    IdleReap { pool: u32 },
    /// A request waiting in `pool` with `on_connect_error: retry` tries to
    /// open again.
    Retry { req: u32, epoch: u32, pool: u32 },
    /// `pool` tries again to reach `min_idle` connections.
    Replenish { pool: u32 },
    /// Closed-loop user `user` of service `svc` sends its next request.
    UserSend { svc: u32, user: u32 },
    /// A serverless request's cold start ended.
    ColdStartDone { req: u32, epoch: u32 },
    /// Function instance `func` of `svc` may have been idle for `idle_reclaim_s`.
    Reclaim {
        svc: u32,
        func: u32,
        epoch: u32,
        again: bool,
    },
    /// An orphaned connection finally closes at its database.
    OrphanGone { conn: u32 },
    /// A transaction's `timeout_ms` ran out.
    TxTimeout { req: u32, epoch: u32 },
    /// The database ends a session idle in a transaction too long.
    IdleInTx { conn: u32, seq: u32 },
    /// A retry's backoff ended: its next attempt starts.
    Attempt { req: u32, epoch: u32 },
    /// A proxy server connection to database `db` finished opening.
    ServerConnectDone { sconn: u32 },
    /// The proxy may try again to open a server connection to `db`.
    ServerLoginRetry { db: u32 },
    /// The head client waiting at the proxy for `db` may have waited
    /// `query_wait_timeout_ms` (or `reserve_pool_timeout_ms`).
    ProxyWaitCheck { db: u32 },
    /// The proxy's oldest idle server connection to `db` may be due to close.
    ServerReap { db: u32 },
    /// Timed event `index` of the scenario starts (`phase` 0), or a later
    /// phase of it happens (its end, a rolling restart's next batch).
    Timed { index: u32, phase: u32 },
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// `time << 64 | seq`: one comparison orders by time, then by scheduling.
    key: u128,
    event: Event,
}

impl Entry {
    fn time(&self) -> Time {
        key_time(self.key)
    }
}

/// The time of a queue key (`time << 64 | seq`).
pub fn key_time(key: u128) -> Time {
    (key >> 64) as Time
}

impl Keyed for Entry {
    #[inline(always)]
    fn key(&self) -> u128 {
        self.key
    }
    const PAD: Entry = Entry {
        key: NO_KEY,
        event: Event::Arrival,
    };
}

/// Stands for "nothing": later than every real key.
const NO_KEY: u128 = u128::MAX;

/// A FIFO-stable priority queue of events.
///
/// The fleet's arrival stream always has exactly one pending arrival, so it
/// lives in its own slot instead of the heap (half the heap traffic of a
/// simple request); it takes part in the same (time, sequence) order.
///
/// The event being processed stays at the top of the heap until it is
/// settled: the first event scheduled while processing it takes its place
/// (one sift instead of a pop and a push; a finished query usually starts
/// the next one), and [`EventQueue::settle`] pops it if nothing did.
#[derive(Debug)]
pub struct EventQueue {
    heap: Heap<Entry>,
    /// Key of the pending arrival; [`NO_KEY`] when there is none.
    arrival: u128,
    seq: u64,
    /// The heap's top is the event being processed.
    top_taken: bool,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue {
            heap: Heap::default(),
            arrival: NO_KEY,
            seq: 0,
            top_taken: false,
        }
    }
}

impl EventQueue {
    #[inline]
    fn entry(&mut self, time: Time, event: Event) -> Entry {
        self.seq += 1;
        Entry {
            key: (u128::from(time) << 64) | u128::from(self.seq),
            event,
        }
    }

    /// Schedules `event` at `time`.
    #[inline(always)]
    pub fn push(&mut self, time: Time, event: Event) {
        let e = self.entry(time, event);
        self.push_entry(e);
    }

    /// Puts `e` in the heap, in the slot of a top just taken if there is one.
    #[inline(always)]
    fn push_entry(&mut self, e: Entry) {
        if self.top_taken {
            self.top_taken = false;
            self.heap.replace_top(e);
        } else {
            self.heap.push(e);
        }
    }

    /// Takes the key an event at `time` pushed now would get, without
    /// pushing it: [`EventQueue::push_key`] pushes it later in the same
    /// place in the order (an event known to be superseded before it
    /// comes up need not take room in the heap meanwhile).
    #[inline]
    pub fn reserve(&mut self, time: Time) -> u128 {
        self.entry(time, Event::Arrival).key
    }

    /// Pushes `event` with a key from [`EventQueue::reserve`].
    #[inline]
    pub fn push_key(&mut self, key: u128, event: Event) {
        self.push_entry(Entry { key, event });
    }

    /// Schedules the next arrival, replacing any pending one.
    #[inline]
    pub fn set_arrival(&mut self, time: Time) {
        self.arrival = self.entry(time, Event::Arrival).key;
    }

    /// Drops the pending arrival.
    pub fn clear_arrival(&mut self) {
        self.arrival = NO_KEY;
    }

    /// Finishes the event taken by [`EventQueue::pop_before`].
    #[inline(always)]
    pub fn settle(&mut self) {
        if self.top_taken {
            self.top_taken = false;
            self.heap.pop();
        }
    }

    /// Takes the next event if it comes before `end`; call
    /// [`EventQueue::settle`] once it is processed.
    #[inline]
    pub fn pop_before(&mut self, end: Time) -> Option<(Time, Event)> {
        debug_assert!(!self.top_taken);
        // Keys order by time first, so "before `end`" is one comparison too.
        let limit = u128::from(end) << 64;
        let top = self.heap.top().key;
        if self.arrival < top {
            if self.arrival >= limit {
                return None;
            }
            let t = (self.arrival >> 64) as Time;
            self.arrival = NO_KEY;
            Some((t, Event::Arrival))
        } else {
            if top >= limit {
                return None;
            }
            self.top_taken = true;
            let e = self.heap.top();
            Some((e.time(), e.event))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_scheduled_while_processing_takes_the_top_in_order() {
        let mut q = EventQueue::default();
        for t in [10, 20, 30] {
            q.push(t, Event::IdleReap { pool: t as u32 });
        }
        assert_eq!(
            q.pop_before(Time::MAX),
            Some((10, Event::IdleReap { pool: 10 }))
        );
        q.push(25, Event::IdleReap { pool: 25 });
        q.push(5, Event::IdleReap { pool: 5 });
        q.settle();
        let rest: Vec<Time> = std::iter::from_fn(|| {
            let e = q.pop_before(Time::MAX);
            q.settle();
            e.map(|(t, _)| t)
        })
        .collect();
        assert_eq!(rest, vec![5, 20, 25, 30]);
    }

    #[test]
    fn equal_times_come_out_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::IdleReap { pool: 1 });
        q.set_arrival(5);
        q.push(5, Event::IdleReap { pool: 2 });
        q.set_arrival(3);
        q.push(5, Event::IdleReap { pool: 3 });
        let order: Vec<_> = std::iter::from_fn(|| {
            let e = q.pop_before(Time::MAX);
            q.settle();
            e
        })
        .collect();
        assert_eq!(
            order,
            vec![
                (3, Event::Arrival),
                (5, Event::IdleReap { pool: 1 }),
                (5, Event::IdleReap { pool: 2 }),
                (5, Event::IdleReap { pool: 3 }),
            ]
        );
    }
}
