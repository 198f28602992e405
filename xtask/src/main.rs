//! `cargo xtask`: the project's two commands, and the tools they need.
//!
//! - `cargo xtask serve`: install what is missing, build the page with Trunk
//!   and serve it on http://127.0.0.1:8080/.
//! - `cargo xtask test`: install what is missing, then formatting, clippy,
//!   every native test, the core's wasm build, the wasm tests in headless
//!   Chromium, and the end-to-end test of the built page. `.ci/run` runs
//!   exactly this.
//! - `cargo xtask build`: install what is missing, build the static site
//!   into `dist/` (release: wasm-opt, the CSP hashes).
//! - `cargo xtask install`: only the tools.
//! - `cargo xtask fuzz [N]`: the fuzz test of the scenario reader with N
//!   mangled inputs (default 1,000,000; the test suite runs 100,000).
//!
//! Installs are idempotent: a tool already present at the right version is
//! left alone. Versions: wasm-bindgen from Cargo.lock, Trunk pinned below,
//! Binaryen's wasm-opt in `web/build/package-lock.json`.
//!
//! On a fresh machine the two Rust tools were most of the first run, so they
//! are compiled with a light profile (no LTO; wasm-bindgen at opt-level 1,
//! Trunk, which mostly waits on cargo, unoptimised and without its TLS
//! stack), each in its own temporary target directory, in the background
//! while `cargo xtask test` runs fmt, clippy and the native tests; the steps
//! that need them wait.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};

const TRUNK_VERSION: &str = "0.21.14";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const WASM: &str = "wasm32-unknown-unknown";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve(&args[1..]),
        Some("build") => install(false)
            .and_then(Installs::wait)
            .and_then(|()| trunk(&["build", "--offline", "--release"])),
        Some("test") => test(),
        Some("install") => install(true).and_then(Installs::wait),
        Some("fuzz") => fuzz(args.get(1).map(String::as_str).unwrap_or("1000000")),
        _ => {
            eprintln!("usage: cargo xtask serve [--port N] | build | test | install | fuzz [N]");
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
    run_command(Command::new(program), program, args)
}

/// Runs `command` (`program` with `args`, set up as the caller needs) in
/// the workspace root, inheriting output; an error names the command.
fn run_command(mut command: Command, program: &str, args: &[&str]) -> Result<(), String> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = command
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

/// `cargo install` settings for the tools: their own release profiles ask
/// for LTO (Trunk's: fat, one codegen unit, about 10 minutes on 2 cores).
/// wasm-bindgen rewrites every wasm file the tests and the site build, so it
/// keeps some optimisation; Trunk mostly waits on cargo and wasm-bindgen, so
/// it is built unoptimised.
fn tool_profile(opt_level: &'static str) -> [(&'static str, &'static str); 4] {
    [
        ("CARGO_PROFILE_RELEASE_LTO", "false"),
        ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
        ("CARGO_PROFILE_RELEASE_OPT_LEVEL", opt_level),
        ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ]
}

/// Tool installs running in the background.
struct Installs(Vec<(String, Child, PathBuf)>);

