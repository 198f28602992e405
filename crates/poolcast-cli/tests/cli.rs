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

/// Exit code 0; otherwise what the binary said on stderr.
#[track_caller]
fn assert_ok(o: &Output) {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
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
    assert_ok(&pass);
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
    assert_ok(&o);
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
    assert_ok(&o);
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
    assert_ok(&o);
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
    assert_ok(&o);
    let v: Value = serde_json::from_str(&stdout(&o)).unwrap();
    assert!(v["pool_max_size"].is_null(), "{v}");
    assert_eq!(v["binding"], "database_connections");
    assert!(v["reason"].as_str().unwrap().contains("40 pools"), "{v}");
}

#[test]
fn calc_prints_erlang_c() {
    let o = poolcast(&["calc", "-", "--pretty"], MM10);
    assert_ok(&o);
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
    assert_ok(&o);
    assert!(!stderr(&o).contains("panicked"), "stderr: {}", stderr(&o));
}

/// Version 2: an API behind a transaction-mode proxy (M/M/10 at the
/// proxy, a = 8), a worker straight to the primary, and serverless
/// functions against the database's limit.
const V2: &str = r#"{"version": 2, "seed": 3, "duration_s": 20, "warmup_s": 1,
    "services": [
      {"name": "api", "instances": 4, "route": "proxy",
       "workload": {"rate_per_s": 800, "query_ms": {"kind": "exponential", "mean": 10}},
       "pool": {"max_size": 20, "min_idle": 20, "acquire_timeout_ms": null}},
      {"name": "worker", "instances": 2,
       "workload": {"rate_per_s": 100, "query_ms": {"kind": "exponential", "mean": 10}},
       "pool": {"max_size": 5, "min_idle": 5}},
      {"name": "fn", "kind": "serverless",
       "serverless": {"max_concurrency": 100, "idle_reclaim_s": 0, "orphan_linger_s": 0,
                      "cold_start_ms": {"kind": "constant", "value": 0}},
       "workload": {"rate_per_s": 500, "query_ms": {"kind": "exponential", "mean": 10}},
       "pool": {"max_size": 1}}],
    "proxy": {"pool_mode": "transaction", "default_pool_size": 10, "min_pool_size": 10,
              "max_client_conn": 1000, "query_wait_timeout_ms": null, "client_connect_ms": 0},
    "database": {"max_connections": 33, "reserved_connections": 3, "connect_ms": 0}}"#;

/// One service, a retry policy and a 5 s restart of the primary.
const DRILL: &str = r#"{"version": 2, "seed": 11, "duration_s": 60, "warmup_s": 5,
    "services": [{"name": "api", "instances": 2,
      "workload": {"rate_per_s": 1800, "query_ms": {"kind": "exponential", "mean": 10}},
      "pool": {"max_size": 10, "acquire_timeout_ms": 1000},
      "retry": {"max_attempts": 3, "on": ["pool_timeout", "db_unavailable", "connection_lost"],
                "base_ms": 100, "cap_ms": 1000, "jitter": "full"}}],
    "database": {"connect_ms": 5},
    "events": [{"at_s": 20, "kind": "db_restart", "target": "primary", "down_s": 5}]}"#;

fn json(o: &Output) -> Value {
    assert_ok(o);
    serde_json::from_str(&stdout(o)).expect("JSON on stdout")
}

