//! [`Client`]: the flow-state routes of a running controller, over plain HTTP (what
//! `viola flows save|restore|diff` uses).

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use crate::compare::DiffReport;
use crate::document::FlowStateDoc;
use crate::mapping::DpidMap;
use crate::restore::{Mode, RestoreReport};

/// Default `--api`.
pub const DEFAULT_API: &str = "http://127.0.0.1:8080";

/// Why a call failed. `Api` carries the controller's one-line `error`.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("bad API address \"{0}\": expected http://HOST:PORT")]
    Url(String),
    #[error("cannot reach the controller at {url}: {error}")]
    Http { url: String, error: String },
    #[error("{error} (HTTP {status} from {url})")]
    Api {
        status: u16,
        url: String,
        error: String,
    },
    #[error("unexpected answer from {url}: {error}")]
    Decode { url: String, error: String },
}

/// A client of one controller's REST API.
#[derive(Debug, Clone)]
pub struct Client {
    base: String,
    token: Option<String>,
    http: reqwest::Client,
}

impl Client {
    /// `api` is the controller's API address: `http://HOST:PORT` (a trailing `/api/v1` or
    /// `/` is fine; `HOST:PORT` alone means http).
    pub fn new(api: &str) -> Result<Client, ClientError> {
        let mut base = api.trim().trim_end_matches('/').to_string();
        if let Some(b) = base.strip_suffix("/api/v1") {
            base = b.to_string();
        }
        if !base.contains("://") {
            base = format!("http://{base}");
        }
        if !base.starts_with("http://") || base.len() <= "http://".len() {
            return Err(ClientError::Url(api.to_string()));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .map_err(|e| ClientError::Http {
                url: base.clone(),
                error: e.to_string(),
            })?;
        Ok(Client {
            base,
            token: None,
            http,
        })
    }

    /// Sends `Authorization: Bearer TOKEN` (needed for restore when the API has a token).
    pub fn with_token(mut self, token: Option<String>) -> Client {
        self.token = token.filter(|t| !t.is_empty());
        self
    }

    /// `GET /api/v1/flows/state`.
    pub async fn save(&self) -> Result<FlowStateDoc, ClientError> {
        let url = format!("{}/api/v1/flows/state", self.base);
        let v: Value = self.call(self.http.get(&url), &url).await?;
        FlowStateDoc::from_value(&v).map_err(|e| ClientError::Decode {
            url,
            error: e.to_string(),
        })
    }

    /// `POST /api/v1/flows/state`.
    pub async fn restore(
        &self,
        doc: &FlowStateDoc,
        map: &DpidMap,
        mode: Mode,
    ) -> Result<RestoreReport, ClientError> {
        let url = format!("{}/api/v1/flows/state", self.base);
        let body = json!({"document": doc.to_value(), "map": map.to_strings(), "mode": mode});
        self.call(self.http.post(&url).json(&body), &url).await
    }

    /// `POST /api/v1/flows/state/diff`.
    pub async fn diff(&self, doc: &FlowStateDoc, map: &DpidMap) -> Result<DiffReport, ClientError> {
        let url = format!("{}/api/v1/flows/state/diff", self.base);
        let body = json!({"document": doc.to_value(), "map": map.to_strings()});
        self.call(self.http.post(&url).json(&body), &url).await
    }

    async fn call<T: DeserializeOwned>(
        &self,
        mut req: reqwest::RequestBuilder,
        url: &str,
    ) -> Result<T, ClientError> {
        if let Some(t) = &self.token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| ClientError::Http {
            url: url.to_string(),
            error: e.to_string(),
        })?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| ClientError::Http {
            url: url.to_string(),
            error: e.to_string(),
        })?;
        if !status.is_success() {
            let error = serde_json::from_slice::<Value>(&bytes)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
                .unwrap_or_else(|| String::from_utf8_lossy(&bytes).trim().to_string());
            return Err(ClientError::Api {
                status: status.as_u16(),
                url: url.to_string(),
                error,
            });
        }
        serde_json::from_slice(&bytes).map_err(|e| ClientError::Decode {
            url: url.to_string(),
            error: e.to_string(),
        })
    }
}
