//! Streaming statistics: counters, histograms and time integrals, with memory
//! that does not grow with the length of the run.
//!
//! Levels (busy, idle, waiting, ...) are integrated lazily: a [`Level`] keeps
//! `sum(t x delta)` of its changes, so its area up to any time T is
//! `value x T - offset`. A change costs one multiply-add and time passing
//! costs nothing; snapshots at the end of the warmup and at each bucket edge
//! turn the areas into window and per-bucket averages.

use std::collections::BTreeMap;

use crate::input::dist::Time;
use crate::input::scenario::{Cause, Scenario};
use crate::measure::hist::LogHist;
use crate::measure::report::{Series, Timeline};
use crate::slab::Slab;

/// Most buckets a timeline has, whatever the duration.
pub const MAX_BUCKETS: u64 = 600;

/// Failure causes, for per-cause counts.
pub const CAUSES: usize = Cause::ALL.len();

/// One quantity and its running integral over time.
#[derive(Debug, Clone, Copy, Default)]
pub struct Level {
    /// Current value.
    pub value: u64,
    /// Sum of `t x delta` over all changes.
    offset: i128,
}

impl Level {
    /// Changes the value by `delta` at time `now`.
    #[inline]
    pub fn add(&mut self, now: Time, delta: i64) {
        debug_assert!(
            delta >= 0 || self.value >= delta.unsigned_abs(),
            "level below zero"
        );
        self.value = self.value.wrapping_add_signed(delta);
        self.offset += i128::from(now) * i128::from(delta);
    }

    /// Sets the value at time `now`.
    #[inline]
    pub fn set(&mut self, now: Time, value: u64) {
        let delta = value as i128 - self.value as i128;
        self.value = value;
        self.offset += i128::from(now) * delta;
    }

    /// Integral of the value from time 0 to `t` (value x ns).
    pub fn area(&self, t: Time) -> u128 {
        (i128::from(self.value) * i128::from(t) - self.offset) as u128
    }
}

/// Quantities of the whole system whose time averages are reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct Levels {
    /// Connections lent to requests.
    pub busy: Level,
    /// Open connections sitting idle in pools.
    pub idle: Level,
    /// Live waiters.
    pub waiting: Level,
    /// Primary pools with at least one waiter.
    pub pools_waiting: Level,
    /// Sum of `max_size` over live pools (replica pools included).
    pub capacity: Level,
    /// Live primary pools.
    pub primary_pools: Level,
    /// Live instances of every service (warm or busy functions included).
    pub instances: Level,
    /// Clients waiting at the proxy for a server connection.
    pub proxy_waiting: Level,
}

/// Integrals of the levels from the start of the run to one moment.
#[derive(Debug, Clone, Copy, Default)]
struct Areas {
    waiting: u128,
    busy: u128,
    idle: u128,
    pools_waiting: u128,
    capacity: u128,
    primary_pools: u128,
    instances: u128,
    proxy_waiting: u128,
}

impl Areas {
    fn at(lv: &Levels, t: Time) -> Areas {
        Areas {
            waiting: lv.waiting.area(t),
            busy: lv.busy.area(t),
            idle: lv.idle.area(t),
            pools_waiting: lv.pools_waiting.area(t),
            capacity: lv.capacity.area(t),
            primary_pools: lv.primary_pools.area(t),
            instances: lv.instances.area(t),
            proxy_waiting: lv.proxy_waiting.area(t),
        }
    }

    fn minus(&self, o: &Areas) -> Areas {
        Areas {
            waiting: self.waiting - o.waiting,
            busy: self.busy - o.busy,
            idle: self.idle - o.idle,
            pools_waiting: self.pools_waiting - o.pools_waiting,
            capacity: self.capacity - o.capacity,
            primary_pools: self.primary_pools - o.primary_pools,
            instances: self.instances - o.instances,
            proxy_waiting: self.proxy_waiting - o.proxy_waiting,
        }
    }
}

/// Counters of the measured window that are decided by something other than
/// the current time (a request's arrival, an attempt's start).
#[derive(Debug, Clone, Copy, Default)]
pub struct Counters {
    pub completed: u64,
    pub timed_out: u64,
    pub failed: u64,
    pub timeouts: u64,
    pub peak_waiting: u64,
    /// Final failures by cause.
    pub by_cause: [u64; CAUSES],
    /// Tries of requests that arrived in the window, retries included.
    pub req_attempts: u64,
    /// Retries of requests that arrived in the window.
    pub retries: u64,
}

