//! Turns the engine's counters and integrals into a [`Report`].

use crate::engine::Sim;
use crate::report::{Acquire, DatabaseStats, PoolStats, Report, Requests};
use crate::warnings::warnings;

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

pub(crate) fn build(sim: &mut Sim) -> Report {
    let (timeline, means, t) = sim.stats.finish(&sim.levels);
    let wait_ms = sim.stats.wait.summary();
    let wait_histogram = sim.stats.wait.buckets();
    let latency_ms = sim.stats.latency.summary();
    let st = &sim.stats;
    let c = st.counters;
    let s = &sim.scenario;
    let pools = s.pool_count() as f64;
    let resolved = c.completed + c.timed_out + c.failed;
    debug_assert!(resolved <= t.arrived);
    let mut report = Report {
        scenario: s.clone(),
        requests: Requests {
            arrived: t.arrived,
            completed: c.completed,
            timed_out: c.timed_out,
            failed: c.failed,
            in_flight: t.arrived - resolved,
        },
        acquire: Acquire {
            attempts: t.attempts,
            served: sim.stats.wait.len(),
            p_wait: ratio(t.waited, t.attempts),
            timeout_fraction: ratio(c.timeouts, t.attempts),
            wait_ms,
            wait_histogram,
        },
        latency_ms,
        pool: PoolStats {
            utilization: means.busy / (pools * f64::from(s.pool.max_size)),
            exhausted_fraction: means.pools_waiting / pools,
            peak_waiting: c.peak_waiting,
        },
        database: DatabaseStats {
            peak_connections: st.peak_db,
            too_many_clients: t.too_many_clients,
            statement_timeouts: t.statement_timeouts,
            core_utilization: s.database.cores.map(|k| means.busy_cores / f64::from(k)),
            mean_query_ms: if t.queries == 0 {
                0.0
            } else {
                t.query_ns as f64 / t.queries as f64 / 1e6
            },
        },
        throughput_per_s: t.completions as f64 / s.duration_s,
        timeline,
        warnings: Vec::new(),
        events: sim.events,
    };
    report.warnings = warnings(&report);
    report
}
