//! Errors of the runtime's public API.

use crate::Dpid;

/// Why a message could not be queued for a switch.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    #[error("switch {0} is not connected")]
    NotConnected(Dpid),
    #[error(transparent)]
    Unsupported(#[from] openflow::Unsupported),
    #[error("outbound queue of switch {0} is full")]
    QueueFull(Dpid),
    /// The message could not be encoded (e.g. over 64 KiB). Extension of the contract.
    #[error("cannot encode the message: {0}")]
    Encode(openflow::EncodeError),
}

/// Why a request (stats, barrier) failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("switch {0} is not connected")]
    NotConnected(Dpid),
    #[error("the switch did not answer in time")]
    Timeout,
    #[error("the switch answered with an error: type 0x{:04x} code 0x{:04x}", .0.err_type, .0.code)]
    Switch(openflow::ErrorMsg),
    #[error("the switch disconnected before answering")]
    Disconnected,
    /// A multipart reply past `[openflow] max_reply_bytes` (or the part limit): the
    /// request was given up and the parts dropped.
    #[error("the switch's reply grew past the controller's limit ({parts} parts, {bytes} bytes; [openflow] max_reply_bytes)")]
    ReplyTooLarge { parts: usize, bytes: usize },
    #[error(transparent)]
    Unsupported(#[from] openflow::Unsupported),
}

// Messages include their cause and do not also expose it as `source()`, so that
// `anyhow`'s `{:#}` prints each cause once.

impl From<crate::tls::TlsError> for StartError {
    fn from(e: crate::tls::TlsError) -> Self {
        StartError::Tls(e)
    }
}

/// Why the controller could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot listen on {addr}: {error}")]
    Bind { addr: String, error: std::io::Error },
    #[error("TLS setup: {0}")]
    Tls(crate::tls::TlsError),
    #[error("invalid configuration: {0}")]
    Config(String),
}
