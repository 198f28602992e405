//! `poolcast`: headless runs of the simulation core.
//!
//! A thin shell: read a scenario, hand it to the core, print what comes back.
//! Exit codes: 0 success, 1 a `check` bound broken, 2 invalid input (or
//! output that cannot be written). A closed pipe (`poolcast run x | head`)
//! ends the program quietly.

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

mod chart;
use poolcast::recommend::{self, Slo};
use poolcast::sweep::{self, Sweep};

#[derive(Parser)]
#[command(
    name = "poolcast",
    version,
    about = "Simulate database connection pools"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario and print the report JSON.
    Run {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Refuse scenarios estimated to need more events than this.
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
    /// Check a scenario without running it.
    Validate {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        /// Refuse scenarios estimated to need more events than this.
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
    /// Print what Little's law, the guides' rules, Erlang C and M/M/c+D say
    /// about a scenario, without simulating it.
    Calc {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
    },
    /// Find the smallest pool.max_size that meets an SLO and fits the
    /// database, by formulas first and then by simulation.
    Recommend {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        #[command(flatten)]
        slo: SloArgs,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Refuse runs estimated to need more events than this (per size tried).
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
    /// Run a scenario for each value of one numeric field (CSV by default).
    Sweep {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        /// Dotted path of the field, e.g. pool.max_size.
        #[arg(long)]
        field: String,
        /// The values, comma-separated: 2,4,8,16.
        #[arg(long, value_delimiter = ',', conflicts_with_all = ["from", "to", "step"])]
        values: Vec<f64>,
        /// First value of a range (with --to and --step).
        #[arg(long, requires = "to")]
        from: Option<f64>,
        /// Last value of a range, included.
        #[arg(long, requires = "from")]
        to: Option<f64>,
        /// Step of a range.
        #[arg(long, default_value_t = 1.0)]
        step: f64,
        /// Print JSON instead of CSV.
        #[arg(long)]
        json: bool,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Refuse runs estimated to need more events than this (per value).
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
    /// Write every chart of a run and its topology as SVG (and PNG) files.
    Chart(chart::ChartArgs),
    /// Run a scenario and check it against an SLO: exit 0 when every bound
    /// holds, 1 with one line per broken bound.
    Check {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        #[command(flatten)]
        slo: SloArgs,
        /// Refuse scenarios estimated to need more events than this.
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
}

/// The service-level objective, as flags.
#[derive(Args)]
struct SloArgs {
    /// Highest acceptable p99 acquire wait of served acquisitions, ms.
    #[arg(long)]
    max_p99_wait_ms: f64,
    /// Highest acceptable fraction of acquisitions that time out (no bound if absent).
    #[arg(long)]
    max_timeout_fraction: Option<f64>,
    /// Highest acceptable fraction of requests that fail otherwise (no bound if absent).
    #[arg(long)]
    max_failure_fraction: Option<f64>,
}

impl SloArgs {
    fn slo(&self) -> Result<Slo, String> {
        let slo = Slo {
            max_p99_wait_ms: self.max_p99_wait_ms,
            max_timeout_fraction: self.max_timeout_fraction,
            max_failure_fraction: self.max_failure_fraction,
        };
        slo.validate().map_err(|e| format!("invalid SLO:\n{e}"))?;
        Ok(slo)
    }
}

/// Reads a file, or standard input for `-`.
fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| format!("cannot read standard input: {e}"))?;
        Ok(s)
    } else {
        std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))
    }
}

fn load(path: &str, max_events: u64) -> Result<poolcast::Scenario, String> {
    let text = read_input(path)?;
    poolcast::parse_and_validate(&text, max_events).map_err(|e| format!("invalid scenario:\n{e}"))
}

/// Writes `text` and a newline to standard output. A reader that went away
/// (`| head`) is not an error: there is no one left to tell.
fn emit(text: &str) -> Result<(), String> {
    let mut out = io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            Err(format!("cannot write the output: {e}"))
        }
        _ => Ok(()),
    }
}

