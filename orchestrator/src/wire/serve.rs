//! The accept loop shared by the agent and the snapshot server.
//!
//! It survives its environment: an accept error (EMFILE, ENFILE, ENOBUFS…) is logged and
//! retried with a growing pause instead of ending the process; connections still
//! authenticating are capped and the oldest is dropped to make room for a new one (so
//! idle sockets cannot lock a real client out); authenticated connections are capped and
//! one past the cap is told so in one line; a connection idle between requests is closed.

use super::{read_line, write_json, Frame, WireError};
use crate::auth::{handshake, Credentials};
use serde::de::DeserializeOwned;
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tokio_util::sync::CancellationToken;

/// Limits of one server's control port.
#[derive(Debug, Clone)]
pub struct ServeLimits {
    /// Authenticated connections at once.
    pub max_connections: usize,
    /// Connections still authenticating at once; the oldest is dropped for a new one.
    pub max_unauthenticated: usize,
    /// Time a connection has to authenticate.
    pub handshake_timeout: Duration,
    /// Time an authenticated connection may wait between requests.
    pub idle_timeout: Duration,
    /// Longest request line.
    pub max_line: u64,
}

impl ServeLimits {
    /// Defaults for a control port whose requests are at most `max_line` bytes.
    pub fn new(max_line: u64) -> Self {
        ServeLimits {
            max_connections: 64,
            max_unauthenticated: 64,
            handshake_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(300),
            max_line,
        }
    }
}

/// An authenticated control connection.
pub struct Conn {
    pub rd: BufReader<OwnedReadHalf>,
    pub wr: OwnedWriteHalf,
    pub peer: SocketAddr,
    idle_timeout: Duration,
    max_line: u64,
}

impl Conn {
    /// The next request: `Ok(None)` when the client closed the connection or stayed idle
    /// too long, `Ok(Some(Err(why)))` for a line that is not a valid request (answer it
    /// and go on). A line over the cap is answered and ends the connection.
    pub async fn next_request<T: DeserializeOwned>(
        &mut self,
    ) -> Result<Option<Result<T, String>>, WireError> {
        let line =
            match tokio::time::timeout(self.idle_timeout, read_line(&mut self.rd, self.max_line))
                .await
            {
                Err(_) => {
                    let why = format!("idle for {:?}: closing", self.idle_timeout);
                    let _ = self.send(&Frame::err(why)).await;
                    return Ok(None);
                }
                Ok(Err(WireError::TooLong(max))) => {
                    let why = format!("request line longer than {max} bytes: closing");
                    let _ = self.send(&Frame::err(why)).await;
                    return Err(WireError::TooLong(max));
                }
                Ok(r) => r?,
            };
        let Some(line) = line else {
            return Ok(None);
        };
        Ok(Some(
            serde_json::from_slice(&line).map_err(|e| format!("bad request: {e}")),
        ))
    }

    /// Sends one line.
    pub async fn send(&mut self, frame: &Frame) -> Result<(), WireError> {
        write_json(&mut self.wr, frame).await
    }
}

/// Connections still authenticating; admitting one past the cap drops the oldest.
struct Unauthenticated {
    cap: usize,
    next_id: AtomicU64,
    waiting: Mutex<VecDeque<(u64, CancellationToken)>>,
}

struct Slot {
    owner: Arc<Unauthenticated>,
    id: u64,
    evicted: CancellationToken,
}

impl Unauthenticated {
    fn admit(self: &Arc<Self>) -> Slot {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let evicted = CancellationToken::new();
        let mut waiting = self.waiting.lock().unwrap_or_else(|p| p.into_inner());
        while waiting.len() >= self.cap.max(1) {
            if let Some((_, oldest)) = waiting.pop_front() {
                oldest.cancel();
            }
        }
        waiting.push_back((id, evicted.clone()));
        Slot {
            owner: self.clone(),
            id,
            evicted,
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut waiting = self.owner.waiting.lock().unwrap_or_else(|p| p.into_inner());
        waiting.retain(|(id, _)| *id != self.id);
    }
}

/// Pause after a failed accept: doubles from 10 ms up to 1 s, reset by a success.
struct Backoff(Duration);

impl Backoff {
    const FIRST: Duration = Duration::from_millis(10);
    const LAST: Duration = Duration::from_secs(1);

