//! Mutating requests must declare a JSON body.
//!
//! A web page can make a browser send a `text/plain`, form or body-less POST to any origin
//! without a CORS preflight; it cannot send one with `Content-Type: application/json`
//! unless the server allows it in a preflight, and this API answers no preflight (it sends
//! no CORS headers at all). So refusing every other content type on POST, PUT, PATCH and
//! DELETE — with or without a body — stops other sites from driving the API through the
//! browser of someone who can reach it.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::auth::is_mutating;
use super::ApiError;

/// Whether a `Content-Type` value is JSON (`application/json`, parameters allowed).
pub(crate) fn is_json(content_type: &str) -> bool {
    content_type
        .split(';')
        .next()
        .map(str::trim)
        .is_some_and(|t| t.eq_ignore_ascii_case("application/json"))
}

/// Middleware: 415 for a mutating request whose `Content-Type` is not JSON, except under
/// the path prefixes in `exempt` (an app's compatibility switch, see
/// `Controller::accept_any_content_type_under`).
pub(crate) async fn require_json(
    State(exempt): State<Arc<[String]>>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path();
    if !is_mutating(req.method()) || exempt.iter().any(|p| path.starts_with(p.as_str())) {
        return next.run(req).await;
    }
    let given = req
        .headers()
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)").to_owned());
    match given {
        Some(ct) if is_json(&ct) => next.run(req).await,
        Some(ct) => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{} needs Content-Type: application/json (got {ct})",
                req.method()
            ),
        )
        .into_response(),
        None => ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!(
                "{} needs the header Content-Type: application/json, even without a body",
                req.method()
            ),
        )
        .into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::is_json;

    #[test]
    fn json_with_parameters_only() {
        assert!(is_json("application/json"));
        assert!(is_json("Application/JSON; charset=utf-8"));
        assert!(!is_json("text/plain"));
        assert!(!is_json("application/x-www-form-urlencoded"));
        assert!(!is_json("application/jsonp"));
        assert!(!is_json(""));
    }
}
