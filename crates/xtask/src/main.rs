//! The workspace's task runner, reached as `cargo xtask <command>`.
//!
//! - `test`: every quality gate and test suite the project has, in the order
//!   CI runs them, ending with one summary line.
//! - `bench`: every criterion suite, then one table per subsystem pairing each
//!   of our figures with the reference measured in the same run.
//! - `run`: the project's main job (see `run.rs`).

mod bench;
mod run;
mod shell;
mod test;

use clap::{Parser, Subcommand};

/// Task runner for the xen-rs workspace.
#[derive(Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run every check and test suite (formatting, lints, unit, integration,
    /// compatibility and docs), as CI does.
    Test {
        /// Skip the slow system tests that boot QEMU.
        #[arg(long)]
        quick: bool,
    },
    /// Run every criterion benchmark and print ratios against the same-run references.
    Bench {
        /// Shorter warm-up and measurement (noisier figures).
        #[arg(long)]
        quick: bool,
        /// Only benchmark this package (may be repeated).
        #[arg(short, long = "package")]
        packages: Vec<String>,
        /// Do not run anything; summarise the results already under target/criterion.
        #[arg(long)]
        summary_only: bool,
    },
    /// Run the project's main job.
    Run,
}

fn main() {
    let cli = Cli::parse();
    let ok = match cli.command {
        Command::Test { quick } => test::run(quick),
        Command::Bench {
            quick,
            packages,
            summary_only,
        } => bench::run(quick, &packages, summary_only),
        Command::Run => run::run(),
    };
    std::process::exit(if ok { 0 } else { 1 });
}