/// JSON text of a value the core returned, compact or indented. (A macro,
/// so the CLI needs no `serde` of its own; plain structs of numbers and
/// strings always serialise.)
macro_rules! to_json {
    ($value:expr, $pretty:expr) => {
        if $pretty {
            serde_json::to_string_pretty(&$value)
        } else {
            serde_json::to_string(&$value)
        }
        .unwrap_or_default()
    };
}

/// One header line and one line per point.
fn csv(sweep: &Sweep) -> String {
    let mut out = format!(
        "{},p99_wait_ms,timeout_fraction,failure_fraction,throughput_per_s,peak_db_connections,utilization",
        sweep.field
    );
    for p in &sweep.points {
        out.push_str(&format!(
            "\n{},{},{},{},{},{},{}",
            p.value,
            p.p99_wait_ms,
            p.timeout_fraction,
            p.failure_fraction,
            p.throughput_per_s,
            p.peak_db_connections,
            p.utilization
        ));
    }
    out
}

fn main() -> ExitCode {
    match dispatch(Cli::parse().command) {
        Ok(code) => code,
        Err(message) => {
            let _ = writeln!(io::stderr(), "poolcast: {message}");
            ExitCode::from(2)
        }
    }
}

fn dispatch(command: Command) -> Result<ExitCode, String> {
    match command {
        Command::Run {
            scenario,
            pretty,
            max_events,
        } => {
            let report = poolcast::Sim::new(&load(&scenario, max_events)?).run_to_end();
            emit(&if pretty {
                report.to_json_pretty()
            } else {
                report.to_json()
            })?;
        }
        Command::Validate {
            scenario,
            max_events,
        } => {
            load(&scenario, max_events)?;
            emit("ok")?;
        }
        Command::Calc { scenario, pretty } => {
            // Nothing is simulated, so no event limit applies.
            let s = load(&scenario, u64::MAX)?;
            emit(&to_json!(poolcast::analytic::calc(&s), pretty))?;
        }
        Command::Recommend {
            scenario,
            slo,
            pretty,
            max_events,
        } => {
            let s = load(&scenario, max_events)?;
            let slo = slo.slo()?;
            let chatty = io::stderr().is_terminal();
            let mut progress = |p: &poolcast::sweep::SweepPoint| {
                if chatty {
                    eprintln!(
                        "poolcast: max_size {}: p99 wait {:.2} ms, timeouts {:.3}%",
                        p.value,
                        p.p99_wait_ms,
                        p.timeout_fraction * 100.0
                    );
                }
            };
            let rec = recommend::recommend_with_progress(&s, &slo, max_events, &mut progress)
                .map_err(|e| format!("invalid scenario:\n{e}"))?;
            emit(&to_json!(rec, pretty))?;
        }
        Command::Sweep {
            scenario,
            field,
            values,
            from,
            to,
            step,
            json: as_json,
            pretty,
            max_events,
        } => {
            let s = load(&scenario, max_events)?;
            let values = match (from, to) {
                (Some(from), Some(to)) => sweep::range(from, to, step)?,
                _ if values.is_empty() => {
                    return Err("give --values a,b,c or --from X --to Y [--step Z]".into());
                }
                _ => values,
            };
            let result = sweep::run(&s, &field, &values, max_events)
                .map_err(|e| format!("invalid sweep:\n{e}"))?;
            emit(&if as_json {
                to_json!(result, pretty)
            } else {
                csv(&result)
            })?;
        }
        Command::Chart(args) => {
            let written = chart::run(&args)?;
            let paths: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            emit(&paths.join("\n"))?;
        }
        Command::Check {
            scenario,
            slo,
            max_events,
        } => {
            let s = load(&scenario, max_events)?;
            let slo = slo.slo()?;
            let report = poolcast::Sim::new(&s).run_to_end();
            let broken = recommend::check(&report, &slo);
            if broken.is_empty() {
                emit("ok")?;
            } else {
                emit(&broken.join("\n"))?;
                return Ok(ExitCode::from(1));
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}
