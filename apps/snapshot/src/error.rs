//! [`SnapshotError`]: why a snapshot operation failed, and its REST status.

use axum::http::StatusCode;
use viola_framework::rest::ApiError;
use viola_framework::{Dpid, RequestError, SendError};

/// Why an operation on a service failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SnapshotError {
    #[error("unknown service `{0}`")]
    UnknownService(String),
    #[error("service `{service}` has no VM `{vm}`")]
    UnknownVm { service: String, vm: String },
    /// The request is malformed or names impossible values (400).
    #[error("{0}")]
    Invalid(String),
    /// The request does not fit the current state (409), e.g. advancing before an epoch.
    #[error("{0}")]
    Conflict(String),
    /// A bound of the app was reached (too many services…) (409 as well).
    #[error("{0}")]
    Full(String),
    /// Waiting for the switch failed (barrier error, timeout, disconnect).
    #[error("switch {dpid}: {source}")]
    Switch { dpid: Dpid, source: RequestError },
    /// A message could not be queued for the switch.
    #[error("switch {dpid}: {source}")]
    Send { dpid: Dpid, source: SendError },
}

impl From<SnapshotError> for ApiError {
    fn from(e: SnapshotError) -> Self {
        let msg = e.to_string();
        match e {
            SnapshotError::UnknownService(s) => {
                ApiError::not_found(msg).with_detail(serde_json::json!({"service": s}))
            }
            SnapshotError::UnknownVm { service, vm } => ApiError::not_found(msg)
                .with_detail(serde_json::json!({"service": service, "vm": vm})),
            SnapshotError::Invalid(_) => ApiError::bad_request(msg),
            SnapshotError::Conflict(_) | SnapshotError::Full(_) => {
                ApiError::new(StatusCode::CONFLICT, msg)
            }
            SnapshotError::Switch { source, .. } => {
                let mut api = ApiError::from(source);
                api.error = msg;
                api
            }
            SnapshotError::Send { source, .. } => {
                let mut api = ApiError::from(source);
                api.error = msg;
                api
            }
        }
    }
}
