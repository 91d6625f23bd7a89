//! `xenstored`: the XenStore daemon, serving the Unix socket that
//! libxenstore and the `xenstore-*` tools use.

// Clap help texts show placeholders like <N>, which rustdoc would read as HTML.
#![allow(rustdoc::invalid_html_tags)]

use std::hash::{BuildHasher, Hasher};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;

use clap::Parser;
use xen_store::db::store::Config;
use xen_store::db::Store;
use xen_store::server::{self, LogLevel, ServerConfig};

/// The XenStore daemon.
///
/// Listens on $XENSTORED_PATH if set, else $XENSTORED_RUNDIR/socket, else
/// /var/run/xenstored/socket (the places libxenstore looks). Quotas apply to
/// unprivileged domains; 0 disables one.
#[derive(Parser, Debug)]
#[command(name = "xenstored", version, about = "The XenStore daemon: serves the xenstore protocol on a Unix socket and, on a Xen host, on the shared rings of dom0 and every introduced domain.", long_about = None)]
struct Args {
    /// Socket path (default: see above).
    #[arg(long, value_name = "PATH")]
    socket: Option<PathBuf>,
    /// Write the process id to this file.
    #[arg(short = 'F', long, value_name = "FILE")]
    pid_file: Option<PathBuf>,
    /// Stay in the foreground (always the case; accepted for compatibility).
    #[arg(short = 'N', long)]
    no_fork: bool,
    /// Append one line per request to this file (access log).
    #[arg(
        short = 'T',
        long = "access-log",
        alias = "trace-file",
        value_name = "FILE"
    )]
    access_log: Option<PathBuf>,
    /// Log level: error, warn, info or debug.
    #[arg(long, default_value = "info", value_name = "LEVEL")]
    log_level: LogLevel,
    /// Nodes a domain may own (quota "nodes").
    #[arg(short = 'E', long = "entry-nb", value_name = "N")]
    nodes: Option<u32>,
    /// Size limit of a node in bytes (quota "node-size").
    #[arg(short = 'S', long = "entry-size", value_name = "N")]
    node_size: Option<u32>,
    /// Watches per domain (quota "watches").
    #[arg(short = 'W', long = "watch-nb", value_name = "N")]
    watches: Option<u32>,
    /// Open transactions per domain (quota "transactions").
    #[arg(short = 't', long = "transaction", value_name = "N")]
    transactions: Option<u32>,
    /// Permission entries per node (quota "node-permissions").
    #[arg(short = 'A', long = "perm-nb", value_name = "N")]
    perms: Option<u32>,
    /// Path length below /local/domain/<N>/ (quota "path-max").
    #[arg(short = 'M', long = "path-max", value_name = "N")]
    path_max: Option<u32>,
    /// Any quota by name: nodes, watches, outstanding, transactions,
    /// transaction-nodes, node-permissions, path-max, node-size.
    #[arg(short = 'Q', long = "quota", value_name = "NAME=VALUE")]
    quota: Vec<String>,
    /// Timeouts: "watch-event=<seconds>" drops unread events of guests.
    #[arg(short = 'w', long = "timeout", value_name = "WHAT=SECONDS")]
    timeout: Vec<String>,
    /// A privileged domain besides dom0.
    #[arg(long, default_value_t = 0, value_name = "DOMID")]
    priv_domid: u32,
    /// Transaction hold lease in milliseconds (0 disables holds).
    #[arg(long, default_value_t = 50, value_name = "MS")]
    hold_lease_ms: u64,
    /// Resume from a live-update state file instead of starting empty.
    #[arg(short = 'U', long = "live-update")]
    live_update: bool,
    /// An extra socket whose clients act as unprivileged domain DOMID
    /// (not in upstream; lets tools run on behalf of a guest).
    #[arg(long = "domain-socket", value_name = "DOMID:PATH")]
    domain_socket: Vec<String>,
    /// On Xen, do not introduce dom0 at start (another party will).
    #[arg(short = 'D', long = "no-domain-init")]
    no_domain_init: bool,
    /// Serve Unix sockets only, even on a Xen host (no shared rings).
    #[arg(long)]
    no_rings: bool,
    /// Live-update state file (default: $XENSTORED_RUNDIR/state_dump).
    #[arg(long, value_name = "FILE")]
    state_file: Option<PathBuf>,
}

fn random_seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    h.finish()
}

