//! An async (tokio) client.
//!
//! A background task reads the socket and hands each reply to the request
//! with its `req_id` and each watch event to the [`WatchStream`] of its
//! token, so any number of requests may be in flight from any number of
//! tasks. The client is cheap to clone; all clones share the connection.

use std::collections::HashMap;
use std::future::Future;
use std::path::Path;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::unix::OwnedWriteHalf;
use tokio::net::UnixStream;
use tokio::sync::{mpsc, oneshot};

use super::{
    parse_event, parse_tx_id, reply_result, split_strings, z, zs, Error, WatchEvent,
    MAX_TX_ATTEMPTS,
};
use crate::db::XsError;
use crate::wire::{encode_frame, msg, FrameDecoder};

type Pending = HashMap<u32, oneshot::Sender<(u32, Vec<u8>)>>;

#[derive(Debug)]
struct Inner {
    writer: tokio::sync::Mutex<OwnedWriteHalf>,
    pending: Mutex<Option<Pending>>,
    watches: Mutex<HashMap<String, mpsc::UnboundedSender<WatchEvent>>>,
    next_req: AtomicU32,
    next_token: AtomicU64,
}

/// An async connection to the daemon.
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

/// The events of one watch.
#[derive(Debug)]
pub struct WatchStream {
    client: Client,
    path: String,
    token: String,
    rx: mpsc::UnboundedReceiver<WatchEvent>,
}

impl WatchStream {
    /// The next event (`None` once the connection is gone).
    pub async fn next(&mut self) -> Option<WatchEvent> {
        self.rx.recv().await
    }

    /// Removes the watch.
    pub async fn unwatch(self) -> Result<(), Error> {
        self.client
            .inner
            .watches
            .lock()
            .expect("watches")
            .remove(&self.token);
        self.client
            .request(msg::UNWATCH, 0, &zs(&[&self.path, &self.token]))
            .await
            .map(drop)
    }
}

async fn reader(inner: Arc<Inner>, mut rd: tokio::net::unix::OwnedReadHalf) {
    let mut dec = FrameDecoder::new();
    let mut buf = vec![0u8; 16 * 1024];
    'outer: loop {
        let n = match rd.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let mut off = 0;
        while off < n {
            let Ok((used, f)) = dec.push(&buf[off..n]) else {
                break 'outer;
            };
            off += used;
            let Some(f) = f else { continue };
            if f.header.ty == msg::WATCH_EVENT {
                if let Ok(ev) = parse_event(&f.payload) {
                    let w = inner.watches.lock().expect("watches");
                    if let Some(tx) = w.get(&ev.token) {
                        let _ = tx.send(ev);
                    }
                }
            } else {
                let tx = inner
                    .pending
                    .lock()
                    .expect("pending")
                    .as_mut()
                    .and_then(|p| p.remove(&f.header.req_id));
                if let Some(tx) = tx {
                    let _ = tx.send((f.header.ty, f.payload));
                }
            }
        }
    }
    // Fail every waiter and end every watch stream.
    inner.pending.lock().expect("pending").take();
    inner.watches.lock().expect("watches").clear();
}

impl Client {
    /// Connects where libxenstore would ([`super::socket_path`]).
    pub async fn open() -> Result<Client, Error> {
        Client::connect(super::socket_path()).await
    }

    /// Connects to the socket at `path` and starts the reader task.
    pub async fn connect(path: impl AsRef<Path>) -> Result<Client, Error> {
        let s = UnixStream::connect(path).await?;
        let (rd, wr) = s.into_split();
        let inner = Arc::new(Inner {
            writer: tokio::sync::Mutex::new(wr),
            pending: Mutex::new(Some(HashMap::new())),
            watches: Mutex::new(HashMap::new()),
            next_req: AtomicU32::new(1),
            next_token: AtomicU64::new(1),
        });
        tokio::spawn(reader(inner.clone(), rd));
        Ok(Client { inner })
    }

    /// Sends a request and waits for its reply.
    pub async fn request(&self, ty: u32, tx: u32, payload: &[u8]) -> Result<Vec<u8>, Error> {
        let id = self.inner.next_req.fetch_add(1, Ordering::Relaxed).max(1);
        let (stx, srx) = oneshot::channel();
        {
            let mut p = self.inner.pending.lock().expect("pending");
            let Some(p) = p.as_mut() else {
                return Err(Error::Io(std::io::ErrorKind::BrokenPipe.into()));
            };
            p.insert(id, stx);
        }
        {
            let mut w = self.inner.writer.lock().await;
            w.write_all(&encode_frame(ty, id, tx, payload)).await?;
        }
        let (rty, p) = srx
            .await
            .map_err(|_| Error::Io(std::io::ErrorKind::UnexpectedEof.into()))?;
        reply_result(rty, ty, p)
    }

