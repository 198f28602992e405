//! How long the system took to recover from each timed event (MODEL.md
//! §6b, "Incidents"): per timeline bucket the failure rate and the p99
//! acquire wait, compared with a band around their level before the event.

use crate::input::scenario::Scenario;
use crate::measure::report::{Incident, Timeline};

/// Consecutive buckets that must be back in both bands.
const SETTLED_BUCKETS: usize = 3;

/// The band of a reference stretch of buckets: mean +- max(10 % of the
/// mean, 2 standard deviations, `floor`).
fn band(values: &[f64], floor: f64) -> (f64, f64) {
    if values.is_empty() {
        return (-floor, floor);
    }
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / n;
    let half = (0.1 * mean.abs()).max(2.0 * var.sqrt()).max(floor);
    (mean - half, mean + half)
}

/// One entry per timed event that started; `end_s(i)` is when event `i`
/// ended (or will), `None` if it never started.
pub(crate) fn incidents(
    s: &Scenario,
    tl: &Timeline,
    end_s: impl Fn(usize) -> Option<f64>,
) -> Vec<Incident> {
    let width = tl.bucket_s;
    let series = &tl.series;
    let n = series.busy.len();
    // Final failures of every cause per second, and p99 wait (0 if none).
    let fail_rate: Vec<f64> = (0..n)
        .map(|b| {
            let all: u64 = series.failures_by_cause.values().map(|v| v[b]).sum();
            all as f64 / width
        })
        .collect();
    let p99: Vec<f64> = series
        .p99_wait_ms
        .iter()
        .map(|p| p.unwrap_or(0.0))
        .collect();
    s.events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let end = end_s(i)?;
            let at = e.at_s();
            let reference = (end - at).max(10.0);
            // Buckets wholly inside [at - reference, at).
            let lo = ((at - reference).max(0.0) / width).ceil() as usize;
            let hi = ((at / width).floor() as usize).min(n);
            let (f_lo, f_hi) = band(&fail_rate[lo.min(hi)..hi], 1.0);
            let (w_lo, w_hi) = band(&p99[lo.min(hi)..hi], 1.0);
            let ok =
                |b: usize| (f_lo..=f_hi).contains(&fail_rate[b]) && (w_lo..=w_hi).contains(&p99[b]);
            let first = ((end / width) - 1e-9).ceil().max(0.0) as usize;
            let recovery_s = (first..n.saturating_sub(SETTLED_BUCKETS - 1))
                .find(|&b| (b..b + SETTLED_BUCKETS).all(ok))
                .map(|b| (b as f64 * width - end).max(0.0));
            Some(Incident {
                at_s: at,
                kind: e.kind().to_string(),
                end_s: end,
                recovery_s,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::measure::report::Series;

    fn timeline(failures: &[u64], p99: &[Option<f64>]) -> Timeline {
        let mut series = Series {
            busy: vec![0.0; failures.len()],
            p99_wait_ms: p99.to_vec(),
            ..Series::default()
        };
        series
            .failures_by_cause
            .insert("connection_lost".into(), failures.to_vec());
        Timeline {
            bucket_s: 1.0,
            series,
            events: Vec::new(),
        }
    }

    fn restart_at(at_s: f64, down_s: f64) -> Scenario {
        let mut s = Scenario::default().to_v2();
        s.events = vec![crate::input::scenario::TimedEvent::DbRestart {
            at_s,
            target: crate::input::scenario::Target::Primary,
            down_s,
        }];
        s
    }

    #[test]
    fn recovery_is_the_first_settled_stretch_after_the_end() {
        // Quiet for 20 s, failures from 20 s to 30 s (the event, 20-25 s,
        // and 5 s after), quiet again.
        let mut f = vec![0u64; 60];
        for x in &mut f[20..30] {
            *x = 50;
        }
        let tl = timeline(&f, &vec![None; 60]);
        let s = restart_at(20.0, 5.0);
        let inc = incidents(&s, &tl, |_| Some(25.0));
        assert_eq!(inc[0].recovery_s, Some(5.0));
    }

    #[test]
    fn an_event_that_changes_nothing_recovers_at_once_and_one_that_never_ends_is_null() {
        let tl = timeline(&[0; 60], &vec![Some(2.0); 60]);
        let s = restart_at(20.0, 5.0);
        assert_eq!(incidents(&s, &tl, |_| Some(25.0))[0].recovery_s, Some(0.0));
        let mut f = vec![0u64; 60];
        for x in &mut f[20..] {
            *x = 9;
        }
        let tl = timeline(&f, &vec![None; 60]);
        assert_eq!(incidents(&s, &tl, |_| Some(25.0))[0].recovery_s, None);
    }
}