/// Counts of things that happen at a moment, kept from time 0: the window's
/// share is the total minus a snapshot taken when the warmup ends, so the hot
/// path counts without asking whether it is in the window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tally {
    pub arrived: u64,
    pub attempts: u64,
    pub waited: u64,
    pub completions: u64,
}

impl Tally {
    fn minus(&self, o: &Tally) -> Tally {
        Tally {
            arrived: self.arrived - o.arrived,
            attempts: self.attempts - o.attempts,
            waited: self.waited - o.waited,
            completions: self.completions - o.completions,
        }
    }
}

/// What one database saw, counted from time 0 like [`Tally`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DbTally {
    pub too_many_clients: u64,
    pub statement_timeouts: u64,
    pub queries: u64,
    pub query_ns: u128,
}

impl DbTally {
    fn minus(&self, o: &DbTally) -> DbTally {
        DbTally {
            too_many_clients: self.too_many_clients - o.too_many_clients,
            statement_timeouts: self.statement_timeouts - o.statement_timeouts,
            queries: self.queries - o.queries,
            query_ns: self.query_ns - o.query_ns,
        }
    }
}

/// One database's statistics.
#[derive(Debug, Clone, Default)]
pub struct DbStat {
    /// Counts from time 0.
    pub tally: DbTally,
    tally_at_warmup: DbTally,
    /// Cores in use: min(queries running, cores).
    pub busy_cores: Level,
    cores_at_warmup: u128,
    /// Cores in force (changed by `cores` events).
    pub cores: Level,
    cores_in_force_at_warmup: u128,
    /// Client connections it holds, open or opening.
    pub conns: u64,
    /// Most connections at any moment of the run.
    pub peak: u64,
    /// Most connections during the current bucket.
    bucket_peak: u64,
    /// Peak connections per closed bucket.
    pub(crate) series: Vec<u64>,
}

/// A database's window figures.
#[derive(Debug, Clone, Copy)]
pub struct DbWindow {
    pub tally: DbTally,
    pub peak: u64,
    pub busy_cores: f64,
    /// Time-average cores in force.
    pub cores: f64,
}

/// Everything measured while the engine runs.
#[derive(Debug)]
pub struct Stats {
    /// Start of the measured window.
    pub warmup: Time,
    /// End of the run.
    pub end: Time,
    pub counters: Counters,
    /// Counts from time 0 (see [`Tally`]).
    pub tally: Tally,
    tally_at_warmup: Tally,
    /// Served waits of acquisitions started in the window, filled from the
    /// timeline's per-bucket histograms as buckets close (see [`Stats::served`]).
    pub wait: LogHist,
    /// Longest of those waits.
    wait_max: u64,
    pub latency: LogHist,
    /// Per database: the primary, then the replicas.
    pub dbs: Slab<DbStat>,
    /// Per service, when there is more than one.
    pub svcs: Slab<crate::measure::svcstats::SvcStats>,
    at_warmup: Option<Areas>,
    /// The next warmup end or bucket edge (`Time::MAX` when none is left).
    next_mark: Time,
    pub(crate) timeline: TimelineBuilder,
}

impl Stats {
    /// Statistics for a run with one database that measures `[warmup, end)`.
    #[cfg(test)]
    pub fn new(warmup: Time, end: Time) -> Stats {
        Stats::with_dbs(warmup, end, 1)
    }

    /// Statistics for a run with `dbs` databases.
    pub fn with_dbs(warmup: Time, end: Time, dbs: usize) -> Stats {
        let mut st = Stats {
            warmup,
            end,
            counters: Counters::default(),
            tally: Tally::default(),
            tally_at_warmup: Tally::default(),
            wait: LogHist::default(),
            wait_max: 0,
            latency: LogHist::default(),
            dbs: Slab::from_vec(vec![DbStat::default(); dbs]),
            svcs: Slab::default(),
            at_warmup: (warmup == 0).then(Areas::default),
            next_mark: 0,
            timeline: TimelineBuilder::new(end),
        };
        st.next_mark = st.compute_next_mark();
        st
    }

    fn compute_next_mark(&self) -> Time {
        let bucket = if self.timeline.bucket_end < self.end {
            self.timeline.bucket_end
        } else {
            Time::MAX
        };
        let warmup = if self.at_warmup.is_none() {
            self.warmup
        } else {
            Time::MAX
        };
        bucket.min(warmup)
    }

