//! Invariants over random version-2 scenarios (`poolcast_tests::random`):
//! every service's requests are accounted for, no database, pool or proxy
//! goes past its bounds (the engine also asserts them in these debug
//! builds), runs repeat to the byte, and reports read back as themselves.

use poolcast::Report;
use poolcast_tests::random;

const CASES: u64 = 400;

fn check_requests(what: &str, q: &poolcast::report::Requests) {
    assert_eq!(
        q.arrived,
        q.completed + q.timed_out + q.failed + q.in_flight,
        "{what}: {q:?}"
    );
    assert_eq!(q.attempts, q.arrived + q.retries, "{what}: {q:?}");
    let by_cause: u64 = q.failed_by_cause.values().sum();
    assert_eq!(by_cause, q.timed_out + q.failed, "{what}: {q:?}");
    assert_eq!(
        q.failed_by_cause.get("pool_timeout").copied().unwrap_or(0),
        q.timed_out,
        "{what}"
    );
}

fn check(seed: u64, s: &poolcast::Scenario, r: &Report) {
    let what = format!("case {seed}");
    check_requests(&what, &r.requests);
    assert_eq!(r.services.len(), s.services.len());
    let mut sum = 0;
    for svc in &r.services {
        check_requests(&format!("{what} {}", svc.name), &svc.requests);
        sum += svc.requests.arrived;
        for f in [
            svc.pool.utilization,
            svc.acquire.p_wait,
            svc.acquire.timeout_fraction,
        ] {
            assert!((0.0..=1.0 + 1e-9).contains(&f), "{what}: fraction {f}");
        }
    }
    assert_eq!(sum, r.requests.arrived, "{what}: services add up");
    for (db, d) in r.databases.iter().enumerate() {
        assert!(
            d.peak_connections <= d.limit,
            "{what}: {} over its limit",
            d.name
        );
        let series = &r.timeline.series.db_connections_by_database[&d.name];
        assert!(series.iter().all(|&n| n <= d.limit));
        if db == 0 {
            assert_eq!(series, &r.timeline.series.db_connections);
        }
        if let Some(u) = d.core_utilization {
            assert!((0.0..=1.0 + 1e-9).contains(&u), "{what}: cores {u}");
        }
    }
    if let (Some(p), Some(cfg)) = (&r.proxy, &s.proxy) {
        assert!(
            p.peak_client_connections <= u64::from(cfg.max_client_conn),
            "{what}"
        );
        for peak in p.peak_server_connections.values() {
            assert!(
                *peak <= u64::from(cfg.default_pool_size + cfg.reserve_pool_size),
                "{what}"
            );
        }
        assert!((0.0..=1.0).contains(&p.p_wait));
    }
    for f in [
        r.pool.utilization,
        r.pool.exhausted_fraction,
        r.acquire.p_wait,
        r.acquire.timeout_fraction,
    ] {
        assert!((0.0..=1.0 + 1e-9).contains(&f), "{what}: fraction {f}");
    }
    let n = r.timeline.series.busy.len();
    assert!(n > 0 && n <= 600);
    for v in r.timeline.series.failures_by_cause.values() {
        assert_eq!(v.len(), n);
    }
    assert_eq!(r.incidents.len(), r.timeline.events.len());
}

#[test]
fn random_topologies_keep_their_invariants() {
    for seed in 0..CASES {
        let json = random::scenario(seed).to_string();
        if std::env::var_os("POOLCAST_TRACE").is_some() {
            eprintln!("case {seed}");
        }
        let s = poolcast::parse_and_validate(&json, 5_000_000).unwrap_or_else(|e| {
            panic!("case {seed}: the generator made an invalid scenario: {e}\n{json}")
        });
        let r = poolcast::Sim::new(&s).run_to_end();
        check(seed, &s, &r);
        if seed % 4 == 0 {
            // The same scenario, the same bytes; the report and the
            // scenario read back as themselves.
            let again = poolcast::Sim::new(&s).run_to_end();
            let text = r.to_json();
            assert_eq!(text, again.to_json(), "case {seed}: not deterministic");
            let back: Report = serde_json::from_str(&text).unwrap();
            assert_eq!(back.to_json(), text, "case {seed}: report round trip");
            let s2 = poolcast::parse(&serde_json::to_string(&*s).unwrap()).unwrap();
            assert_eq!(s2, *s, "case {seed}: scenario round trip");
        }
    }
}

#[test]
#[ignore]
fn print_case() {
    let seed: u64 = std::env::var("CASE").unwrap().parse().unwrap();
    println!(
        "{}",
        serde_json::to_string_pretty(&random::scenario(seed)).unwrap()
    );
}