#[test]
fn every_command_takes_version_two() {
    let r = json(&poolcast(&["run", "-"], V2));
    let names: Vec<&str> = r["services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["api", "worker", "fn"]);
    assert!(r["proxy"]["attempts"].as_u64().unwrap() > 0);
    let v = poolcast(&["validate", "-"], V2);
    assert_eq!(stdout(&v).trim(), "ok", "stderr: {}", stderr(&v));
    let c = poolcast(&["check", "-", "--max-failure-fraction", "1"], V2);
    assert_ok(&c);
}

#[test]
fn validate_names_a_version_two_field() {
    let bad = V2.replace("\"max_concurrency\": 100", "\"max_concurrency\": 0");
    assert_invalid(
        &poolcast(&["validate", "-"], &bad),
        "services[2].serverless.max_concurrency",
    );
    let unknown = V2.replace("\"route\": \"proxy\"", "\"rout\": \"proxy\"");
    assert_invalid(&poolcast(&["run", "-"], &unknown), "services[0]");
    assert_invalid(&poolcast(&["run", "-"], &unknown), "rout");
}

#[test]
fn migrate_prints_the_version_two_form() {
    let o = poolcast(&["migrate", "-"], MM10);
    let v = json(&o);
    assert_eq!(v["version"], 2);
    assert!(v.get("pool").is_none() && v.get("fleet").is_none(), "{v}");
    assert_eq!(v["services"][0]["name"], "app");
    assert_eq!(v["services"][0]["pool"]["max_size"], 10);
    assert_eq!(v["services"][0]["instances"], 1);
    // Indented, for a file people edit.
    assert!(stdout(&o).contains("\n  \"services\""), "{}", stdout(&o));
    // The migrated scenario runs exactly as the original.
    let before: Value = json(&poolcast(&["run", "-"], MM10));
    let after: Value = json(&poolcast(&["run", "-"], &stdout(&o)));
    for part in [
        "requests",
        "acquire",
        "latency_ms",
        "pool",
        "database",
        "timeline",
    ] {
        assert_eq!(before[part], after[part], "{part}");
    }
    // A version-2 scenario stays as it is; a broken one is refused.
    let again = json(&poolcast(&["migrate", "-"], &stdout(&o)));
    assert_eq!(again, v);
    assert_invalid(
        &poolcast(
            &["migrate", "-"],
            &MM10.replace("\"max_size\": 10", "\"max_size\": 0"),
        ),
        "pool.max_size",
    );
}

#[test]
fn calc_covers_budget_serverless_and_proxy() {
    let v = json(&poolcast(&["calc", "-"], V2));
    assert_eq!(v["service"], "api");
    // Primary: worker 2 x 1 x 5 = 10, fn 100 x 1, proxy 10 + 0, of 30.
    let db = &v["databases"][0];
    let rows: Vec<(&str, u64)> = db["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["who"].as_str().unwrap(),
                r["connections"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("worker", 10), ("fn", 100), ("proxy", 10)]);
    assert_eq!(
        (db["total"].as_u64(), db["limit"].as_u64()),
        (Some(120), Some(30))
    );
    assert_eq!(db["headroom"], -90);
    assert_eq!(db["verdict"], "over_limit");
    // The functions get 30 - 10 - 10 = 10 connections: Erlang B(10, 5).
    let f = &v["serverless"][0];
    assert_eq!(f["limit"]["functions"], 10);
    let b = f["limit"]["refused"].as_f64().unwrap();
    assert!((b - 0.018_385).abs() < 1e-6, "{b}");
    // The proxy's pool: 800/s x 10 ms on 10 servers, Erlang C(10, 8).
    let q = &v["proxy"]["server_pools"][0]["erlang_c"];
    assert!((q["offered_load"].as_f64().unwrap() - 8.0).abs() < 1e-9);
    assert!(
        (q["p_wait"].as_f64().unwrap() - 0.409_18).abs() < 1e-5,
        "{q}"
    );
    // --service picks the pool the single-pool results describe.
    let w = json(&poolcast(&["calc", "-", "--service", "worker"], V2));
    assert_eq!(w["service"], "worker");
    assert_eq!(w["erlang_c"]["servers"], 5);
    assert_eq!(w["databases"], v["databases"]);
    let o = poolcast(&["calc", "-", "--service", "nope"], V2);
    assert_invalid(&o, "nope");
    assert!(stderr(&o).contains("api, worker, fn"), "{}", stderr(&o));
}

#[test]
fn recommend_sizes_a_service_or_the_proxy() {
    // The functions may hold 100 connections, all the database has: no room
    // for the proxy's pool, and the answer says why.
    let v = json(&poolcast(
        &["recommend", "-", "--proxy", "--max-p99-wait-ms", "2"],
        V2,
    ));
    assert!(v["pool_max_size"].is_null(), "{v}");
    assert_eq!(v["binding"], "load_above_capacity");
    assert!(
        v["reason"]
            .as_str()
            .unwrap()
            .contains("other parties may hold 110")
    );
    // Ten functions and 60 connections leave 40.
    let roomy = V2
        .replace("\"max_concurrency\": 100", "\"max_concurrency\": 10")
        .replace("\"max_connections\": 33", "\"max_connections\": 63");
    let v = json(&poolcast(
        &["recommend", "-", "--proxy", "--max-p99-wait-ms", "2"],
        &roomy,
    ));
    assert_eq!(v["room"], 40);
    assert_eq!(v["field"], "proxy.default_pool_size");
    let size = v["pool_max_size"].as_u64().expect("a size");
    let analytic = v["analytic_max_size"].as_u64().expect("an analytic size");
    assert!(size.abs_diff(analytic) <= 1, "{v}");
    let v = json(&poolcast(
        &[
            "recommend",
            "-",
            "--service",
            "worker",
            "--max-p99-wait-ms",
            "5",
        ],
        &roomy,
    ));
    assert_eq!(v["field"], "services[1].pool.max_size");
    assert_eq!(v["service"], "worker");
    assert!(v["curve"].as_array().is_some_and(|c| !c.is_empty()));
    // No proxy, nothing to size; both flags at once is a usage error.
    assert_invalid(
        &poolcast(
            &["recommend", "-", "--proxy", "--max-p99-wait-ms", "2"],
            MM10,
        ),
        "proxy",
    );
    let both = poolcast(
        &[
            "recommend",
            "-",
            "--proxy",
            "--service",
            "api",
            "--max-p99-wait-ms",
            "2",
        ],
        V2,
    );
    assert_eq!(both.status.code(), Some(2));
    assert!(both.stdout.is_empty());
}

#[test]
fn check_bounds_recovery_and_amplification() {
    let r = json(&poolcast(&["run", "-"], DRILL));
    let recovery = r["incidents"][0]["recovery_s"].as_f64().expect("recovered");
    let amplification = r["requests"]["amplification"].as_f64().unwrap();
    assert!(recovery > 0.0 && amplification > 1.0, "{}", r["incidents"]);
    let gate = |flag: &str, bound: f64| poolcast(&["check", "-", flag, &bound.to_string()], DRILL);
    // Each bound holds at the measured value and breaks just below it.
    for (flag, value, says) in [
        ("--max-recovery-s", recovery, "to recover"),
        ("--max-amplification", amplification, "amplification"),
    ] {
        let ok = gate(flag, value);
        assert_eq!(ok.status.code(), Some(0), "{flag}: {}", stdout(&ok));
        assert_eq!(stdout(&ok).trim(), "ok");
        let broken = gate(flag, (value * 0.9).max(1.0));
        assert_eq!(broken.status.code(), Some(1), "{flag}: {}", stderr(&broken));
        let lines: Vec<String> = stdout(&broken).lines().map(String::from).collect();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].contains(says), "{lines:?}");
    }
    // No timed events: the recovery bound has nothing to check, and says so.
    let none = poolcast(&["check", "-", "--max-recovery-s", "1"], MM10);
    assert_eq!(none.status.code(), Some(0));
    assert!(
        stderr(&none).contains("no timed events"),
        "{}",
        stderr(&none)
    );
    // Bad or missing bounds are invalid input.
    assert_invalid(
        &poolcast(&["check", "-", "--max-amplification", "0.5"], DRILL),
        "slo.max_amplification",
    );
    assert_invalid(
        &poolcast(&["check", "-", "--max-recovery-s=-1"], DRILL),
        "slo.max_recovery_s",
    );
    assert_invalid(&poolcast(&["check", "-"], DRILL), "--max-recovery-s");
}

