//! A log-linear histogram of durations in nanoseconds.
//!
//! Values below 256 ns have a bucket each; above, every power of two is split
//! into 128 buckets, so a percentile is off by less than 1/128 (0.8%), inside
//! the 1% MODEL.md allows. This is HdrHistogram's layout with 2 significant
//! digits, cut down to what the engine's hot path needs: recording is an
//! index computation and an increment (HdrHistogram's generic `record` took
//! about 45 instructions, a tenth of a simulated request).

use crate::measure::report::{Summary, WaitHistogram};

const SUB_BITS: u32 = 7;
const SUB: u64 = 1 << SUB_BITS;
/// Buckets needed to cover every u64.
const LEN: usize = ((64 - SUB_BITS as usize) + 1) * SUB as usize;

/// The bucket of `v`: `v` itself below `2 SUB`; above, `v >> shift` keeps
/// the top `SUB_BITS + 1` bits (from `SUB` to `2 SUB - 1`) and each shift
/// adds `SUB` buckets. Without a branch: zero waits and waits mix at random
/// on the hot path, and a branch here was mispredicted often.
#[inline]
fn index(v: u64) -> usize {
    let msb = 63 - (v | 1).leading_zeros();
    let shift = msb.saturating_sub(SUB_BITS);
    ((shift as usize) << SUB_BITS) + (v >> shift) as usize
}

/// The largest value that falls in bucket `i`.
fn highest(i: usize) -> u64 {
    if i < 2 * SUB as usize {
        return i as u64;
    }
    let shift = (i >> SUB_BITS) as u32 - 1;
    let low = (SUB + (i as u64 & (SUB - 1))) << shift;
    low + ((1u64 << shift) - 1)
}

/// A histogram of durations with an exact count, mean and maximum.
///
/// With `RESETS`, it tracks the range of buckets it touched so that a reset
/// clears only that range (the timeline's per-bucket histograms); without,
/// recording skips that bookkeeping (the run-long histograms).
#[derive(Debug, Clone)]
pub struct LogHist<const RESETS: bool = false> {
    /// A fixed-size array, so the index needs no bounds check.
    counts: Box<[u64; LEN]>,
    n: u64,
    sum_ns: u128,
    max_ns: u64,
    /// Range of buckets touched since the last reset, so a reset clears
    /// only what was used.
    lo: usize,
    hi: usize,
}

impl<const RESETS: bool> Default for LogHist<RESETS> {
    fn default() -> Self {
        LogHist {
            counts: Box::new([0; LEN]),
            n: 0,
            sum_ns: 0,
            max_ns: 0,
            lo: if RESETS { LEN } else { 0 },
            hi: if RESETS { 0 } else { LEN - 1 },
        }
    }
}

impl<const RESETS: bool> LogHist<RESETS> {
    /// Adds one value.
    #[inline(always)]
    pub fn record(&mut self, ns: u64) {
        let i = index(ns);
        self.counts[i] += 1;
        if RESETS {
            self.lo = self.lo.min(i);
            self.hi = self.hi.max(i);
        }
        self.n += 1;
        self.sum_ns += u128::from(ns);
        self.max_ns = self.max_ns.max(ns);
    }

    /// Values recorded.
    pub fn len(&self) -> u64 {
        self.n
    }