impl Installs {
    /// Stops the installs (a test step failed; nothing will use them).
    fn abandon(self) {
        for (_, mut child, _) in self.0 {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Waits for every install; on a failure, shows its log.
    fn wait(self) -> Result<(), String> {
        let mut failed = Vec::new();
        for (name, mut child, log) in self.0 {
            let ok = child.wait().is_ok_and(|s| s.success());
            if ok {
                eprintln!("xtask: installed {name}");
            } else {
                let text = std::fs::read_to_string(&log).unwrap_or_default();
                let tail: Vec<&str> = text.lines().rev().take(40).collect();
                for line in tail.into_iter().rev() {
                    eprintln!("  {line}");
                }
                failed.push(format!("{name} (log: {})", log.display()));
            }
        }
        if failed.is_empty() {
            Ok(())
        } else {
            Err(format!("could not install {}", failed.join(", ")))
        }
    }
}

/// Starts `cargo install` of a tool in the background, its output in a log
/// file, with a light profile and a temporary target directory of its own
/// (a shared one would make it wait for the project's builds, and them for it).
fn spawn_install(
    name: &str,
    args: &[&str],
    opt_level: &'static str,
) -> Result<(String, Child, PathBuf), String> {
    let logs = target_dir().join("tool-installs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("{}: {e}", logs.display()))?;
    let log = logs.join(format!("{name}.log"));
    let file = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
    let err = file.try_clone().map_err(|e| e.to_string())?;
    eprintln!(
        "xtask: $ cargo {} (in the background, log: {})",
        args.join(" "),
        log.display()
    );
    let child = Command::new("cargo")
        .args(args)
        .envs(tool_profile(opt_level))
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .stdout(file)
        .stderr(err)
        .spawn()
        .map_err(|e| format!("cannot start cargo install: {e}"))?;
    Ok((name.to_string(), child, log))
}

/// The target directory the project builds into.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target"))
}

/// PATH with the npm-installed build tools (Binaryen's wasm-opt) first.
fn tool_path() -> OsString {
    let mut dirs = vec![root().join("web/build/node_modules/.bin")];
    dirs.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(dirs).unwrap_or_default()
}

/// `npm ci` in `dir` unless `probe` (a path inside it) already exists.
fn npm_ci(dir: &str, probe: &str) -> Result<(), String> {
    if root().join(dir).join(probe).exists() {
        return Ok(());
    }
    let dir = root().join(dir);
    eprintln!("xtask: $ npm ci (in {})", dir.display());
    let status = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(&dir)
        .status()
        .map_err(|e| format!("cannot start npm: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("npm ci in {} failed", dir.display()))
    }
}

/// Installs the wasm target, Binaryen (npm) and, with `browser`, the
/// end-to-end test's npm packages, Chromium and ChromeDriver; starts the
/// installs of wasm-bindgen CLI and Trunk in the background. Each only when
/// missing or at another version. Wait on the result before using them.
fn install(browser: bool) -> Result<Installs, String> {
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|t| t == WASM) {
        run("rustup", &["target", "add", WASM])?;
    }
    let mut installs = Vec::new();
    let bindgen = locked_version("wasm-bindgen")?;
    if output("wasm-bindgen", &["--version"]).as_deref() != Some(&format!("wasm-bindgen {bindgen}"))
    {
        // No --locked: its lockfile names a crate version the registry here lacks.
        let args = ["install", "wasm-bindgen-cli", "--version", &bindgen];
        installs.push(spawn_install("wasm-bindgen-cli", &args, "1")?);
    }
    if output("trunk", &["--version"]).as_deref() != Some(&format!("trunk {TRUNK_VERSION}")) {
        // --locked: without it a CSS crate's semver break fails the build.
        // No default features: no TLS stack and no update check, since it
        // always runs --offline with the tools on PATH.
        let args = [
            "install",
            "trunk",
            "--version",
            TRUNK_VERSION,
            "--locked",
            "--no-default-features",
        ];
        installs.push(spawn_install("trunk", &args, "0")?);
    }
    npm_ci("web/build", "node_modules/binaryen")?;
    if browser {
        npm_ci("tests/e2e", "node_modules/axe-core")?;
        if !(Path::new("/usr/bin/chromium").exists() && Path::new(CHROMEDRIVER).exists()) {
            run("apt-get", &["update", "-qq"])?;
            run(
                "apt-get",
                &["install", "-y", "-qq", "chromium", "chromium-driver"],
            )?;
        }
    }
    Ok(Installs(installs))
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
    install(false)?.wait()?;
    let port = args
        .windows(2)
        .find(|w| w[0] == "--port")
        .map_or("8080".to_string(), |w| w[1].clone());
    eprintln!("xtask: serving the page on http://127.0.0.1:{port}/ (Ctrl-C stops)");
    trunk(&[
        "serve",
        "--offline",
        "--release",
        "--address",
        "127.0.0.1",
        "--port",
        &port,
    ])
}

/// Runs Trunk with the npm-installed wasm-opt on PATH.
fn trunk(args: &[&str]) -> Result<(), String> {
    let mut command = Command::new("trunk");
    command.env("PATH", tool_path());
    run_command(command, "trunk", args)
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

/// The cargo build behind `trunk build --release` (index.html names the
/// `web` profile), run in a thread with its output in a log, in the
/// site's own target directory so it does not wait for the test builds'
/// lock. Trunk, run later with the same directory, finds it done; its
/// long single-threaded LTO step overlaps the tests instead of following
/// them.
fn spawn_site_build() -> Result<std::thread::JoinHandle<Result<(), String>>, String> {
    let log_path = target_dir().join("tool-installs").join("site-build.log");
    std::fs::create_dir_all(target_dir().join("tool-installs")).map_err(|e| e.to_string())?;
    let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
    eprintln!(
        "xtask: building the site's wasm in the background (log: {})",
        log_path.display()
    );
    Ok(std::thread::spawn(move || {
        let args = [
            "build",
            "--target",
            WASM,
            "-p",
            "poolcast-web",
            "--profile",
            "web",
            "--bin",
            "poolcast-web",
        ];
        let status = Command::new("cargo")
            .args(args)
            .env("CARGO_TARGET_DIR", site_target_dir())
            .current_dir(root())
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log.try_clone().map_err(|e| e.to_string())?)
            .status()
            .map_err(|e| format!("cannot start cargo: {e}"))?;
        if !status.success() {
            return Err(format!("cargo {} failed", args.join(" ")));
        }
        Ok(())
    }))
}

/// Where the site's release wasm is built (tests/e2e/run.sh agrees).
fn site_target_dir() -> PathBuf {
    target_dir().join("site")
}

fn test() -> Result<(), String> {
    let installs = install(true)?;
    let site = spawn_site_build()?;
    let mut tally = Tally::default();
    let mut installs = Some(installs);
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
        // The end-to-end test times the same benchmark natively with the CLI.
        run("cargo", &["build", "--release", "-p", "poolcast-cli"])?;
        // From here on the steps need wasm-bindgen and Trunk.
        if let Some(i) = installs.take() {
            i.wait()?;
        }
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
        // A failed background build shows again, in order, in Trunk's build.
        let _ = site.join();
        tally.tests("bash", &["tests/e2e/run.sh"], &[])?;
        Ok(())
    })();
    // A step failed before the tools were needed: leave no install running.
    if let Some(i) = installs.take() {
        i.abandon();
    }
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
