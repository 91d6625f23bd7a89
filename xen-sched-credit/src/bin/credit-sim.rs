//! `credit-sim`: run a workload file through the credit scheduler on a
//! virtual clock and report CPU shares, cap adherence, wake-to-run latency
//! and migrations.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use xen_sched_credit::sim::{svg, Simulator, Workload};

/// Simulate Xen's credit scheduler on a workload file.
///
/// The workload file lists pCPUs, domains (weight, cap, vCPUs, load,
/// affinity) and timed toolstack commands (sched-credit, vcpu-pin, vcpu-set,
/// pcpu-add, pcpu-remove, pause, unpause). See the crate documentation of
/// `xen_sched_credit::sim::workload` for the syntax.
#[derive(Parser, Debug)]
#[command(name = "credit-sim", version, about, long_about)]
struct Cli {
    /// The workload file.
    workload: PathBuf,
    /// Write a share-over-time plot (SVG) here.
    #[arg(short = 'p', long = "plot", value_name = "FILE.svg")]
    plot: Option<PathBuf>,
    /// Override the simulated duration (e.g. 10s, 500ms).
    #[arg(short = 'd', long, value_name = "TIME")]
    duration: Option<String>,
    /// Override the RNG seed.
    #[arg(short = 's', long)]
    seed: Option<u64>,
    /// Context-switch rate limit in microseconds (0 disables), like
    /// `xl sched-credit -s -r`.
    #[arg(short = 'r', long = "ratelimit_us", value_name = "US")]
    ratelimit_us: Option<u32>,
    /// Time slice in milliseconds, like `xl sched-credit -s -t`.
    #[arg(short = 't', long = "tslice_ms", value_name = "MS")]
    tslice_ms: Option<u32>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let text = match std::fs::read_to_string(&cli.workload) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("credit-sim: {}: {e}", cli.workload.display());
            return ExitCode::FAILURE;
        }
    };
    let mut wl = match Workload::parse(&text) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("credit-sim: {}: {e}", cli.workload.display());
            return ExitCode::FAILURE;
        }
    };
    if let Some(d) = &cli.duration {
        match xen_sched_credit::sim::workload::parse_duration(d) {
            Ok(ns) => wl.duration_ns = ns,
            Err(e) => {
                eprintln!("credit-sim: --duration: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    if let Some(s) = cli.seed {
        wl.seed = s;
    }
    if let Some(r) = cli.ratelimit_us {
        wl.params.ratelimit_us = r;
    }
    if let Some(t) = cli.tslice_ms {
        wl.params.tslice_ms = t;
    }
    if let Err(e) = wl.params.validate() {
        eprintln!("credit-sim: {e}");
        return ExitCode::FAILURE;
    }
    let sim = match Simulator::new(wl) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("credit-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    let started = std::time::Instant::now();
    let stats = sim.run();
    let wall = started.elapsed();
    print!("{}", stats.report());
    println!(
        "\nwall time: {:.3} s ({:.1} simulated seconds per wall second)",
        wall.as_secs_f64(),
        stats.duration_ns as f64 / 1e9 / wall.as_secs_f64().max(1e-9)
    );
    if let Some(path) = &cli.plot {
        let title = format!(
            "credit scheduler: {}",
            cli.workload
                .file_name()
                .map_or(String::new(), |f| f.to_string_lossy().into_owned())
        );
        if let Err(e) = std::fs::write(path, svg::share_plot(&stats, &title)) {
            eprintln!("credit-sim: {}: {e}", path.display());
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
