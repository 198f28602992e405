//! Measured latency in (MODEL.md §6): an APM's percentiles, a Prometheus
//! histogram, or raw samples, drawn as given.
//!
//! Each draw takes one uniform number u in [0, 1) and maps it through the
//! distribution's quantile function, so a draw costs one generator call and
//! a binary search.

use crate::input::scenario::Dist;

/// A measured distribution ready to draw from, in nanoseconds.
#[derive(Debug, Clone)]
pub enum Measured {
    /// Percentile points: between two, the value is log-linear in q.
    Quantiles {
        /// Increasing q of each point.
        q: Box<[f64]>,
        /// Value of each point, ns.
        v: Box<[f64]>,
        /// ln of each value.
        ln_v: Box<[f64]>,
    },
    /// Buckets with their cumulative probabilities.
    Histogram {
        /// P(X <= upper edge of bucket i).
        cum: Box<[f64]>,
        /// Edges, ns: bucket i is `edges[i]..edges[i + 1]`.
        edges: Box<[f64]>,
    },
    /// Values, ns, each drawn with equal probability.
    Samples(Box<[f64]>),
}

const NS_PER_MS: f64 = 1e6;

impl Measured {
    /// The sampler of a measured distribution (None for other kinds); the
    /// distribution must have passed validation.
    pub fn new(d: &Dist) -> Option<Measured> {
        match d {
            Dist::Quantiles { points } => {
                let q: Box<[f64]> = points.iter().map(|p| p[0]).collect();
                let v: Box<[f64]> = points.iter().map(|p| p[1] * NS_PER_MS).collect();
                let ln_v = v.iter().map(|&x| libm::log(x)).collect();
                Some(Measured::Quantiles { q, v, ln_v })
            }
            Dist::Histogram {
                le_ms,
                counts,
                cumulative,
            } => {
                let per_bucket = bucket_counts(counts, *cumulative);
                let total: f64 = per_bucket.iter().sum();
                let mut acc = 0.0;
                let cum = per_bucket
                    .iter()
                    .map(|c| {
                        acc += c;
                        acc / total
                    })
                    .collect();
                let edges = std::iter::once(0.0)
                    .chain(le_ms.iter().map(|x| x * NS_PER_MS))
                    .collect();
                Some(Measured::Histogram { cum, edges })
            }
            Dist::Samples { ms } => Some(Measured::Samples(
                ms.iter().map(|x| x * NS_PER_MS).collect(),
            )),
            _ => None,
        }
    }

    /// The value at quantile `u` (in [0, 1)), ns.
    #[inline]
    pub fn at(&self, u: f64) -> f64 {
        match self {
            Measured::Quantiles { q, v, ln_v } => {
                let i = q.partition_point(|&qi| qi < u);
                if i == 0 {
                    v[0] * u / q[0]
                } else if i == q.len() {
                    v[i - 1]
                } else {
                    let t = (u - q[i - 1]) / (q[i] - q[i - 1]);
                    libm::exp(ln_v[i - 1] + (ln_v[i] - ln_v[i - 1]) * t)
                }
            }
            Measured::Histogram { cum, edges } => {
                let i = cum.partition_point(|&c| c <= u).min(cum.len() - 1);
                let below = if i == 0 { 0.0 } else { cum[i - 1] };
                let width = cum[i] - below;
                let t = if width > 0.0 {
                    (u - below) / width
                } else {
                    0.0
                };
                edges[i] + (edges[i + 1] - edges[i]) * t.clamp(0.0, 1.0)
            }
            Measured::Samples(xs) => {
                let i = ((u * xs.len() as f64) as usize).min(xs.len() - 1);
                xs[i]
            }
        }
    }
}

/// Per-bucket counts from counts given per bucket or cumulatively.
fn bucket_counts(counts: &[f64], cumulative: bool) -> Vec<f64> {
    if !cumulative {
        return counts.to_vec();
    }
    let mut prev = 0.0;
    counts
        .iter()
        .map(|&c| {
            let d = c - prev;
            prev = c;
            d
        })
        .collect()
}

/// The mean of a measured distribution, ms (NaN for other kinds).
pub fn mean_ms(d: &Dist) -> f64 {
    match d {
        Dist::Quantiles { points } => {
            let (q0, v0) = (points[0][0], points[0][1]);
            let mut mean = q0 * v0 / 2.0;
            for w in points.windows(2) {
                let ([qa, va], [qb, vb]) = (w[0], w[1]);
                let seg = if vb > va {
                    (vb - va) / libm::log(vb / va)
                } else {
                    va
                };
                mean += (qb - qa) * seg;
            }
            let [ql, vl] = points[points.len() - 1];
            mean + (1.0 - ql) * vl
        }
        Dist::Histogram {
            le_ms,
            counts,
            cumulative,
        } => {
            let per = bucket_counts(counts, *cumulative);
            let total: f64 = per.iter().sum();
            let mut lo = 0.0;
            let mut sum = 0.0;
            for (c, &hi) in per.iter().zip(le_ms) {
                sum += c * (lo + hi) / 2.0;
                lo = hi;
            }
            sum / total
        }
        Dist::Samples { ms } => ms.iter().sum::<f64>() / ms.len() as f64,
        _ => f64::NAN,
    }
}

