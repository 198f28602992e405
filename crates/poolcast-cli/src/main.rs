//! `poolcast`: headless runs of the simulation core.
//!
//! A thin shell: read a scenario, hand it to the core, print what comes back.
//! Exit codes: 0 success, 1 a `check` bound broken, 2 invalid input (or
//! output that cannot be written). A closed pipe (`poolcast run x | head`)
//! ends the program quietly.

mod sweep_io;

use std::io::{self, IsTerminal, Read, Write};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use poolcast::Scenario;
use poolcast::recommend::{self, Bounds, Sizing, Slo};
use poolcast::sweep::{self, Scope, Shard};

mod chart;

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
        /// Scenario JSON file (version 1 or 2), or - for standard input.
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
    /// Print the version-2 form of a scenario (a version-1 one becomes one
    /// service named "app"), indented.
    Migrate {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
    },
    /// Print what Little's law, the guides' rules, Erlang B and C and
    /// M/M/c+D say about a scenario, with each database's connection
    /// budget, without simulating it.
    Calc {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        /// The service whose pool the single-pool results describe (default: the first).
        #[arg(long)]
        service: Option<String>,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
    },
    /// Find the smallest pool.max_size of a service (or the proxy's
    /// default_pool_size) that meets an SLO and fits the database, by
    /// formulas first and then by simulation.
    Recommend {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        #[command(flatten)]
        slo: SloArgs,
        /// The service to size (default: the first); the SLO reads its figures.
        #[arg(long, conflicts_with = "proxy")]
        service: Option<String>,
        /// Size the proxy's default_pool_size; the SLO reads the wait for a
        /// server connection and query_wait_timeout.
        #[arg(long)]
        proxy: bool,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Refuse runs estimated to need more events than this (per size tried).
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
    /// Run a scenario for each value of one numeric field, or each point of
    /// a grid of several (CSV by default).
    Sweep {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        /// A field's path with its values: services[0].pool.max_size=2,4,8
        /// or =2:16:2 (from:to:step); repeat for a grid. One bare path takes
        /// --values or --from/--to/--step.
        #[arg(long, required = true)]
        field: Vec<String>,
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
        /// Run only shard K of N: the points numbered K-1 modulo N (K from
        /// 1); join the shards' outputs with `poolcast merge`.
        #[arg(long)]
        shard: Option<String>,
        /// Print JSON instead of CSV.
        #[arg(long)]
        json: bool,
        /// Indent the JSON.
        #[arg(long)]
        pretty: bool,
        /// Refuse runs estimated to need more events than this (per point).
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
    /// Join the outputs of a sweep's shards (all CSV or all JSON) into the
    /// output of the unsharded sweep.
    Merge {
        /// The shards' output files, in any order.
        #[arg(required = true)]
        files: Vec<String>,
        /// Indent JSON (give it if the unsharded sweep would have).
        #[arg(long)]
        pretty: bool,
    },
    /// Write every chart of a run and its topology as SVG (and PNG) files.
    Chart(chart::ChartArgs),
    /// Run a scenario and check it against bounds: exit 0 when every bound
    /// holds, 1 with one line per broken bound.
    Check {
        /// Scenario JSON file, or - for standard input.
        scenario: String,
        #[command(flatten)]
        bounds: BoundArgs,
        /// Read the wait, timeout, failure and amplification bounds on this
        /// service's figures instead of the totals.
        #[arg(long)]
        service: Option<String>,
        /// Refuse scenarios estimated to need more events than this.
        #[arg(long, default_value_t = poolcast::DEFAULT_MAX_EVENTS)]
        max_events: u64,
    },
}

/// The service-level objective of a recommendation, as flags.
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

/// The bounds of a capacity gate, as flags; at least one.
#[derive(Args)]
struct BoundArgs {
    /// Highest acceptable p99 acquire wait of served acquisitions, ms.
    #[arg(long)]
    max_p99_wait_ms: Option<f64>,
    /// Highest acceptable fraction of acquisitions that time out.
    #[arg(long)]
    max_timeout_fraction: Option<f64>,
    /// Highest acceptable fraction of requests that fail for any other cause.
    #[arg(long)]
    max_failure_fraction: Option<f64>,
    /// Longest acceptable recovery after each timed event, s (a run that
    /// never recovers breaks it).
    #[arg(long)]
    max_recovery_s: Option<f64>,
    /// Highest acceptable attempts / arrived (retry amplification), in
    /// total and for each service.
    #[arg(long)]
    max_amplification: Option<f64>,
}

impl BoundArgs {
    fn bounds(&self) -> Result<Bounds, String> {
        let b = Bounds {
            max_p99_wait_ms: self.max_p99_wait_ms,
            max_timeout_fraction: self.max_timeout_fraction,
            max_failure_fraction: self.max_failure_fraction,
            max_recovery_s: self.max_recovery_s,
            max_amplification: self.max_amplification,
        };
        if b.is_empty() {
            return Err("check needs at least one bound: --max-p99-wait-ms, \
                        --max-timeout-fraction, --max-failure-fraction, --max-recovery-s or \
                        --max-amplification"
                .into());
        }
        b.validate().map_err(|e| format!("invalid bounds:\n{e}"))?;
        Ok(b)
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

fn load(path: &str, max_events: u64) -> Result<poolcast::validate::Validated, String> {
    let text = read_input(path)?;
    poolcast::parse_and_validate(&text, max_events).map_err(|e| format!("invalid scenario:\n{e}"))
}

/// The index of the service called `name`, or of the first.
fn service_index(s: &Scenario, name: Option<&str>) -> Result<usize, String> {
    let Some(name) = name else { return Ok(0) };
    s.service(name).map(|(i, _)| i).ok_or_else(|| {
        let names: Vec<&str> = s.services.iter().map(|x| x.name.as_str()).collect();
        format!(
            "--service: no service is called {name:?}; the scenario has {}",
            names.join(", ")
        )
    })
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
#[macro_export]
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
        Command::Migrate { scenario } => {
            // Nothing runs, so no event limit applies.
            let s = load(&scenario, u64::MAX)?;
            emit(&to_json!(s.to_v2(), true))?;
        }
        Command::Calc {
            scenario,
            service,
            pretty,
        } => {
            let s = load(&scenario, u64::MAX)?;
            let i = service_index(&s, service.as_deref())?;
            emit(&to_json!(poolcast::analytic::calc_for(&s, i), pretty))?;
        }
        Command::Recommend {
            scenario,
            slo,
            service,
            proxy,
            pretty,
            max_events,
        } => {
            let s = load(&scenario, max_events)?;
            let slo = slo.slo()?;
            let sizing = if proxy {
                Sizing::Proxy
            } else {
                Sizing::Pool(service_index(&s, service.as_deref())?)
            };
            sizing
                .validate(&s)
                .map_err(|e| format!("cannot size it:\n{e}"))?;
            let field = sizing.field(&s);
            let chatty = io::stderr().is_terminal();
            let mut progress = |p: &sweep::SweepPoint| {
                if chatty {
                    eprintln!(
                        "poolcast: {field} {}: p99 wait {:.2} ms, timeouts {:.3}%",
                        p.value,
                        p.p99_wait_ms,
                        p.timeout_fraction * 100.0
                    );
                }
            };
            let rec = recommend::recommend_sizing(&s, sizing, &slo, max_events, &mut progress)
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
            shard,
            json,
            pretty,
            max_events,
        } => {
            let s = load(&scenario, max_events)?;
            let separate = match (from, to) {
                (Some(from), Some(to)) => Some(sweep::range(from, to, step)?),
                _ if values.is_empty() => None,
                _ => Some(values),
            };
            let axes = sweep_io::axes(&field, separate)?;
            let shard = shard.as_deref().map(Shard::parse).transpose()?;
            let chatty = io::stderr().is_terminal();
            let mut progress = |p: &sweep::GridPoint| {
                if chatty {
                    eprintln!("poolcast: point {} {:?} done", p.index, p.values);
                }
            };
            let grid = sweep::run_grid(&s, &axes, shard, max_events, &mut progress)
                .map_err(|e| format!("invalid sweep:\n{e}"))?;
            emit(&if json {
                sweep_io::json(&grid, pretty)
            } else {
                sweep_io::csv(&grid)
            })?;
        }
        Command::Merge { files, pretty } => {
            let inputs = files
                .iter()
                .map(|f| Ok((f.clone(), read_input(f)?)))
                .collect::<Result<Vec<_>, String>>()?;
            emit(&sweep_io::merge(&inputs, pretty).map_err(|e| format!("cannot merge: {e}"))?)?;
        }
        Command::Chart(args) => {
            let written = chart::run(&args)?;
            let paths: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
            emit(&paths.join("\n"))?;
        }
        Command::Check {
            scenario,
            bounds,
            service,
            max_events,
        } => {
            let s = load(&scenario, max_events)?;
            let bounds = bounds.bounds()?;
            let scope = match service.as_deref() {
                None => Scope::All,
                name => Scope::Service(service_index(&s, name)?),
            };
            let report = poolcast::Sim::new(&s).run_to_end();
            if bounds.max_recovery_s.is_some() && report.incidents.is_empty() {
                eprintln!(
                    "poolcast: note: the scenario has no timed events, so --max-recovery-s has \
                     nothing to check"
                );
            }
            let broken = recommend::check_bounds(&report, &bounds, scope);
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
