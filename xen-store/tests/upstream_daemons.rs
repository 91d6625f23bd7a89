//! On the reference host (Debian's Xen 4.17 with a Linux 6.1 dom0, see
//! crates/xen-refhost): our clients against Xen's own daemons — the C
//! `xenstored` dom0 booted with, then `oxenstored` in its place — and our
//! `xenstored` running in that dom0 next to them, passing Debian's
//! `test-xenstore` and the same client check. In the same boot, the
//! `xs_bench` example measures each daemon over its socket (read and write
//! round trips, reads with 500 idle clients, transaction contention) and
//! the test prints the three side by side with ours relative to each.

mod common;

use std::time::Duration;

use xen_refhost::{HostConfig, RefHost};

#[test]
fn clients_against_c_and_ocaml_xenstored_and_ours_in_a_real_dom0() {
    if xen_refhost::skip_here() {
        return;
    }
    xen_refhost::with_retry(
        "clients_against_c_and_ocaml_xenstored_and_ours_in_a_real_dom0",
        scenario,
    );
}

fn scenario() {
    let config = HostConfig {
        files: vec![
            (common::example::client_check(), "/root/client_check".into()),
            (
                common::example::build("xs_bench", true),
                "/root/xs_bench".into(),
            ),
            (
                env!("CARGO_BIN_EXE_xenstored").into(),
                "/root/xenstored".into(),
            ),
        ],
        ..HostConfig::default()
    };
    let mut host = RefHost::boot("xen-store-upstream", &config)
        .unwrap()
        .expect("available");
    let limit = Duration::from_secs(180);
    let ok = |out: &xen_refhost::CommandOutput, what: &str| {
        assert_eq!(out.status, 0, "{what}:\n{}", out.text);
        assert!(
            out.text.contains("client-check: OK"),
            "{what}:\n{}",
            out.text
        );
    };

    let bench = |host: &mut RefHost, env: &str, who: &str| -> Figures {
        let out = host
            .run(&format!("{env} /root/xs_bench {BENCH_ITERS} 2>&1"), limit)
            .unwrap();
        assert_eq!(out.status, 0, "xs_bench against {who}:\n{}", out.text);
        Figures::parse(&out.text).unwrap_or_else(|| panic!("xs_bench against {who}:\n{}", out.text))
    };

    // Xen's C xenstored, serving dom0 of the real host.
    let out = host.run("/root/client_check 2>&1", limit).unwrap();
    ok(&out, "against C xenstored");
    let c = bench(&mut host, "", "C xenstored");

    // Xen's oxenstored in its place.
    let out = host
        .run(
            "kill $(cat /run/xen/xenstored.pid) && sleep 1 && \
             oxenstored --pid-file /run/xen/oxenstored.pid && sleep 3 && /root/client_check 2>&1",
            limit,
        )
        .unwrap();
    ok(&out, "against oxenstored");
    let oxen = bench(&mut host, "", "oxenstored");

    // Ours, on its own socket in the same dom0.
    let out = host
        .run(
            "mkdir -p /run/ours && (/root/xenstored --socket /run/ours/socket \
             --pid-file /run/ours/pid --log-level warn --no-rings &) && sleep 3 && \
             XENSTORED_PATH=/run/ours/socket /root/client_check 2>&1",
            limit,
        )
        .unwrap();
    ok(&out, "against our xenstored in dom0");
    let ours = bench(
        &mut host,
        "XENSTORED_PATH=/run/ours/socket",
        "our xenstored",
    );
    eprintln!(
        "{}",
        Figures::table(&[("C xenstored", &c), ("oxenstored", &oxen), ("ours", &ours)])
    );
    let out = host
        .run(
            "XENSTORED_PATH=/run/ours/socket /usr/lib/xen-4.17/bin/test-xenstore -i 20 2>&1",
            Duration::from_secs(600),
        )
        .unwrap();
    assert_eq!(out.status, 0, "test-xenstore against ours:\n{}", out.text);
    assert!(out.text.contains("ta err"), "{}", out.text);
    host.poweroff().unwrap();
}

/// Round trips per workload of `xs_bench` on the emulated host.
const BENCH_ITERS: u32 = 500;

/// What `xs_bench` printed.
#[derive(Debug, Default)]
struct Figures {
    read_us: f64,
    write_us: f64,
    idle_read_us: f64,
    tx_per_s: f64,
}

impl Figures {
    fn parse(text: &str) -> Option<Figures> {
        let line = text.lines().find(|l| l.starts_with("xs-bench:"))?;
        let mut f = Figures::default();
        for kv in line.split_whitespace().skip(1) {
            let (k, v) = kv.split_once('=')?;
            let v: f64 = v.parse().ok()?;
            match k {
                "read_us" => f.read_us = v,
                "write_us" => f.write_us = v,
                "idle_read_us" => f.idle_read_us = v,
                "tx_per_s" => f.tx_per_s = v,
                _ => {}
            }
        }
        (f.read_us > 0.0 && f.tx_per_s > 0.0).then_some(f)
    }

    /// The figures side by side; for the three latencies a peer's time
    /// over ours (above 1: we are faster), for throughput ours over the peer's.
    fn table(rows: &[(&str, &Figures)]) -> String {
        let mut t = String::from(
            "xenstore daemons on the reference host (median round trip, µs; tx/s):\n\
             daemon        read   write  read+500 idle   tx/s\n",
        );
        for (name, f) in rows {
            t += &format!(
                "{name:<12} {:>6.0} {:>7.0} {:>14.0} {:>6.0}\n",
                f.read_us, f.write_us, f.idle_read_us, f.tx_per_s
            );
        }
        let ours = rows.last().expect("ours").1;
        for (name, f) in &rows[..rows.len() - 1] {
            t += &format!(
                "ours vs {name}: read {:.2}x, write {:.2}x, idle read {:.2}x, tx {:.2}x\n",
                f.read_us / ours.read_us,
                f.write_us / ours.write_us,
                f.idle_read_us / ours.idle_read_us,
                ours.tx_per_s / f.tx_per_s
            );
        }
        t
    }
}
