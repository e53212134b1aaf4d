//! Extractors with one-line 400 errors: [`DpidPath`] (16 hex digits or decimal) and
//! [`JsonBody`] (any JSON value, or the empty body as `null`, within [`JsonLimits`]).

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
/// 400 with the serde message (line and column). A body with more structural elements than
/// [`JsonLimits::max_elements`] is refused (413) before it is parsed.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonBody(pub Value);

/// How much JSON one request may make the server build. The body's byte size is capped by
/// [`super::ApiConfig::body_limit`]; this caps what parsing it allocates, which for a
/// [`Value`] is many times the text for small elements (`[0,0,0,…]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonLimits {
    /// Most containers plus separators (`[`, `{`, `,`) outside strings.
    pub max_elements: usize,
}

impl Default for JsonLimits {
    fn default() -> Self {
        JsonLimits {
            max_elements: 2_000_000,
        }
    }
}

/// Counts the structural elements of a JSON text (`[`, `{` and `,` outside strings, plus
/// one) without allocating: an upper bound on the values a parse would build.
pub(crate) fn json_elements(text: &[u8]) -> usize {
    let (mut n, mut in_string, mut escaped) = (1usize, false, false);
    for &b in text {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b',' | b'[' | b'{' => n += 1,
            _ => {}
        }
    }
    n
}

impl<S: Send + Sync> FromRequest<S> for JsonBody {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let limits = req
            .extensions()
            .get::<JsonLimits>()
            .copied()
            .unwrap_or_default();
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            ApiError::new(
                e.status(),
                format!("cannot read the request body: {}", e.body_text()),
            )
        })?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(JsonBody(Value::Null));
        }
        let elements = json_elements(&bytes);
        if elements > limits.max_elements {
            return Err(ApiError::new(
                axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "JSON body has {elements} elements, more than the limit of {} ([api] max_json_elements)",
                    limits.max_elements
                ),
            ));
        }
        serde_json::from_slice(&bytes)
            .map(JsonBody)
            .map_err(|e| ApiError::bad_request(format!("invalid JSON body: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::json_elements;

    #[test]
    fn elements_outside_strings_only() {
        assert_eq!(json_elements(b"0"), 1);
        assert_eq!(json_elements(b"[0,0,0]"), 4);
        assert_eq!(json_elements(br#"{"a":[1,2],"b":{}}"#), 6);
        assert_eq!(json_elements(br#"["[,{", "a\"b,c"]"#), 3);
    }
}
