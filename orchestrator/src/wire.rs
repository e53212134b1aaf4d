//! The control protocol shared by every orchestrator component: JSON lines over TCP.
//!
//! A client sends one request object on one line. The server answers with zero or more
//! event lines `{"event": {...}}` and then exactly one final line, either
//! `{"ok": true, "result": ...}` or `{"ok": false, "error": "..."}`. A connection may carry
//! several requests one after the other.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::Duration;
use tokio::io::{
    AsyncBufRead, AsyncBufReadExt, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader,
};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// Longest line accepted (a flow-state document may ride inside a commit request).
pub const MAX_LINE: u64 = 64 * 1024 * 1024;

/// Errors of the control protocol.
#[derive(Debug, thiserror::Error)]
pub enum WireError {
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("bad JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("line longer than {MAX_LINE} bytes")]
    TooLong,
    #[error("connection closed before the reply")]
    Closed,
    #[error("remote error: {0}")]
    Remote(String),
    #[error("timed out after {0:?}")]
    Timeout(Duration),
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

/// Reads one JSON line; `Ok(None)` on a clean end of stream.
pub async fn read_json<R, T>(r: &mut R) -> Result<Option<T>, WireError>
where
    R: AsyncBufRead + Unpin,
    T: DeserializeOwned,
{
    let mut buf = Vec::new();
    let n = r.take(MAX_LINE + 1).read_until(b'\n', &mut buf).await?;
    if n == 0 {
        return Ok(None);
    }
    if buf.len() as u64 > MAX_LINE {
        return Err(WireError::TooLong);
    }
    Ok(Some(serde_json::from_slice(&buf)?))
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
    req: &Q,
    events: Option<mpsc::UnboundedSender<Value>>,
) -> Result<Value, WireError> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    write_json(&mut wr, req).await?;
    loop {
        let frame: Frame = read_json(&mut rd).await?.ok_or(WireError::Closed)?;
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
    req: &Q,
    timeout: Duration,
) -> Result<T, WireError> {
    let v = tokio::time::timeout(timeout, call_with_events(addr, req, None))
        .await
        .map_err(|_| WireError::Timeout(timeout))??;
    Ok(serde_json::from_value(v)?)
}

/// Accepts control connections on `listener` forever, one task each running
/// `connection(stream, state)`; `what` names the server in the log line of a connection
/// that ends with an error.
pub async fn serve_connections<S, F, Fut>(
    listener: tokio::net::TcpListener,
    what: &'static str,
    state: std::sync::Arc<S>,
    connection: F,
) -> std::io::Result<()>
where
    S: Send + Sync + 'static,
    F: Fn(TcpStream, std::sync::Arc<S>) -> Fut,
    Fut: std::future::Future<Output = Result<(), WireError>> + Send + 'static,
{
    loop {
        let (stream, peer) = listener.accept().await?;
        let task = connection(stream, state.clone());
        tokio::spawn(async move {
            if let Err(e) = task.await {
                tracing::debug!(%peer, "{what} control connection ended: {e}");
            }
        });
    }
}
