//! Blocking calls to the controller's REST API for experiments and tests, through
//! [`viola_client::RestClient`]: each call runs on a short-lived thread with its own
//! current-thread runtime, so callers need no async runtime (and may have one).

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::Value;
use viola_client::{ClientError, RestClient, API_PREFIX};

use super::ExperimentError;

/// Longest a call may take.
const TIMEOUT: Duration = Duration::from_secs(30);

/// Sends `method path` (a route under `/api/v1`) with an optional JSON body; a status
/// outside 2xx is [`ExperimentError::Http`] with the controller's error text.
pub fn expect_ok(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&Value>,
) -> Result<Value, ExperimentError> {
    let fail = |status: u16, body: String| ExperimentError::Http {
        method: method.into(),
        path: path.into(),
        status,
        body,
    };
    let route = path
        .strip_prefix(API_PREFIX)
        .ok_or_else(|| fail(0, format!("not an API route (expected {API_PREFIX}/…)")))?
        .to_string();
    let (method_owned, body) = (method.to_string(), body.cloned());
    let call = move || -> Result<Value, ClientError> {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| ClientError::Http {
                url: format!("http://{addr}"),
                error: e.to_string(),
            })?;
        rt.block_on(async {
            let c = RestClient::new(&addr.to_string())?.with_timeout(TIMEOUT)?;
            let body = body.unwrap_or(Value::Null);
            match method_owned.as_str() {
                "GET" => c.get(&route).await,
                "DELETE" => c.delete(&route).await,
                _ => c.post(&route, &body).await,
            }
        })
    };
    let answer = std::thread::spawn(call)
        .join()
        .map_err(|_| fail(0, "the HTTP call panicked".into()))?;
    answer.map_err(|e| match e {
        ClientError::Api { status, error, .. } => fail(status, error),
        other => fail(0, other.to_string()),
    })
}
