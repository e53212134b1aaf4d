//! # viola-client — the one HTTP client of Viola's REST API
//!
//! [`RestClient`] is what the CLI (`viola topo`, `viola flows`), the flow-state client and
//! the orchestrator use to talk to a running controller: JSON in and out over
//! `reqwest`, an optional bearer token, and errors that fit on one line and name the URL
//! (and the HTTP status when the controller answered).
//!
//! It never retries and never follows a non-2xx answer into a value: a non-2xx status is
//! [`ClientError::Api`] carrying the controller's `error` text.
//!
//! ```
//! use viola_client::RestClient;
//! let c = RestClient::new("127.0.0.1:8080/api/v1/").unwrap();
//! assert_eq!(c.base(), "http://127.0.0.1:8080");
//! assert_eq!(c.url("/topology"), "http://127.0.0.1:8080/api/v1/topology");
//! assert!(RestClient::new("https://a:1").is_err());
//! ```
#![forbid(unsafe_code)]

mod error;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use error::ClientError;

/// The controller's default API address (`viola run --api`).
pub const DEFAULT_API: &str = "http://127.0.0.1:8080";

/// Prefix of every REST route but `/metrics`.
pub const API_PREFIX: &str = "/api/v1";

/// A client of one controller's REST API.
#[derive(Debug, Clone)]
pub struct RestClient {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl RestClient {
    /// `api` is the controller's API address: `http://HOST:PORT` (a trailing `/api/v1` or
    /// `/` is fine; `HOST:PORT` alone means http). Connecting gives up after 5 s; a call
    /// has no overall time limit unless [`RestClient::with_timeout`] sets one.
    pub fn new(api: &str) -> Result<RestClient, ClientError> {
        let base = normalise(api).ok_or_else(|| ClientError::Url(api.to_string()))?;
        let http = build(None).map_err(|e| ClientError::Http {
            url: base.clone(),
            error: e.to_string(),
        })?;
        Ok(RestClient {
            base,
            token: None,
            http,
        })
    }

    /// Limits every call (connect, send, read) to `limit`.
    pub fn with_timeout(mut self, limit: Duration) -> Result<RestClient, ClientError> {
        self.http = build(Some(limit)).map_err(|e| ClientError::Http {
            url: self.base.clone(),
            error: e.to_string(),
        })?;
        Ok(self)
    }

    /// Sends `Authorization: Bearer TOKEN` with every call (an empty token sends none).
    pub fn with_token(mut self, token: Option<String>) -> RestClient {
        self.token = token.filter(|t| !t.is_empty());
        self
    }

    /// `http://HOST:PORT`, without the API prefix.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// The full URL of API route `path` (e.g. `/topology`).
    pub fn url(&self, path: &str) -> String {
        format!("{}{API_PREFIX}{path}", self.base)
    }

    /// `GET` API route `path`; the 2xx answer's JSON as `T`.
    pub async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let url = self.url(path);
        self.call(self.http.get(&url), &url).await
    }

    /// `POST` `body` as JSON to API route `path`; the 2xx answer's JSON as `T`.
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, ClientError> {
        let url = self.url(path);
        self.call(self.http.post(&url).json(body), &url).await
    }

    /// `DELETE` API route `path`; the 2xx answer's JSON as `T`. Sent with
    /// `Content-Type: application/json` like every mutating request (the API refuses
    /// others with 415).
    pub async fn delete<T: DeserializeOwned>(&self, path: &str) -> Result<T, ClientError> {
        let url = self.url(path);
        let req = self
            .http
            .delete(&url)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        self.call(req, &url).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        mut req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<T, ClientError> {
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let http = |e: reqwest::Error| ClientError::Http {
            url: url.to_string(),
            error: e.to_string(),
        };
        let resp = req.send().await.map_err(http)?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(http)?;
        if !status.is_success() {
            return Err(ClientError::api(status.as_u16(), url, &bytes));
        }
        // An empty 2xx body reads as JSON `null` (so `T = Value` or `()` works).
        let body: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            &bytes
        };
        serde_json::from_slice(body).map_err(|e| ClientError::Decode {
            url: url.to_string(),
            error: e.to_string(),
        })
    }
}

fn build(limit: Option<Duration>) -> reqwest::Result<reqwest::Client> {
    let b = reqwest::Client::builder().connect_timeout(Duration::from_secs(5));
    match limit {
        Some(l) => b.timeout(l),
        None => b,
    }
    .build()
}

/// `http://HOST[:PORT]` from what a user may type; `None` for another scheme or no host.
fn normalise(api: &str) -> Option<String> {
    let t = api.trim();
    let (scheme, rest) = t.split_once("://").unwrap_or(("http", t));
    if scheme != "http" {
        return None;
    }
    let rest = rest.trim_end_matches('/');
    let host = rest.strip_suffix(API_PREFIX).unwrap_or(rest);
    (!host.is_empty() && !host.contains('/')).then(|| format!("http://{host}"))
}

#[cfg(test)]
mod tests;
