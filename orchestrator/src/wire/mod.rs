//! The control protocol shared by every orchestrator component: JSON lines over TCP.
//!
//! A client sends one request object on one line. The server answers with zero or more
//! event lines `{"event": {...}}` and then exactly one final line, either
//! `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}`. A connection may carry
//! several requests one after the other.
//!
//! Every connection opens with the authentication handshake of [`crate::auth`]; a server
//! reads requests into typed structs, each line capped ([`ServeLimits::max_line`]).

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

use crate::auth::{handshake, AuthError, Credentials};

mod serve;
pub use serve::{serve_connections, Conn, ServeLimits};

/// Longest line a client accepts from a server (a manifest carries a whole snapshot
/// record, flow state included).
pub const MAX_REPLY_LINE: u64 = 64 * 1024 * 1024;
/// Longest request line of a control connection that carries no flow state.
pub const MAX_CONTROL_LINE: u64 = 1024 * 1024;
/// Longest request line of the snapshot server, whose `commit` carries the snapshot
/// record with the controller's flow-state document.
pub const MAX_COMMIT_LINE: u64 = 64 * 1024 * 1024;
/// How long a client waits for the authentication of a control connection.
pub const CLIENT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// Errors of the control protocol.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("bad JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("line longer than {0} bytes")]
    TooLong(u64),
    #[error("connection closed before the reply")]
    Closed,
    #[error("remote error: {0}")]
    Remote(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
    #[error("{0}")]
    Auth(#[from] AuthError),
}

/// One line sent by a server.
#[derive(Debug, Clone, Serialize, Deserialize, Default)]
pub struct Frame {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ok: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Frame {
    pub fn event(v: Value) -> Self {
        Frame {
            event: Some(v),
            ..Frame::default()
        }
    }
    pub fn ok(v: Value) -> Self {
        Frame {
            ok: Some(true),
            result: Some(v),
            ..Frame::default()
        }
    }
    pub fn err(e: impl std::fmt::Display) -> Self {
        Frame {
            ok: Some(false),
            error: Some(e.to_string()),
            ..Frame::default()
        }
    }
}

/// Reads one line of at most `max` bytes; `Ok(None)` on a clean end of stream. Nothing
/// beyond `max + 1` bytes is buffered.
pub async fn read_line<R>(r: &mut R, max: u64) -> Result<Option<Vec<u8>>, WireError>
where
    R: AsyncBufRead + Unpin,
{
    let mut buf = Vec::new();
    let n = r.take(max + 1).read_until(b'\n', &mut buf).await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() as u64 > max {
        return Err(WireError::TooLong(max));
    }
    Ok(Some(buf))
}

/// Reads one JSON line of at most `max` bytes; `Ok(None)` on a clean end of stream.
pub async fn read_json<R, T>(r: &mut R, max: u64) -> Result<Option<T>, WireError>
where
    R: AsyncBufRead + Unpin,
    T: DeserializeOwned,
{
    match read_line(r, max).await? {
        None => Ok(None),
        Some(line) => Ok(Some(serde_json::from_slice(&line)?)),
    }
}

/// Writes one JSON line and flushes.
pub async fn write_json<W, T>(w: &mut W, v: &T) -> Result<(), WireError>
where
    W: AsyncWrite + Unpin,
    T: Serialize,
{
    let mut buf = serde_json::to_vec(v)?;
    buf.push(b'\n');
    w.write_all(&buf).await?;
    w.flush().await?;
    Ok(())
}

/// Sends `req` to `addr` and returns the final result; events are passed to `events`
/// (if given) as they arrive.
pub async fn call_with_events<Q: Serialize>(
    addr: &str,
    creds: &Credentials,
    req: &Q,
    events: Option<mpsc::UnboundedSender<Value>>,
) -> Result<Value, WireError> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    tokio::time::timeout(
        CLIENT_HANDSHAKE_TIMEOUT,
        handshake::connect(&mut rd, &mut wr, creds),
    )
    .await
    .map_err(|_| AuthError::Timeout(CLIENT_HANDSHAKE_TIMEOUT))??;
    write_json(&mut wr, req).await?;
    loop {
        let frame: Frame = read_json(&mut rd, MAX_REPLY_LINE)
            .await?
            .ok_or(WireError::Closed)?;
        if let Some(ev) = frame.event {
            if let Some(tx) = &events {
                let _ = tx.send(ev);
            }
            continue;
        }
        return match frame.ok {
            Some(true) => Ok(frame.result.unwrap_or(Value::Null)),
            _ => Err(WireError::Remote(
                frame.error.unwrap_or_else(|| "unspecified error".into()),
            )),
        };
    }
}

/// Sends `req` and decodes the result as `T`, within `timeout`.
pub async fn call<Q: Serialize, T: DeserializeOwned>(
    addr: &str,
    creds: &Credentials,
    req: &Q,
    timeout: Duration,
) -> Result<T, WireError> {
    let v = tokio::time::timeout(timeout, call_with_events(addr, creds, req, None))
        .await
        .map_err(|_| WireError::Timeout(timeout))??;
    Ok(serde_json::from_value(v)?)
}
