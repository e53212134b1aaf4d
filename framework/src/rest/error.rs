//! [`ApiError`]: every REST error is JSON `{"error": "...", "detail": ...}` with a 4xx/5xx
//! status. Apps that add routes return it too, so clients see one error shape.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::{RequestError, SendError};

/// A JSON error response.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    /// One line, for humans and logs.
    pub error: String,
    /// Machine-readable context (`null` when there is none).
    pub detail: Value,
}

impl ApiError {
    pub fn new(status: StatusCode, error: impl Into<String>) -> Self {
        // Keep the message on one line whatever the source said.
        let error = error.into().replace(['\n', '\r'], " ");
        ApiError {
            status,
            error,
            detail: Value::Null,
        }
    }

    pub fn with_detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }

    /// 400.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, msg)
    }

    /// 404.
    pub fn not_found(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, msg)
    }

    /// 404 for a datapath id that is not connected.
    pub fn unknown_switch(dpid: crate::Dpid) -> Self {
        Self::not_found(format!("switch {} is not connected", dpid))
            .with_detail(json!({"dpid": dpid.to_string()}))
    }

    /// 401 (the response also carries `WWW-Authenticate: Bearer`).
    pub fn unauthorized(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, msg)
    }

    /// 500.
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, msg)
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.error)
    }
}

impl std::error::Error for ApiError {}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": self.error, "detail": self.detail});
        let mut resp = (self.status, axum::Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        resp
    }
}

impl From<crate::ofjson::OfJsonError> for ApiError {
    fn from(e: crate::ofjson::OfJsonError) -> Self {
        ApiError::bad_request(e.to_string()).with_detail(json!({"field": e.path}))
    }
}

impl From<SendError> for ApiError {
    fn from(e: SendError) -> Self {
        match &e {
            SendError::NotConnected(d) => ApiError::unknown_switch(*d),
            SendError::Unsupported(_) | SendError::Encode(_) => {
                ApiError::bad_request(e.to_string())
            }
            SendError::QueueFull(_) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string())
            }
        }
    }
}

impl From<RequestError> for ApiError {
    fn from(e: RequestError) -> Self {
        match &e {
            RequestError::NotConnected(d) => ApiError::unknown_switch(*d),
            RequestError::Timeout => ApiError::new(StatusCode::GATEWAY_TIMEOUT, e.to_string()),
            RequestError::Disconnected | RequestError::ReplyTooLarge { .. } => {
                ApiError::new(StatusCode::BAD_GATEWAY, e.to_string())
            }
            RequestError::Unsupported(_) => ApiError::bad_request(e.to_string()),
            RequestError::Switch(err) => switch_error(err),
        }
    }
}

/// An OFPT_ERROR from the switch: 403 for permission errors, 400 otherwise (the switch
/// rejected what the client asked for), with type/code and the offending bytes in `detail`.
fn switch_error(err: &openflow::ErrorMsg) -> ApiError {
    const EPERM_CODES: [(u16, u16); 2] = [(0x0001, 0x0005), (0x0003, 0x0008)];
    let status = if EPERM_CODES.contains(&(err.err_type, err.code)) {
        StatusCode::FORBIDDEN
    } else {
        StatusCode::BAD_REQUEST
    };
    ApiError::new(
        status,
        format!(
            "the switch rejected the request: OFPT_ERROR type 0x{:04x} code 0x{:04x}",
            err.err_type, err.code
        ),
    )
    .with_detail(json!({
        "type": err.err_type,
        "code": err.code,
        "experimenter": err.experimenter,
        "data_hex": hex::encode(&err.data),
    }))
}
