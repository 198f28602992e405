//! Duration distributions, drawn in integer nanoseconds.
//!
//! Transcendental functions come from `libm`, never from the platform, so a
//! draw is the same bits natively and in wasm.

use rand::{RngExt, SeedableRng};
use rand_distr::{Exp1, StandardNormal};
use rand_pcg::Pcg64Mcg;

use crate::scenario::Dist;

/// The 0.99 quantile of the standard normal (MODEL.md §3).
pub const Z99: f64 = 2.326348;

const NS_PER_MS: f64 = 1e6;

/// The generator every draw goes through.
pub type SimRng = Pcg64Mcg;

/// Standard exponentials drawn per block.
const BLOCK: usize = 64;

/// The run's one seeded generator, with standard exponentials (arrival gaps,
/// exponential query times) drawn a block at a time: the ziggurat's fast path
/// then runs in a tight loop with well-predicted branches, and a draw on the
/// engine's hot path is a load. Deterministic like every other draw.
#[derive(Debug, Clone)]
pub struct Draws {
    /// The generator itself, for the other distributions.
    pub rng: SimRng,
    exp: [f64; BLOCK],
    next: usize,
}

impl Draws {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Draws {
        Draws {
            rng: SimRng::seed_from_u64(seed),
            exp: [0.0; BLOCK],
            next: BLOCK,
        }
    }

    /// One standard exponential (mean 1).
    #[inline(always)]
    pub fn exp1(&mut self) -> f64 {
        if self.next == BLOCK {
            self.refill();
        }
        let x = self.exp[self.next];
        self.next += 1;
        x
    }

    #[inline(never)]
    fn refill(&mut self) {
        for x in &mut self.exp {
            *x = self.rng.sample(Exp1);
        }
        self.next = 0;
    }
}

/// Parameters (mu, sigma) of the underlying normal of a lognormal, in ms;
/// `Ok(None)` for other kinds. The error says why the numbers are impossible.
pub fn lognormal_params(d: &Dist) -> Result<Option<(f64, f64)>, String> {
    let Dist::Lognormal { p50, mean, p99 } = *d else {
        return Ok(None);
    };
    match (p50, mean) {
        (Some(p50), None) => {
            if p99 < p50 {
                return Err(format!("p99 ({p99}) must be at least p50 ({p50})"));
            }
            Ok(Some((libm::log(p50), libm::log(p99 / p50) / Z99)))
        }
        (None, Some(mean)) => {
            let ratio = p99 / mean;
            let max_ratio = libm::exp(Z99 * Z99 / 2.0);
            if ratio < 1.0 {
                return Err(format!("p99 ({p99}) must be at least the mean ({mean})"));
            }
            if ratio > max_ratio {
                return Err(format!(
                    "p99/mean = {ratio:.2} is above {max_ratio:.2}, the largest a lognormal can have; \
                     give p50 and p99 instead"
                ));
            }
            let sigma = Z99 - libm::sqrt(Z99 * Z99 - 2.0 * libm::log(ratio));
            Ok(Some((libm::log(mean) - sigma * sigma / 2.0, sigma)))
        }
        _ => Err("a lognormal takes p50 or mean (one of them) with p99".into()),
    }
}

/// The mean of a distribution, in ms.
pub fn mean_ms(d: &Dist) -> f64 {
    match *d {
        Dist::Constant { value } => value,
        Dist::Exponential { mean } => mean,
        Dist::Uniform { min, max } => (min + max) / 2.0,
        Dist::Lognormal { .. } => match lognormal_params(d) {
            Ok(Some((mu, sigma))) => libm::exp(mu + sigma * sigma / 2.0),
            _ => f64::NAN,
        },
    }
}

/// A validated distribution, ready to draw nanoseconds from.
#[derive(Debug, Clone, Copy)]
pub enum Sampler {
    /// Always this many ns.
    Constant(u64),
    /// Exponential with this mean, ns.
    Exponential(f64),
    /// exp(mu + sigma Z) ns.
    Lognormal {
        /// Location in ln(ns).
        mu: f64,
        /// Shape.
        sigma: f64,
    },
    /// min + width U, ns.
    Uniform {
        /// Smallest value, ns.
        min: f64,
        /// max - min, ns.
        width: f64,
    },
}

