//! Turns the engine's counters and integrals into a [`Report`].

use std::collections::BTreeMap;

use crate::input::scenario::{Cause, Scenario};
use crate::measure::report::{
    Acquire, DatabaseReport, Marker, PoolStats, ProxyReport, Report, Requests, ServerlessReport,
    ServiceReport,
};
use crate::measure::stats::CAUSES;
use crate::sim::engine::Engine;

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 { 0.0 } else { a as f64 / b as f64 }
}

fn fraction(a: f64, b: f64) -> f64 {
    if b > 0.0 { a / b } else { 0.0 }
}

fn by_cause(counts: &[u64; CAUSES]) -> BTreeMap<String, u64> {
    Cause::ALL
        .iter()
        .filter(|&&c| counts[c as usize] > 0)
        .map(|&c| (c.name().to_string(), counts[c as usize]))
        .collect()
}

/// Request outcomes from the window's counts.
#[allow(clippy::too_many_arguments)]
fn requests(
    arrived: u64,
    completed: u64,
    timed_out: u64,
    failed: u64,
    causes: &[u64; CAUSES],
    attempts: u64,
    retries: u64,
) -> Requests {
    let resolved = completed + timed_out + failed;
    debug_assert!(resolved <= arrived, "more resolved than arrived");
    Requests {
        arrived,
        completed,
        timed_out,
        failed,
        in_flight: arrived.saturating_sub(resolved),
        failed_by_cause: by_cause(causes),
        attempts,
        retries,
        amplification: ratio(attempts, arrived),
    }
}

pub(crate) fn build(sim: &mut Engine) -> Report {
    let (mut timeline, means, t) = sim.meter.stats.finish(&sim.meter.levels);
    let wait_ms = sim.meter.stats.wait.summary();
    let wait_histogram = sim.meter.stats.wait.buckets();
    let latency_ms = sim.meter.stats.latency.summary();
    let st = &sim.meter.stats;
    let c = st.counters;
    let s = &sim.scenario;
    let databases: Vec<DatabaseReport> = (0..sim.dbs.items.len())
        .map(|db| database(sim, db))
        .collect();
    let totals = requests(
        t.arrived,
        c.completed,
        c.timed_out,
        c.failed,
        &c.by_cause,
        if sim.plain { t.arrived } else { c.req_attempts },
        c.retries,
    );
    let acquire = Acquire {
        attempts: t.attempts,
        served: sim.meter.stats.wait.len(),
        p_wait: ratio(t.waited, t.attempts),
        timeout_fraction: ratio(c.timeouts, t.attempts),
        wait_ms,
        wait_histogram,
    };
    let pool = PoolStats {
        utilization: fraction(means.busy, means.capacity),
        exhausted_fraction: fraction(means.pools_waiting, means.primary_pools),
        peak_waiting: c.peak_waiting,
    };
    let throughput_per_s = t.completions as f64 / s.duration_s;
    let services = if sim.meter.per_service {
        (0..s.services.len()).map(|i| service(sim, i)).collect()
    } else {
        vec![ServiceReport {
            name: s.services[0].name.clone(),
            requests: totals.clone(),
            acquire: acquire.clone(),
            latency_ms,
            pool,
            throughput_per_s,
            serverless: serverless(sim, 0, totals.arrived),
            breaker_open_s: breaker_open_s(sim, 0),
        }]
    };
    timeline.series.db_connections_by_database = sim.meter.stats.db_series();
    timeline.events = markers(sim);
    let incidents = crate::measure::incidents::incidents(s, &timeline, |i| sim.event_end(i));
    Report {
        scenario: s.clone(),
        requests: totals,
        acquire,
        latency_ms,
        pool,
        database: databases[0].stats(),
        throughput_per_s,
        timeline,
        warnings: Vec::new(),
        events: sim.events(),
        services,
        databases,
        proxy: proxy(sim),
        incidents,
    }
}

