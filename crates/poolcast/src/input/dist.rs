//! Duration distributions, drawn in integer nanoseconds.
//!
//! Transcendental functions come from `libm`, never from the platform, so a
//! draw is the same bits natively and in wasm.

use rand::{Rng, RngExt, SeedableRng};
use rand_distr::StandardNormal;
use rand_pcg::Pcg64Mcg;

use crate::input::measured::Measured;
use crate::input::scenario::Dist;

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
    zig: Box<ExpZiggurat>,
}

impl Draws {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Draws {
        Draws {
            rng: SimRng::seed_from_u64(seed),
            exp: [0.0; BLOCK],
            next: BLOCK,
            zig: Box::new(ExpZiggurat::new()),
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
        // A local copy keeps the generator's state in registers.
        let mut rng = self.rng.clone();
        for x in &mut self.exp {
            *x = self.zig.sample(&mut rng);
        }
        self.rng = rng;
        self.next = 0;
    }
}

/// Layers of the exponential ziggurat.
const ZIG_LAYERS: usize = 256;
/// Where the exponential ziggurat's tail starts (Marsaglia and Tsang 2000).
const ZIG_R: f64 = 7.697_117_470_131_05;
/// Area of each layer.
const ZIG_V: f64 = 0.003_949_659_822_581_557;

/// The ziggurat method for Exp(1) (Marsaglia and Tsang, "The ziggurat
/// method for generating random variables", 2000), 256 layers.
///
/// `rand_distr::Exp1` is the same algorithm; this copy exists because the
/// engine draws two exponentials per simulated request and the generic one,
/// inlined into a loop, kept its state on the stack (38 instructions a draw
/// against 28 here, counted with callgrind). The tables are computed with `libm`, so they are
/// the same bits in every build; `sample_is_exp1` tests the distribution.
#[derive(Debug, Clone)]
struct ExpZiggurat {
    /// Layer edges: `x[0]` is the base layer's width (V / f(R)), `x[1]` is R,
    /// down to `x[ZIG_LAYERS]` = 0.
    x: [f64; ZIG_LAYERS + 1],
    /// `f[i]` = `exp(-x[i])`.
    f: [f64; ZIG_LAYERS + 1],
}

impl ExpZiggurat {
    fn new() -> ExpZiggurat {
        let mut x = [0.0; ZIG_LAYERS + 1];
        x[0] = ZIG_V * libm::exp(ZIG_R);
        x[1] = ZIG_R;
        for i in 1..ZIG_LAYERS - 1 {
            x[i + 1] = -libm::log(ZIG_V / x[i] + libm::exp(-x[i]));
        }
        x[ZIG_LAYERS] = 0.0;
        let f = x.map(|v| libm::exp(-v));
        ExpZiggurat { x, f }
    }

    /// One draw: a point in a random layer, accepted at once if it lies
    /// under the next layer's edge (about 99% of draws).
    #[inline(always)]
    fn sample(&self, rng: &mut SimRng) -> f64 {
        loop {
            let bits = rng.next_u64();
            let i = (bits & 0xff) as usize;
            let x = open01(bits >> 12) * self.x[i];
            if x < self.x[i + 1] {
                return x;
            }
            // The generator goes to the rare path by value: were its address
            // taken, it would live on the stack in the fast path too.
            let (next, accepted) = self.edge(rng.clone(), i, x);
            *rng = next;
            if let Some(x) = accepted {
                return x;
            }
        }
    }

    /// The rare cases: the tail beyond R (base layer) or a point in a
    /// layer's wedge, accepted under the density. Uniforms as `rand` draws
    /// them, as `rand_distr::Exp1` does.
    #[cold]
    #[inline(never)]
    fn edge(&self, mut rng: SimRng, i: usize, x: f64) -> (SimRng, Option<f64>) {
        let u = rng.random::<f64>();
        let accepted = if i == 0 {
            Some(ZIG_R - libm::log(u))
        } else {
            (self.f[i + 1] + (self.f[i] - self.f[i + 1]) * u < libm::exp(-x)).then_some(x)
        };
        (rng, accepted)
    }
}

/// 52 random bits as a float strictly between 0 and 1 (as `rand_distr`'s
/// ziggurat makes it).
#[inline(always)]
fn open01(bits52: u64) -> f64 {
    f64::from_bits(bits52 | 0x3ff0_0000_0000_0000) - (1.0 - f64::EPSILON / 2.0)
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
        Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. } => {
            crate::input::measured::mean_ms(d)
        }
    }
}