    /// Count of each bucket.
    #[cfg(test)]
    pub fn counts(&self) -> &[u64] {
        &self.counts[..]
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Nearest-rank quantile in ms: the smallest bucket holding the
    /// ceil(q n)-th value, reported as its largest value but never above the
    /// exact maximum (0 when empty).
    pub fn quantile_ms(&self, q: f64) -> f64 {
        if self.n == 0 {
            return 0.0;
        }
        let rank = ((q * self.n as f64).ceil() as u64).clamp(1, self.n);
        let used = &self.counts[self.lo..self.hi + 1];
        // The bucket is the first whose running count reaches `rank`, or
        // equally the last from the top whose count from there up exceeds
        // n - rank; walk in from the nearer end.
        let at = if rank > self.n / 2 {
            let above = self.n - rank;
            let mut tail = 0;
            used.iter().rposition(|&c| {
                tail += c;
                tail > above
            })
        } else {
            let mut seen = 0;
            used.iter().position(|&c| {
                seen += c;
                seen >= rank
            })
        };
        match at {
            Some(i) => highest(self.lo + i).min(self.max_ns) as f64 / 1e6,
            None => self.max_ns as f64 / 1e6,
        }
    }

    /// Mean, percentiles and maximum in ms.
    pub fn summary(&self) -> Summary {
        Summary {
            mean: if self.n == 0 {
                0.0
            } else {
                (self.sum_ns as f64 / self.n as f64) / 1e6
            },
            p50: self.quantile_ms(0.50),
            p95: self.quantile_ms(0.95),
            p99: self.quantile_ms(0.99),
            max: self.max_ns as f64 / 1e6,
        }
    }

    /// Values at most `ns` (with the values that share its bucket).
    fn count_le(&self, ns: u64) -> u64 {
        let top = index(ns).min(self.hi);
        if self.n == 0 || top < self.lo {
            return 0;
        }
        self.counts[self.lo..=top].iter().sum()
    }

    /// Counts by 1-2-5 bounds from 0 up to the largest value (see [`WaitHistogram`]).
    pub fn buckets(&self) -> WaitHistogram {
        let mut out = WaitHistogram::default();
        if self.n == 0 {
            return out;
        }
        let mut below = 0;
        let mut high = 0u64;
        let mut decade_ns = 1_000u64;
        let mut step = 0;
        loop {
            let upto = self.count_le(high);
            out.le_ms.push(high as f64 / 1e6);
            out.counts.push(upto - below);
            below = upto;
            if high >= self.max_ns {
                break;
            }
            high = decade_ns * [1, 2, 5][step];
            step += 1;
            if step == 3 {
                step = 0;
                decade_ns *= 10;
            }
        }
        out
    }
}

/// Merging the timeline's per-bucket histograms into the run-long one, so a
/// served wait is recorded once on the hot path. Counts, `n` and the sum use
/// wrapping arithmetic: a value taken out before it is merged in (see
/// [`LogHist::unrecord`]) leaves a transient wrapped count that the merge
/// brings back to the right number.
impl LogHist<false> {
    /// Takes out one value, which a later [`LogHist::drain`] merges in.
    #[cold]
    pub fn unrecord(&mut self, ns: u64) {
        let i = index(ns);
        self.counts[i] = self.counts[i].wrapping_sub(1);
        self.n = self.n.wrapping_sub(1);
        self.sum_ns = self.sum_ns.wrapping_sub(u128::from(ns));
    }

    /// Takes out every value of `part`, which a later drain of it merges in.
    pub fn subtract(&mut self, part: &LogHist<true>) {
        if part.n == 0 {
            return;
        }
        for i in part.lo..=part.hi {
            self.counts[i] = self.counts[i].wrapping_sub(part.counts[i]);
        }
        self.n = self.n.wrapping_sub(part.n);
        self.sum_ns = self.sum_ns.wrapping_sub(part.sum_ns);
    }

