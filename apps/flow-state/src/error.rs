//! Errors of this crate. Every message is one line and names where the problem is (which
//! switch, which flow, which field).

use viola_framework::{Dpid, RequestError, SendError};

/// A flow-state document that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocError {
    /// Not JSON at all (truncated, binary…); serde's message has line and column.
    #[error("not a JSON document: {0}")]
    Syntax(String),
    /// JSON, but not a Viola flow-state document of a format this build reads.
    #[error("{0}")]
    Format(String),
    /// A field is missing or wrong; `path` names it, e.g.
    /// `switches[0] (dpid 0000000000000001) flows[3].match.ipv4_dst`.
    #[error("{path}: {reason}")]
    Invalid { path: String, reason: String },
}

impl DocError {
    pub(crate) fn invalid(path: impl Into<String>, reason: impl Into<String>) -> Self {
        DocError::Invalid {
            path: path.into(),
            reason: reason.into().replace(['\n', '\r'], " "),
        }
    }
}

/// A `--map OLD=NEW` list that cannot be applied.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("map: {0}")]
pub struct MapError(pub String);

/// Why a save, restore or diff was refused or failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FlowStateError {
    #[error(transparent)]
    Map(#[from] MapError),
    /// A switch of the document (after mapping) is not connected; nothing was pushed.
    #[error("switch {target} (document switch {document}) is not connected; nothing was pushed (use map OLD=NEW to restore onto another switch)")]
    NotConnected { document: Dpid, target: Dpid },
    /// A flow cannot be expressed in the target switch's version; nothing was pushed.
    #[error("{flow}: {reason}; nothing was pushed")]
    Unsupported { flow: String, reason: String },
    /// Sending or a barrier failed while pushing: the switch may hold part of the document.
    #[error("switch {dpid}, {stage}: {error}")]
    Push {
        dpid: Dpid,
        stage: String,
        error: String,
    },
    /// Reading a switch's tables failed.
    #[error("switch {dpid}: reading the flow tables failed: {error}")]
    Read { dpid: Dpid, error: String },
}

impl FlowStateError {
    pub(crate) fn push(dpid: Dpid, stage: impl Into<String>, e: impl ToString) -> Self {
        FlowStateError::Push {
            dpid,
            stage: stage.into(),
            error: e.to_string(),
        }
    }
    pub(crate) fn read(dpid: Dpid, e: &RequestError) -> Self {
        FlowStateError::Read {
            dpid,
            error: e.to_string(),
        }
    }
    pub(crate) fn send(dpid: Dpid, stage: impl Into<String>, e: &SendError) -> Self {
        Self::push(dpid, stage, e)
    }
}