    fn next(&mut self) -> Duration {
        let d = self.0;
        self.0 = (self.0 * 2).min(Self::LAST);
        d
    }
}

/// Accepts control connections on `listener` forever: each is authenticated with
/// `creds`, then served by `connection(conn, state)` in its own task. `what` names the
/// server in log lines. Never returns an error: accept failures are retried.
pub async fn serve_connections<S, F, Fut>(
    listener: TcpListener,
    what: &'static str,
    state: Arc<S>,
    creds: Credentials,
    limits: ServeLimits,
    connection: F,
) -> std::io::Result<()>
where
    S: Send + Sync + 'static,
    F: Fn(Conn, Arc<S>) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = Result<(), WireError>> + Send + 'static,
{
    let connection = Arc::new(connection);
    let authenticated = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    let unauthenticated = Arc::new(Unauthenticated {
        cap: limits.max_unauthenticated,
        next_id: AtomicU64::new(0),
        waiting: Mutex::new(VecDeque::new()),
    });
    let mut backoff = Backoff(Backoff::FIRST);
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => {
                backoff = Backoff(Backoff::FIRST);
                accepted
            }
            Err(e) => {
                let pause = backoff.next();
                tracing::warn!("{what}: accepting a connection failed: {e}; retrying in {pause:?}");
                tokio::time::sleep(pause).await;
                continue;
            }
        };
        let slot = unauthenticated.admit();
        let state = state.clone();
        let creds = creds.clone();
        let limits = limits.clone();
        let authenticated = authenticated.clone();
        let connection = connection.clone();
        tokio::spawn(async move {
            let Some(conn) = authenticate(stream, peer, &creds, &limits, slot, what).await else {
                return;
            };
            serve_one(
                conn,
                state,
                authenticated,
                &limits,
                connection.as_ref(),
                what,
            )
            .await;
        });
    }
}

async fn authenticate(
    stream: TcpStream,
    peer: SocketAddr,
    creds: &Credentials,
    limits: &ServeLimits,
    slot: Slot,
    what: &str,
) -> Option<Conn> {
    let _ = stream.set_nodelay(true);
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    let outcome = tokio::select! {
        _ = slot.evicted.cancelled() => {
            tracing::debug!(%peer, "{what}: dropped an unauthenticated connection for a newer one");
            return None;
        }
        r = tokio::time::timeout(limits.handshake_timeout, handshake::accept(&mut rd, &mut wr, creds)) => r,
    };
    drop(slot);
    match outcome {
        Ok(Ok(())) => Some(Conn {
            rd,
            wr,
            peer,
            idle_timeout: limits.idle_timeout,
            max_line: limits.max_line,
        }),
        Ok(Err(e)) => {
            tracing::warn!(%peer, "{what}: refused a connection: {e}");
            None
        }
        Err(_) => {
            tracing::debug!(%peer, "{what}: no authentication within {:?}", limits.handshake_timeout);
            None
        }
    }
}

async fn serve_one<S, F, Fut>(
    mut conn: Conn,
    state: Arc<S>,
    authenticated: Arc<Semaphore>,
    limits: &ServeLimits,
    connection: &F,
    what: &str,
) where
    F: Fn(Conn, Arc<S>) -> Fut,
    Fut: std::future::Future<Output = Result<(), WireError>>,
{
    let peer = conn.peer;
    let Ok(_permit) = authenticated.try_acquire_owned() else {
        let why = format!(
            "too many connections ({}): try again later",
            limits.max_connections
        );
        tracing::warn!(%peer, "{what}: {why}");
        let _ = conn.send(&Frame::err(why)).await;
        return;
    };
    if let Err(e) = connection(conn, state).await {
        tracing::debug!(%peer, "{what} control connection ended: {e}");
    }
}