/// What is wrong with a measured distribution, if anything: the sub-path
/// (such as `.points[2]`) and a message.
pub fn problem(d: &Dist, max_ms: f64, max_points: usize) -> Option<(String, String)> {
    let bad_ms = |x: f64| !x.is_finite() || x < 0.0 || x > max_ms;
    match d {
        Dist::Quantiles { points } => {
            if points.is_empty() || points.len() > max_points {
                return Some((
                    ".points".into(),
                    format!("give 1 to {max_points} [q, ms] points"),
                ));
            }
            let mut last = (0.0, 0.0);
            for (i, &[q, ms]) in points.iter().enumerate() {
                if !(q > last.0 && q <= 1.0) {
                    return Some((
                        format!(".points[{i}]"),
                        format!(
                            "q must increase and lie in (0, 1], got {q} after {}",
                            last.0
                        ),
                    ));
                }
                if bad_ms(ms) || ms <= 0.0 || ms < last.1 {
                    return Some((
                        format!(".points[{i}]"),
                        format!(
                            "ms must be above 0, at most {max_ms}, and not below the previous \
                             point's ({}), got {ms}",
                            last.1
                        ),
                    ));
                }
                last = (q, ms);
            }
            None
        }
        Dist::Histogram {
            le_ms,
            counts,
            cumulative,
        } => {
            if le_ms.is_empty() || le_ms.len() > max_points {
                return Some((".le_ms".into(), format!("give 1 to {max_points} bounds")));
            }
            if counts.len() != le_ms.len() {
                return Some((
                    ".counts".into(),
                    format!(
                        "needs one count per bound: {} bounds, {} counts",
                        le_ms.len(),
                        counts.len()
                    ),
                ));
            }
            let mut last = 0.0;
            for (i, &le) in le_ms.iter().enumerate() {
                if bad_ms(le) || le <= last {
                    return Some((
                        format!(".le_ms[{i}]"),
                        format!(
                            "bounds must increase from above 0 to at most {max_ms}, got {le} after {last}"
                        ),
                    ));
                }
                last = le;
            }
            let mut prev = 0.0;
            for (i, &c) in counts.iter().enumerate() {
                if !c.is_finite() || c < 0.0 || (*cumulative && c < prev) {
                    let rule = if *cumulative {
                        "cumulative counts must not decrease"
                    } else {
                        "counts must be 0 or more"
                    };
                    return Some((format!(".counts[{i}]"), format!("{rule}, got {c}")));
                }
                prev = c;
            }
            let total: f64 = bucket_counts(counts, *cumulative).iter().sum();
            (total <= 0.0).then(|| {
                (
                    ".counts".into(),
                    "at least one count must be above 0".into(),
                )
            })
        }
        Dist::Samples { ms } => {
            if ms.is_empty() || ms.len() > max_points {
                return Some((".ms".into(), format!("give 1 to {max_points} values")));
            }
            ms.iter().position(|&x| bad_ms(x)).map(|i| {
                (
                    format!(".ms[{i}]"),
                    format!("must be a number from 0 to {max_ms}, got {}", ms[i]),
                )
            })
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantile_points_are_hit_exactly() {
        let d = Dist::Quantiles {
            points: vec![[0.5, 8.0], [0.95, 40.0], [0.99, 85.0]],
        };
        let m = Measured::new(&d).unwrap();
        assert!((m.at(0.5) - 8e6).abs() < 1e-6);
        assert!((m.at(0.95) - 40e6).abs() < 1e-3);
        assert!((m.at(0.25) - 4e6).abs() < 1e-6, "linear from 0 below");
        assert_eq!(m.at(0.999), 85e6, "flat above the last point");
        // Log-linear halfway between 8 and 40: sqrt(8 x 40).
        assert!((m.at(0.725) - (320.0f64).sqrt() * 1e6).abs() < 1.0);
    }

    #[test]
    fn histogram_buckets_are_drawn_by_count() {
        let d = Dist::Histogram {
            le_ms: vec![1.0, 5.0],
            counts: vec![1.0, 4.0],
            cumulative: true,
        };
        let m = Measured::new(&d).unwrap();
        assert!((m.at(0.0) - 0.0).abs() < 1e-9);
        // Cumulative 1 then 4: buckets of 1 and 3, probabilities 1/4 and 3/4.
        assert!(
            (m.at(0.125) - 0.5e6).abs() < 1e-3,
            "middle of the first bucket"
        );
        assert!(
            (m.at(0.5) - (1.0 + 4.0 / 3.0) * 1e6).abs() < 1e-3,
            "a third into the second"
        );
        assert!((mean_ms(&d) - (0.25 * 0.5 + 0.75 * 3.0)).abs() < 1e-12);
    }

    #[test]
    fn quantiles_mean_integrates_the_pieces() {
        // One point at q = 1: linear from 0 to 10 ms, mean 5.
        let d = Dist::Quantiles {
            points: vec![[1.0, 10.0]],
        };
        assert!((mean_ms(&d) - 5.0).abs() < 1e-12);
        // Flat between equal values, then flat above.
        let d = Dist::Quantiles {
            points: vec![[0.5, 4.0], [0.9, 4.0]],
        };
        assert!((mean_ms(&d) - (0.5 * 2.0 + 0.4 * 4.0 + 0.1 * 4.0)).abs() < 1e-12);
    }

    #[test]
    fn problems_name_the_part() {
        let bad = Dist::Quantiles {
            points: vec![[0.5, 8.0], [0.4, 9.0]],
        };
        assert_eq!(problem(&bad, 1e9, 10).unwrap().0, ".points[1]");
        let bad = Dist::Histogram {
            le_ms: vec![1.0, 2.0],
            counts: vec![1.0],
            cumulative: false,
        };
        assert_eq!(problem(&bad, 1e9, 10).unwrap().0, ".counts");
        let bad = Dist::Samples { ms: vec![] };
        assert_eq!(problem(&bad, 1e9, 10).unwrap().0, ".ms");
        let good = Dist::Samples { ms: vec![1.0, 3.0] };
        assert!(problem(&good, 1e9, 10).is_none());
        assert_eq!(mean_ms(&good), 2.0);
    }
}
