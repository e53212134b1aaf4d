//! The REST routes of the flow-state app:
//!
//! | route | what |
//! |---|---|
//! | `GET /api/v1/flows/state` | save: a flow-state document of every connected switch |
//! | `POST /api/v1/flows/state` | restore a document (body and options: [`crate::request`]); answers a [`RestoreReport`] |
//! | `POST /api/v1/flows/state/diff` | diff a document against the live tables; answers a [`DiffReport`] |

use std::sync::Arc;

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use viola_framework::rest::{ApiError, JsonBody};
use viola_framework::Controller;

use crate::app::FlowStateApp;
use crate::compare::{diff_live, DiffReport};
use crate::error::{DocError, FlowStateError};
use crate::request::{self, RequestError};
use crate::restore::{restore, RestoreOptions, RestoreReport};
use crate::save::save;

#[derive(Clone)]
struct RouteState {
    app: Arc<FlowStateApp>,
    ctl: Controller,
}

pub(crate) fn router(app: Arc<FlowStateApp>, ctl: Controller) -> Router {
    Router::new()
        .route("/api/v1/flows/state", get(get_state).post(post_state))
        .route("/api/v1/flows/state/diff", post(post_diff))
        .with_state(RouteState { app, ctl })
}

async fn get_state(State(s): State<RouteState>) -> Result<Json<Value>, ApiError> {
    let doc = save(&s.ctl).await.map_err(api_error)?;
    Ok(Json(doc.to_value()))
}

async fn post_state(
    State(s): State<RouteState>,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> Result<Json<RestoreReport>, ApiError> {
    let req = request::parse(q.as_deref(), &body).map_err(request_error)?;
    let opts = RestoreOptions {
        map: req.map,
        mode: req.mode.unwrap_or_default(),
        batch: req.batch.unwrap_or(s.app.batch()),
    };
    let _one_at_a_time = s.app.restoring.lock().await;
    let report = restore(&s.ctl, &req.document, &opts)
        .await
        .map_err(api_error)?;
    Ok(Json(report))
}

async fn post_diff(
    State(s): State<RouteState>,
    RawQuery(q): RawQuery,
    JsonBody(body): JsonBody,
) -> Result<Json<DiffReport>, ApiError> {
    let req = request::parse(q.as_deref(), &body).map_err(request_error)?;
    if req.mode.is_some() || req.batch.is_some() {
        return Err(ApiError::bad_request(
            "diff takes only a document and map (no mode, no batch)",
        ));
    }
    let report = diff_live(&s.ctl, &req.document, &req.map)
        .await
        .map_err(api_error)?;
    Ok(Json(report))
}

fn request_error(e: RequestError) -> ApiError {
    let detail = match &e {
        RequestError::Doc(DocError::Invalid { path, .. }) => json!({"field": path}),
        RequestError::Doc(DocError::Format(_)) => json!({"field": "format"}),
        _ => Value::Null,
    };
    ApiError::bad_request(e.to_string()).with_detail(detail)
}

fn api_error(e: FlowStateError) -> ApiError {
    let msg = e.to_string();
    match e {
        FlowStateError::Map(_) => ApiError::bad_request(msg),
        FlowStateError::NotConnected { document, target } => ApiError::not_found(msg).with_detail(
            json!({"dpid": target.to_string(), "document_dpid": document.to_string()}),
        ),
        FlowStateError::Unsupported { flow, .. } => {
            ApiError::bad_request(msg).with_detail(json!({"flow": flow}))
        }
        FlowStateError::Push { dpid, stage, .. } => ApiError::new(StatusCode::BAD_GATEWAY, msg)
            .with_detail(json!({"dpid": dpid.to_string(), "stage": stage})),
        FlowStateError::Read { dpid, .. } => ApiError::new(StatusCode::BAD_GATEWAY, msg)
            .with_detail(json!({"dpid": dpid.to_string()})),
    }
}
