//! The firewall's REST routes (mounted by the framework behind the API's auth and limits).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get};
use axum::{Json, Router};
use serde_json::{json, Value};
use viola_framework::rest::{ApiError, JsonBody};
use viola_framework::Controller;

use crate::{RestFirewall, RuleError, RuleSpec};

type AppState = State<(Arc<RestFirewall>, Controller)>;

pub(crate) fn router(app: Arc<RestFirewall>, ctl: Controller) -> Router {
    Router::new()
        .route("/api/v1/firewall/rules", get(list).post(add))
        .route("/api/v1/firewall/rules/{id}", delete(remove))
        .with_state((app, ctl))
}

async fn list(State((app, _)): AppState) -> Json<Value> {
    let rules: Vec<Value> = app.rules().iter().map(|r| r.to_json()).collect();
    Json(json!({ "default": app.default_policy(), "rules": rules }))
}

async fn add(
    State((app, ctl)): AppState,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let spec: RuleSpec =
        serde_json::from_value(body).map_err(|e| ApiError::bad_request(format!("rule: {e}")))?;
    let rule = app
        .add(&ctl, &spec)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    // The answer comes once every switch has the flow (or has said why not).
    let failed: serde_json::Map<String, Value> = app
        .confirm(&ctl)
        .await
        .into_iter()
        .map(|(dpid, why)| (dpid.to_string(), Value::String(why)))
        .collect();
    let mut body = rule.to_json();
    body["failed"] = Value::Object(failed);
    Ok((StatusCode::CREATED, Json(body)))
}

async fn remove(State((app, ctl)): AppState, Path(id): Path<u32>) -> Result<Json<Value>, ApiError> {
    match app.remove(&ctl, id) {
        Ok(rule) => Ok(Json(rule.to_json())),
        Err(e @ RuleError::NoSuchRule(_)) => Err(ApiError::not_found(e.to_string())),
        Err(e) => Err(ApiError::bad_request(e.to_string())),
    }
}
