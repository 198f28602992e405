//! `cargo xtask`: the project's two commands, and the tools they need.
//!
//! - `cargo xtask serve`: install what is missing, build the page with Trunk
//!   and serve it on http://127.0.0.1:8080/.
//! - `cargo xtask test`: install what is missing, then formatting, clippy,
//!   every native test, the core's wasm build, the wasm tests in headless
//!   Chromium, and the end-to-end test of the built page. `.ci/run` runs
//!   exactly this.
//! - `cargo xtask install`: only the tools.
//! - `cargo xtask fuzz [N]`: the fuzz test of the scenario reader with N
//!   mangled inputs (default 1,000,000; the test suite runs 100,000).
//!
//! Installs are idempotent: a tool already present at the right version is
//! left alone. Versions: wasm-bindgen from Cargo.lock, Trunk pinned below.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

const TRUNK_VERSION: &str = "0.21.14";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WASM: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("test") => test(),
        Some("install") => install(true),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str).unwrap_or("1000000")),
        _ => {
            eprintln!("usage: cargo xtask serve [--port N] | test | install | fuzz [N]");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}

/// The workspace root. `cargo run` tells the binary where its manifest is;
/// the path compiled in is only a fallback, since a target directory shared
/// by several checkouts (CI keeps one between fresh clones) can hold an
/// xtask built in another checkout.
fn root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    Path::new(&manifest_dir)
        .parent()
        .expect("xtask lives in the workspace")
        .to_path_buf()
}

/// Runs a command in the workspace root, inheriting output.
fn run(program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed ({status})", args.join(" ")))
    }
}

/// A command's standard output, or None if it cannot run.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// The version of `package` that Cargo.lock resolved.
fn locked_version(package: &str) -> Result<String, String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock"))
        .map_err(|e| format!("Cargo.lock: {e}"))?;
    let needle = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&needle)
        .ok_or(format!("{package} is not in Cargo.lock"))?
        + needle.len();
    let end = lock[start..].find('"').ok_or("malformed Cargo.lock")?;
    Ok(lock[start..start + end].to_string())
}

/// Installs the wasm target, wasm-bindgen CLI, Trunk and (with `browser`)
/// Chromium and ChromeDriver, each only when missing or at another version.
fn install(browser: bool) -> Result<(), String> {
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t == WASM) {
        run("rustup", &["target", "add", WASM])?;
    }
    let bindgen = locked_version("wasm-bindgen")?;
    if output("wasm-bindgen", &["--version"]).as_deref() != Some(&format!("wasm-bindgen {bindgen}"))
    {
        // No --locked: its lockfile names a crate version the registry here lacks.
        run(
            "cargo",
            &["install", "wasm-bindgen-cli", "--version", &bindgen],
        )?;
    }
    if output("trunk", &["--version"]).as_deref() != Some(&format!("trunk {TRUNK_VERSION}")) {
        // --locked: without it a CSS crate's semver break fails the build.
        run(
            "cargo",
            &["install", "trunk", "--version", TRUNK_VERSION, "--locked"],
        )?;
    }
    if browser && !(Path::new("/usr/bin/chromium").exists() && Path::new(CHROMEDRIVER).exists()) {
        run("apt-get", &["update", "-qq"])?;
        run(
            "apt-get",
            &["install", "-y", "-qq", "chromium", "chromium-driver"],
        )?;
    }
    Ok(())
}

/// Runs the fuzz test with `n` inputs, optimised.
fn fuzz(n: &str) -> Result<(), String> {
    n.parse::<u64>()
        .map_err(|_| format!("fuzz takes a number of inputs, got {n:?}"))?;
    let mut tally = Tally::default();
    tally.tests(
        "cargo",
        &[
            "test",
            "--release",
            "-p",
            "poolcast-tests",
            "--test",
            "fuzz",
            "--",
            "--nocapture",
        ],
        &[("POOLCAST_FUZZ_N", n)],
    )
}

fn serve(args: &[String]) -> Result<(), String> {
    install(false)?;
    let port = args
        .windows(2)
        .find(|w| w[0] == "--port")
        .map_or("8080".to_string(), |w| w[1].clone());
    eprintln!("xtask: serving the page on http://127.0.0.1:{port}/ (Ctrl-C stops)");
    run(
        "trunk",
        &[
            "serve",
            "--offline",
            "--release",
            "--address",
            "127.0.0.1",
            "--port",
            &port,
        ],
    )
}

/// Test counts gathered from the runners' closing lines.
#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Runs a test command, echoing its output and adding up its closing
    /// lines: libtest's `test result: ... N passed; M failed` and the
    /// end-to-end test's plain `N passed, M failed`.
    fn tests(&mut self, program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
        use std::io::{BufRead, BufReader};
        eprintln!("xtask: $ {program} {}", args.join(" "));
        let mut child = Command::new(program)
            .args(args)
            .envs(env.iter().copied())
            .current_dir(root())
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {program}: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            println!("{line}");
            let line = line.trim();
            let plain = line.split(' ').count() == 4 && line.contains(" passed, ");
            let summary = line.strip_prefix("test result: ").or(plain.then_some(line));
            if let Some(summary) = summary {
                let (passed, failed) = counts(summary);
                self.passed += passed;
                self.failed += failed;
            }
        }
        let status = child.wait().map_err(|e| e.to_string())?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("{program} {} failed", args.join(" ")))
        }
    }
}

/// The passed and failed counts of a summary such as
/// `ok. 39 passed; 0 failed; 0 ignored; ...` or `27 passed, 0 failed`.
fn counts(summary: &str) -> (u64, u64) {
    let words: Vec<&str> = summary.split_whitespace().collect();
    let count = |label: &str| {
        words
            .windows(2)
            .find(|w| w[1].trim_end_matches([';', ',']) == label)
            .and_then(|w| w[0].parse().ok())
            .unwrap_or(0)
    };
    (count("passed"), count("failed"))
}

fn test() -> Result<(), String> {
    install(true)?;
    let mut tally = Tally::default();
    let result = (|| {
        run("cargo", &["fmt", "--all", "--", "--check"])?;
        run(
            "cargo",
            &[
                "clippy",
                "--workspace",
                "--all-targets",
                "--",
                "-D",
                "warnings",
            ],
        )?;
        let wasm_clippy = [
            "clippy",
            "-p",
            "poolcast-web",
            "-p",
            "poolcast-charts",
            "--target",
            WASM,
        ];
        run(
            "cargo",
            &[&wasm_clippy[..], &["--", "-D", "warnings"]].concat(),
        )?;
        tally.tests("cargo", &["test", "--workspace"], &[])?;
        run("cargo", &["build", "-p", "poolcast", "--target", WASM])?;
        let wasm_tests = [
            "test",
            "--target",
            WASM,
            "-p",
            "poolcast-wasm-tests",
            "-p",
            "poolcast-web",
        ];
        tally.tests("cargo", &wasm_tests, &[("CHROMEDRIVER", CHROMEDRIVER)])?;
        tally.tests("bash", &["tests/e2e/run.sh"], &[])?;
        Ok(())
    })();
    if result.is_err() {
        tally.failed = tally.failed.max(1);
    }
    println!("xtask: {} passed, {} failed", tally.passed, tally.failed);
    result
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_read_test_summaries() {
        let line =
            "ok. 39 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.51s";
        assert_eq!(super::counts(line), (39, 2));
        assert_eq!(
            super::counts("ok. 5 passed; 0 failed; 0 ignored; 0 filtered out"),
            (5, 0)
        );
        assert_eq!(super::counts("27 passed, 1 failed"), (27, 1));
    }
}
