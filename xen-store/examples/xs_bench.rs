//! `xs_bench`: the xen-store benchmark workloads as a standalone client,
//! to measure any xenstore daemon where it runs (Xen's C `xenstored`,
//! `oxenstored` or ours, e.g. side by side on the reference Xen host).
//!
//! ```text
//! xs_bench [ITERATIONS]        # the daemon is found as libxenstore finds it
//! ```
//!
//! Workloads (all over the daemon's Unix socket, one blocking client each):
//! - `read`: round trip of a READ of a 16-byte value;
//! - `write`: round trip of a WRITE of a 16-byte value;
//! - `idle`: `read` again while 500 more clients are connected and idle;
//! - `tx`: 8 clients each commit 50 read-modify-write transactions over 10
//!   shared counters (retrying on EAGAIN); committed transactions per second
//!   and the most retries one needed; the counters must add up.
//!
//! Prints one line, `xs-bench: read_us=… write_us=… idle_read_us=…
//! tx_per_s=… max_retries=…`, with median round trips in microseconds.

use std::os::unix::net::UnixStream;
use std::time::Instant;

use xen_store::client::blocking::Client;

const VALUE: &[u8] = b"0123456789abcdef";
const IDLE: usize = 500;
const TX_CLIENTS: usize = 8;
const TX_EACH: usize = 50;
const COUNTERS: usize = 10;

fn median_us(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn timed(n: usize, mut f: impl FnMut()) -> f64 {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f();
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    median_us(samples)
}

fn socket_path() -> std::path::PathBuf {
    xen_store::server::default_socket_path()
}

fn main() {
    let iters: usize = std::env::args()
        .nth(1)
        .map(|a| a.parse().expect("ITERATIONS must be a number"))
        .unwrap_or(2000);
    let mut c = Client::open().expect("connect to xenstored");
    c.write(0, "/bench/value", VALUE).expect("write");
    let read_us = timed(iters, || {
        assert_eq!(c.read(0, "/bench/value").expect("read"), VALUE);
    });
    let write_us = timed(iters, || c.write(0, "/bench/value", VALUE).expect("write"));

    let idle: Vec<UnixStream> = (0..IDLE)
        .map(|_| UnixStream::connect(socket_path()).expect("idle connection"))
        .collect();
    let idle_read_us = timed(iters, || {
        assert_eq!(c.read(0, "/bench/value").expect("read"), VALUE);
    });
    drop(idle);

    for i in 0..COUNTERS {
        c.write(0, &format!("/bench/tx/{i}"), b"0")
            .expect("write counter");
    }
    let start = Instant::now();
    let retries: Vec<u32> = std::thread::scope(|s| {
        let hs: Vec<_> = (0..TX_CLIENTS)
            .map(|t| {
                s.spawn(move || {
                    let mut c = Client::open().expect("connect");
                    let mut max = 0;
                    for k in 0..TX_EACH {
                        let p = format!("/bench/tx/{}", (t + k) % COUNTERS);
                        let ((), r) = c
                            .transaction(|c, tx| {
                                let v: u64 = String::from_utf8_lossy(&c.read(tx, &p)?)
                                    .parse()
                                    .unwrap_or(0);
                                c.write(tx, &p, (v + 1).to_string().as_bytes())
                            })
                            .expect("transaction");
                        max = max.max(r);
                    }
                    max
                })
            })
            .collect();
        hs.into_iter()
            .map(|h| h.join().expect("tx thread"))
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let total: u64 = (0..COUNTERS)
        .map(|i| {
            String::from_utf8_lossy(&c.read(0, &format!("/bench/tx/{i}")).expect("read"))
                .parse::<u64>()
                .expect("counter")
        })
        .sum();
    assert_eq!(
        total,
        (TX_CLIENTS * TX_EACH) as u64,
        "lost or doubled commits"
    );
    c.rm(0, "/bench").expect("rm");
    println!(
        "xs-bench: read_us={read_us:.1} write_us={write_us:.1} idle_read_us={idle_read_us:.1} \
         tx_per_s={:.0} max_retries={}",
        total as f64 / secs,
        retries.iter().max().copied().unwrap_or(0)
    );
}