fn build_config(a: &Args) -> Result<Config, String> {
    let mut cfg = Config {
        priv_domid: a.priv_domid,
        seed: random_seed(),
        hold_lease_ms: a.hold_lease_ms,
        ..Config::default()
    };
    let q = &mut cfg.quotas;
    for (v, name) in [
        (a.nodes, "nodes"),
        (a.node_size, "node-size"),
        (a.watches, "watches"),
        (a.transactions, "transactions"),
        (a.perms, "node-permissions"),
        (a.path_max, "path-max"),
    ] {
        if let Some(v) = v {
            q.set(name, v).map_err(|e| e.to_string())?;
        }
    }
    for s in &a.quota {
        let (n, v) = s
            .split_once('=')
            .ok_or_else(|| format!("--quota {s}: expected NAME=VALUE"))?;
        let v: u32 = v.parse().map_err(|_| format!("--quota {s}: bad value"))?;
        q.set(n, v)
            .map_err(|_| format!("--quota {s}: unknown quota {n:?}"))?;
    }
    for s in &a.timeout {
        match s.split_once('=') {
            Some(("watch-event", v)) => {
                let secs: u64 = v.parse().map_err(|_| format!("--timeout {s}: bad value"))?;
                cfg.event_timeout_ms = secs * 1000;
            }
            _ => return Err(format!("--timeout {s}: expected watch-event=<seconds>")),
        }
    }
    Ok(cfg)
}

/// Shared rings when this kernel runs on Xen with the dom0 devices; dom0's
/// own ring too when its kernel keeps a local store page.
fn xen_mode(a: &Args) -> server::XenMode {
    #[cfg(target_os = "linux")]
    {
        if a.no_rings || !xen_linux::on_xen() {
            server::XenMode::Off
        } else if a.no_domain_init || !xen_linux::xenfs::has_local_store() {
            server::XenMode::Rings
        } else {
            server::XenMode::RingsAndDom0
        }
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = a;
        server::XenMode::Off
    }
}

fn main() {
    let args = Args::parse();
    let cfg = match build_config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("xenstored: {e}");
            std::process::exit(2);
        }
    };
    let state_file = args
        .state_file
        .clone()
        .unwrap_or_else(|| server::default_rundir().join("state_dump"));
    let store = if args.live_update {
        let bytes = match std::fs::read(&state_file) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("xenstored: cannot read {}: {e}", state_file.display());
                std::process::exit(1);
            }
        };
        match Store::restore(cfg.clone(), &bytes) {
            Ok(s) => {
                let _ = std::fs::remove_file(&state_file);
                s
            }
            Err(e) => {
                eprintln!("xenstored: {}: {e}", state_file.display());
                std::process::exit(1);
            }
        }
    } else {
        Store::new(cfg.clone())
    };
    if let Some(p) = &args.pid_file {
        if let Err(e) = std::fs::write(p, format!("{}\n", std::process::id())) {
            eprintln!("xenstored: cannot write pid file {}: {e}", p.display());
            std::process::exit(1);
        }
    }
    let mut domain_sockets = Vec::new();
    for d in &args.domain_socket {
        match d
            .split_once(':')
            .and_then(|(id, p)| Some((id.parse::<u32>().ok()?, PathBuf::from(p))))
        {
            Some(x) => domain_sockets.push(x),
            None => {
                eprintln!("xenstored: --domain-socket {d}: expected DOMID:PATH");
                std::process::exit(2);
            }
        }
    }
    let scfg = ServerConfig {
        domain_sockets,
        store: cfg,
        socket: args
            .socket
            .clone()
            .unwrap_or_else(server::default_socket_path),
        log_level: args.log_level,
        access_log: args.access_log.clone(),
        state_file: state_file.clone(),
        xen: xen_mode(&args),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = rt.block_on(async {
        tokio::select! {
            r = server::run(scfg, store) => r.map(Some),
            _ = tokio::signal::ctrl_c() => Ok(None),
        }
    });
    match result {
        Ok(Some(path)) => {
            // Live update: start the new binary on the dumped state.
            let lu = server::LAST_LIVE_UPDATE_ARGS
                .lock()
                .ok()
                .and_then(|g| g.clone())
                .unwrap_or_default();
            let exe = lu
                .iter()
                .position(|a| a == "-f")
                .and_then(|i| lu.get(i + 1))
                .map(PathBuf::from)
                .or_else(|| std::env::current_exe().ok())
                .unwrap_or_else(|| PathBuf::from("xenstored"));
            let mut cmdline: Vec<String> = match lu
                .iter()
                .position(|a| a == "-c")
                .and_then(|i| lu.get(i + 1))
            {
                Some(c) => c.split_whitespace().map(String::from).collect(),
                None => std::env::args()
                    .skip(1)
                    .filter(|a| a != "-U" && a != "--live-update")
                    .collect(),
            };
            cmdline.push("--live-update".into());
            if !cmdline.iter().any(|a| a == "--state-file") {
                cmdline.push("--state-file".into());
                cmdline.push(path.display().to_string());
            }
            drop(rt);
            let err = std::process::Command::new(&exe).args(&cmdline).exec();
            eprintln!(
                "xenstored: live update: cannot start {}: {err}",
                exe.display()
            );
            std::process::exit(1);
        }
        Ok(None) => {
            if let Some(p) = &args.pid_file {
                let _ = std::fs::remove_file(p);
            }
        }
        Err(e) => {
            eprintln!("xenstored: {e}");
            std::process::exit(1);
        }
    }
}
