//! Invariants over random valid scenarios. Test builds keep debug
//! assertions, so the engine also checks its own bounds (pool never over
//! max_size, database never over its limit, busy never over open) on every
//! change while these run.

use poolcast::Scenario;
use poolcast::scenario::{
    Database, Dist, Fleet, OnConnectError, Pool, QueryMode, RateStep, ScenarioV1, Workload,
};
use proptest::prelude::*;

fn dist() -> impl Strategy<Value = Dist> {
    prop_oneof![
        (0.0..30.0f64).prop_map(|value| Dist::Constant { value }),
        (0.1..30.0f64).prop_map(|mean| Dist::Exponential { mean }),
        (0.0..10.0f64, 0.0..40.0f64).prop_map(|(min, w)| Dist::Uniform { min, max: min + w }),
        (0.1..10.0f64, 1.0..20.0f64).prop_map(|(p50, k)| Dist::Lognormal {
            p50: Some(p50),
            mean: None,
            p99: p50 * k
        }),
        (0.1..10.0f64, 1.0..14.0f64).prop_map(|(mean, k)| Dist::Lognormal {
            p50: None,
            mean: Some(mean),
            p99: mean * k
        }),
    ]
}

fn opt_ms(lo: f64, hi: f64) -> impl Strategy<Value = Option<f64>> {
    prop::option::of(lo..hi)
}

prop_compose! {
    fn workload()(
        rate_per_s in 0.0..1500.0f64,
        steps in prop::collection::vec((0.5..6.0f64, 0.0..2500.0f64), 0..3),
        queries_per_request in 1u32..4,
        mode in 0u8..3,
        query_ms in dist(),
        hold_extra_ms in dist(),
    ) -> Workload {
        let mut at = 0.0;
        let rate_profile = steps.into_iter().map(|(gap, rate_per_s)| {
            at += gap;
            RateStep { at_s: at, rate_per_s }
        }).collect();
        let query_mode = [QueryMode::Sequential, QueryMode::Parallel, QueryMode::Transaction][mode as usize];
        Workload { rate_per_s, rate_profile, queries_per_request, query_mode, query_ms, hold_extra_ms, ..Workload::default() }
    }
}

prop_compose! {
    fn pool()(
        max_size in 1u32..12,
        idle_frac in 0.0..1.0f64,
        acquire_timeout_ms in opt_ms(0.0, 300.0),
        idle_timeout_ms in opt_ms(0.0, 2000.0),
        max_lifetime_ms in opt_ms(1.0, 3000.0),
        lifetime_jitter_ms in 0.0..500.0f64,
        max_uses in prop::option::of(1u32..20),
        retry in any::<bool>(),
        create_retry_interval_ms in 1.0..300.0f64,
    ) -> Pool {
        Pool {
            max_size,
            min_idle: (idle_frac * f64::from(max_size + 1)) as u32 % (max_size + 1),
            acquire_timeout_ms,
            idle_timeout_ms,
            max_lifetime_ms,
            lifetime_jitter_ms,
            max_uses,
            on_connect_error: if retry { OnConnectError::Retry } else { OnConnectError::Fail },
            create_retry_interval_ms,
        }
    }
}

prop_compose! {
    fn scenario()(
        seed in any::<u64>(),
        duration_s in 0.5..8.0f64,
        warmup_s in 0.0..2.0f64,
        workload in workload(),
        instances in 1u32..5,
        pools_per_instance in 1u32..3,
        pool in pool(),
        max_connections in 1u32..40,
        reserved in 0u32..5,
        cores in prop::option::of(1u32..8),
        connect_ms in 0.0..20.0f64,
        statement_timeout_ms in opt_ms(1.0, 60.0),
    ) -> Scenario {
        ScenarioV1 {
            seed,
            duration_s,
            warmup_s,
            workload,
            fleet: Fleet { instances, pools_per_instance },
            pool,
            database: Database {
                max_connections,
                reserved_connections: reserved.min(max_connections - 1),
                cores,
                connect_ms,
                statement_timeout_ms,
                ..Database::default()
            },
            ..ScenarioV1::default()
        }
        .into()
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_on_random_scenarios(s in scenario()) {
        let valid = poolcast::validate(&s, poolcast::DEFAULT_MAX_EVENTS).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let r = poolcast::Sim::new(&valid).run_to_end();
        let q = &r.requests;
        prop_assert_eq!(q.arrived, q.completed + q.timed_out + q.failed + q.in_flight);
        prop_assert!(r.database.peak_connections <= u64::from(s.db_limit()));
        prop_assert!(r.database.peak_connections <= s.pool_count() * u64::from(s.app().pool.max_size));
        for f in [r.pool.utilization, r.pool.exhausted_fraction, r.acquire.p_wait, r.acquire.timeout_fraction] {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&f), "fraction out of range: {}", f);
        }
        if let Some(u) = r.database.core_utilization {
            prop_assert!((0.0..=1.0 + 1e-12).contains(&u));
        }
        let w = r.acquire.wait_ms;
        prop_assert!(w.p50 <= w.p95 && w.p95 <= w.p99 && w.p99 <= w.max);
        if let Some(t) = s.app().pool.acquire_timeout_ms {
            // A connection being opened is not cut by the timeout.
            prop_assert!(w.max <= t + s.database.connect_ms + 1e-6 || s.app().pool.on_connect_error == OnConnectError::Retry,
                "wait {} over timeout {} + connect {}", w.max, t, s.database.connect_ms);
        }
        let counted: u64 = r.acquire.wait_histogram.counts.iter().sum();
        // Served and timed-out attempts are disjoint parts of all attempts.
        let timeouts = (r.acquire.timeout_fraction * r.acquire.attempts as f64).round() as u64;
        prop_assert!(counted + timeouts <= r.acquire.attempts, "{} + {} > {}", counted, timeouts, r.acquire.attempts);
        let n = r.timeline.series.busy.len();
        prop_assert!(n as u64 <= 600 && n > 0);
        prop_assert_eq!(r.timeline.series.p99_wait_ms.len(), n);
        prop_assert_eq!(r.timeline.series.db_connections.len(), n);
        prop_assert!(r.timeline.series.db_connections.iter().all(|&d| d <= u64::from(s.db_limit())));

        // Determinism: the same scenario gives the same bytes, and the report
        // reads back as itself.
        let again = poolcast::Sim::new(&valid).run_to_end();
        let json = r.to_json();
        prop_assert_eq!(&json, &again.to_json());
        let back: poolcast::Report = serde_json::from_str(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back.to_json(), json);
    }

    #[test]
    fn the_plain_path_and_the_general_path_agree(s in scenario()) {
        // Version-1 scenarios run on a copy of the request path compiled
        // without version 2's checks; the general path must give the same
        // bytes.
        let valid = poolcast::validate(&s, poolcast::DEFAULT_MAX_EVENTS).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let plain = poolcast::Sim::new(&valid);
        // Every version-1 scenario is plain: were it not, this test would
        // compare the general path with itself.
        prop_assert!(plain.takes_plain_path(), "a version-1 scenario not on the plain path");
        let general = poolcast::Sim::new(&valid).without_plain_path();
        prop_assert!(!general.takes_plain_path());
        prop_assert_eq!(plain.run_to_end().to_json(), general.run_to_end().to_json());
    }

    #[test]
    fn scenarios_round_trip_through_json(s in scenario()) {
        let json = serde_json::to_string(&s).unwrap();
        let back = poolcast::parse(&json).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, s);
    }
}
