//! Streaming statistics: counters, histograms and time integrals, with memory
//! that does not grow with the length of the run.
//!
//! The engine keeps the current [`Levels`] and calls [`Stats::advance`] before
//! it changes them, so each level is integrated over the time it held.

use hdrhistogram::Histogram;

use crate::queue::Time;
use crate::report::{Series, Summary, Timeline, WaitHistogram};

/// Most buckets a timeline has, whatever the duration.
pub const MAX_BUCKETS: u64 = 600;

/// Fleet-wide quantities whose time averages are reported.
#[derive(Debug, Clone, Copy, Default)]
pub struct Levels {
    /// Connections lent to requests.
    pub busy: u64,
    /// Open connections sitting idle in pools.
    pub idle: u64,
    /// Live waiters.
    pub waiting: u64,
    /// Pools with at least one waiter.
    pub pools_waiting: u64,
    /// Client connections the database holds, open or opening.
    pub db_conns: u64,
    /// Queries running under processor sharing.
    pub ps_active: u64,
}

/// A histogram of durations in ns with an exact mean and maximum.
#[derive(Debug, Clone)]
pub struct DurationHist {
    hist: Histogram<u64>,
    /// Zero values not yet in `hist` (most waits are zero; counting them
    /// here keeps them off the hot path).
    zeros: u64,
    sum_ns: u128,
    max_ns: u64,
}

impl DurationHist {
    /// `sigfig` significant digits of precision (3 gives 0.1% relative error).
    pub fn new(sigfig: u8) -> DurationHist {
        DurationHist {
            // 2^60 ns is 36 years; the bounds are constants that are valid.
            hist: Histogram::new_with_bounds(1, 1 << 60, sigfig).expect("valid histogram bounds"),
            zeros: 0,
            sum_ns: 0,
            max_ns: 0,
        }
    }

    /// Adds one value.
    #[inline]
    pub fn record(&mut self, ns: u64) {
        if ns == 0 {
            self.zeros += 1;
            return;
        }
        self.hist.saturating_record(ns);
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.hist.is_empty() && self.zeros == 0
    }

    /// Moves the counted zeros into the histogram before it is read.
    fn settle(&mut self) {
        if self.zeros > 0 {
            self.hist.saturating_record_n(0, self.zeros);
            self.zeros = 0;
        }
    }

    /// Nearest-rank quantile in ms (0 when empty), never above the exact max.
    pub fn quantile_ms(&mut self, q: f64) -> f64 {
        self.settle();
        if self.hist.is_empty() {
            return 0.0;
        }
        let v = self.hist.value_at_quantile(q).min(self.max_ns);
        v as f64 / 1e6
    }

    /// Mean, percentiles and maximum in ms.
    pub fn summary(&mut self) -> Summary {
        self.settle();
        let n = self.hist.len();
        Summary {
            mean: if n == 0 {
                0.0
            } else {
                (self.sum_ns as f64 / n as f64) / 1e6
            },
            p50: self.quantile_ms(0.50),
            p95: self.quantile_ms(0.95),
            p99: self.quantile_ms(0.99),
            max: self.max_ns as f64 / 1e6,
        }
    }

    /// Counts by 1-2-5 bounds from 0 up to the largest value (see [`WaitHistogram`]).
    pub fn buckets(&mut self) -> WaitHistogram {
        self.settle();
        let mut out = WaitHistogram::default();
        if self.hist.is_empty() {
            return out;
        }
        let mut low = 0u64;
        let mut high = 0u64;
        let mut decade_ns = 1_000u64;
        let mut step = 0;
        loop {
            // Values equivalent to `high` share its bucket, so bucket edges
            // carry the histogram's own 0.1% resolution.
            out.le_ms.push(high as f64 / 1e6);
            out.counts.push(self.hist.count_between(low, high));
            if high >= self.max_ns {
                break;
            }
            low = self.hist.next_non_equivalent(high);
            high = decade_ns * [1, 2, 5][step];
            step += 1;
            if step == 3 {
                step = 0;
                decade_ns *= 10;
            }
        }
        out
    }

    /// Forgets everything.
    pub fn reset(&mut self) {
        if !self.hist.is_empty() {
            self.hist.reset();
        }
        self.zeros = 0;
        self.sum_ns = 0;
        self.max_ns = 0;
    }
}

/// Counters of the measured window.
#[derive(Debug, Clone, Copy, Default)]
pub struct Counters {
    pub arrived: u64,
    pub completed: u64,
    pub timed_out: u64,
    pub failed: u64,
    pub attempts: u64,
    pub waited: u64,
    pub timeouts: u64,
    pub window_completions: u64,
    pub too_many_clients: u64,
    pub statement_timeouts: u64,
    pub peak_waiting: u64,
    pub queries: u64,
    pub query_ns: u128,
}

