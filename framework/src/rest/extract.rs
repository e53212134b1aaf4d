//! Extractors with one-line 400 errors: [`DpidPath`] (16 hex digits or decimal) and
//! [`JsonBody`] (any JSON value, or the empty body as `null`).

use axum::extract::{FromRequest, FromRequestParts, Path, Request};
use axum::http::request::Parts;
use bytes::Bytes;
use serde_json::Value;

use super::ApiError;
use crate::Dpid;

/// The `{dpid}` segment of a path, parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DpidPath(pub Dpid);

impl<S: Send + Sync> FromRequestParts<S> for DpidPath {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(params) = Path::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|e| ApiError::bad_request(e.body_text()))?;
        let raw = params
            .iter()
            .find(|(k, _)| k == "dpid")
            .map(|(_, v)| v.as_str())
            .ok_or_else(|| ApiError::internal("route has no {dpid} segment"))?;
        raw.parse::<Dpid>().ok().map(DpidPath).ok_or_else(|| {
            ApiError::bad_request(format!(
                "bad datapath id \"{raw}\": expected 16 hex digits or a decimal number"
            ))
        })
    }
}

/// A JSON request body as a [`Value`]; an empty body is `Value::Null`. Syntax errors are a
/// 400 with the serde message (line and column).
#[derive(Debug, Clone, PartialEq)]
pub struct JsonBody(pub Value);

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::new(
                e.status(),
                format!("cannot read the request body: {}", e.body_text()),
            )
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Null));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}
