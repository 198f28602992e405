//! What one service asks of its pools and of the databases at its busiest:
//! the rate, the acquisitions per request, how long each holds a
//! connection, and how reads split over the replicas. Every formula of the
//! calculator starts from these figures.

use crate::input::dist::mean_ms;
use crate::input::scenario::{Arrivals, QueryMode, Scenario, Service, Workload};

/// Mean time a request of `w` holds connections, summed over its queries, in ms.
pub fn workload_hold_ms(w: &Workload) -> f64 {
    let queries = f64::from(w.queries_per_request) * mean_ms(&w.query_ms);
    match w.query_mode {
        QueryMode::Transaction => queries + mean_ms(&w.hold_extra_ms),
        QueryMode::Sequential | QueryMode::Parallel => queries,
    }
}

/// Requests per second a service sends at its busiest: the open loop's peak
/// rate, or for closed-loop users the most they can send, U / (E[think] +
/// E[hold]) (each user waits for its result before thinking again, so
/// queueing only lowers it).
pub fn peak_rate(svc: &Service) -> f64 {
    match &svc.workload.arrivals {
        Arrivals::Open => svc.peak_rate(),
        Arrivals::Closed {
            users, think_ms, ..
        } => {
            let cycle_ms = mean_ms(think_ms) + workload_hold_ms(&svc.workload);
            if cycle_ms > 0.0 {
                f64::from(*users) * 1000.0 / cycle_ms
            } else {
                // Zero think and zero queries: the engine paces such a user at 1 ms.
                f64::from(*users) * 1000.0
            }
        }
    }
}

/// Connection acquisitions per request: one per query, or one for a
/// transaction.
pub fn acquires_per_request(w: &Workload) -> u32 {
    match w.query_mode {
        QueryMode::Transaction => 1,
        QueryMode::Sequential | QueryMode::Parallel => w.queries_per_request.max(1),
    }
}

/// Whether a service sends reads to the replicas (a `transaction` request
/// keeps every query on the primary).
pub fn sends_reads(s: &Scenario, svc: &Service) -> bool {
    s.database.replica_count() > 0
        && svc.workload.read_fraction > 0.0
        && svc.workload.query_mode != QueryMode::Transaction
}

/// The fraction of a service's acquisitions that go to database `db` (0 the
/// primary, then each replica): reads are spread evenly over the replicas.
pub fn share_on(s: &Scenario, svc: &Service, db: u32) -> f64 {
    if !sends_reads(s, svc) {
        return if db == 0 { 1.0 } else { 0.0 };
    }
    let rf = svc.workload.read_fraction.clamp(0.0, 1.0);
    if db == 0 {
        1.0 - rf
    } else {
        rf / f64::from(s.database.replica_count())
    }
}

/// Mean time a function instance of a serverless service is busy per
/// request, ms: the request's connection holds, plus a cold start and a
/// connect when every request gets a fresh instance (`idle_reclaim_s: 0`).
pub fn function_busy_ms(s: &Scenario, svc: &Service) -> f64 {
    let f = svc.serverless_or_default();
    let hold = workload_hold_ms(&svc.workload);
    if f.idle_reclaim_s == 0.0 {
        hold + mean_ms(&f.cold_start_ms) + s.database.connect_ms
    } else {
        hold
    }
}

/// Connections one function instance can hold at once: one per acquisition
/// a request makes at a time, at most `max_size`, at least `min_idle`.
pub fn connections_per_function(svc: &Service) -> u32 {
    let w = &svc.workload;
    let at_once = match w.query_mode {
        QueryMode::Parallel => w.queries_per_request.max(1),
        QueryMode::Sequential | QueryMode::Transaction => 1,
    };
    at_once.max(svc.pool.min_idle).min(svc.pool.max_size).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    #[test]
    fn closed_loop_rate_and_read_split() {
        let s = parse(
            r#"{"services": [
                 {"name": "users", "workload": {"arrivals": {"kind": "closed", "users": 50,
                   "think_ms": {"kind": "constant", "value": 90}},
                   "query_ms": {"kind": "constant", "value": 10}, "read_fraction": 0.8}},
                 {"name": "tx", "workload": {"query_mode": "transaction", "read_fraction": 0.8}}],
                "database": {"replicas": {"count": 2}}}"#,
        )
        .unwrap();
        // 50 users, each at most one request per 90 + 10 ms.
        assert!((peak_rate(&s.services[0]) - 500.0).abs() < 1e-9);
        let users = &s.services[0];
        assert!((share_on(&s, users, 0) - 0.2).abs() < 1e-12);
        assert!((share_on(&s, users, 2) - 0.4).abs() < 1e-12);
        // Transactions stay on the primary.
        assert_eq!(share_on(&s, &s.services[1], 0), 1.0);
        assert_eq!(share_on(&s, &s.services[1], 1), 0.0);
    }
}