/// Integrals of the levels over time (level x ns), from the start of the run.
#[derive(Debug, Clone, Copy, Default)]
struct Areas {
    waiting: u128,
    busy: u128,
    idle: u128,
    pools_waiting: u128,
    cores: u128,
}

impl Areas {
    #[inline]
    fn add(&mut self, lv: &Levels, cores: u64, dt: u64) {
        let dt = u128::from(dt);
        self.waiting += u128::from(lv.waiting) * dt;
        self.busy += u128::from(lv.busy) * dt;
        self.idle += u128::from(lv.idle) * dt;
        self.pools_waiting += u128::from(lv.pools_waiting) * dt;
        if cores > 0 {
            self.cores += u128::from(lv.ps_active.min(cores)) * dt;
        }
    }
}

/// Everything measured while the engine runs.
///
/// One set of running integrals covers the whole run; a snapshot at the end
/// of the warmup and one at each bucket edge turn it into window averages and
/// per-bucket averages, so the hot path integrates each level once.
#[derive(Debug)]
pub struct Stats {
    /// Start of the measured window.
    pub warmup: Time,
    /// End of the run.
    pub end: Time,
    pub counters: Counters,
    pub wait: DurationHist,
    pub latency: DurationHist,
    /// Most database connections at any moment of the run.
    pub peak_db: u64,
    cores: u64,
    last: Time,
    areas: Areas,
    at_warmup: Option<Areas>,
    /// The next warmup end or bucket edge (`Time::MAX` when none is left).
    next_mark: Time,
    timeline: TimelineBuilder,
}

