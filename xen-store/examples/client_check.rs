//! Exercises both xenstore clients against whatever daemon the socket
//! belongs to (`XENSTORED_PATH`, else the default socket): ours, Xen's C
//! `xenstored` or `oxenstored`. Prints `client-check: OK` and exits 0 when
//! every step behaves as the protocol says; otherwise names the step and
//! exits 1.
//!
//! ```sh
//! XENSTORED_PATH=/run/xenstored/socket cargo run -p xen-store --example client_check
//! ```

use std::process::ExitCode;
use std::time::Duration;

use xen_store::client::{blocking, tokio as xs_async, Error};
use xen_store::db::XsError;

fn check(what: &str, ok: bool) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("step failed: {what}"))
    }
}

fn blocking_part(base: &str) -> Result<(), String> {
    let e = |what: &'static str| move |err: Error| format!("{what}: {err}");
    let mut c = blocking::Client::open().map_err(e("connect (blocking)"))?;
    // Binary-safe values, including NUL and high bytes.
    let value = b"\x00\x01bin\xffary\x00".to_vec();
    c.write(0, &format!("{base}/b/value"), &value)
        .map_err(e("write"))?;
    check(
        "read back binary value",
        c.read(0, &format!("{base}/b/value")).map_err(e("read"))? == value,
    )?;
    // A missing node is ENOENT.
    let missing = c.read(0, &format!("{base}/b/none"));
    check(
        "ENOENT for a missing node",
        matches!(missing, Err(Error::Xs(XsError::NoEnt))),
    )?;
    // Pipelining: send three requests, then collect the replies out of order.
    let ids: Vec<u32> = (0..3)
        .map(|i| {
            c.send(
                xen_store::wire::msg::WRITE,
                0,
                format!("{base}/b/p{i}\0{i}").as_bytes(),
            )
        })
        .collect::<Result<_, _>>()
        .map_err(e("pipelined send"))?;
    for &id in ids.iter().rev() {
        c.recv(id, xen_store::wire::msg::WRITE)
            .map_err(e("pipelined reply"))?;
    }
    check(
        "pipelined writes landed",
        c.directory(0, &format!("{base}/b"))
            .map_err(e("directory"))?
            .len()
            == 4,
    )?;
    // Watch: the initial event, then one per change.
    c.watch(&format!("{base}/b"), "tok").map_err(e("watch"))?;
    let first = c
        .next_event(Some(Duration::from_secs(10)))
        .map_err(e("watch event"))?;
    check(
        "initial watch event",
        first.is_some_and(|ev| ev.token == "tok"),
    )?;
    c.write(0, &format!("{base}/b/p1"), b"changed")
        .map_err(e("write under watch"))?;
    let ev = c
        .next_event(Some(Duration::from_secs(10)))
        .map_err(e("watch event"))?;
    check(
        "watch fires on a change",
        ev.is_some_and(|ev| ev.path == format!("{base}/b/p1") && ev.token == "tok"),
    )?;
    c.unwatch(&format!("{base}/b"), "tok")
        .map_err(e("unwatch"))?;
    // Transactions through the retry helper.
    let (n, _) = c
        .transaction(|c, tx| {
            let v = c.read(tx, &format!("{base}/b/p2"))?;
            let n: u32 = String::from_utf8_lossy(&v).parse().unwrap_or(0) + 40;
            c.write(tx, &format!("{base}/b/p2"), n.to_string().as_bytes())?;
            Ok(n)
        })
        .map_err(e("transaction"))?;
    check(
        "transaction committed",
        c.read(0, &format!("{base}/b/p2")).map_err(e("read"))? == n.to_string().as_bytes(),
    )?;
    check(
        "GET_PERMS of a new node",
        !c.get_perms(0, &format!("{base}/b/p0"))
            .map_err(e("get_perms"))?
            .is_empty(),
    )?;
    c.rm(0, &format!("{base}/b")).map_err(e("rm"))?;
    Ok(())
}

async fn async_part(base: &str) -> Result<(), String> {
    let e = |what: &'static str| move |err: Error| format!("{what}: {err}");
    let c = xs_async::Client::open()
        .await
        .map_err(e("connect (tokio)"))?;
    let mut watch = c
        .watch(&format!("{base}/a"))
        .await
        .map_err(e("watch (tokio)"))?;
    let first = tokio::time::timeout(Duration::from_secs(10), watch.next()).await;
    check("initial watch event (tokio)", matches!(first, Ok(Some(_))))?;
    // Many requests in flight at once from concurrent tasks.
    let mut tasks = Vec::new();
    for i in 0..32 {
        let c = c.clone();
        let path = format!("{base}/a/k{i}");
        tasks.push(tokio::spawn(async move {
            c.write(0, &path, format!("v{i}").as_bytes()).await?;
            c.read(0, &path).await
        }));
    }
    for (i, t) in tasks.into_iter().enumerate() {
        let v = t
            .await
            .map_err(|j| format!("task: {j}"))?
            .map_err(e("concurrent read (tokio)"))?;
        check(
            "concurrent write/read (tokio)",
            v == format!("v{i}").as_bytes(),
        )?;
    }
    let ev = tokio::time::timeout(Duration::from_secs(10), watch.next()).await;
    check(
        "watch stream sees the writes (tokio)",
        matches!(ev, Ok(Some(ev)) if ev.path.starts_with(&format!("{base}/a/k"))),
    )?;
    watch.unwatch().await.map_err(e("unwatch (tokio)"))?;
    let (v, _) = c
        .transaction(|c, tx| {
            let base = base.to_string();
            async move {
                c.write(tx, &format!("{base}/a/tx"), b"in-tx").await?;
                c.read(tx, &format!("{base}/a/tx")).await
            }
        })
        .await
        .map_err(e("transaction (tokio)"))?;
    check("read own write inside a transaction (tokio)", v == b"in-tx")?;
    check(
        "directory (tokio)",
        c.directory(0, &format!("{base}/a"))
            .await
            .map_err(e("directory (tokio)"))?
            .len()
            == 33,
    )?;
    c.rm(0, &format!("{base}/a"))
        .await
        .map_err(e("rm (tokio)"))?;
    Ok(())
}

fn main() -> ExitCode {
    let base = format!("/client-check-{}", std::process::id());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let result = blocking_part(&base).and_then(|()| rt.block_on(async_part(&base)));
    match result {
        Ok(()) => {
            println!("client-check: OK");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("client-check: {msg}");
            ExitCode::FAILURE
        }
    }
}