    /// Whether `t` falls in the measured window.
    #[inline]
    pub fn in_window(&self, t: Time) -> bool {
        t >= self.warmup
    }

    /// Takes the snapshots of any marks (warmup end, bucket edges) at or
    /// before `now`; call before changing the levels at `now`.
    #[inline]
    pub fn advance(&mut self, now: Time, levels: &Levels) {
        if now >= self.next_mark {
            self.cross_marks(now, levels);
        }
    }

    #[cold]
    fn cross_marks(&mut self, now: Time, levels: &Levels) {
        while self.next_mark <= now {
            let mark = self.next_mark;
            let areas = Areas::at(levels, mark);
            if mark == self.warmup && self.at_warmup.is_none() {
                self.at_warmup = Some(areas);
                self.tally_at_warmup = self.tally;
                for db in &mut self.dbs.items {
                    db.tally_at_warmup = db.tally;
                    db.cores_at_warmup = db.busy_cores.area(mark);
                    db.cores_in_force_at_warmup = db.cores.area(mark);
                }
                for svc in &mut self.svcs.items {
                    svc.snapshot(mark);
                }
                self.wait.subtract(&self.timeline.wait);
            }
            if mark == self.timeline.bucket_end {
                let window = self.at_warmup.is_some().then_some(&mut self.wait);
                self.timeline.close(&areas, window, &mut self.dbs.items);
            }
            self.next_mark = self.compute_next_mark();
        }
    }

    /// Notes a change in the number of waiters.
    #[inline]
    pub fn note_waiting(&mut self, now: Time, waiting: u64) {
        if now >= self.warmup && waiting > self.counters.peak_waiting {
            self.counters.peak_waiting = waiting;
        }
    }

    /// Changes the connections database `db` holds by `delta`.
    #[inline]
    pub fn db_conns(&mut self, db: u8, delta: i64) {
        let d = &mut self.dbs[usize::from(db)];
        d.conns = d.conns.wrapping_add_signed(delta);
        if delta > 0 {
            d.peak = d.peak.max(d.conns);
            d.bucket_peak = d.bucket_peak.max(d.conns);
        }
    }

    /// Records a served acquire wait that started at `start`.
    ///
    /// The wait goes into the timeline's bucket only; buckets that close
    /// after the warmup are merged into the window's histogram. What a merge
    /// must not bring in is taken out beforehand: the part of the bucket
    /// served before the warmup ended (at that mark) and waits served after
    /// it that started before it (here).
    #[inline]
    pub fn served(&mut self, start: Time, now: Time) {
        let wait = now - start;
        self.timeline.wait.record(wait);
        if start >= self.warmup {
            self.wait_max = self.wait_max.max(wait);
        } else if now >= self.warmup {
            self.wait.unrecord(wait);
        }
    }

    /// Counts an arrival in the timeline.
    #[inline]
    pub fn tl_arrival(&mut self) {
        self.timeline.arrivals += 1;
    }

    /// Counts an acquire timeout in the timeline.
    #[inline]
    pub fn tl_timeout(&mut self) {
        self.timeline.timeouts += 1;
    }

    /// Counts a request's final failure in the timeline.
    #[inline]
    pub fn tl_failure(&mut self, cause: Cause) {
        if cause != Cause::PoolTimeout {
            self.timeline.failures += 1;
        }
        self.timeline.causes[cause as usize] += 1;
    }

    /// Counts a retry in the timeline.
    #[inline]
    pub fn tl_retry(&mut self) {
        self.timeline.retries += 1;
    }

    /// Closes the timeline at the end of the run and returns it with the
    /// window's time averages.
    pub fn finish(&mut self, levels: &Levels) -> (Timeline, WindowMeans, Tally) {
        self.advance(self.end, levels);
        let at_end = Areas::at(levels, self.end);
        let d = at_end.minus(&self.at_warmup.unwrap_or_default());
        let width = (self.end - self.warmup).max(1) as f64;
        let means = WindowMeans {
            busy: d.busy as f64 / width,
            pools_waiting: d.pools_waiting as f64 / width,
            capacity: d.capacity as f64 / width,
            primary_pools: d.primary_pools as f64 / width,
        };
        let tally = self.tally.minus(&self.tally_at_warmup);
        let timeline = self
            .timeline
            .finish(&at_end, &mut self.wait, &mut self.dbs.items);
        self.wait.set_max(self.wait_max);
        (timeline, means, tally)
    }