/// What is wrong with a measured distribution (see [`crate::input::measured::problem`]).
pub(crate) fn measured_problem(
    d: &Dist,
    max_ms: f64,
    max_points: usize,
) -> Option<(String, String)> {
    crate::input::measured::problem(d, max_ms, max_points)
}

/// A validated distribution, ready to draw nanoseconds from.
#[derive(Debug, Clone)]
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
    /// Measured percentiles, a histogram or samples.
    Measured(Box<Measured>),
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
            Dist::Quantiles { .. } | Dist::Histogram { .. } | Dist::Samples { .. } => {
                match Measured::new(d) {
                    Some(m) => Sampler::Measured(Box::new(m)),
                    None => Sampler::Constant(0),
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
            Sampler::Measured(ref m) => to_ns(m.at(draws.rng.random::<f64>())),
        }
    }
}

/// Milliseconds to integer nanoseconds, rounded to nearest.
pub fn ms_to_ns(ms: f64) -> u64 {
    to_ns(ms * NS_PER_MS)
}

/// Simulated time: integer nanoseconds since the start of the run.
pub type Time = u64;

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
    fn ziggurat_tables_match_the_published_ones() {
        // rand_distr's ZIG_EXP_X / ZIG_EXP_F, a few entries.
        let z = ExpZiggurat::new();
        for (i, want) in [
            (0, 8.697_117_470_131_053),
            (2, 6.941_033_629_377_213),
            (128, 1.670_349_953_716_452),
            (255, 0.063_852_163_815_001_57),
        ] {
            assert!((z.x[i] - want).abs() < 1e-12, "x[{i}] = {}", z.x[i]);
        }
        assert!((z.f[0] - 0.000_167_066_692_307_963).abs() < 1e-15);
        assert_eq!((z.x[ZIG_LAYERS], z.f[ZIG_LAYERS]), (0.0, 1.0));
    }

    #[test]
    fn draws_follow_rand_distr_exp1() {
        // Same algorithm on the same random bits: the same draws, up to the
        // last bits of the tables (theirs were computed at higher precision).
        let mut ours = Draws::new(5);
        let mut theirs = SimRng::seed_from_u64(5);
        for k in 0..1_000_000 {
            let (a, b): (f64, f64) = (ours.exp1(), theirs.sample(rand_distr::Exp1));
            assert!((a - b).abs() <= 1e-13 * b, "draw {k}: {a} vs {b}");
        }
    }

    #[test]
    fn sample_is_exp1() {
        // Kolmogorov-Smirnov against 1 - exp(-x) over 400k draws; the 0.001
        // critical value is 1.95 / sqrt(n). The mean and the tail beyond R
        // (the base layer's other branch) are checked as well.
        let mut d = Draws::new(11);
        let n = 400_000;
        let mut xs: Vec<f64> = (0..n).map(|_| d.exp1()).collect();
        xs.sort_by(f64::total_cmp);
        let nf = n as f64;
        let ks = xs
            .iter()
            .enumerate()
            .map(|(k, &x)| {
                let cdf = 1.0 - libm::exp(-x);
                (cdf - k as f64 / nf)
                    .abs()
                    .max(((k + 1) as f64 / nf - cdf).abs())
            })
            .fold(0.0, f64::max);
        assert!(ks < 1.95 / nf.sqrt(), "KS distance {ks}");
        let mean = xs.iter().sum::<f64>() / nf;
        assert!((mean - 1.0).abs() < 5.0 / nf.sqrt(), "mean {mean}");
        // P(X > 5) = e^-5: 2695 expected, standard deviation about 52.
        let over5 = xs.iter().filter(|&&x| x > 5.0).count() as f64;
        assert!(
            (over5 - nf * libm::exp(-5.0)).abs() < 5.0 * 52.0,
            "{over5} above 5"
        );
        // Beyond R + 1, all from the tail branch: 67 expected, sd about 8.
        let tail = xs.iter().filter(|&&x| x > ZIG_R + 1.0).count() as f64;
        let want = nf * libm::exp(-ZIG_R - 1.0);
        assert!(
            (tail - want).abs() < 5.0 * want.sqrt(),
            "{tail} beyond R + 1"
        );
        assert!(xs[0] > 0.0 && xs[n - 1].is_finite());
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
