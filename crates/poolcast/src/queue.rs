//! The event queue: a binary heap keyed by (time, sequence), so events with
//! equal time come out in the order they were scheduled.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Simulated time: integer nanoseconds since the start of the run.
pub type Time = u64;

/// Everything that can happen; the engine's loop matches on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event {
    /// The next request arrives (one stream for the fleet); stale if `epoch` moved.
    Arrival { epoch: u32 },
    /// The arrival rate changes to the next step of the profile.
    RateChange,
    /// A query without CPU contention ends (or hits `statement_timeout_ms`).
    QueryDone { conn: u32 },
    /// The next query under processor sharing may be done; stale if `epoch` moved.
    PsDone { epoch: u32 },
    /// `statement_timeout_ms` of query `seq` on `conn` (processor sharing).
    StatementTimeout { conn: u32, seq: u32 },
    /// A connection finished opening.
    ConnectDone { conn: u32 },
    /// A transaction's extra hold time ended.
    HoldDone { conn: u32 },
    /// The oldest waiter of `pool` may have reached its acquire timeout.
    AcquireTimeout { pool: u32 },
    /// The oldest idle connection of `pool` may have reached its idle timeout.
    IdleReap { pool: u32 },
    /// A request waiting with `on_connect_error: retry` tries to open again.
    Retry { req: u32, epoch: u32 },
    /// `pool` tries again to reach `min_idle` connections.
    Replenish { pool: u32 },
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    time: Time,
    seq: u64,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl Eq for Entry {}
impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl Ord for Entry {
    // Reversed: BinaryHeap is a max-heap and we want the earliest first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A FIFO-stable priority queue of events.
#[derive(Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    seq: u64,
}

impl EventQueue {
    /// Schedules `event` at `time`.
    #[inline]
    pub fn push(&mut self, time: Time, event: Event) {
        self.seq += 1;
        self.heap.push(Entry {
            time,
            seq: self.seq,
            event,
        });
    }

    /// Time of the next event, if any.
    #[inline]
    pub fn peek_time(&self) -> Option<Time> {
        self.heap.peek().map(|e| e.time)
    }

    /// Removes and returns the next event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Time, Event)> {
        self.heap.pop().map(|e| (e.time, e.event))
    }

    /// Events scheduled and not yet processed.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_come_out_in_scheduling_order() {
        let mut q = EventQueue::default();
        q.push(5, Event::IdleReap { pool: 1 });
        q.push(3, Event::Arrival { epoch: 0 });
        q.push(5, Event::IdleReap { pool: 2 });
        q.push(5, Event::IdleReap { pool: 3 });
        let order: Vec<_> = std::iter::from_fn(|| q.pop()).collect();
        assert_eq!(
            order,
            vec![
                (3, Event::Arrival { epoch: 0 }),
                (5, Event::IdleReap { pool: 1 }),
                (5, Event::IdleReap { pool: 2 }),
                (5, Event::IdleReap { pool: 3 }),
            ]
        );
    }
}
