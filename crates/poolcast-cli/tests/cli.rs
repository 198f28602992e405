//! The `poolcast` binary end to end: exit codes, output shapes, messages.

use std::io::{Read, Write};
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// A warm M/M/10 pool at 900/s x 10 ms (a = 9): Erlang C 0.6687, a short run.
const MM10: &str = r#"{"seed": 5, "duration_s": 30, "warmup_s": 2,
    "workload": {"rate_per_s": 900, "query_ms": {"kind": "exponential", "mean": 10}},
    "fleet": {"instances": 1},
    "pool": {"max_size": 10, "min_idle": 10, "acquire_timeout_ms": null},
    "database": {"connect_ms": 0}}"#;

/// Runs `poolcast args...` with `stdin` on standard input.
fn poolcast(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_poolcast"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    // A command that fails before reading closes its end early; ignore that.
    let _ = child
        .stdin
        .take()
        .expect("stdin is piped")
        .write_all(stdin.as_bytes());
    child.wait_with_output().expect("the binary finishes")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8")
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf-8")
}

/// Exit code 2, the field named on stderr, nothing on stdout.
fn assert_invalid(o: &Output, field: &str) {
    assert_eq!(o.status.code(), Some(2), "stderr: {}", stderr(o));
    assert!(o.stdout.is_empty(), "stdout: {}", stdout(o));
    assert!(stderr(o).contains(field), "stderr: {}", stderr(o));
}

#[test]
fn check_passes_fails_and_rejects() {
    let pass = poolcast(&["check", "-", "--max-p99-wait-ms", "1000"], MM10);
    assert_eq!(pass.status.code(), Some(0), "stderr: {}", stderr(&pass));
    assert_eq!(stdout(&pass).trim(), "ok");

    // P(wait) is 0.67, so the p99 wait is well above 0; no timeouts happen.
    let fail = poolcast(
        &[
            "check",
            "-",
            "--max-p99-wait-ms",
            "0",
            "--max-timeout-fraction",
            "0",
        ],
        MM10,
    );
    assert_eq!(fail.status.code(), Some(1), "stderr: {}", stderr(&fail));
    let lines: Vec<String> = stdout(&fail).lines().map(String::from).collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("p99"), "{lines:?}");

    let bad = MM10.replace("\"max_size\": 10", "\"max_size\": 0");
    assert_invalid(
        &poolcast(&["check", "-", "--max-p99-wait-ms", "5"], &bad),
        "pool.max_size",
    );
    assert_invalid(
        &poolcast(
            &[
                "check",
                "-",
                "--max-p99-wait-ms",
                "5",
                "--max-failure-fraction",
                "2",
            ],
            MM10,
        ),
        "slo.max_failure_fraction",
    );
}

#[test]
fn invalid_input_names_the_field() {
    let typo = MM10.replace("\"min_idle\"", "\"min_idel\"");
    assert_invalid(&poolcast(&["run", "-"], &typo), "min_idel");
    assert_invalid(
        &poolcast(&["calc", "-"], "{\"duration_s\": -1}"),
        "duration_s",
    );
    assert_invalid(
        &poolcast(&["validate", "/no/such/scenario.json"], ""),
        "/no/such/scenario.json",
    );
    assert_invalid(
        &poolcast(
            &["sweep", "-", "--field", "pool.max_sise", "--values", "2,4"],
            MM10,
        ),
        "pool.max_sise",
    );
}

#[test]
fn sweep_prints_csv_and_json() {
    let o = poolcast(
        &[
            "sweep",
            "-",
            "--field",
            "pool.max_size",
            "--values",
            "10,12,16",
        ],
        MM10,
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let text = stdout(&o);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 4, "{text}");
    assert_eq!(rows[0][0], "pool.max_size");
    assert_eq!(rows[0][1], "p99_wait_ms");
    assert!(rows.iter().all(|r| r.len() == 7), "{text}");
    let values: Vec<&str> = rows[1..].iter().map(|r| r[0]).collect();
    assert_eq!(values, ["10", "12", "16"]);
    // More connections, shorter waits.
    let p99: Vec<f64> = rows[1..].iter().map(|r| r[1].parse().unwrap()).collect();
    assert!(p99[0] > p99[1] && p99[1] >= p99[2], "{p99:?}");

    let o = poolcast(
        &[
            "sweep",
            "-",
            "--field",
            "pool.max_size",
            "--from",
            "10",
            "--to",
            "14",
            "--step",
            "2",
            "--json",
        ],
        MM10,
    );
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let values: Vec<f64> = v["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["value"].as_f64().unwrap())
        .collect();
    assert_eq!(values, [10.0, 12.0, 14.0]);
}

#[test]
fn recommend_prints_a_size_and_the_curve() {
    let o = poolcast(&["recommend", "-", "--max-p99-wait-ms", "5"], MM10);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    let size = v["pool_max_size"].as_u64().expect("a size");
    let analytic = v["analytic_max_size"].as_u64().expect("an analytic size");
    assert!(size.abs_diff(analytic) <= 1, "{v}");
    let curve = v["curve"].as_array().unwrap();
    assert!(
        curve
            .iter()
            .any(|p| p["value"].as_f64() == Some(size as f64))
    );
    assert!(v["reason"].is_null());

    // 40 instances on a database that accepts 17 connections.
    let crowded = MM10
        .replace("\"instances\": 1", "\"instances\": 40")
        .replace(
            "\"connect_ms\": 0",
            "\"connect_ms\": 0, \"max_connections\": 20",
        );
    let o = poolcast(&["recommend", "-", "--max-p99-wait-ms", "5"], &crowded);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["pool_max_size"].is_null(), "{v}");
    assert_eq!(v["binding"], "database_connections");
    assert!(v["reason"].as_str().unwrap().contains("40 pools"), "{v}");
}

