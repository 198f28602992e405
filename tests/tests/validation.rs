//! Bad input gets a clear message naming the field, never a panic.

use poolcast::{DEFAULT_MAX_EVENTS, ScenarioError, parse_and_validate};

/// The error for `json`, as (field, message) pairs.
fn errors(json: &str) -> Vec<(String, String)> {
    match parse_and_validate(json, DEFAULT_MAX_EVENTS) {
        Ok(_) => panic!("accepted: {json}"),
        Err(e) => e
            .field_errors()
            .into_iter()
            .map(|f| (f.field, f.message))
            .collect(),
    }
}

/// Asserts one of the errors names `field` and its message contains `needle`.
fn check(json: &str, field: &str, needle: &str) {
    let errs = errors(json);
    assert!(
        errs.iter().any(|(f, m)| f == field && m.contains(needle)),
        "want {field}: ...{needle}... for {json}, got {errs:?}"
    );
}

#[test]
fn empty_object_is_the_default_scenario() {
    let s = parse_and_validate("{}", DEFAULT_MAX_EVENTS).unwrap();
    assert_eq!(*s, poolcast::Scenario::default());
}

#[test]
fn not_json_or_not_an_object() {
    check("", "scenario", "EOF");
    check("[1, 2]", "scenario", "must be a JSON object");
    check("42", "scenario", "must be a JSON object");
    check(r#"{"pool": {"max_size": 5}"#, "scenario", "EOF");
}

#[test]
fn unknown_fields_are_refused_by_path() {
    check(
        r#"{"pool": {"max_sise": 5}}"#,
        "pool.max_sise",
        "unknown field `max_sise`",
    );
    check(r#"{"colour": "blue"}"#, "colour", "unknown field");
    check(
        r#"{"workload": {"query_ms": {"kind": "exponential", "mean": 5, "p99": 9}}}"#,
        "workload.query_ms",
        "unknown field `p99`",
    );
}

#[test]
fn wrong_types_name_the_field() {
    check(
        r#"{"pool": {"max_size": "20"}}"#,
        "pool.max_size",
        "invalid type: string",
    );
    check(
        r#"{"pool": {"max_size": -5}}"#,
        "pool.max_size",
        "invalid value: integer `-5`",
    );
    check(
        r#"{"pool": {"max_size": 2.5}}"#,
        "pool.max_size",
        "invalid type: floating point",
    );
    check(
        r#"{"workload": {"query_mode": "batch"}}"#,
        "workload.query_mode",
        "unknown variant `batch`",
    );
    check(
        r#"{"workload": {"query_ms": {"kind": "gamma"}}}"#,
        "workload.query_ms.kind",
        "unknown variant `gamma`",
    );
    check(
        r#"{"fleet": {"instances": 1e12}}"#,
        "fleet.instances",
        "invalid type",
    );
}

#[test]
fn zero_and_negative_sizes_are_out_of_range() {
    check(r#"{"pool": {"max_size": 0}}"#, "pool.max_size", "from 1 to");
    check(
        r#"{"fleet": {"instances": 0}}"#,
        "fleet.instances",
        "from 1 to",
    );
    check(
        r#"{"duration_s": 0}"#,
        "duration_s",
        "must be a number from",
    );
    check(r#"{"duration_s": -10}"#, "duration_s", "got -10");
    check(
        r#"{"workload": {"rate_per_s": -1}}"#,
        "workload.rate_per_s",
        "got -1",
    );
    check(
        r#"{"workload": {"queries_per_request": 0}}"#,
        "workload.queries_per_request",
        "from 1",
    );
    check(r#"{"database": {"cores": 0}}"#, "database.cores", "from 1");
    check(
        r#"{"pool": {"acquire_timeout_ms": -1}}"#,
        "pool.acquire_timeout_ms",
        "got -1",
    );
}

#[test]
fn inconsistent_fields() {
    check(
        r#"{"pool": {"max_size": 5, "min_idle": 6}}"#,
        "pool.min_idle",
        "at most pool.max_size (5)",
    );
    check(
        r#"{"database": {"max_connections": 10, "reserved_connections": 10}}"#,
        "database.reserved_connections",
        "less than database.max_connections",
    );
    check(
        r#"{"workload": {"rate_profile": [{"at_s": 10, "rate_per_s": 5}, {"at_s": 5, "rate_per_s": 1}]}}"#,
        "workload.rate_profile[1].at_s",
        "increasing order",
    );
    check(
        r#"{"workload": {"query_ms": {"kind": "uniform", "min": 9, "max": 3}}}"#,
        "workload.query_ms.max",
        "at least min",
    );
    check(r#"{"version": 3}"#, "version", "unsupported version 3");
}

#[test]
fn impossible_lognormals_say_why() {
    check(
        r#"{"workload": {"query_ms": {"kind": "lognormal", "mean": 1, "p99": 20}}}"#,
        "workload.query_ms",
        "14.97",
    );
    check(
        r#"{"workload": {"query_ms": {"kind": "lognormal", "p50": 10, "p99": 5}}}"#,
        "workload.query_ms",
        "at least p50",
    );
    check(
        r#"{"workload": {"query_ms": {"kind": "lognormal", "p50": 10, "mean": 12, "p99": 50}}}"#,
        "workload.query_ms",
        "one of them",
    );
    check(
        r#"{"workload": {"query_ms": {"kind": "lognormal", "p99": 50}}}"#,
        "workload.query_ms",
        "one of them",
    );
}

#[test]
fn absurd_sizes_are_refused() {
    check(
        r#"{"pool": {"max_size": 4000000000}}"#,
        "pool.max_size",
        "from 1 to 100000",
    );
    check(
        r#"{"fleet": {"instances": 1000, "pools_per_instance": 1000}}"#,
        "fleet.instances",
        "over the limit",
    );
    check(r#"{"duration_s": 1e12}"#, "duration_s", "got 1000000000000");
    check(
        r#"{"workload": {"query_ms": {"kind": "constant", "value": 1e300}}}"#,
        "workload.query_ms.value",
        "got",
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let errs = errors(r#"{"pool": {"max_size": 0}, "fleet": {"instances": 0}, "duration_s": -1}"#);
    let fields: Vec<&str> = errs.iter().map(|(f, _)| f.as_str()).collect();
    for f in ["pool.max_size", "fleet.instances", "duration_s"] {
        assert!(fields.contains(&f), "{f} missing from {fields:?}");
    }
}

#[test]
fn work_that_would_freeze_a_browser_is_refused_with_an_estimate() {
    // 100,000 requests/s for a day is billions of events.
    let json = r#"{"duration_s": 86400, "workload": {"rate_per_s": 100000}}"#;
    match parse_and_validate(json, DEFAULT_MAX_EVENTS) {
        Err(ScenarioError::TooLarge {
            estimated_events,
            max_events,
        }) => {
            assert!(estimated_events > 20_000_000_000);
            assert_eq!(max_events, DEFAULT_MAX_EVENTS);
            let msg = parse_and_validate(json, DEFAULT_MAX_EVENTS)
                .unwrap_err()
                .to_string();
            assert!(
                msg.contains("--max-events") && msg.contains("duration_s"),
                "{msg}"
            );
        }
        other => panic!("not refused as too large: {other:?}"),
    }
    // Raising the limit explicitly lets it through validation.
    assert!(parse_and_validate(json, u64::MAX).is_ok());
}

#[test]
fn the_event_estimate_is_close_to_what_runs_take() {
    for json in [
        r#"{"duration_s": 100}"#,
        r#"{"duration_s": 100, "workload": {"queries_per_request": 3}}"#,
        r#"{"duration_s": 100, "workload": {"queries_per_request": 3, "query_mode": "transaction"}}"#,
        r#"{"duration_s": 100, "database": {"cores": 4}}"#,
    ] {
        let s = parse_and_validate(json, DEFAULT_MAX_EVENTS).unwrap();
        let estimate = poolcast::validate::estimate_events(&s);
        let actual = poolcast::Sim::new(&s).run_to_end().events as f64;
        let ratio = actual / estimate;
        assert!(
            (0.3..=1.5).contains(&ratio),
            "{json}: {actual} events vs estimate {estimate}"
        );
    }
}

/// A version-2 scenario of two services with `patch` applied (a JSON
/// object merged at the top level).
fn v2(patch: &str) -> String {
    let mut v: serde_json::Value = serde_json::from_str(
        r#"{"version": 2, "services": [{"name": "api"}, {"name": "fn", "kind": "serverless"}]}"#,
    )
    .unwrap();
    let p: serde_json::Value = serde_json::from_str(patch).unwrap();
    for (k, x) in p.as_object().unwrap() {
        v[k] = x.clone();
    }
    v.to_string()
}

#[test]
fn version_two_fields_are_named_by_their_path() {
    check(
        &v2(
            r#"{"services": [{"name": "api"}, {"name": "fn", "kind": "serverless", "serverless": {"max_concurrency": 0}}]}"#,
        ),
        "services[1].serverless.max_concurrency",
        "from 1",
    );
    check(
        &v2(r#"{"services": [{"name": "api", "pool": {"max_size": 0}}]}"#),
        "services[0].pool.max_size",
        "from 1",
    );
    check(
        &v2(r#"{"services": [{"name": "api", "workload": {"read_fraction": 1.5}}]}"#),
        "services[0].workload.read_fraction",
        "from 0 to 1",
    );
    check(
        &v2(r#"{"services": [{"name": "api", "pool": {"max_sise": 3}}]}"#),
        "services[0].pool.max_sise",
        "unknown field",
    );
    check(
        &v2(r#"{"database": {"replicas": {"count": 99}}}"#),
        "database.replicas.count",
        "from 1 to 16",
    );
    check(
        &v2(r#"{"proxy": {"min_pool_size": 30, "default_pool_size": 20}}"#),
        "proxy.min_pool_size",
        "at most proxy.default_pool_size",
    );
}

#[test]
fn version_two_consistency_is_checked() {
    check(
        &v2(r#"{"services": [{"name": "api"}, {"name": "api"}]}"#),
        "services[1].name",
        "already called",
    );
    check(&v2(r#"{"services": []}"#), "services", "at least one");
    check(
        &v2(r#"{"services": [{"name": "api", "route": "proxy"}]}"#),
        "services[0].route",
        "needs a proxy",
    );
    check(
        &v2(
            r#"{"services": [{"name": "api", "route": "proxy", "workload": {"query_mode": "transaction"}}],
               "proxy": {"pool_mode": "statement"}}"#,
        ),
        "services[0].workload.query_mode",
        "statement mode refuses transactions",
    );
    check(
        &v2(
            r#"{"services": [{"name": "api", "workload": {"arrivals": {"kind": "closed", "users": 5}, "rate_per_s": 10}}]}"#,
        ),
        "services[0].workload.rate_per_s",
        "closed-loop users",
    );
    check(
        &v2(r#"{"services": [{"name": "api", "workload": {"transaction": {"max_wait_ms": 5}}}]}"#),
        "services[0].workload.transaction",
        "query_mode \"transaction\"",
    );
    check(
        &v2(r#"{"services": [{"name": "api", "serverless": {}}]}"#),
        "services[0].serverless",
        "only a service of kind",
    );
    check(
        &v2(
            r#"{"services": [{"name": "api", "retry": {"max_attempts": 3, "base_ms": 500, "cap_ms": 100}}]}"#,
        ),
        "services[0].retry.cap_ms",
        "at least base_ms",
    );
    check(
        &v2(
            r#"{"services": [{"name": "api", "workload": {"query_ms": {"kind": "quantiles", "points": [[0.5, 8], [0.4, 9]]}}}]}"#,
        ),
        "services[0].workload.query_ms.points[1]",
        "q must increase",
    );
}

#[test]
fn events_must_name_what_exists() {
    check(
        &v2(r#"{"events": [{"at_s": 5, "kind": "scale", "service": "nope", "instances": 3}]}"#),
        "events[0].service",
        "no service is called",
    );
    check(
        &v2(r#"{"events": [{"at_s": 5, "kind": "scale", "service": "fn", "instances": 3}]}"#),
        "events[0].service",
        "serverless",
    );
    check(
        &v2(
            r#"{"events": [{"at_s": 5, "kind": "db_restart", "target": "replica:2", "down_s": 3}]}"#,
        ),
        "events[0].target",
        "no replica 2",
    );
    check(
        &v2(r#"{"events": [{"at_s": 5, "kind": "db_restart", "target": "proxy", "down_s": 3}]}"#),
        "events[0].target",
        "no proxy",
    );
    check(
        &v2(
            r#"{"events": [{"at_s": 5, "kind": "slow_queries", "target": "primary", "factor": 0, "for_s": 3}]}"#,
        ),
        "events[0].factor",
        "from 0.001",
    );
    check(
        &v2(
            r#"{"events": [{"at_s": 5, "kind": "db_restart", "target": "replica:x", "down_s": 3}]}"#,
        ),
        "events[0]",
        "unknown target",
    );
}

#[test]
fn counts_that_would_freeze_a_page_are_bounded() {
    let many: Vec<String> = (0..40).map(|i| format!(r#"{{"name": "s{i}"}}"#)).collect();
    check(
        &v2(&format!(r#"{{"services": [{}]}}"#, many.join(","))),
        "services",
        "at most 32",
    );
    check(
        &v2(
            r#"{"services": [{"name": "api", "workload": {"arrivals": {"kind": "closed", "users": 10000000}}}]}"#,
        ),
        "services[0].workload.arrivals.users",
        "from 1 to 100000",
    );
    // Closed-loop users count in the event estimate too.
    let json = v2(
        r#"{"duration_s": 100000, "services": [{"name": "api", "workload": {"arrivals": {"kind": "closed", "users": 100000}}}]}"#,
    );
    assert!(matches!(
        parse_and_validate(&json, DEFAULT_MAX_EVENTS),
        Err(ScenarioError::TooLarge { .. })
    ));
}

#[test]
fn a_version_one_document_reads_as_one_service_and_writes_back_the_same() {
    let s = parse_and_validate(
        r#"{"fleet": {"instances": 3}, "pool": {"max_size": 7}}"#,
        DEFAULT_MAX_EVENTS,
    )
    .unwrap();
    assert_eq!(s.version, 1);
    assert_eq!(
        (s.services.len(), s.app().name.as_str(), s.app().instances),
        (1, "app", 3)
    );
    let text = serde_json::to_string(&*s).unwrap();
    assert!(
        text.contains("\"fleet\"") && !text.contains("\"services\""),
        "{text}"
    );
    let v2 = serde_json::to_string(&s.to_v2()).unwrap();
    assert!(
        v2.contains("\"services\"") && v2.contains("\"version\":2"),
        "{v2}"
    );
    assert_eq!(poolcast::parse(&v2).unwrap().services, s.services);
    // A document without a version but with services is version 2.
    let s = parse_and_validate(r#"{"services": [{"name": "x"}]}"#, DEFAULT_MAX_EVENTS).unwrap();
    assert_eq!(s.version, 2);
    // Version 1 refuses version 2's fields by name.
    check(
        r#"{"version": 1, "services": []}"#,
        "services",
        "unknown field",
    );
}