    /// Database `db`'s window figures; after [`Stats::finish`].
    pub fn db_window(&self, db: usize) -> DbWindow {
        let d = &self.dbs[db];
        let width = (self.end - self.warmup).max(1) as f64;
        DbWindow {
            tally: d.tally.minus(&d.tally_at_warmup),
            peak: d.peak,
            busy_cores: (d.busy_cores.area(self.end) - d.cores_at_warmup) as f64 / width,
            cores: (d.cores.area(self.end) - d.cores_in_force_at_warmup) as f64 / width,
        }
    }

    /// Per-bucket peak connections of each database; after [`Stats::finish`].
    pub fn db_series(&self) -> BTreeMap<String, Vec<u64>> {
        self.dbs
            .items
            .iter()
            .enumerate()
            .map(|(i, d)| (Scenario::database_name(i as u32), d.series.clone()))
            .collect()
    }
}

/// Time averages over the measured window.
#[derive(Debug, Clone, Copy)]
pub struct WindowMeans {
    /// Busy connections.
    pub busy: f64,
    /// Primary pools with waiters.
    pub pools_waiting: f64,
    /// Sum of `max_size` over live pools.
    pub capacity: f64,
    /// Live primary pools.
    pub primary_pools: f64,
}

/// Builds the per-bucket series as time goes by.
#[derive(Debug)]
pub(crate) struct TimelineBuilder {
    bucket_ns: u64,
    pub(crate) bucket_s: f64,
    end: Time,
    bucket_end: Time,
    /// The running integrals at the start of the current bucket.
    at_start: Areas,
    timeouts: u64,
    failures: u64,
    arrivals: u64,
    retries: u64,
    causes: [u64; CAUSES],
    pub(crate) by_cause: Vec<[u64; CAUSES]>,
    wait: LogHist<true>,
    pub(crate) series: Series,
}

impl TimelineBuilder {
    fn new(end: Time) -> TimelineBuilder {
        let bucket_s = bucket_seconds(end as f64 / 1e9);
        let bucket_ns = ((bucket_s * 1e9) as u64).max(1);
        TimelineBuilder {
            bucket_ns,
            bucket_s,
            end,
            bucket_end: bucket_ns.min(end),
            at_start: Areas::default(),
            timeouts: 0,
            failures: 0,
            arrivals: 0,
            retries: 0,
            causes: [0; CAUSES],
            by_cause: Vec::new(),
            wait: LogHist::default(),
            series: Series::default(),
        }
    }

    /// Ends the current bucket, merging its waits into `window` once the
    /// warmup is over (see [`Stats::served`]); `areas` are the running
    /// integrals at its end.
    fn close(&mut self, areas: &Areas, window: Option<&mut LogHist>, dbs: &mut [DbStat]) {
        let start = self.series.busy.len() as u64 * self.bucket_ns;
        let width = (self.bucket_end - start).max(1) as f64;
        let s = &mut self.series;
        let mean = |now: u128, then: u128| (now - then) as f64 / width;
        s.waiting.push(mean(areas.waiting, self.at_start.waiting));
        s.busy.push(mean(areas.busy, self.at_start.busy));
        s.idle.push(mean(areas.idle, self.at_start.idle));
        s.instances
            .push(mean(areas.instances, self.at_start.instances));
        s.proxy_waiting
            .push(mean(areas.proxy_waiting, self.at_start.proxy_waiting));
        s.db_connections.push(dbs[0].bucket_peak);
        for d in dbs.iter_mut() {
            d.series.push(d.bucket_peak);
            d.bucket_peak = d.conns;
        }
        s.timeouts.push(self.timeouts);
        s.failures.push(self.failures);
        s.arrivals.push(self.arrivals);
        s.retries.push(self.retries);
        self.by_cause.push(self.causes);
        s.p99_wait_ms.push(self.wait.drain(0.99, window));
        self.at_start = *areas;
        self.timeouts = 0;
        self.failures = 0;
        self.arrivals = 0;
        self.retries = 0;
        self.causes = [0; CAUSES];
        self.bucket_end = (self.bucket_end + self.bucket_ns).min(self.end);
    }

