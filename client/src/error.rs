//! [`ClientError`]: why a call failed, in one line that names the URL.

use serde_json::Value;

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

impl ClientError {
    /// A non-2xx answer: the `error` field of a JSON body, or the body's text.
    pub(crate) fn api(status: u16, url: &str, body: &[u8]) -> ClientError {
        let error = serde_json::from_slice::<Value>(body)
            .ok()
            .and_then(|v| v.get("error").and_then(Value::as_str).map(str::to_string))
            .unwrap_or_else(|| String::from_utf8_lossy(body).trim().to_string());
        ClientError::Api {
            status,
            url: url.to_string(),
            error: one_line(&error),
        }
    }

    /// The HTTP status, when the controller answered.
    pub fn status(&self) -> Option<u16> {
        match self {
            ClientError::Api { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Errors are printed on one line: white space runs (newlines included) become one space.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}