impl Stats {
    /// Statistics for a run that measures `[warmup, end)` with `cores` (0: none).
    pub fn new(warmup: Time, end: Time, cores: u64) -> Stats {
        let timeline = TimelineBuilder::new(end);
        let at_warmup = (warmup == 0).then(Areas::default);
        let mut st = Stats {
            warmup,
            end,
            counters: Counters::default(),
            wait: DurationHist::new(3),
            latency: DurationHist::new(3),
            peak_db: 0,
            cores,
            last: 0,
            areas: Areas::default(),
            at_warmup,
            next_mark: 0,
            timeline,
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

    /// Integrates `levels` from the last call up to `now`.
    #[inline]
    pub fn advance(&mut self, now: Time, levels: &Levels) {
        if now >= self.next_mark {
            self.cross_marks(now, levels);
        }
        if now > self.last {
            self.areas.add(levels, self.cores, now - self.last);
            self.last = now;
        }
    }

    /// Integrates up to each mark before `now` and takes its snapshot.
    #[cold]
    fn cross_marks(&mut self, now: Time, levels: &Levels) {
        while self.next_mark <= now {
            let mark = self.next_mark;
            self.areas.add(levels, self.cores, mark - self.last);
            self.last = mark;
            if mark == self.warmup && self.at_warmup.is_none() {
                self.at_warmup = Some(self.areas);
            }
            if mark == self.timeline.bucket_end {
                self.timeline.close(&self.areas, levels);
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

    /// Notes a change in the number of database connections.
    #[inline]
    pub fn note_db(&mut self, db_conns: u64) {
        self.peak_db = self.peak_db.max(db_conns);
        self.timeline.db_peak = self.timeline.db_peak.max(db_conns);
    }

    /// Records a served acquire wait that started at `start`.
    #[inline]
    pub fn served(&mut self, start: Time, now: Time) {
        let wait = now - start;
        if start >= self.warmup {
            self.wait.record(wait);
        }
        self.timeline.wait.record(wait);
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

    /// Counts another failure in the timeline.
    #[inline]
    pub fn tl_failure(&mut self) {
        self.timeline.failures += 1;
    }

    fn window(&self) -> (Areas, f64) {
        let base = self.at_warmup.unwrap_or_default();
        let a = &self.areas;
        let d = Areas {
            waiting: a.waiting - base.waiting,
            busy: a.busy - base.busy,
            idle: a.idle - base.idle,
            pools_waiting: a.pools_waiting - base.pools_waiting,
            cores: a.cores - base.cores,
        };
        (d, (self.last.saturating_sub(self.warmup)).max(1) as f64)
    }

    /// Time-average busy connections over the window.
    pub fn mean_busy(&self) -> f64 {
        let (d, w) = self.window();
        d.busy as f64 / w
    }

    /// Time-average number of pools with waiters over the window.
    pub fn mean_pools_waiting(&self) -> f64 {
        let (d, w) = self.window();
        d.pools_waiting as f64 / w
    }

    /// Time-average busy cores over the window.
    pub fn mean_busy_cores(&self) -> f64 {
        let (d, w) = self.window();
        d.cores as f64 / w
    }

    /// Integrates to the end of the run and closes the timeline.
    pub fn finish_timeline(&mut self, levels: &Levels) -> Timeline {
        self.advance(self.end, levels);
        self.timeline.finish(&self.areas, levels)
    }
}

/// Builds the per-bucket series as time goes by.
#[derive(Debug)]
struct TimelineBuilder {
    bucket_ns: u64,
    bucket_s: f64,
    end: Time,
    bucket_end: Time,
    /// The running integrals at the start of the current bucket.
    at_start: Areas,
    db_peak: u64,
    timeouts: u64,
    failures: u64,
    arrivals: u64,
    wait: DurationHist,
    series: Series,
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
            db_peak: 0,
            timeouts: 0,
            failures: 0,
            arrivals: 0,
            wait: DurationHist::new(2),
            series: Series::default(),
        }
    }

    /// Ends the current bucket; `areas` are the running integrals at its end.
    fn close(&mut self, areas: &Areas, levels: &Levels) {
        let start = self.series.busy.len() as u64 * self.bucket_ns;
        let width = (self.bucket_end - start).max(1) as f64;
        let s = &mut self.series;
        s.waiting
            .push((areas.waiting - self.at_start.waiting) as f64 / width);
        s.busy
            .push((areas.busy - self.at_start.busy) as f64 / width);
        s.idle
            .push((areas.idle - self.at_start.idle) as f64 / width);
        s.db_connections.push(self.db_peak);
        s.timeouts.push(self.timeouts);
        s.failures.push(self.failures);
        s.arrivals.push(self.arrivals);
        let p99 = if self.wait.is_empty() {
            None
        } else {
            Some(self.wait.quantile_ms(0.99))
        };
        s.p99_wait_ms.push(p99);
        self.at_start = *areas;
        self.db_peak = levels.db_conns;
        self.timeouts = 0;
        self.failures = 0;
        self.arrivals = 0;
        self.wait.reset();
        self.bucket_end = (self.bucket_end + self.bucket_ns).min(self.end);
    }

    fn finish(&mut self, areas: &Areas, levels: &Levels) -> Timeline {
        if (self.series.busy.len() as u64) * self.bucket_ns < self.end {
            self.close(areas, levels);
        }
        Timeline {
            bucket_s: self.bucket_s,
            series: std::mem::take(&mut self.series),
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
    fn quantiles_are_nearest_rank_within_precision() {
        let mut h = DurationHist::new(3);
        for v in 1..=1000u64 {
            h.record(v * 1_000_000);
        }
        let s = h.summary();
        assert!((s.p50 - 500.0).abs() / 500.0 < 0.001, "{}", s.p50);
        assert!((s.p99 - 990.0).abs() / 990.0 < 0.001, "{}", s.p99);
        assert_eq!(s.max, 1000.0);
        assert!((s.mean - 500.5).abs() < 1e-9);
    }

    #[test]
    fn wait_buckets_count_every_value_once() {
        let mut h = DurationHist::new(3);
        for ns in [0, 0, 500, 1_500, 3_000_000, 70_000_000] {
            h.record(ns);
        }
        let b = h.buckets();
        assert_eq!(b.counts.iter().sum::<u64>(), 6);
        assert_eq!(&b.le_ms[..4], &[0.0, 0.001, 0.002, 0.005]);
        assert_eq!(b.counts[..3], [2, 1, 1]);
        assert_eq!(*b.le_ms.last().unwrap(), 100.0);
    }

    #[test]
    fn timeline_averages_levels_over_each_bucket() {
        // 10 s run, 0.1 s buckets (100 of them): busy is 2 in the first half
        // of the first bucket and 4 afterwards.
        let mut st = Stats::new(0, 10_000_000_000, 0);
        let mut lv = Levels {
            busy: 2,
            ..Levels::default()
        };
        st.advance(50_000_000, &lv);
        lv.busy = 4;
        let tl = st.finish_timeline(&lv);
        assert_eq!(tl.bucket_s, 0.02);
        assert_eq!(tl.series.busy.len(), 500);
        assert!((tl.series.busy[0] - 2.0).abs() < 1e-12);
        assert!((tl.series.busy[2] - 3.0).abs() < 1e-12);
        assert!((tl.series.busy[499] - 4.0).abs() < 1e-12);
    }
}
