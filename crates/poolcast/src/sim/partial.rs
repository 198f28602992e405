//! The timeline of a run that is still going: the buckets closed so far, for
//! a page that draws a long run while it simulates. Reads the statistics
//! only; stepping the simulation is not changed by it.

use crate::input::scenario::{Cause, Scenario};
use crate::measure::report::Timeline;
use crate::sim::engine::Engine;

impl Engine {
    /// The timeline up to the last bucket edge crossed so far: the same
    /// series, bucket width and markers [`Engine::finish`] reports, cut where the
    /// simulation has got to (the bucket still filling is left out). After
    /// the run it equals the finished report's timeline except, maybe, for
    /// its last bucket.
    pub fn partial_timeline(&self) -> Timeline {
        let tl = &self.meter.stats.timeline;
        let mut series = tl.series.clone();
        let closed = series.busy.len();
        for cause in Cause::ALL {
            let counts: Vec<u64> = tl.by_cause.iter().map(|b| b[cause as usize]).collect();
            if counts.iter().any(|&c| c > 0) {
                series
                    .failures_by_cause
                    .insert(cause.name().to_string(), counts);
            }
        }
        for (i, db) in self.meter.stats.dbs.items.iter().enumerate() {
            let mut conns = db.series.clone();
            conns.truncate(closed);
            series
                .db_connections_by_database
                .insert(Scenario::database_name(i as u32), conns);
        }
        let events = crate::sim::summary::markers(self);
        Timeline {
            bucket_s: tl.bucket_s,
            series,
            events,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::{Scenario, Sim, parse};

    fn scenario() -> Scenario {
        parse(
            r#"{"version": 2, "duration_s": 20, "warmup_s": 2,
            "services": [{"name": "api", "instances": 2, "workload": {"rate_per_s": 300},
                          "pool": {"max_size": 4, "acquire_timeout_ms": 50}}],
            "database": {"replicas": {"count": 1}},
            "events": [{"at_s": 5, "kind": "slow_queries", "target": "primary", "factor": 3, "for_s": 4}]}"#,
        )
        .unwrap()
    }

    #[test]
    fn the_partial_timeline_is_a_prefix_of_the_final_one() {
        let s = scenario();
        let mut sim = Sim::new(&crate::validate(&s, u64::MAX).unwrap());
        let empty = sim.partial_timeline();
        assert!(empty.series.busy.is_empty() && empty.events.is_empty());
        let mut seen = Vec::new();
        while !sim.step(2_000) {
            seen.push(sim.partial_timeline());
        }
        let last = sim.partial_timeline();
        let report = sim.finish();
        let full = &report.timeline.series;
        assert!(seen.len() > 3, "{} slices", seen.len());
        for t in seen.iter().chain([&last]) {
            let n = t.series.busy.len();
            assert!(n <= full.busy.len());
            assert_eq!(t.bucket_s, report.timeline.bucket_s);
            assert_eq!(t.series.busy[..], full.busy[..n]);
            assert_eq!(t.series.timeouts[..], full.timeouts[..n]);
            assert_eq!(t.series.p99_wait_ms[..], full.p99_wait_ms[..n]);
            for (name, v) in &t.series.db_connections_by_database {
                assert_eq!(v[..], full.db_connections_by_database[name][..n], "{name}");
            }
            for (cause, v) in &t.series.failures_by_cause {
                assert_eq!(v[..], full.failures_by_cause[cause][..n], "{cause}");
            }
        }
        let mid = &seen[seen.len() / 2];
        assert!(mid.series.busy.len() < full.busy.len());
        assert_eq!(last.events, report.timeline.events);
        assert_eq!(last.series.db_connections_by_database.len(), 2);
    }
}