#[test]
fn calc_prints_erlang_c() {
    let o = poolcast(&["calc", "-", "--pretty"], MM10);
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    // Erlang C for a = 9 on c = 10 is 0.6687 (standard tables).
    let p = v["erlang_c"]["p_wait"].as_f64().unwrap();
    assert!((p - 0.6687).abs() < 1e-4, "{p}");
    assert_eq!(v["budget"]["verdict"], "comfortable");
}

#[test]
fn a_closed_pipe_is_not_a_crash() {
    // A thousand-point sweep as indented JSON is about 200 kB, far more than
    // a pipe buffer, so the writer meets the closed pipe.
    let tiny = r#"{"duration_s": 0.01, "warmup_s": 0, "workload": {"rate_per_s": 1}}"#;
    let mut child = Command::new(env!("CARGO_BIN_EXE_poolcast"))
        .args([
            "sweep",
            "-",
            "--field",
            "pool.max_size",
            "--from",
            "1",
            "--to",
            "1000",
        ])
        .args(["--json", "--pretty"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(tiny.as_bytes())
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut head = [0u8; 16];
    out.read_exact(&mut head).unwrap();
    drop(out);
    let o = child.wait_with_output().unwrap();
    assert_eq!(&head[..12], b"{\n  \"field\":");
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "stderr: {}", stderr(&o));
}

/// Every chart and the topology in `dir`, each a valid SVG document.
fn svgs_in(dir: &std::path::Path) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = std::fs::read_dir(dir)
        .expect("the folder was made")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "svg"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, std::fs::read_to_string(&p).expect("readable"))
        })
        .collect();
    out.sort();
    out
}

fn valid_svg(name: &str, svg: &str) {
    assert!(
        svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"),
        "{name}"
    );
    assert!(
        svg.contains("xmlns=\"http://www.w3.org/2000/svg\""),
        "{name}"
    );
    assert!(!svg.contains("could not be drawn"), "{name}");
    // Balanced tags: every opened text element is closed.
    assert_eq!(
        svg.matches("<text").count(),
        svg.matches("</text>").count(),
        "{name}"
    );
}

#[test]
fn chart_writes_every_chart_and_the_topology_as_svg() {
    let dir = std::env::temp_dir().join(format!("poolcast-chart-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = poolcast(&["chart", "-", "--out", dir.to_str().unwrap()], MM10);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let files = svgs_in(&dir);
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    for stem in [
        "events",
        "connections",
        "db-connections",
        "failures",
        "retries",
        "instances",
        "proxy-waiting",
        "p99-wait",
        "wait-distribution",
        "topology",
    ] {
        assert!(
            names.contains(&format!("{stem}.svg").as_str()),
            "{stem}: {names:?}"
        );
    }
    for (name, svg) in &files {
        valid_svg(name, svg);
        assert!(
            stdout(&out).contains(name.as_str()),
            "every path is printed"
        );
    }
    let topology = &files.iter().find(|(n, _)| n == "topology.svg").unwrap().1;
    assert!(topology.contains("limit 97") && topology.contains("1 inst × 1 pool × 10"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn chart_compare_draws_a_under_b_and_png_when_asked() {
    let dir = std::env::temp_dir().join(format!("poolcast-compare-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let a = dir.with_extension("a.json");
    std::fs::write(
        &a,
        MM10.replace(
            "\"max_size\": 10, \"min_idle\": 10",
            "\"max_size\": 12, \"min_idle\": 12",
        ),
    )
    .unwrap();
    let out = poolcast(
        &[
            "chart",
            "-",
            "--out",
            dir.to_str().unwrap(),
            "--compare",
            a.to_str().unwrap(),
            "--png",
            "--width",
            "640",
            "--height",
            "240",
        ],
        MM10,
    );
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let files = svgs_in(&dir);
    assert!(files.iter().any(|(n, _)| n == "topology-a.svg"));
    for (name, svg) in &files {
        valid_svg(name, svg);
        if !name.starts_with("topology") && name != "events.svg" {
            assert!(svg.contains("run A"), "{name} overlays A");
        }
    }
    let png = std::fs::read(dir.join("connections.png")).unwrap();
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&png[16..24], &[0, 0, 2, 128, 0, 0, 0, 240], "640 x 240");
    assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]), "IEND's CRC");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_file(&a);
}

#[test]
fn chart_refuses_bad_input_by_name() {
    let dir = std::env::temp_dir().join(format!("poolcast-bad-{}", std::process::id()));
    let bad = poolcast(
        &["chart", "-", "--out", dir.to_str().unwrap()],
        r#"{"pool": {"max_size": 0}}"#,
    );
    assert_invalid(&bad, "pool.max_size");
    let small = poolcast(
        &[
            "chart",
            "-",
            "--out",
            dir.to_str().unwrap(),
            "--width",
            "10",
        ],
        MM10,
    );
    assert_invalid(&small, "--width");
    let missing = poolcast(
        &[
            "chart",
            "-",
            "--out",
            dir.to_str().unwrap(),
            "--compare",
            "/nonexistent.json",
        ],
        MM10,
    );
    assert_invalid(&missing, "/nonexistent.json");
    assert!(!dir.exists(), "nothing written for refused input");
}
