//! Serverless fleets as Erlang's loss system (MODEL.md §9).
//!
//! Each request takes a function instance for as long as it runs; a request
//! that finds `max_concurrency` busy fails `throttled`, nothing waits. With
//! Poisson arrivals that is M/G/C/C, and the refused fraction is Erlang
//! B(C, a) with a = rate x mean busy time, whatever the distribution of the
//! busy time (insensitivity). Routed straight to the database, each busy
//! function also holds a connection; when the database admits fewer
//! functions than `max_concurrency` (L = its limit, less what the other
//! parties may hold, over the connections per function), the database binds
//! first and the refused fraction is B(L, a) with "too many clients". Behind
//! the proxy, the client connections against `max_client_conn` play the
//! database's part.

use serde::{Deserialize, Serialize};

use super::assume::{AssumptionCheck, arrivals, check, no_contention, no_retries, steady};
use super::budget::{limit_of, others_on};
use super::demand::{connections_per_function, function_busy_ms, peak_rate};
use super::{Assumption, erlang_b, percent};
use crate::input::scenario::{OnConnectError, Route, Scenario, Service};
use crate::plan::analytic::demand::workload_hold_ms;

/// What Erlang B says about one serverless service.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerlessLoss {
    /// The service's name.
    pub service: String,
    /// `direct` or `proxy`.
    pub route: Route,
    /// Requests per second at the busiest.
    pub rate_per_s: f64,
    /// Mean time a function is busy per request, ms (cold start and connect
    /// included when every request gets a fresh function).
    pub busy_ms: f64,
    /// Offered load on the functions, erlangs: rate x busy time.
    pub offered_load: f64,
    /// `serverless.max_concurrency` (C).
    pub max_concurrency: u32,
    /// Erlang B(C, a): the fraction throttled when the limit below does not
    /// bind first (0 when it does: refused requests free their function).
    pub throttled: f64,
    /// Connections one busy function holds.
    pub connections_per_function: u32,
    /// The connection limit the functions meet: the database's, or the proxy's.
    pub limit: LimitLoss,
    /// What these results rest on.
    pub assumes: Vec<AssumptionCheck>,
    /// Whether the scenario keeps every one of them.
    pub exact: bool,
    /// The result in a sentence.
    pub message: String,
}

/// The functions against a connection limit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitLoss {
    /// `"primary"` (route direct) or `"proxy.max_client_conn"`.
    pub against: String,
    /// The failure cause a refusal counts under.
    pub cause: String,
    /// Connections left for this service: the limit less what the other
    /// parties may hold.
    pub connections: u64,
    /// Functions that fit in them at once (L).
    pub functions: u64,
    /// Offered load on the connections, erlangs: rate x how long a request's
    /// connection stays counted.
    pub offered_load: f64,
    /// Erlang B(L, a) when L < C, else 0: the fraction refused.
    pub refused: f64,
}

/// Erlang B for every serverless service, in scenario order.
pub fn serverless_losses(s: &Scenario) -> Vec<ServerlessLoss> {
    s.services
        .iter()
        .filter(|x| x.is_serverless())
        .map(|svc| loss(s, svc))
        .collect()
}

