//! Data connections: the mutual handshake, then the one-time ticket, then raw bytes.
//!
//! ```text
//! sender → handshake (see [`super::handshake`]), then {"ticket": "…"}
//! receiver → {"ok": true} | {"ok": false, "error": "…"} and closes
//! sender → the image bytes, then closes
//! ```
//!
//! A data port checks the connections it gets side by side and keeps the first that
//! presents its ticket; every other one is refused, and the port closes as soon as it has
//! its stream, so a second connection finds nothing listening.

use super::credentials::Credentials;
use super::target::check_target;
use super::ticket::Ticket;
use super::{handshake, AuthError};
use crate::wire::{self, Frame};
use serde::{Deserialize, Serialize};
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::BufReader;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;

/// How long one data connection may take to authenticate and present its ticket.
pub const DATA_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections a data port checks at once; more are closed at once.
const MAX_CONCURRENT_CHECKS: usize = 16;

#[derive(Debug, Serialize, Deserialize)]
struct TicketLine {
    ticket: String,
}

fn wire_err(e: wire::WireError) -> AuthError {
    match e {
        wire::WireError::Io(e) => AuthError::Io(e),
        other => AuthError::Protocol(other.to_string()),
    }
}

/// Connects to the data port `addr`, authenticates and presents `ticket`; the returned
/// stream is ready for the image bytes.
pub async fn connect(
    addr: &str,
    creds: &Credentials,
    ticket: &str,
) -> Result<TcpStream, AuthError> {
    check_target(creds, addr).await?;
    tokio::time::timeout(DATA_HANDSHAKE_TIMEOUT, async {
        let mut stream = TcpStream::connect(addr).await?;
        {
            let (r, mut w) = stream.split();
            let mut r = BufReader::new(r);
            handshake::connect(&mut r, &mut w, creds).await?;
            wire::write_json(
                &mut w,
                &TicketLine {
                    ticket: ticket.into(),
                },
            )
            .await
            .map_err(wire_err)?;
            let verdict: Frame = wire::read_json(&mut r, handshake::MAX_HANDSHAKE_LINE)
                .await
                .map_err(wire_err)?
                .ok_or_else(|| AuthError::Refused("data port closed the connection".into()))?;
            if verdict.ok != Some(true) {
                return Err(AuthError::Refused(
                    verdict.error.unwrap_or_else(|| "no verdict".into()),
                ));
            }
        }
        Ok(stream)
    })
    .await
    .map_err(|_| AuthError::Timeout(DATA_HANDSHAKE_TIMEOUT))?
}

/// Waits up to `limit` for the one connection on `listener` that authenticates and
/// presents `ticket`; refuses the others. The listener is closed on return.
pub async fn accept(
    listener: TcpListener,
    creds: &Credentials,
    ticket: &Ticket,
    limit: Duration,
) -> Result<(TcpStream, SocketAddr), AuthError> {
    let deadline = tokio::time::sleep(limit);
    tokio::pin!(deadline);
    let mut checks = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut deadline => return Err(AuthError::Timeout(limit)),
            accepted = listener.accept() => match accepted {
                Ok((stream, peer)) if checks.len() < MAX_CONCURRENT_CHECKS => {
                    checks.spawn(check_one(stream, peer, creds.clone(), ticket.clone()));
                }
                Ok((_, peer)) => tracing::warn!(%peer, "data port: too many connections at once, closing one"),
                Err(e) => {
                    tracing::warn!("data port: accept failed: {e}; retrying");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(done) = checks.join_next(), if !checks.is_empty() => match done {
                Ok(Ok(found)) => return Ok(found),
                Ok(Err((peer, e))) => tracing::warn!(%peer, "data port refused a connection: {e}"),
                Err(e) => tracing::warn!("data port check failed: {e}"),
            },
        }
    }
}

async fn check_one(
    mut stream: TcpStream,
    peer: SocketAddr,
    creds: Credentials,
    ticket: Ticket,
) -> Result<(TcpStream, SocketAddr), (SocketAddr, AuthError)> {
    let checked = tokio::time::timeout(DATA_HANDSHAKE_TIMEOUT, async {
        let (r, mut w) = stream.split();
        let mut r = BufReader::new(r);
        handshake::accept(&mut r, &mut w, &creds).await?;
        let line: Option<TicketLine> = wire::read_json(&mut r, handshake::MAX_HANDSHAKE_LINE)
            .await
            .unwrap_or(None);
        let verdict = match line {
            Some(t) if ticket.matches(&t.ticket) && r.buffer().is_empty() => Ok(()),
            _ => Err(AuthError::BadTicket),
        };
        let frame = match &verdict {
            Ok(()) => Frame {
                ok: Some(true),
                ..Frame::default()
            },
            Err(e) => Frame::err(e),
        };
        wire::write_json(&mut w, &frame).await.map_err(wire_err)?;
        verdict
    })
    .await
    .unwrap_or(Err(AuthError::Timeout(DATA_HANDSHAKE_TIMEOUT)));
    match checked {
        Ok(()) => Ok((stream, peer)),
        Err(e) => Err((peer, e)),
    }
}