fn database(sim: &Engine, db: usize) -> DatabaseReport {
    let w = sim.meter.stats.db_window(db);
    let cfg = &sim.dbs.items[db].cfg;
    DatabaseReport {
        name: Scenario::database_name(db as u32),
        limit: cfg.limit,
        peak_connections: w.peak,
        too_many_clients: w.tally.too_many_clients,
        statement_timeouts: w.tally.statement_timeouts,
        // Over the cores in force on average (a `cores` event changes them).
        core_utilization: cfg.cores.map(|_| fraction(w.busy_cores, w.cores)),
        mean_query_ms: if w.tally.queries == 0 {
            0.0
        } else {
            w.tally.query_ns as f64 / w.tally.queries as f64 / 1e6
        },
    }
}

fn service(sim: &Engine, i: usize) -> ServiceReport {
    let st = &sim.meter.stats.svcs[i];
    let [arrived, attempts, waited, completions] = st.window_tally();
    let m = st.means(sim.meter.stats.warmup, sim.meter.stats.end);
    let wait = &st.wait;
    ServiceReport {
        name: sim.scenario.services[i].name.clone(),
        requests: requests(
            arrived,
            st.completed,
            st.timed_out,
            st.failed,
            &st.by_cause,
            st.req_attempts,
            st.retries,
        ),
        acquire: Acquire {
            attempts,
            served: wait.len(),
            p_wait: ratio(waited, attempts),
            timeout_fraction: ratio(st.timeouts, attempts),
            wait_ms: wait.summary(),
            wait_histogram: wait.buckets(),
        },
        latency_ms: st.latency.summary(),
        pool: PoolStats {
            utilization: fraction(m.busy, m.capacity),
            exhausted_fraction: fraction(m.pools_waiting, m.primary_pools),
            peak_waiting: st.peak_waiting,
        },
        throughput_per_s: completions as f64 / sim.scenario.duration_s,
        serverless: serverless(sim, i, arrived),
        breaker_open_s: breaker_open_s(sim, i),
    }
}

fn serverless(sim: &Engine, i: usize, arrived: u64) -> Option<ServerlessReport> {
    sim.cfgs.items[i].serverless.as_ref()?;
    let st = &sim.svcs[i];
    Some(ServerlessReport {
        cold_starts: st.cold_starts,
        cold_start_fraction: ratio(st.cold_starts, arrived.saturating_sub(st.throttled)),
        peak_instances: st.peak_funcs,
        throttled: st.throttled,
        peak_orphaned_connections: st.peak_orphans,
    })
}

fn breaker_open_s(sim: &Engine, i: usize) -> Option<f64> {
    let has = sim.cfgs.items[i]
        .retry
        .as_ref()
        .is_some_and(|r| r.breaker.is_some());
    has.then(|| sim.svcs[i].breaker_open_ns as f64 / 1e9)
}

fn proxy(sim: &Engine) -> Option<ProxyReport> {
    let px = sim.proxy.as_deref()?;
    let mut wait = px.wait.clone();
    wait.set_max(px.wait_max);
    Some(ProxyReport {
        peak_client_connections: px.peak_clients,
        peak_server_connections: px
            .pools
            .iter()
            .enumerate()
            .map(|(db, p)| (Scenario::database_name(db as u32), p.peak))
            .collect(),
        attempts: px.attempts,
        p_wait: ratio(px.waited, px.attempts),
        wait_ms: wait.summary(),
        query_wait_timeouts: px.query_wait_timeouts,
        max_client_conn_refusals: px.refusals,
    })
}

/// The timed events that started, as markers for the charts.
pub(crate) fn markers(sim: &Engine) -> Vec<Marker> {
    let s = &sim.scenario;
    s.events
        .iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let end_s = sim.event_end(i)?;
            Some(Marker {
                at_s: e.at_s(),
                end_s,
                label: e.to_string(),
            })
        })
        .collect()
}
