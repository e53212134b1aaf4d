//! The REST API's accept loop: what `axum::serve` does (HTTP/1.1), plus the limits a
//! listener that anyone on the network can reach needs.
//!
//! - an accept error (EMFILE when the process runs out of descriptors, a connection reset
//!   before it was accepted) is logged and retried after a short backoff, never the end of
//!   the server;
//! - at most [`ServerLimits::max_connections`] connections at once; beyond that a new
//!   connection is closed at once (its descriptor is not held);
//! - a client must send a request's headers within [`ServerLimits::header_read_timeout`],
//!   also on a kept-alive connection between requests, or the connection is closed.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;

use crate::accept::{accept, Retry};

/// Connection limits of the REST listener (`[api]` in the config file).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    pub max_connections: usize,
    pub header_read_timeout: Duration,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            max_connections: 512,
            header_read_timeout: Duration::from_secs(10),
        }
    }
}

/// Pause after an accept error: starts small, doubles, stays under a second.
const ACCEPT_RETRY: Retry = Retry {
    first: Duration::from_millis(5),
    max: Duration::from_millis(800),
};

/// Serves `app` on `listener` until the task is aborted.
pub(crate) async fn serve(listener: TcpListener, app: Router, limits: ServerLimits) {
    let slots = Arc::new(Semaphore::new(limits.max_connections.max(1)));
    loop {
        let (stream, peer) = accept(&listener, "REST API", ACCEPT_RETRY).await;
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            tracing::warn!(
                %peer,
                "REST API: {} connections open, closing a new one",
                limits.max_connections
            );
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(app.clone());
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(limits.header_read_timeout)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                tracing::debug!(%peer, "REST API connection ended: {e}");
            }
            drop(slot);
        });
    }
}
