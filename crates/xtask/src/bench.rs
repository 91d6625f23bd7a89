//! `cargo xtask bench`: run every criterion suite, then pair each figure of
//! ours with the reference measured in the same run.
//!
//! Convention for every benchmark in the workspace: a criterion group named
//! `"<subsystem>: <case>"` holds a function `ours` and a function `reference`
//! (with the same parameter when the group is parameterised). The reference
//! is a physical floor or a peer measured in the same process run (memcpy,
//! a socket echo, an atomic ping-pong, the upstream daemon…), so the ratio
//! `ours / reference` is meaningful on a noisy machine where absolute times
//! are not. The summary goes to stdout and to `target/bench-summary.md`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::shell::{cargo, root, status};

/// Runs the suites (unless `summary_only`) and prints the summary.
pub fn run(quick: bool, packages: &[String], summary_only: bool) -> bool {
    let mut ok = true;
    if !summary_only {
        let mut args: Vec<&str> = vec!["bench", "--benches"];
        if packages.is_empty() {
            args.push("--workspace");
        }
        for p in packages {
            args.extend(["--package", p.as_str()]);
        }
        if quick {
            args.extend(["--", "--warm-up-time", "1", "--measurement-time", "2"]);
        }
        ok = status(&mut cargo(&args));
    }
    let results = collect(&root().join("target/criterion"));
    let summary = render(&results);
    print!("{summary}");
    let out = root().join("target/bench-summary.md");
    if let Err(e) = std::fs::write(&out, &summary) {
        eprintln!("xtask: cannot write {}: {e}", out.display());
        return false;
    }
    eprintln!("summary written to {}", out.display());
    ok
}

#[derive(Deserialize)]
struct BenchmarkId {
    group_id: String,
    function_id: Option<String>,
    value_str: Option<String>,
}

#[derive(Deserialize)]
struct Estimates {
    mean: Estimate,
}

#[derive(Deserialize)]
struct Estimate {
    point_estimate: f64,
}

/// One paired case: mean times in nanoseconds.
#[derive(Debug, Default, PartialEq)]
struct Pair {
    ours: Option<f64>,
    reference: Option<f64>,
}

/// subsystem -> case (group remainder + parameter) -> pair.
type Results = BTreeMap<String, BTreeMap<String, Pair>>;

fn collect(dir: &Path) -> Results {
    let mut results = Results::new();
    for bench_json in find_files(dir, "benchmark.json") {
        // Only the latest run of each benchmark: .../<id>/new/benchmark.json
        if bench_json.parent().and_then(Path::file_name) != Some("new".as_ref()) {
            continue;
        }
        let Some(id) = read_json::<BenchmarkId>(&bench_json) else {
            continue;
        };
        let Some(est) = read_json::<Estimates>(&bench_json.with_file_name("estimates.json")) else {
            continue;
        };
        let (subsystem, case) = match id.group_id.split_once(':') {
            Some((s, c)) => (s.trim().to_string(), c.trim().to_string()),
            None => ("(unlabelled)".to_string(), id.group_id.clone()),
        };
        let case = match &id.value_str {
            Some(v) => format!("{case} [{v}]"),
            None => case,
        };
        let pair = results
            .entry(subsystem)
            .or_default()
            .entry(case)
            .or_default();
        match id.function_id.as_deref() {
            Some("ours") => pair.ours = Some(est.mean.point_estimate),
            Some("reference") => pair.reference = Some(est.mean.point_estimate),
            _ => {}
        }
    }
    results
}

fn render(results: &Results) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    if results.is_empty() {
        s.push_str("No criterion results found under target/criterion.\n");
    }
    for (subsystem, cases) in results {
        let _ = writeln!(s, "\n## {subsystem}\n");
        s.push_str(
            "| case | ours | reference (same run) | ours / reference |\n|---|---:|---:|---:|\n",
        );
        for (case, pair) in cases {
            let ratio = match (pair.ours, pair.reference) {
                (Some(o), Some(r)) if r > 0.0 => format!("{:.2}×", o / r),
                _ => "–".to_string(),
            };
            let _ = writeln!(
                s,
                "| {case} | {} | {} | {ratio} |",
                fmt_time(pair.ours),
                fmt_time(pair.reference)
            );
        }
    }
    s
}

fn fmt_time(ns: Option<f64>) -> String {
    match ns {
        None => "–".into(),
        Some(ns) if ns < 1e3 => format!("{ns:.1} ns"),
        Some(ns) if ns < 1e6 => format!("{:.2} µs", ns / 1e3),
        Some(ns) if ns < 1e9 => format!("{:.2} ms", ns / 1e6),
        Some(ns) => format!("{:.2} s", ns / 1e9),
    }
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Option<T> {
    serde_json::from_slice(&std::fs::read(path).ok()?).ok()
}

fn find_files(dir: &Path, name: &str) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.file_name().is_some_and(|n| n == name) {
                found.push(p);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_result(
        root: &Path,
        dir: &str,
        group: &str,
        function: &str,
        value: Option<&str>,
        mean: f64,
    ) {
        let d = root.join(dir).join("new");
        std::fs::create_dir_all(&d).unwrap();
        let id = serde_json::json!({
            "group_id": group, "function_id": function, "value_str": value,
            "throughput": null, "full_id": "x", "directory_name": dir,
        });
        std::fs::write(d.join("benchmark.json"), id.to_string()).unwrap();
        let est = serde_json::json!({ "mean": { "point_estimate": mean } });
        std::fs::write(d.join("estimates.json"), est.to_string()).unwrap();
    }

    #[test]
    fn pairs_ours_with_reference_per_subsystem() {
        let tmp = std::env::temp_dir().join(format!("xtask-bench-test-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&tmp);
        write_result(
            &tmp,
            "a/ours/16",
            "xen-grant: map+unmap",
            "ours",
            Some("16"),
            120.0,
        );
        write_result(
            &tmp,
            "a/reference/16",
            "xen-grant: map+unmap",
            "reference",
            Some("16"),
            60.0,
        );
        write_result(&tmp, "b/ours", "xen-store: read", "ours", None, 2_000.0);
        let results = collect(&tmp);
        let _ = std::fs::remove_dir_all(&tmp);

        let grant = &results["xen-grant"]["map+unmap [16]"];
        assert_eq!(
            grant,
            &Pair {
                ours: Some(120.0),
                reference: Some(60.0)
            }
        );
        let store = &results["xen-store"]["read"];
        assert_eq!(store.reference, None);
        let table = render(&results);
        assert!(
            table.contains("| map+unmap [16] | 120.0 ns | 60.0 ns | 2.00× |"),
            "{table}"
        );
        assert!(table.contains("| read | 2.00 µs | – | – |"), "{table}");
    }
}
