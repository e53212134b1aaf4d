//! Bearer-token protection of mutating routes (POST, PUT, PATCH, DELETE).

use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

use super::ApiError;

pub(crate) fn is_mutating(m: &Method) -> bool {
    matches!(
        *m,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    )
}

/// Compares without an early exit, so the time taken does not reveal the matching prefix.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Middleware: a mutating request must carry `Authorization: Bearer TOKEN`.
pub(crate) async fn require_token(
    State(token): State<Arc<str>>,
    req: Request,
    next: Next,
) -> Response {
    if !is_mutating(req.method()) {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .map(str::trim);
    match given {
        Some(t) if same(t.as_bytes(), token.as_bytes()) => next.run(req).await,
        Some(_) => ApiError::unauthorized("invalid bearer token").into_response(),
        None => {
            ApiError::unauthorized("this route needs a bearer token (Authorization: Bearer TOKEN)")
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn constant_time_compare() {
        assert!(super::same(b"abc", b"abc"));
        assert!(!super::same(b"abc", b"abd"));
        assert!(!super::same(b"abc", b"abcd"));
    }
}