impl Sampler {
    /// Builds a sampler; the distribution must have passed validation.
    pub fn new(d: &Dist) -> Sampler {
        match *d {
            Dist::Constant { value } => Sampler::Constant(ms_to_ns(value)),
            Dist::Exponential { mean } => Sampler::Exponential(mean * NS_PER_MS),
            Dist::Uniform { min, max } => Sampler::Uniform {
                min: min * NS_PER_MS,
                width: (max - min) * NS_PER_MS,
            },
            Dist::Lognormal { .. } => {
                let (mu, sigma) = lognormal_params(d).ok().flatten().unwrap_or((0.0, 0.0));
                Sampler::Lognormal {
                    mu: mu + libm::log(NS_PER_MS),
                    sigma,
                }
            }
        }
    }

    /// Whether every draw is zero (so no event needs scheduling).
    pub fn is_zero(&self) -> bool {
        matches!(self, Sampler::Constant(0))
    }

    /// One draw, in nanoseconds.
    #[inline(always)]
    pub fn sample(&self, draws: &mut Draws) -> u64 {
        match *self {
            Sampler::Constant(ns) => ns,
            Sampler::Exponential(mean) => to_ns(draws.exp1() * mean),
            Sampler::Lognormal { mu, sigma } => {
                let z: f64 = draws.rng.sample(StandardNormal);
                to_ns(libm::exp(mu + sigma * z))
            }
            Sampler::Uniform { min, width } => to_ns(min + width * draws.rng.random::<f64>()),
        }
    }
}

/// Milliseconds to integer nanoseconds, rounded to nearest.
pub fn ms_to_ns(ms: f64) -> u64 {
    to_ns(ms * NS_PER_MS)
}

/// Seconds to integer nanoseconds, rounded to nearest.
pub fn s_to_ns(s: f64) -> u64 {
    to_ns(s * 1e9)
}

/// A non-negative float number of nanoseconds, rounded to an integer.
#[inline]
pub fn to_ns(x: f64) -> u64 {
    // Draws are never negative. Going through i64 is a cheaper conversion
    // than straight to u64 and the same for every value below 2^63 ns
    // (292 years); larger values (an infinite lognormal tail) saturate.
    debug_assert!(x >= 0.0, "negative duration {x}");
    (x + 0.5) as i64 as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lognormal_from_p50_p99_matches_model() {
        let d = Dist::Lognormal {
            p50: Some(8.0),
            mean: None,
            p99: 85.0,
        };
        let (mu, sigma) = lognormal_params(&d).unwrap().unwrap();
        assert!((mu - 8f64.ln()).abs() < 1e-12);
        assert!((sigma - (85.0f64 / 8.0).ln() / Z99).abs() < 1e-12);
    }

    #[test]
    fn lognormal_from_mean_p99_recovers_mean_and_p99() {
        let d = Dist::Lognormal {
            p50: None,
            mean: Some(10.0),
            p99: 60.0,
        };
        let (mu, sigma) = lognormal_params(&d).unwrap().unwrap();
        assert!((libm::exp(mu + sigma * sigma / 2.0) - 10.0).abs() < 1e-9);
        assert!((libm::exp(mu + Z99 * sigma) - 60.0).abs() < 1e-9);
    }

    #[test]
    fn lognormal_with_too_wide_p99_over_mean_is_refused() {
        let d = Dist::Lognormal {
            p50: None,
            mean: Some(1.0),
            p99: 15.5,
        };
        let err = lognormal_params(&d).unwrap_err();
        assert!(err.contains("14.97"), "{err}");
    }

    #[test]
    fn sample_means_agree_with_parameters() {
        let mut rng = Draws::new(7);
        let n = 200_000;
        for d in [
            Dist::Exponential { mean: 10.0 },
            Dist::Uniform { min: 2.0, max: 6.0 },
            Dist::Lognormal {
                p50: Some(8.0),
                mean: None,
                p99: 40.0,
            },
        ] {
            let s = Sampler::new(&d);
            let sum: f64 = (0..n).map(|_| s.sample(&mut rng) as f64 / 1e6).sum();
            let got = sum / n as f64;
            let want = mean_ms(&d);
            // Coefficient of variation is at most ~1.4 here; 5 standard errors.
            let tol = 5.0 * 1.4 * want / (n as f64).sqrt();
            assert!((got - want).abs() < tol, "{d:?}: mean {got} vs {want}");
        }
    }
}
