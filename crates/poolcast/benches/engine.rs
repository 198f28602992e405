//! Engine speed: `cargo bench -p poolcast --bench engine`.
//!
//! Runs each scenario several times and reports the median wall time as
//! events per second and simulated requests per second. Scenarios are the
//! ones the README's Performance section quotes; pass a number to scale
//! their duration (e.g. `cargo bench -p poolcast --bench engine -- 0.1` for
//! a quick look).

use std::time::Instant;

struct Case {
    name: &'static str,
    json: &'static str,
}

const CASES: [Case; 6] = [
    Case {
        name: "M/M/10 at rho 0.9 (900/s, exp 10 ms)",
        json: r#"{"duration_s": 20000, "warmup_s": 10, "seed": 1,
            "workload": {"rate_per_s": 900, "query_ms": {"kind": "exponential", "mean": 10}},
            "fleet": {"instances": 1},
            "pool": {"max_size": 10, "min_idle": 10, "acquire_timeout_ms": null},
            "database": {"connect_ms": 0}}"#,
    },
    Case {
        name: "4 instances x 10 on 8 cores",
        json: r#"{"duration_s": 5000, "warmup_s": 10, "seed": 1,
            "workload": {"rate_per_s": 600, "query_ms": {"kind": "lognormal", "mean": 10, "p99": 60}},
            "fleet": {"instances": 4},
            "pool": {"max_size": 10},
            "database": {"cores": 8}}"#,
    },
    Case {
        name: "sequential 3 queries, 4 x 20",
        json: r#"{"duration_s": 5000, "warmup_s": 10, "seed": 1,
            "workload": {"rate_per_s": 400, "queries_per_request": 3,
                         "query_ms": {"kind": "lognormal", "p50": 8, "p99": 85}},
            "fleet": {"instances": 4}}"#,
    },
    Case {
        name: "8 x 20 behind a proxy (40 servers)",
        json: r#"{"version": 2, "duration_s": 2000, "warmup_s": 10, "seed": 1,
            "services": [{"name": "api", "instances": 8, "route": "proxy",
              "workload": {"rate_per_s": 3000, "query_ms": {"kind": "exponential", "mean": 5}},
              "pool": {"max_size": 20, "min_idle": 20, "idle_timeout_ms": null}}],
            "proxy": {"pool_mode": "transaction", "max_client_conn": 1000, "default_pool_size": 40,
                      "min_pool_size": 40, "client_connect_ms": 0},
            "database": {"max_connections": 100, "connect_ms": 0}}"#,
    },
    Case {
        name: "serverless fleet, warm reuse",
        json: r#"{"version": 2, "duration_s": 2000, "warmup_s": 10, "seed": 1,
            "services": [{"name": "fn", "kind": "serverless",
              "workload": {"rate_per_s": 2000, "query_ms": {"kind": "exponential", "mean": 5}},
              "pool": {"max_size": 1}}],
            "database": {"max_connections": 200, "connect_ms": 2}}"#,
    },
    Case {
        name: "closed loop, 200 users",
        json: r#"{"version": 2, "duration_s": 2000, "warmup_s": 10, "seed": 1,
            "services": [{"name": "load", "instances": 2,
              "workload": {"arrivals": {"kind": "closed", "users": 200,
                                        "think_ms": {"kind": "exponential", "mean": 50}},
                           "query_ms": {"kind": "exponential", "mean": 5}},
              "pool": {"max_size": 15, "min_idle": 15, "acquire_timeout_ms": null}}],
            "database": {"max_connections": 100, "connect_ms": 0}}"#,
    },
];

fn main() {
    let scale: f64 = std::env::args()
        .skip(1)
        .find_map(|a| a.parse().ok())
        .unwrap_or(1.0);
    println!(
        "{:<40} {:>12} {:>10} {:>14} {:>16}",
        "scenario", "requests", "wall ms", "events/s", "requests/s"
    );
    for case in &CASES {
        let mut s = poolcast::parse(case.json).expect("bench scenario");
        s.duration_s *= scale;
        poolcast::validate(&s, u64::MAX).expect("valid bench scenario");
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let start = Instant::now();
            let report = poolcast::Sim::new(&s).run_to_end();
            times.push(start.elapsed().as_secs_f64());
            last = Some(report);
        }
        times.sort_by(f64::total_cmp);
        let wall = times[times.len() / 2];
        let r = last.expect("ran");
        // Every request that arrived during the run, warmup included (for
        // closed-loop users, the window's arrivals scaled to the whole run).
        let requests = if s.expected_arrivals() > 0.0 {
            s.expected_arrivals().round()
        } else {
            r.requests.arrived as f64 * s.total_s() / s.duration_s
        };
        println!(
            "{:<40} {:>12.0} {:>10.1} {:>13.2}M {:>15.2}M",
            case.name,
            requests,
            wall * 1e3,
            r.events as f64 / wall / 1e6,
            requests / wall / 1e6
        );
    }
}