    /// READ.
    pub async fn read(&self, tx: u32, path: &str) -> Result<Vec<u8>, Error> {
        self.request(msg::READ, tx, &z(path)).await
    }

    /// WRITE.
    pub async fn write(&self, tx: u32, path: &str, value: &[u8]) -> Result<(), Error> {
        let mut p = z(path);
        p.extend_from_slice(value);
        self.request(msg::WRITE, tx, &p).await.map(drop)
    }

    /// MKDIR.
    pub async fn mkdir(&self, tx: u32, path: &str) -> Result<(), Error> {
        self.request(msg::MKDIR, tx, &z(path)).await.map(drop)
    }

    /// RM.
    pub async fn rm(&self, tx: u32, path: &str) -> Result<(), Error> {
        self.request(msg::RM, tx, &z(path)).await.map(drop)
    }

    /// DIRECTORY.
    pub async fn directory(&self, tx: u32, path: &str) -> Result<Vec<String>, Error> {
        self.request(msg::DIRECTORY, tx, &z(path))
            .await
            .map(|p| split_strings(&p))
    }

    /// GET_PERMS.
    pub async fn get_perms(&self, tx: u32, path: &str) -> Result<Vec<String>, Error> {
        self.request(msg::GET_PERMS, tx, &z(path))
            .await
            .map(|p| split_strings(&p))
    }

    /// SET_PERMS.
    pub async fn set_perms(&self, tx: u32, path: &str, perms: &[&str]) -> Result<(), Error> {
        let mut p = z(path);
        p.extend(zs(perms));
        self.request(msg::SET_PERMS, tx, &p).await.map(drop)
    }

    /// Watches `path` with a fresh token; the stream yields its events,
    /// starting with the initial one.
    pub async fn watch(&self, path: &str) -> Result<WatchStream, Error> {
        let token = format!(
            "xs-rs-{}",
            self.inner.next_token.fetch_add(1, Ordering::Relaxed)
        );
        let (tx, rx) = mpsc::unbounded_channel();
        self.inner
            .watches
            .lock()
            .expect("watches")
            .insert(token.clone(), tx);
        if let Err(e) = self.request(msg::WATCH, 0, &zs(&[path, &token])).await {
            self.inner.watches.lock().expect("watches").remove(&token);
            return Err(e);
        }
        Ok(WatchStream {
            client: self.clone(),
            path: path.to_string(),
            token,
            rx,
        })
    }

    /// TRANSACTION_START.
    pub async fn transaction_start(&self) -> Result<u32, Error> {
        let p = self.request(msg::TRANSACTION_START, 0, b"\0").await?;
        parse_tx_id(&p)
    }

    /// TRANSACTION_END.
    pub async fn transaction_end(&self, tx: u32, commit: bool) -> Result<(), Error> {
        self.request(
            msg::TRANSACTION_END,
            tx,
            if commit { b"T\0" } else { b"F\0" },
        )
        .await
        .map(drop)
    }

    /// Runs `f` in a transaction and commits, retrying on EAGAIN; an error
    /// from `f` aborts. Returns `f`'s result and the number of retries.
    pub async fn transaction<T, F, Fut>(&self, mut f: F) -> Result<(T, u32), Error>
    where
        F: FnMut(Client, u32) -> Fut,
        Fut: Future<Output = Result<T, Error>>,
    {
        for attempt in 0..MAX_TX_ATTEMPTS {
            let tx = self.transaction_start().await?;
            let v = match f(self.clone(), tx).await {
                Ok(v) => v,
                Err(e) => {
                    let _ = self.transaction_end(tx, false).await;
                    return Err(e);
                }
            };
            match self.transaction_end(tx, true).await {
                Ok(()) => return Ok((v, attempt)),
                Err(Error::Xs(XsError::Again)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(Error::TooManyRetries(MAX_TX_ATTEMPTS))
    }

    /// CONTROL with arguments; returns the reply text.
    pub async fn control(&self, args: &[&str]) -> Result<String, Error> {
        self.request(msg::CONTROL, 0, &zs(args))
            .await
            .map(|p| String::from_utf8_lossy(p.strip_suffix(b"\0").unwrap_or(&p)).into_owned())
    }
}
