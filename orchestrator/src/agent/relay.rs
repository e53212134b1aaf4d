//! Relays between QEMU's migration streams and authenticated data connections.
//!
//! QEMU cannot authenticate a TCP stream itself, so it never opens one: a snapshot
//! migrates to a unix socket in the agent's private socket directory, and the agent
//! forwards the bytes to the snapshot server's data port after the handshake and the
//! ticket ([`crate::auth::data`]). A restore is the mirror image: the agent's data port
//! takes the one authenticated stream with its ticket and feeds QEMU's incoming unix
//! socket.

use crate::agent::vm::AgentError;
use crate::auth::{data, Credentials, Ticket};
use std::path::PathBuf;
use std::time::Duration;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, UnixListener, UnixStream};
use tokio::task::JoinHandle;

/// A relay task, aborted when dropped.
pub struct Relay(Option<JoinHandle<Result<u64, AgentError>>>);

impl Relay {
    /// Waits up to `limit` for the relay to finish; the bytes relayed.
    pub async fn finish(mut self, limit: Duration) -> Result<u64, AgentError> {
        let Some(task) = self.0.take() else {
            return Ok(0);
        };
        match tokio::time::timeout(limit, task).await {
            Err(_) => Err(AgentError::Timeout("relaying the migration stream".into())),
            Ok(Err(e)) => Err(AgentError::Io(std::io::Error::other(e))),
            Ok(Ok(r)) => r,
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        if let Some(t) = self.0.take() {
            t.abort();
        }
    }
}

/// Snapshot: authenticates to the data port `target` with `ticket` first (a refused
/// target fails here, before QEMU is touched), then listens on `socket` for QEMU.
/// Returns the URI to give `migrate` and the relay.
pub async fn outgoing(
    target: &str,
    ticket: &str,
    creds: &Credentials,
    socket: PathBuf,
    accept_timeout: Duration,
) -> Result<(String, Relay), AgentError> {
    let mut remote = data::connect(target, creds, ticket).await?;
    let _ = std::fs::remove_file(&socket);
    let listener = UnixListener::bind(&socket)?;
    let uri = format!("unix:{}", socket.display());
    let task = tokio::spawn(async move {
        let accepted = tokio::time::timeout(accept_timeout, listener.accept()).await;
        drop(listener);
        let _ = std::fs::remove_file(&socket);
        let (mut qemu, _) = accepted
            .map_err(|_| AgentError::Timeout("QEMU connecting to the migration socket".into()))??;
        let n = tokio::io::copy(&mut qemu, &mut remote).await?;
        remote.shutdown().await?;
        Ok(n)
    });
    Ok((uri, Relay(Some(task))))
}

/// Restore: opens a data port on `ip` with a fresh ticket; the relay takes the one
/// authenticated stream that presents it and copies it into QEMU's incoming `socket`
/// (QEMU must be listening there: `migrate-incoming unix:…`). Returns the data address,
/// the ticket and the relay.
pub async fn incoming(
    ip: &str,
    creds: &Credentials,
    socket: PathBuf,
    limit: Duration,
) -> Result<(String, Ticket, Relay), AgentError> {
    let listener = TcpListener::bind((ip, 0)).await?;
    let port = listener.local_addr()?.port();
    let addr = if ip.contains(':') && !ip.starts_with('[') {
        format!("[{ip}]:{port}")
    } else {
        format!("{ip}:{port}")
    };
    let ticket = Ticket::generate()?;
    let (creds, expected) = (creds.clone(), ticket.clone());
    let task = tokio::spawn(async move {
        let (mut remote, peer) = data::accept(listener, &creds, &expected, limit).await?;
        tracing::debug!(%peer, "restore stream authenticated");
        let mut qemu = UnixStream::connect(&socket).await?;
        let n = tokio::io::copy(&mut remote, &mut qemu).await?;
        qemu.shutdown().await?;
        Ok(n)
    });
    Ok((addr, ticket, Relay(Some(task))))
}
