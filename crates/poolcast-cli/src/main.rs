//! `poolcast`: headless runs of the simulation core.
//!
//! A thin shell: read a scenario, hand it to the core, print what comes back.
//! Exit codes: 0 success, 1 a `check` bound broken, 2 invalid input.

use std::io::Read;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
}

/// Reads a file, or standard input for `-`.
fn read_input(path: &str) -> Result<String, String> {
    if path == "-" {
        let mut s = String::new();
        std::io::stdin()
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

fn invalid(message: &str) -> ExitCode {
    eprintln!("poolcast: {message}");
    ExitCode::from(2)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Run {
            scenario,
            pretty,
            max_events,
        } => match load(&scenario, max_events) {
            Ok(s) => {
                let report = poolcast::Sim::new(&s).run_to_end();
                let json = if pretty {
                    report.to_json_pretty()
                } else {
                    report.to_json()
                };
                println!("{json}");
                ExitCode::SUCCESS
            }
            Err(e) => invalid(&e),
        },
        Command::Validate {
            scenario,
            max_events,
        } => match load(&scenario, max_events) {
            Ok(_) => {
                println!("ok");
                ExitCode::SUCCESS
            }
            Err(e) => invalid(&e),
        },
    }
}
