//! Fleet-level behaviour: the database's connection limit and its cores.

use poolcast_tests::run;

fn fleet(instances: u32, max_size: u32, rate: f64, extra_db: &str) -> String {
    format!(
        r#"{{"duration_s": 120, "warmup_s": 10,
        "workload": {{"rate_per_s": {rate}, "query_ms": {{"kind": "exponential", "mean": 20}}}},
        "fleet": {{"instances": {instances}}},
        "pool": {{"max_size": {max_size}, "acquire_timeout_ms": 2000}},
        "database": {{"max_connections": 100, "reserved_connections": 3 {extra_db}}}}}"#
    )
}

#[test]
fn too_many_clients_appear_only_when_the_fleet_can_exceed_the_limit() {
    // Offered load: 6000/s x 20 ms = 120 busy connections, more than the 97
    // the database allows, spread over 4 pools.
    let over = run(&fleet(4, 30, 6000.0, ""));
    assert!(
        over.database.too_many_clients > 0,
        "4 x 30 = 120 > 97 must be refused"
    );
    assert!(
        over.requests.failed > 0,
        "refused opens fail requests (on_connect_error fail)"
    );
    assert!(over.database.peak_connections <= 97);
    assert!(
        over.warnings
            .iter()
            .any(|w| w.contains("exceeds max_connections"))
    );

    // The same overload with 4 x 24 = 96 <= 97: waits and timeouts, but the
    // database never refuses a connection.
    let fits = run(&fleet(4, 24, 6000.0, ""));
    assert_eq!(fits.database.too_many_clients, 0);
    assert_eq!(fits.requests.failed, 0);
    assert_eq!(fits.database.peak_connections, 96);
    assert!(fits.acquire.timeout_fraction > 0.0);

    // Over budget but lightly loaded: pools never grow past what the
    // load needs, so nothing is refused either.
    let light = run(&fleet(4, 30, 500.0, ""));
    assert_eq!(light.database.too_many_clients, 0);
    assert!(light.database.peak_connections < 97);
}

#[test]
fn a_pool_larger_than_the_cores_queues_inside_the_database() {
    // 8 cores serve 8 x 100 = 800 queries/s of 10 ms work; 1000/s offered.
    let json = |max_size: u32| {
        format!(
            r#"{{"duration_s": 120, "warmup_s": 10,
            "workload": {{"rate_per_s": 1000, "query_ms": {{"kind": "exponential", "mean": 10}}}},
            "fleet": {{"instances": 4}},
            "pool": {{"max_size": {max_size}, "acquire_timeout_ms": 1000}},
            "database": {{"cores": 8}}}}"#
        )
    };
    let big = run(&json(20));
    let small = run(&json(2));
    // Both saturate the cores, so both complete what 8 cores can do: the
    // throughput's standard error over ~96,000 completions is about 0.3%.
    let (tb, ts) = (big.throughput_per_s, small.throughput_per_s);
    assert!((tb - ts).abs() / ts < 0.03, "throughput {tb:.1} vs {ts:.1}");
    assert!(ts > 760.0 && ts < 810.0, "8 cores give ~800/s, got {ts:.1}");
    let cores = big.database.core_utilization.expect("cores set");
    assert!(cores > 0.97, "cores saturated: {cores}");
    // But with 80 connections running at once each query gets a tenth of a
    // core: query time balloons from ~10 ms to ~100 ms.
    let (qb, qs) = (big.database.mean_query_ms, small.database.mean_query_ms);
    assert!(
        qs < 11.0,
        "4 x 2 = 8 connections on 8 cores: no sharing, got {qs:.2} ms"
    );
    assert!(qb > 5.0 * qs, "4 x 20 on 8 cores: {qb:.1} ms vs {qs:.1} ms");
    assert!(big.warnings.iter().any(|w| w.contains("About Pool Sizing")));
    assert!(
        !small
            .warnings
            .iter()
            .any(|w| w.contains("About Pool Sizing"))
    );
}

#[test]
fn traffic_is_split_evenly_across_pools() {
    // 40 pools of one instance-pool each, 4000 req/s: every pool sees about
    // 100 req/s, so peak and mean occupancy match one pool of the same load.
    let json = r#"{"duration_s": 60, "warmup_s": 5,
        "workload": {"rate_per_s": 4000, "query_ms": {"kind": "constant", "value": 5}},
        "fleet": {"instances": 20, "pools_per_instance": 2},
        "pool": {"max_size": 5},
        "database": {"max_connections": 500}}"#;
    let r = run(json);
    // 4000/s x 5 ms = 20 busy connections over 40 x 5 = 200: 10%.
    assert!(
        (r.pool.utilization - 0.10).abs() < 0.005,
        "{}",
        r.pool.utilization
    );
    assert!((r.throughput_per_s - 4000.0).abs() < 4000.0 * 0.02);
}
