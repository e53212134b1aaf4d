//! The REST API (docs/src/rest.md): JSON under `/api/v1`, Prometheus text at `/metrics`.
//!
//! | route | handler |
//! |---|---|
//! | `GET /api/v1/switches` · `GET /api/v1/switches/{dpid}` | connected switches |
//! | `GET /api/v1/switches/{dpid}/flows` | flow stats of all tables, asked from the switch |
//! | `POST /api/v1/switches/{dpid}/flows` · `DELETE …/flows` | FLOW_MODs + barrier |
//! | `GET /api/v1/events` | server-sent events |
//! | `GET /metrics` | Prometheus text exposition |
//!
//! Errors are `{"error": "...", "detail": ...}` ([`ApiError`]). With
//! [`ApiConfig::token`] set, POST/PUT/PATCH/DELETE need `Authorization: Bearer TOKEN`
//! (else 401) — on app routes too. Those methods also need `Content-Type:
//! application/json`, with or without a body (else 415; see `content_type.rs` for why),
//! except under a prefix an app exempted at its operator's request
//! ([`Controller::accept_any_content_type_under`]); no CORS header is ever sent. [`serve`] refuses a non-loopback address without a
//! token unless [`ApiConfig::insecure`]; its listener caps connections and header-read
//! time and survives accept errors (`server.rs`).
//!
//! # Routes of apps
//!
//! An app with routes implements [`RestRoutes`]; whoever builds the controller passes the
//! routers to [`serve`] (or [`router`]), which merges them under the same auth, error and
//! fallback handling. Paths are absolute and must not clash with other routes.
//!
//! ```no_run
//! use std::sync::Arc;
//! use axum::{extract::State, routing::get, Json, Router};
//! use viola_framework::rest::{ApiConfig, ApiError, RestRoutes};
//! use viola_framework::Controller;
//!
//! struct Topology;
//! impl RestRoutes for Topology {
//!     fn routes(self: Arc<Self>, _ctl: Controller) -> Router {
//!         Router::new()
//!             .route("/api/v1/topology", get(show))
//!             .with_state(self)
//!     }
//! }
//! async fn show(State(_t): State<Arc<Topology>>) -> Result<Json<serde_json::Value>, ApiError> {
//!     Ok(Json(serde_json::json!({"switches": [], "links": [], "hosts": []})))
//! }
//!
//! # async fn run(ctl: Controller) -> std::io::Result<()> {
//! let topo = Arc::new(Topology);
//! let extra = vec![topo.routes(ctl.clone())];
//! let (addr, task) =
//!     viola_framework::rest::serve(ctl, "127.0.0.1:8080".parse().unwrap(), ApiConfig::default(), extra)
//!         .await?;
//! # Ok(()) }
//! ```

mod auth;
mod content_type;
mod error;
mod events;
mod extract;
mod flows;
mod server;
mod switches;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, StatusCode, Uri};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Extension;
use axum::Router;

pub use error::ApiError;
pub use extract::{DpidPath, JsonBody, JsonLimits};
pub use server::ServerLimits;
pub use switches::switch_json;

use crate::Controller;

/// Settings of the REST API (`[api]` in the config file).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiConfig {
    /// When set, POST/PUT/PATCH/DELETE need `Authorization: Bearer <token>`.
    pub token: Option<String>,
    /// Largest request body in bytes (flow-state documents can be large).
    pub body_limit: usize,
    /// What parsing one JSON body may build.
    pub json: JsonLimits,
    /// Connections at once and header-read timeout of the listener.
    pub server: ServerLimits,
    /// Serve a non-loopback address without a token (`viola run --api-insecure`).
    pub insecure: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            token: None,
            body_limit: 64 << 20,
            json: JsonLimits::default(),
            server: ServerLimits::default(),
            insecure: false,
        }
    }
}

impl From<&crate::config::ApiSection> for ApiConfig {
    /// The `[api]` section of the config file (`addr` is for [`serve`]'s caller).
    fn from(s: &crate::config::ApiSection) -> Self {
        let d = ApiConfig::default();
        ApiConfig {
            token: s.token.clone().filter(|t| !t.is_empty()),
            body_limit: s.body_limit.unwrap_or(d.body_limit),
            json: JsonLimits {
                max_elements: s.max_json_elements.unwrap_or(d.json.max_elements),
            },
            server: ServerLimits {
                max_connections: s.max_connections.unwrap_or(d.server.max_connections),
                header_read_timeout: s
                    .header_read_timeout
                    .map(std::time::Duration::from_secs_f64)
                    .unwrap_or(d.server.header_read_timeout),
            },
            insecure: false,
        }
    }
}