fn loss(s: &Scenario, svc: &Service) -> ServerlessLoss {
    let f = svc.serverless_or_default();
    let rate = peak_rate(svc);
    let busy_ms = function_busy_ms(s, svc);
    let a = rate * busy_ms / 1000.0;
    let c = f.max_concurrency;
    let per = connections_per_function(svc);
    // How long one request's connection counts: from its connect to the
    // request's end, plus the orphan linger when its function is reclaimed
    // at once.
    let mut held_ms = workload_hold_ms(&svc.workload);
    if f.idle_reclaim_s == 0.0 {
        held_ms += s.database.connect_ms + f.orphan_linger_s * 1000.0;
    }
    let (against, cause, connections) = match (svc.route, &s.proxy) {
        (Route::Proxy, Some(p)) => {
            let dbs = u64::from(s.database_count());
            let others = super::proxy::other_clients(s, &svc.name);
            (
                "proxy.max_client_conn".to_string(),
                "max_client_conn".to_string(),
                // A function holds client connections to each database.
                u64::from(p.max_client_conn).saturating_sub(others) / dbs,
            )
        }
        _ => (
            "primary".to_string(),
            "too_many_clients".to_string(),
            limit_of(s, 0).saturating_sub(others_on(s, 0, &svc.name)),
        ),
    };
    let functions = connections / u64::from(per);
    let a_conn = rate * held_ms / 1000.0;
    let binds = functions < u64::from(c);
    let refused = if binds {
        erlang_b(functions.min(u64::from(u32::MAX)) as u32, a_conn)
    } else {
        0.0
    };
    let throttled = if binds { 0.0 } else { erlang_b(c, a) };
    let assumes = assumptions(s, svc);
    let exact = assumes.iter().all(|x| x.holds);
    let message = if binds {
        format!(
            "{}: {a:.1} erlangs of functions; the {against} admits {functions} at once (fewer than \
             max_concurrency {c}), so {} of requests fail {cause} (Erlang B({functions}, \
             {a_conn:.1})).",
            svc.name,
            percent(refused)
        )
    } else {
        format!(
            "{}: {a:.1} erlangs of functions against max_concurrency {c}: {} of requests are \
             throttled (Erlang B({c}, {a:.1})); the {against} admits {functions} functions, so \
             it does not bind.",
            svc.name,
            percent(throttled)
        )
    };
    ServerlessLoss {
        service: svc.name.clone(),
        route: svc.route,
        rate_per_s: rate,
        busy_ms,
        offered_load: a,
        max_concurrency: c,
        throttled,
        connections_per_function: per,
        limit: LimitLoss {
            against,
            cause,
            connections,
            functions,
            offered_load: a_conn,
            refused,
        },
        assumes,
        exact,
        message,
    }
}

/// Client connections a service routed through the proxy can open to one
/// database.
pub(crate) fn client_connections(svc: &Service) -> u64 {
    super::pools_of(svc) * u64::from(svc.pool.max_size)
}

fn assumptions(s: &Scenario, svc: &Service) -> Vec<AssumptionCheck> {
    let f = svc.serverless_or_default();
    let ends = f.idle_reclaim_s == 0.0 && f.orphan_linger_s == 0.0;
    let mut out = vec![
        arrivals(svc),
        steady(s, svc),
        check(
            Assumption::ConnectionsEndWithRequest,
            ends,
            if ends {
                "a function is reclaimed when its request ends and closes its connection cleanly."
                    .into()
            } else if f.idle_reclaim_s > 0.0 {
                format!(
                    "idle functions stay warm for {} s with their connections open, so the \
                     database sees more connections than busy functions: the refused fraction \
                     is a lower bound.",
                    f.idle_reclaim_s
                )
            } else {
                format!(
                    "each reclaimed function's connections stay counted for {} s \
                     (orphan_linger_s), which the offered load on the connections includes.",
                    f.orphan_linger_s
                )
            },
        ),
        check(
            Assumption::RefusalFails,
            svc.pool.on_connect_error == OnConnectError::Fail,
            match svc.pool.on_connect_error {
                OnConnectError::Fail => "a refused connection fails its request at once.".into(),
                OnConnectError::Retry => "a refused connection is retried, keeping its function \
                                          busy: the loss formula does not hold."
                    .into(),
            },
        ),
        no_contention(s),
    ];
    if svc.retry.is_some() {
        out.push(no_retries(svc));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse;

    fn fleet(max_concurrency: u32, route: &str, extra: &str) -> Scenario {
        parse(&format!(
            r#"{{"services": [{{"name": "fn", "kind": "serverless", "route": "{route}",
                  "serverless": {{"max_concurrency": {max_concurrency}, "idle_reclaim_s": 0,
                                 "orphan_linger_s": 0,
                                 "cold_start_ms": {{"kind": "constant", "value": 0}}}},
                  "workload": {{"rate_per_s": 500, "query_ms": {{"kind": "constant", "value": 10}}}},
                  "pool": {{"max_size": 1}}}}{extra}],
                "database": {{"max_connections": 13, "reserved_connections": 3,
                             "connect_ms": 0}}}}"#
        ))
        .unwrap()
    }

    #[test]
    fn the_smaller_of_the_limits_binds() {
        // 500/s x 10 ms = 5 erlangs. The database admits 13 - 3 = 10.
        let l = &serverless_losses(&fleet(100, "direct", ""))[0];
        assert!((l.offered_load - 5.0).abs() < 1e-9);
        assert_eq!(l.limit.functions, 10);
        assert!((l.limit.refused - 0.018_385).abs() < 1e-6, "{l:?}");
        assert_eq!(l.throttled, 0.0);
        assert!(l.exact, "{:?}", l.assumes);
        // Eight functions at most: throttled at B(8, 5); the database has room.
        let l = &serverless_losses(&fleet(8, "direct", ""))[0];
        assert!((l.throttled - erlang_b(8, 5.0)).abs() < 1e-15);
        assert_eq!(l.limit.refused, 0.0);
        assert!(l.message.contains("throttled"), "{}", l.message);
    }

    #[test]
    fn other_parties_shrink_the_room() {
        // A worker that may hold 4 leaves 6 for the functions.
        let s = fleet(
            100,
            "direct",
            r#", {"name": "worker", "instances": 1, "pool": {"max_size": 4}}"#,
        );
        let l = &serverless_losses(&s)[0];
        assert_eq!((l.limit.connections, l.limit.functions), (6, 6));
        assert!((l.limit.refused - erlang_b(6, 5.0)).abs() < 1e-15);
    }

    #[test]
    fn lingering_orphans_and_warm_functions_are_flagged() {
        let mut s = fleet(100, "direct", "");
        s.services[0].serverless.as_mut().unwrap().orphan_linger_s = 1.0;
        let l = &serverless_losses(&s)[0];
        // Each request's connection counts 10 ms + 1 s: 505 erlangs on 10.
        assert!((l.limit.offered_load - 505.0).abs() < 1e-9);
        assert!(!l.exact);
        s.services[0].serverless.as_mut().unwrap().idle_reclaim_s = 60.0;
        let l = &serverless_losses(&s)[0];
        assert!(!l.exact);
    }
}

