//! One Unix-socket connection: read frames while the store wants input,
//! submit them, write what the store queued.
//!
//! A header with `len` over 4096 closes the connection, as upstream does
//! for sockets. Reading pauses while the store does not want input (a
//! blocked request, too many unread replies), so a client that never reads
//! its replies stalls only itself, with bounded memory.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::UnixStream;

use super::{ConnHandle, LogLevel, Shared};
use crate::db::{ConnKind, Request};
use crate::wire::{msg, FrameDecoder};

fn describe(ty: u32, payload: &[u8]) -> String {
    let arg: String = payload
        .split(|&b| b == 0)
        .next()
        .map(|a| String::from_utf8_lossy(&a[..a.len().min(256)]).into_owned())
        .unwrap_or_default();
    if ty == msg::WRITE {
        format!("WRITE {arg} ({} bytes)", payload.len())
    } else {
        format!("type {ty} {arg}")
    }
}

pub(super) async fn serve(shared: Arc<Shared>, stream: UnixStream, domid: u32) {
    let cid = shared
        .store
        .lock()
        .expect("store lock")
        .connect(domid, ConnKind::Socket);
    let handle = Arc::new(ConnHandle::default());
    shared
        .handles
        .lock()
        .expect("handles lock")
        .insert(cid, handle.clone());
    shared.log(LogLevel::Debug, &format!("connection {cid} opened"));
    let (mut rd, mut wr) = stream.into_split();
    let mut dec = FrameDecoder::new();
    let mut buf = vec![0u8; 16 * 1024];
    let mut out: Vec<u8> = Vec::with_capacity(16 * 1024);
    let mut pending: Vec<Request> = Vec::new();
    'conn: loop {
        if handle.killed.load(Ordering::SeqCst) {
            break;
        }
        let want = shared.store.lock().expect("store lock").wants_input(cid);
        if want {
            tokio::select! {
                r = rd.read(&mut buf) => {
                    let n = match r {
                        Ok(0) | Err(_) => break 'conn,
                        Ok(n) => n,
                    };
                    let mut off = 0;
                    while off < n {
                        match dec.push(&buf[off..n]) {
                            Ok((used, frame)) => {
                                off += used;
                                if let Some(f) = frame {
                                    pending.push(Request {
                                        ty: f.header.ty,
                                        req_id: f.header.req_id,
                                        tx_id: f.header.tx_id,
                                        payload: f.payload,
                                    });
                                }
                            }
                            Err(e) => {
                                shared.log(LogLevel::Warn, &format!("connection {cid}: {e}; closing"));
                                break 'conn;
                            }
                        }
                    }
                }
                _ = handle.notify.notified() => {}
            }
        } else {
            handle.notify.notified().await;
        }
        if !pending.is_empty() {
            for r in &pending {
                shared.access(|| {
                    format!(
                        "{} conn {cid} req {} tx {} {}",
                        shared.now(),
                        r.req_id,
                        r.tx_id,
                        describe(r.ty, &r.payload)
                    )
                });
            }
        }
        let (notify, effects) = {
            let now = shared.now();
            let mut st = shared.store.lock().expect("store lock");
            for r in pending.drain(..) {
                st.submit(cid, r, now);
            }
            st.drain_output(cid, &mut out, 64 * 1024);
            (st.take_notifications(), st.take_effects())
        };
        let me_notified = notify.contains(&cid);
        shared.after(notify.into_iter().filter(|c| *c != cid).collect(), effects);
        if !out.is_empty() {
            tokio::select! {
                r = wr.write_all(&out) => { if r.is_err() { break; } }
                _ = handle.kill.notified() => break,
            }
            out.clear();
            // More may have been queued meanwhile.
            handle.notify.notify_one();
        } else if me_notified {
            handle.notify.notify_one();
        }
    }
    shared.handles.lock().expect("handles lock").remove(&cid);
    let (n, e) = {
        let mut st = shared.store.lock().expect("store lock");
        st.disconnect(cid);
        (st.take_notifications(), st.take_effects())
    };
    shared.after(n, e);
    shared.log(LogLevel::Debug, &format!("connection {cid} closed"));
}