/// Writes `text` to a fresh file under the target directory and returns its path.
fn file(name: &str, text: &str) -> String {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli-shards");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn merged_shards_equal_the_unsharded_grid_byte_for_byte() {
    let base = file("grid.json", V2);
    let grid = [
        "--field",
        "proxy.default_pool_size=9,10,12",
        "--field",
        "services[1].pool.max_size=3:5:2",
        "--field",
        "services[0].workload.rate_per_s=600,800",
    ];
    let sweep = |extra: &[&str]| {
        let mut args = vec!["sweep", base.as_str()];
        args.extend_from_slice(&grid);
        args.extend_from_slice(extra);
        let o = poolcast(&args, "");
        assert_ok(&o);
        stdout(&o)
    };
    for format in [&[][..], &["--json"][..], &["--json", "--pretty"][..]] {
        let whole = sweep(format);
        // 3 x 2 x 2 points, and they differ.
        if format.is_empty() {
            let lines: Vec<&str> = whole.lines().collect();
            assert_eq!(lines.len(), 13, "{whole}");
            assert!(lines[0].starts_with(
                "proxy.default_pool_size,services[1].pool.max_size,services[0].workload.rate_per_s,p99_wait_ms"
            ));
            assert!(lines[1].starts_with("9,3,600,") && lines[12].starts_with("12,5,800,"));
            assert!(lines[0].contains("failure_fraction"));
        }
        // Five shards for twelve points: some get two, some three.
        let mut files = Vec::new();
        for k in (1..=5).rev() {
            let shard = format!("{k}/5");
            let mut extra = format.to_vec();
            extra.extend_from_slice(&["--shard", &shard]);
            files.push(file(&format!("shard-{k}-{}", format.len()), &sweep(&extra)));
        }
        let mut args = vec!["merge"];
        args.extend(files.iter().map(String::as_str));
        args.extend_from_slice(&format[1.min(format.len())..]);
        let merged = poolcast(&args, "");
        assert_ok(&merged);
        assert_eq!(stdout(&merged), whole, "{format:?}");
        // A missing shard is refused, not papered over.
        let mut short = vec!["merge"];
        short.extend(files[1..].iter().map(String::as_str));
        assert_invalid(&poolcast(&short, ""), "missing");
    }
}

