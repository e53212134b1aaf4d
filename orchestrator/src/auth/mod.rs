//! Authentication of every orchestrator connection.
//!
//! Control connections (JSON lines, [`crate::wire`]) and image data connections open with
//! the same mutual challenge ([`handshake`]): each side sends a fresh 32-byte nonce and
//! proves it holds the shared token by returning an HMAC-SHA256 over both nonces. The
//! token never crosses the network, a recorded proof is useless for another connection,
//! and a client learns that the server holds the token too, so an image is only ever
//! streamed to a cluster member. The channel itself is not encrypted.
//!
//! A data connection then presents the one-time [`ticket::Ticket`] its receiver issued
//! (a snapshot server's `prepare`, an agent's restore); a data port accepts exactly one
//! stream with the right ticket and refuses everything else ([`data`]).
//!
//! [`Credentials::Insecure`] skips the proofs; the daemons allow it only on loopback, and
//! then only stream images to loopback addresses ([`target`]).

pub mod credentials;
pub mod data;
pub mod handshake;
pub mod random;
pub mod target;
pub mod ticket;
pub mod token;

pub use credentials::Credentials;
pub use ticket::Ticket;
pub use token::Token;

use std::path::PathBuf;

/// Why a connection was not authenticated, or a token could not be used.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("token file {path}: {source}")]
    TokenRead {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("token file {0} holds fewer than {min} characters", min = token::MIN_TOKEN_LEN)]
    TokenTooShort(PathBuf),
    #[error("token file {path} is readable by group or others (mode {mode:o}): chmod 600 it")]
    TokenPermissions { path: PathBuf, mode: u32 },
    #[error("authentication required: the client did not start with the viola-auth hello (give it the token file)")]
    HelloMissing,
    #[error("authentication failed: wrong token")]
    WrongToken,
    #[error("authentication failed: the client sent no proof (give it the token file)")]
    NoProof,
    #[error("the server did not prove it holds the token (is it running with --insecure?)")]
    ServerUnproven,
    #[error("the server's proof is wrong: it holds another token")]
    ServerWrongToken,
    #[error("authentication protocol: {0}")]
    Protocol(String),
    #[error("refused by the peer: {0}")]
    Refused(String),
    #[error("authentication i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("authentication timed out after {0:?}")]
    Timeout(std::time::Duration),
    #[error("wrong or missing ticket for this data port")]
    BadTicket,
    #[error("insecure mode streams images to loopback addresses only, not {0}")]
    TargetNotLoopback(String),
    #[error("cannot resolve {0}")]
    Unresolvable(String),
}