    /// Sets the exact maximum, which merges do not carry.
    pub fn set_max(&mut self, max_ns: u64) {
        self.max_ns = max_ns;
    }
}

impl LogHist<true> {
    /// Empties the histogram, adding its values to `into` if given, and
    /// returns its `q` quantile in ms (None when it was empty). It touches
    /// only the range of buckets that were used.
    pub fn drain(&mut self, q: f64, into: Option<&mut LogHist>) -> Option<f64> {
        if self.is_empty() {
            return None;
        }
        let quantile = self.quantile_ms(q);
        let used = self.lo..self.hi + 1;
        if let Some(g) = into {
            let from = &self.counts[used.clone()];
            for (g, c) in g.counts[used.clone()].iter_mut().zip(from) {
                *g = g.wrapping_add(*c);
            }
            g.n = g.n.wrapping_add(self.n);
            g.sum_ns = g.sum_ns.wrapping_add(self.sum_ns);
        }
        self.counts[used].fill(0);
        self.n = 0;
        self.sum_ns = 0;
        self.max_ns = 0;
        self.lo = LEN;
        self.hi = 0;
        Some(quantile)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_tile_the_number_line() {
        // Every bucket starts right after the previous one ends, and each
        // value lands in the bucket whose range holds it.
        for i in 1..LEN - 1 {
            let low = highest(i - 1) + 1;
            assert_eq!(index(low), i, "bucket {i}");
            assert_eq!(index(highest(i)), i, "bucket {i}");
        }
        assert_eq!(index(u64::MAX), LEN - 1);
        assert_eq!(highest(LEN - 1), u64::MAX);
    }

    #[test]
    fn relative_error_is_below_one_percent() {
        for v in [300u64, 1_000, 12_345, 987_654_321, 1 << 50] {
            let err = (highest(index(v)) - v) as f64 / v as f64;
            assert!(err < 1.0 / 128.0, "{v}: {err}");
        }
    }

    #[test]
    fn quantiles_are_nearest_rank() {
        let mut h: LogHist = LogHist::default();
        for v in 1..=1000u64 {
            h.record(v * 1_000_000);
        }
        let s = h.summary();
        assert!((s.p50 - 500.0).abs() / 500.0 < 1.0 / 128.0, "{}", s.p50);
        assert!((s.p99 - 990.0).abs() / 990.0 < 1.0 / 128.0, "{}", s.p99);
        assert_eq!(s.max, 1000.0);
        assert!((s.mean - 500.5).abs() < 1e-9);
        // Nearest rank: with values 1..=4 ms, p50 is the 2nd value.
        let mut h: LogHist = LogHist::default();
        for v in 1..=4u64 {
            h.record(v * 1_000_000);
        }
        assert!((h.quantile_ms(0.5) - 2.0).abs() < 2.0 / 128.0);
    }

    #[test]
    fn quantiles_from_either_end_agree_with_a_plain_scan() {
        let mut h = LogHist::<true>::default();
        let mut x = 12_345u64;
        for _ in 0..5_000 {
            x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            h.record((x >> 40) % 50_000_000);
        }
        for q in (0..=1000).map(|k| f64::from(k) / 1000.0) {
            let rank = ((q * h.n as f64).ceil() as u64).clamp(1, h.n);
            let mut seen = 0;
            let i = (0..LEN)
                .find(|&i| {
                    seen += h.counts[i];
                    seen >= rank
                })
                .unwrap();
            let want = highest(i).min(h.max_ns) as f64 / 1e6;
            assert_eq!(h.quantile_ms(q), want, "q = {q}");
        }
    }

    #[test]
    fn wait_buckets_count_every_value_once() {
        let mut h: LogHist = LogHist::default();
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
    fn drained_parts_add_up_to_the_whole() {
        // Values 1..=300 ms in three parts; the middle part is taken out
        // before it is merged in (as at the end of the warmup), and one value
        // of the last part is taken out before its merge (a wait that
        // started in the warmup).
        let mut whole: LogHist = LogHist::default();
        let mut part = LogHist::<true>::default();
        let ms = |v: u64| v * 1_000_000;
        for v in 1..=100 {
            part.record(ms(v));
        }
        let q = part.drain(0.99, None).unwrap();
        assert!((q - 99.0).abs() / 99.0 < 1.0 / 128.0, "{q}");
        for v in 101..=200 {
            part.record(ms(v));
        }
        whole.subtract(&part);
        assert!(part.drain(0.5, Some(&mut whole)).is_some());
        assert_eq!(whole.len(), 0);
        assert!(whole.counts.iter().all(|&c| c == 0));
        for v in 201..=300 {
            part.record(ms(v));
        }
        whole.unrecord(ms(250));
        part.drain(0.5, Some(&mut whole));
        whole.set_max(ms(300));
        assert!(part.is_empty() && part.counts.iter().all(|&c| c == 0));
        let mut want: LogHist = LogHist::default();
        for v in (201..=300).filter(|&v| v != 250) {
            want.record(ms(v));
        }
        assert_eq!(whole.counts, want.counts);
        let (a, b) = (whole.summary(), want.summary());
        assert_eq!((a.p50, a.p99, a.max), (b.p50, b.p99, b.max));
        assert!((a.mean - b.mean).abs() < 1e-9);
    }

    #[test]
    fn drain_clears_what_was_recorded() {
        let mut h = LogHist::<true>::default();
        h.record(5);
        h.record(1 << 40);
        h.drain(0.5, None);
        assert!(h.is_empty());
        assert!(h.counts.iter().all(|&c| c == 0));
        h.record(7);
        assert_eq!(h.summary().max, 7e-6);
    }
}
