//! [`Client`]: the flow-state routes of a running controller (what
//! `viola flows save|restore|diff` uses), typed on top of [`viola_client::RestClient`].

use serde_json::{json, Value};
use viola_client::RestClient;
pub use viola_client::{ClientError, DEFAULT_API};

use crate::compare::DiffReport;
use crate::document::FlowStateDoc;
use crate::mapping::DpidMap;
use crate::restore::{Mode, RestoreReport};

/// A client of one controller's flow-state routes.
#[derive(Debug, Clone)]
pub struct Client {
    rest: RestClient,
}

impl Client {
    /// `api` is the controller's API address (see [`RestClient::new`]).
    pub fn new(api: &str) -> Result<Client, ClientError> {
        Ok(Client {
            rest: RestClient::new(api)?,
        })
    }

    /// Sends `Authorization: Bearer TOKEN` (needed for restore when the API has a token).
    pub fn with_token(self, token: Option<String>) -> Client {
        Client {
            rest: self.rest.with_token(token),
        }
    }

    /// `GET /api/v1/flows/state`.
    pub async fn save(&self) -> Result<FlowStateDoc, ClientError> {
        let path = "/flows/state";
        let v: Value = self.rest.get(path).await?;
        FlowStateDoc::from_value(&v).map_err(|e| ClientError::Decode {
            url: self.rest.url(path),
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
        let body = json!({"document": doc.to_value(), "map": map.to_strings(), "mode": mode});
        self.rest.post("/flows/state", &body).await
    }

    /// `POST /api/v1/flows/state/diff`.
    pub async fn diff(&self, doc: &FlowStateDoc, map: &DpidMap) -> Result<DiffReport, ClientError> {
        let body = json!({"document": doc.to_value(), "map": map.to_strings()});
        self.rest.post("/flows/state/diff", &body).await
    }
}