    fn finish(&mut self, areas: &Areas, window: &mut LogHist, dbs: &mut [DbStat]) -> Timeline {
        if (self.series.busy.len() as u64) * self.bucket_ns < self.end {
            self.close(areas, Some(window), dbs);
        }
        let mut series = std::mem::take(&mut self.series);
        for cause in Cause::ALL {
            let counts: Vec<u64> = self.by_cause.iter().map(|b| b[cause as usize]).collect();
            if counts.iter().any(|&c| c > 0) {
                series
                    .failures_by_cause
                    .insert(cause.name().to_string(), counts);
            }
        }
        Timeline {
            bucket_s: self.bucket_s,
            series,
            events: Vec::new(),
        }
    }
}

/// A round bucket width that keeps a run of `total_s` to at most
/// [`MAX_BUCKETS`] buckets.
pub fn bucket_seconds(total_s: f64) -> f64 {
    const NICE: [f64; 24] = [
        0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0, 10.0, 15.0, 30.0,
        60.0, 120.0, 300.0, 600.0, 900.0, 1800.0, 3600.0, 7200.0, 21600.0,
    ];
    let mut width = 86_400.0;
    for w in NICE {
        if total_s / w <= MAX_BUCKETS as f64 {
            return w;
        }
    }
    while total_s / width > MAX_BUCKETS as f64 {
        width *= 2.0;
    }
    width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_width_bounds_the_bucket_count() {
        for total in [0.01, 1.0, 59.0, 630.0, 3600.0, 86_400.0, 1e7] {
            let w = bucket_seconds(total);
            assert!(
                total / w <= MAX_BUCKETS as f64,
                "{total} s in {w} s buckets"
            );
        }
        assert_eq!(bucket_seconds(630.0), 2.0);
    }

    #[test]
    fn timeline_averages_levels_over_each_bucket() {
        // 10 s run in 0.02 s buckets (500 of them): busy is 2 until 50 ms
        // (the middle of the third bucket) and 4 afterwards.
        let mut st = Stats::new(0, 10_000_000_000);
        let mut lv = Levels::default();
        lv.busy.add(0, 2);
        st.advance(50_000_000, &lv);
        lv.busy.add(50_000_000, 2);
        let (tl, means, _) = st.finish(&lv);
        assert_eq!(tl.bucket_s, 0.02);
        assert_eq!(tl.series.busy.len(), 500);
        assert!((tl.series.busy[0] - 2.0).abs() < 1e-12);
        assert!((tl.series.busy[2] - 3.0).abs() < 1e-12);
        assert!((tl.series.busy[499] - 4.0).abs() < 1e-12);
        assert!((means.busy - (2.0 * 0.05 + 4.0 * 9.95) / 10.0).abs() < 1e-12);
    }

    #[test]
    fn window_waits_are_those_that_started_after_warmup() {
        // Waits served over a 10 s run with a 3.3 s warmup (not on a bucket
        // edge), some straddling it; the merged window histogram must equal
        // one recorded directly from the waits that started in the window.
        let (warmup, end) = (3_300_000_000, 13_300_000_000);
        let mut st = Stats::new(warmup, end);
        let lv = Levels::default();
        let mut want: LogHist = LogHist::default();
        let mut x = 99u64;
        let mut now = 0;
        while now < end - 1_000_000_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            now += (x >> 44) % 2_000_000;
            let wait = (x >> 20) % 400_000_000;
            let start = now.saturating_sub(wait);
            st.advance(now, &lv);
            st.served(start, now);
            if start >= warmup {
                want.record(now - start);
            }
        }
        st.finish(&lv);
        assert!(want.len() > 1000);
        assert_eq!(st.wait.counts(), want.counts());
        let (a, b) = (st.wait.summary(), want.summary());
        assert_eq!(
            (st.wait.len(), a.p50, a.p99, a.max),
            (want.len(), b.p50, b.p99, b.max)
        );
        assert!((a.mean - b.mean).abs() < 1e-9);
    }

    #[test]
    fn window_averages_start_after_warmup() {
        // Busy 1 for the first second (warmup), 3 after; window [1 s, 3 s).
        let mut st = Stats::new(1_000_000_000, 3_000_000_000);
        let mut lv = Levels::default();
        lv.busy.add(0, 1);
        st.advance(1_000_000_000, &lv);
        lv.busy.add(1_000_000_000, 2);
        let (_, means, _) = st.finish(&lv);
        assert!((means.busy - 3.0).abs() < 1e-12, "{}", means.busy);
    }
}