/// Implemented by apps that serve routes of their own (topology, snapshot, flow-state…).
pub trait RestRoutes: Send + Sync + 'static {
    /// The app's routes, with absolute paths (e.g. `/api/v1/topology`) and their state
    /// already supplied (`Router<()>`). Use [`ApiError`] for errors and [`JsonBody`] /
    /// [`DpidPath`] for one-line 400s.
    fn routes(self: Arc<Self>, ctl: Controller) -> Router;
}

/// The whole API: built-in routes, the apps' declared routes and `extra` routers merged in, then auth, body limit and
/// JSON 404/405 fallbacks around everything.
///
/// # Panics
/// If two routers register the same method on the same path (axum's merge rule) — a
/// programming error found the first time the binary starts.
pub fn router(ctl: Controller, cfg: &ApiConfig, extra: Vec<Router>) -> Router {
    let mut app = Router::new()
        .route("/api/v1/switches", get(switches::list))
        .route("/api/v1/switches/{dpid}", get(switches::one))
        .route(
            "/api/v1/switches/{dpid}/flows",
            get(flows::get).post(flows::post).delete(flows::delete),
        )
        .route("/api/v1/events", get(events::stream))
        .route("/metrics", get(metrics))
        .with_state(ctl.clone());
    for r in ctl.app_routers().into_iter().chain(extra) {
        app = app.merge(r);
    }
    // Read after the apps built their routers: that is when they lift the rule.
    let exempt: Arc<[String]> = ctl.any_content_type_prefixes().into();
    app = app
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(cfg.body_limit))
        .layer(Extension(cfg.json));
    if let Some(token) = cfg.token.as_deref().filter(|t| !t.is_empty()) {
        let token: Arc<str> = Arc::from(token);
        app = app.layer(axum::middleware::from_fn_with_state(
            token,
            auth::require_token,
        ));
    }
    app.layer(axum::middleware::from_fn_with_state(
        exempt,
        content_type::require_json,
    ))
}

/// Why [`serve`] refuses to listen on `addr` with `cfg`, if it does: a non-loopback
/// address needs a token unless the operator said `insecure`.
pub fn refusal(addr: SocketAddr, cfg: &ApiConfig) -> Option<String> {
    let has_token = cfg.token.as_deref().is_some_and(|t| !t.is_empty());
    (!addr.ip().is_loopback() && !has_token && !cfg.insecure).then(|| {
        format!(
            "the REST API would listen on {addr}, beyond loopback, with no token: set [api] \
             token (or VIOLA_TOKEN), listen on 127.0.0.1, or pass --api-insecure"
        )
    })
}

/// Binds `addr` and serves [`router`] on a spawned task. Returns the bound address (useful
/// with port 0) and the task (abort it to stop serving).
pub async fn serve(
    ctl: Controller,
    addr: SocketAddr,
    cfg: ApiConfig,
    extra: Vec<Router>,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), std::io::Error> {
    if let Some(why) = refusal(addr, &cfg) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            why,
        ));
    }
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let local = listener.local_addr()?;
    let app = router(ctl, &cfg, extra);
    let task = tokio::spawn(server::serve(listener, app, cfg.server));
    tracing::info!("REST API on http://{local}");
    Ok((local, task))
}

/// [`serve`] without app routes.
pub async fn serve_api(
    ctl: Controller,
    addr: SocketAddr,
    cfg: ApiConfig,
) -> Result<(SocketAddr, tokio::task::JoinHandle<()>), std::io::Error> {
    serve(ctl, addr, cfg, Vec::new()).await
}

async fn metrics(axum::extract::State(ctl): axum::extract::State<Controller>) -> impl IntoResponse {
    let mut text = crate::metrics::encode_text();
    text.push_str(&ctl.app_metrics().encode_text());
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text)
}

async fn not_found(uri: Uri) -> ApiError {
    ApiError::not_found(format!("no route {}", uri.path()))
        .with_detail(serde_json::json!({"path": uri.path()}))
}

async fn method_not_allowed(uri: Uri) -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method not allowed on {}", uri.path()),
    )
}
