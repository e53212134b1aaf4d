//! Accepting a connection on a listener anyone can reach: an accept error (EMFILE when
//! the process is out of descriptors, a connection reset before it was accepted) is
//! logged and retried after a pause, never the end of the listener.

use std::net::SocketAddr;
use std::time::Duration;

use tokio::net::{TcpListener, TcpStream};

/// Pauses after failed accepts: `first`, doubling up to `max`, until one succeeds.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Retry {
    pub first: Duration,
    pub max: Duration,
}

/// The next connection on `listener`; `what` names the listener in the log line of a
/// failed accept.
pub(crate) async fn accept(
    listener: &TcpListener,
    what: &str,
    retry: Retry,
) -> (TcpStream, SocketAddr) {
    let mut pause = retry.first;
    loop {
        match listener.accept().await {
            Ok(accepted) => return accepted,
            Err(e) => {
                tracing::warn!("{what}: accept failed ({e}); retrying in {pause:?}");
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(retry.max);
            }
        }
    }
}