#[cfg(test)]
mod against_the_simulation {
    //! The engine is an independent implementation of the same model: its
    //! refused fractions must agree with Erlang B (MODEL.md §9). Tolerances
    //! are 6 standard errors of a proportion, inflated 3x for the
    //! correlation between neighbouring requests.
    use super::*;
    use crate::parse;

    fn run(max_concurrency: u32) -> (ServerlessLoss, crate::Report) {
        // Exponential queries: Erlang B is insensitive to the distribution,
        // but a mean of 10 ms with 500/s is 5 erlangs either way.
        let s = parse(&format!(
            r#"{{"seed": 3, "duration_s": 200, "warmup_s": 5,
                "services": [{{"name": "fn", "kind": "serverless",
                  "serverless": {{"max_concurrency": {max_concurrency}, "idle_reclaim_s": 0,
                                 "orphan_linger_s": 0,
                                 "cold_start_ms": {{"kind": "constant", "value": 0}}}},
                  "workload": {{"rate_per_s": 500,
                                "query_ms": {{"kind": "exponential", "mean": 10}}}},
                  "pool": {{"max_size": 1}}}}],
                "database": {{"max_connections": 11, "reserved_connections": 3,
                             "connect_ms": 0}}}}"#
        ))
        .unwrap();
        let l = serverless_losses(&s).remove(0);
        (l, crate::run(&s).unwrap())
    }

    fn close(sim: f64, theory: f64, n: u64) {
        let tol = 18.0 * (theory * (1.0 - theory) / n as f64).sqrt();
        assert!(
            (sim - theory).abs() < tol,
            "sim {sim} vs Erlang B {theory} (tol {tol})"
        );
    }

    #[test]
    fn the_database_limit_is_erlang_b() {
        // C = 50 > L = 8: the database refuses B(8, 5) = 0.0700.
        let (l, r) = run(50);
        assert_eq!(l.limit.functions, 8);
        let n = r.requests.arrived;
        let refused = r.requests.failed_by_cause.get("too_many_clients").copied();
        close(refused.unwrap_or(0) as f64 / n as f64, l.limit.refused, n);
        assert!((l.limit.refused - 0.070_048).abs() < 1e-6);
    }

    #[test]
    fn max_concurrency_is_erlang_b() {
        // C = 6 <= L = 8: throttled B(6, 5) = 0.1918, nothing refused.
        let (l, r) = run(6);
        let n = r.requests.arrived;
        let throttled = r.requests.failed_by_cause.get("throttled").copied();
        close(throttled.unwrap_or(0) as f64 / n as f64, l.throttled, n);
        assert!(!r.requests.failed_by_cause.contains_key("too_many_clients"));
        assert_eq!(l.limit.refused, 0.0);
    }
}