#[test]
fn a_one_field_sweep_keeps_its_shape_when_sharded() {
    let base = file("one.json", MM10);
    let run = |extra: &[&str]| {
        let mut args = vec![
            "sweep",
            base.as_str(),
            "--field",
            "pool.max_size",
            "--values",
            "10,11,12",
        ];
        args.extend_from_slice(extra);
        let o = poolcast(&args, "");
        assert_ok(&o);
        stdout(&o)
    };
    for json_out in [false, true] {
        let flag: &[&str] = if json_out { &["--json"] } else { &[] };
        let whole = run(flag);
        let a = file(
            &format!("a{json_out}"),
            &run(&[flag, &["--shard", "1/2"]].concat()),
        );
        let b = file(
            &format!("b{json_out}"),
            &run(&[flag, &["--shard", "2/2"]].concat()),
        );
        let merged = poolcast(&["merge", &b, &a], "");
        assert_eq!(stdout(&merged), whole, "stderr: {}", stderr(&merged));
    }
    // The one-field JSON is the shape it always had.
    let v: Value = serde_json::from_str(&run(&["--json"])).unwrap();
    assert_eq!(v["field"], "pool.max_size");
    assert_eq!(v["points"][2]["value"], 12.0);
    assert_invalid(
        &poolcast(
            &[
                "sweep",
                &base,
                "--field",
                "pool.max_size=1",
                "--shard",
                "3/2",
            ],
            "",
        ),
        "--shard",
    );
}

/// Runs `poolcast chart - --out dir flags...` with `stdin` as the scenario.
fn chart(dir: &std::path::Path, flags: &[&str], stdin: &str) -> Output {
    let mut args = vec!["chart", "-", "--out", dir.to_str().unwrap()];
    args.extend_from_slice(flags);
    poolcast(&args, stdin)
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
    let out = chart(&dir, &[], MM10);
    assert_ok(&out);
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
    let out = chart(
        &dir,
        &[
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
    assert_ok(&out);
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
    let bad = chart(&dir, &[], r#"{"pool": {"max_size": 0}}"#);
    assert_invalid(&bad, "pool.max_size");
    let small = chart(&dir, &["--width", "10"], MM10);
    assert_invalid(&small, "--width");
    let missing = chart(&dir, &["--compare", "/nonexistent.json"], MM10);
    assert_invalid(&missing, "/nonexistent.json");
    assert!(!dir.exists(), "nothing written for refused input");
}
