//! Engine speed: `cargo bench -p poolcast --bench engine`.
//!
//! Runs each scenario several times and reports the median wall time as
//! events per second and simulated requests per second. Scenarios are the
//! ones the README's Performance section quotes; pass a number to scale
//! their duration (e.g. `cargo bench -p poolcast --bench engine -- 0.1` for
//! a quick look). The scenarios are the JSON files in `benches/cases/`;
//! the end-to-end test runs the version-2 ones in the browser too, for the
//! wasm-vs-native figures.

use std::time::Instant;

/// A case: its name in the table, and its scenario, `benches/cases/FILE.json`.
macro_rules! case {
    ($name:literal, $file:literal) => {
        ($name, include_str!(concat!("cases/", $file, ".json")))
    };
}

const CASES: [(&str, &str); 6] = [
    case!("M/M/10 at rho 0.9 (900/s, exp 10 ms)", "mm10"),
    case!("4 instances x 10 on 8 cores", "cores8"),
    case!("sequential 3 queries, 4 x 20", "sequential3"),
    case!("8 x 20 behind a proxy (40 servers)", "proxy"),
    case!("serverless fleet, warm reuse", "serverless"),
    case!("closed loop, 200 users", "closed"),
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
    for (name, json) in CASES {
        let mut s = poolcast::parse(json).expect("bench scenario");
        s.duration_s *= scale;
        let valid = poolcast::validate(&s, u64::MAX).expect("valid bench scenario");
        let mut times = Vec::new();
        let mut last = None;
        for _ in 0..5 {
            let start = Instant::now();
            let report = poolcast::Sim::new(&valid).run_to_end();
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
            name,
            requests,
            wall * 1e3,
            r.events as f64 / wall / 1e6,
            requests / wall / 1e6
        );
    }
}
