//! Engine speed: `cargo bench -p poolcast --bench engine`.
//!
//! Runs each scenario several times and reports the median wall time as
//! events per second and simulated requests per second. Scenarios are the
//! ones the README's Performance section quotes; pass a number to scale
//! their duration (e.g. `cargo bench -p poolcast --bench engine -- 0.1` for
//! a quick look). The scenarios are the JSON files in `benches/cases/`;
//! the end-to-end test runs the version-2 ones in the browser too, for the
//! wasm-vs-native figures.
//!
//! Each case runs in a child process (this program, given `--case N`), so
//! the peak memory printed beside it (the child's `VmHWM`, Linux only) is
//! that case's alone.

use std::time::Instant;

/// A case: its name in the table, and its scenario, `benches/cases/FILE.json`.
macro_rules! case {
    ($name:literal, $file:literal) => {
        ($name, include_str!(concat!("cases/", $file, ".json")))
    };
}

const CASES: [(&str, &str); 8] = [
    case!("M/M/10 at rho 0.9 (900/s, exp 10 ms)", "mm10"),
    case!("4 instances x 10 on 8 cores", "cores8"),
    case!("sequential 3 queries, 4 x 20", "sequential3"),
    case!("8 x 20 behind a proxy (40 servers)", "proxy"),
    case!("serverless fleet, warm reuse", "serverless"),
    case!("closed loop, 200 users", "closed"),
    case!("10,000 instances x 10 via proxy, 100k/s", "fleet10k"),
    case!("10,000 functions via proxy, 100k/s", "functions10k"),
];

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let case: Option<usize> = args.iter().position(|a| a == "--case").map(|i| {
        let n = args.remove(i + 1);
        args.remove(i);
        n.parse().expect("case number")
    });
    let scale: f64 = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1.0);
    if let Some(case) = case {
        run_case(case, scale);
        return;
    }
    println!(
        "{:<40} {:>12} {:>10} {:>14} {:>16} {:>10}",
        "scenario", "requests", "wall ms", "events/s", "requests/s", "peak MB"
    );
    let me = std::env::current_exe().expect("the bench's own path");
    for case in 0..CASES.len() {
        // `--bench` is what cargo passes; the child ignores it too.
        let out = std::process::Command::new(&me)
            .args(["--case", &case.to_string(), &scale.to_string()])
            .output()
            .expect("run a case");
        assert!(out.status.success(), "case {case} failed");
        print!("{}", String::from_utf8_lossy(&out.stdout));
    }
}

/// Peak resident memory of this process, MB (`VmHWM`; `None` off Linux).
fn peak_mb() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

/// Runs case `case` and prints its row.
fn run_case(case: usize, scale: f64) {
    {
        let (name, json) = CASES[case];
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
        let peak = peak_mb().map_or("-".to_string(), |mb| format!("{mb:.1}"));
        println!(
            "{:<40} {:>12.0} {:>10.1} {:>13.2}M {:>15.2}M {:>10}",
            name,
            requests,
            wall * 1e3,
            r.events as f64 / wall / 1e6,
            requests / wall / 1e6,
            peak
        );
    }
}
