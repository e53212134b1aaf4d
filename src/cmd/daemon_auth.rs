//! Flags shared by the orchestrator daemons (`viola vm-agent`, `viola snapshot-server`):
//! how they authenticate, and the limits of their control port.

use anyhow::bail;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;
use viola_orchestrator::auth::Credentials;
use viola_orchestrator::wire::ServeLimits;

#[derive(clap::Args)]
pub struct AuthArgs {
    /// File holding the cluster's shared token (mode 600; `viola certs init DIR` writes
    /// DIR/token). Every control and data connection must prove it holds the token.
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Run without authentication. Only allowed when --listen is a loopback address.
    #[arg(long)]
    insecure: bool,
}

impl AuthArgs {
    /// The daemon's credentials; refuses a daemon with no authentication unless it is
    /// `--insecure` on loopback.
    pub fn credentials(&self, command: &str, listen: SocketAddr) -> anyhow::Result<Credentials> {
        match (&self.token_file, self.insecure) {
            (Some(_), true) => bail!("{command}: give --token-file or --insecure, not both"),
            (Some(path), false) => Ok(Credentials::from_token_file(path)?),
            (None, true) if listen.ip().is_loopback() => {
                tracing::warn!(%listen, "{command}: --insecure: connections are not authenticated (loopback only)");
                Ok(Credentials::Insecure)
            }
            (None, true) => bail!(
                "{command}: --insecure is only allowed on a loopback address, not {listen}: give --token-file FILE"
            ),
            (None, false) => bail!(
                "{command}: refusing to start without authentication: give --token-file FILE (`viola certs init DIR` writes one), or --insecure with a loopback --listen"
            ),
        }
    }
}

#[derive(clap::Args)]
pub struct LimitArgs {
    /// Authenticated control connections at once; one more is refused with a one-line
    /// error.
    #[arg(long, default_value_t = 64)]
    max_connections: usize,
    /// Connections still authenticating at once; the oldest is dropped for a new one.
    #[arg(long, default_value_t = 64)]
    max_unauthenticated: usize,
    /// Seconds a connection has to authenticate.
    #[arg(long, default_value_t = 10)]
    handshake_timeout: u64,
    /// Seconds an authenticated control connection may stay idle between requests.
    #[arg(long, default_value_t = 300)]
    idle_timeout: u64,
}

impl LimitArgs {
    pub fn limits(&self, max_line: u64) -> ServeLimits {
        ServeLimits {
            max_connections: self.max_connections.max(1),
            max_unauthenticated: self.max_unauthenticated.max(1),
            handshake_timeout: Duration::from_secs(self.handshake_timeout.max(1)),
            idle_timeout: Duration::from_secs(self.idle_timeout.max(1)),
            max_line,
        }
    }
}
