//! How sure is the answer: near saturation a small error in the hold time
//! moves waits a lot (against a real PgBouncer, a hold time 5 % too long made
//! the simulated mean wait 68-92 % too high). So the page runs the scenario
//! again with every query 10 % and 5 % shorter and longer, in background
//! workers, and the cards show the band; the verdict says when the answer
//! is fragile.

use poolcast::Scenario;
use poolcast::scenario::Dist;
use serde::{Deserialize, Serialize};

use crate::figures::Figures;
use crate::verdict::{fmt_ms, fmt_pct};

/// The query-time factors of the band, shortest first.
pub const FACTORS: [f64; 4] = [0.9, 0.95, 1.05, 1.1];

/// `d` with every duration multiplied by `k`.
pub fn scale_dist(d: &Dist, k: f64) -> Dist {
    match d {
        Dist::Constant { value } => Dist::Constant { value: value * k },
        Dist::Exponential { mean } => Dist::Exponential { mean: mean * k },
        Dist::Lognormal { p50, mean, p99 } => Dist::Lognormal {
            p50: p50.map(|x| x * k),
            mean: mean.map(|x| x * k),
            p99: p99 * k,
        },
        Dist::Uniform { min, max } => Dist::Uniform {
            min: min * k,
            max: max * k,
        },
        Dist::Quantiles { points } => Dist::Quantiles {
            points: points.iter().map(|[q, ms]| [*q, ms * k]).collect(),
        },
        Dist::Histogram {
            le_ms,
            counts,
            cumulative,
        } => Dist::Histogram {
            le_ms: le_ms.iter().map(|x| x * k).collect(),
            counts: counts.clone(),
            cumulative: *cumulative,
        },
        Dist::Samples { ms } => Dist::Samples {
            ms: ms.iter().map(|x| x * k).collect(),
        },
    }
}

/// `s` with every service's query times multiplied by `k` (the hold time
/// the queries make; extra work in a transaction is left as it is).
pub fn scaled(s: &Scenario, k: f64) -> Scenario {
    let mut out = s.clone();
    for svc in &mut out.services {
        svc.workload.query_ms = scale_dist(&svc.workload.query_ms, k);
    }
    out
}

/// The band: the scenario's figures with query times scaled.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Band {
    /// Job id of the band's runs.
    pub id: u64,
    /// (factor, figures), in any order as they arrive.
    pub points: Vec<(f64, Figures)>,
}

impl Band {
    /// The figures at factor `k`, if that run is done.
    pub fn at(&self, k: f64) -> Option<&Figures> {
        self.points
            .iter()
            .find(|(f, _)| (f - k).abs() < 1e-9)
            .map(|(_, fig)| fig)
    }

    /// Whether every run is done.
    pub fn complete(&self) -> bool {
        FACTORS.iter().all(|&k| self.at(k).is_some())
    }

    /// The smallest and largest value of `pick` over the band and `base`.
    pub fn range(&self, base: &Figures, pick: impl Fn(&Figures) -> f64) -> (f64, f64) {
        self.points
            .iter()
            .map(|(_, f)| pick(f))
            .chain([pick(base)])
            .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
                (lo.min(v), hi.max(v))
            })
    }
}

/// A sentence saying the answer is fragile, when queries 5 % slower change
/// it a lot: "p99 wait 28 ms; 45 ms if queries are 5 % slower".
pub fn fragile(base: &Figures, band: &Band) -> Option<String> {
    let slower = band.at(1.05)?;
    let fails = |f: &Figures| f.fail_fraction;
    if fails(slower) > fails(base) + 0.001 && fails(slower) > 1.5 * fails(base) {
        return Some(format!(
            "Fragile: {} of requests fail; {} if queries are 5 % slower.",
            fmt_pct(fails(base)),
            fmt_pct(fails(slower))
        ));
    }
    let (a, b) = (base.p99_wait_ms, slower.p99_wait_ms);
    if b > 1.5 * a && b - a > 2.0 {
        return Some(format!(
            "Fragile: p99 wait {}; {} if queries are 5 % slower.",
            fmt_ms(a),
            fmt_ms(b)
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn near_saturation() -> Scenario {
        // One pool of 10 at about 93 % busy: M/M/10 waits move a lot with
        // the hold time.
        poolcast::parse(
            r#"{"duration_s": 200, "warmup_s": 10,
                "workload": {"rate_per_s": 930, "query_ms": {"kind": "exponential", "mean": 10}},
                "fleet": {"instances": 1}, "pool": {"max_size": 10, "min_idle": 10,
                "acquire_timeout_ms": null}, "database": {"connect_ms": 0}}"#,
        )
        .unwrap()
    }

    fn band_of(s: &Scenario) -> (Figures, Band) {
        let base = Figures::of(&poolcast::run(s).unwrap());
        let points = FACTORS
            .iter()
            .map(|&k| (k, Figures::of(&poolcast::run(&scaled(s, k)).unwrap())))
            .collect();
        (base, Band { id: 1, points })
    }

    #[test]
    fn scaling_multiplies_every_kind_of_distribution() {
        let k = 1.1;
        let cases = [
            Dist::Constant { value: 10.0 },
            Dist::Exponential { mean: 10.0 },
            Dist::Lognormal {
                p50: Some(8.0),
                mean: None,
                p99: 85.0,
            },
            Dist::Uniform { min: 2.0, max: 8.0 },
            Dist::Quantiles {
                points: vec![[0.5, 8.0], [0.99, 85.0]],
            },
            Dist::Histogram {
                le_ms: vec![5.0, 10.0, 50.0],
                counts: vec![1.0, 2.0, 1.0],
                cumulative: false,
            },
            Dist::Samples {
                ms: vec![4.0, 8.0, 30.0],
            },
        ];
        for d in cases {
            let m = poolcast::mean_ms(&d);
            let scaled = scale_dist(&d, k);
            let ms = poolcast::mean_ms(&scaled);
            assert!((ms - k * m).abs() < 1e-6 * m.max(1.0), "{d:?}: {m} -> {ms}");
        }
        let s = scaled(&near_saturation(), 0.9);
        assert_eq!(s.app().workload.query_ms, Dist::Exponential { mean: 9.0 });
    }

    #[test]
    fn the_band_brackets_the_answer_and_says_when_it_is_fragile() {
        let s = near_saturation();
        let (base, band) = band_of(&s);
        assert!(band.complete());
        let (lo, hi) = band.range(&base, |f| f.p99_wait_ms);
        assert!(
            lo < base.p99_wait_ms && base.p99_wait_ms < hi,
            "{lo} {base:?} {hi}"
        );
        // Slower queries, longer waits, all the way up.
        let p99: Vec<f64> = FACTORS
            .iter()
            .map(|&k| band.at(k).unwrap().p99_wait_ms)
            .collect();
        assert!(p99.windows(2).all(|w| w[0] < w[1]), "{p99:?}");
        let sentence = fragile(&base, &band).expect("93 % busy is fragile");
        assert!(
            sentence.starts_with("Fragile: p99 wait") && sentence.contains("5 % slower"),
            "{sentence}"
        );
    }

    #[test]
    fn a_comfortable_pool_is_not_fragile() {
        let mut s = near_saturation();
        s.app_mut().workload.rate_per_s = 300.0;
        s.duration_s = 30.0;
        let (base, band) = band_of(&s);
        assert_eq!(fragile(&base, &band), None, "{base:?}");
        assert_eq!(fragile(&base, &Band::default()), None, "no band, no claim");
    }
}
