//! The snapshot routes (docs/src/snapshot.md "Routes"), all under `/api/v1/snapshot`:
//!
//! | route | body | answer |
//! |---|---|---|
//! | `GET /api/v1/snapshot` (alias `GET …/snapshot/services`) | | `{"services": [...]}` |
//! | `POST /api/v1/snapshot/services` | registration | 201, the service |
//! | `GET /api/v1/snapshot/{service}` | | the service: status, epochs, buffers, counts, timings |
//! | `DELETE /api/v1/snapshot/{service}` | | removes it (rules deleted, buffers dropped) |
//! | `POST /api/v1/snapshot/{service}/epochs` | `{"epoch": E}` or empty (current + 1) | |
//! | `POST /api/v1/snapshot/{service}/vms/{vm}/advance` | | `{"epoch", "deleted_rules", "elapsed_ms", …}` |
//! | `POST /api/v1/snapshot/{service}/vms/{vm}/reinject` | | `{"reinjected", "remaining", …}` |
//! | `POST /api/v1/snapshot/{service}/abort` | `{"buffered": "release"\|"drop"}` (default release) | |

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::Value;
use viola_framework::rest::{ApiError, JsonBody, RestRoutes};
use viola_framework::{Controller, Dpid};

use crate::config::Limits;
use crate::model::{Policy, VmSpec};
use crate::ops::Registration;
use crate::SnapshotApp;

type AppState = State<(Arc<SnapshotApp>, Controller)>;
type Reply = Result<Json<Value>, ApiError>;

impl RestRoutes for SnapshotApp {
    fn routes(self: Arc<Self>, ctl: Controller) -> Router {
        Router::new()
            .route("/api/v1/snapshot", get(list))
            .route("/api/v1/snapshot/services", get(list).post(register))
            .route("/api/v1/snapshot/{service}", get(status).delete(unregister))
            .route("/api/v1/snapshot/{service}/epochs", post(epochs))
            .route("/api/v1/snapshot/{service}/vms/{vm}/advance", post(advance))
            .route(
                "/api/v1/snapshot/{service}/vms/{vm}/reinject",
                post(reinject),
            )
            .route("/api/v1/snapshot/{service}/abort", post(abort))
            .with_state((self, ctl))
    }
}

/// `limits` of a registration: missing fields take the app's configured defaults.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsBody {
    max_packets: Option<usize>,
    max_bytes: Option<usize>,
    max_hold_ms: Option<u64>,
    max_packets_per_vm: Option<usize>,
    max_bytes_per_vm: Option<usize>,
}

impl LimitsBody {
    fn over(self, d: Limits) -> Limits {
        Limits {
            max_packets: self.max_packets.unwrap_or(d.max_packets),
            max_bytes: self.max_bytes.unwrap_or(d.max_bytes),
            max_hold_ms: self.max_hold_ms.unwrap_or(d.max_hold_ms),
            max_packets_per_vm: self.max_packets_per_vm.unwrap_or(d.max_packets_per_vm),
            max_bytes_per_vm: self.max_bytes_per_vm.unwrap_or(d.max_bytes_per_vm),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VmBody {
    name: String,
    mac: String,
    #[serde(default)]
    ip: Option<String>,
    /// 16 hex digits or a decimal number, as a string or a JSON number.
    dpid: Value,
    port: u32,
}

impl VmBody {
    fn into_spec(self) -> Result<VmSpec, ApiError> {
        let bad = |m: String| ApiError::bad_request(m);
        let mac = self
            .mac
            .parse()
            .map_err(|e: openflow::ParseMacError| bad(format!("VM `{}`: {e}", self.name)))?;
        let ip = match self.ip.as_deref() {
            None => None,
            Some(s) => Some(
                s.parse::<IpAddr>()
                    .map_err(|_| bad(format!("VM `{}`: `{s}` is not an IP address", self.name)))?,
            ),
        };
        let dpid = Dpid::deserialize(&self.dpid).map_err(|_| {
            bad(format!(
                "VM `{}`: bad datapath id {}: expected 16 hex digits or a decimal number",
                self.name, self.dpid
            ))
        })?;
        Ok(VmSpec {
            name: self.name,
            mac,
            ip,
            dpid,
            port: self.port,
        })
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RegisterBody {
    name: String,
    #[serde(default = "default_policy")]
    policy: Policy,
    #[serde(default)]
    limits: Option<LimitsBody>,
    #[serde(default)]
    auto_reinject: bool,
    vms: Vec<VmBody>,
}

fn default_policy() -> Policy {
    Policy::Buffer
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct EpochBody {
    epoch: Option<u64>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Buffered {
    Release,
    Drop,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AbortBody {
    buffered: Option<Buffered>,
}

/// Parses a JSON body (`null`, i.e. empty, allowed when `T: Default`-like via `empty`).
fn parse<T: serde::de::DeserializeOwned>(v: Value, empty: Option<T>) -> Result<T, ApiError> {
    if v.is_null() {
        if let Some(e) = empty {
            return Ok(e);
        }
        return Err(ApiError::bad_request("a JSON body is required"));
    }
    serde_json::from_value(v).map_err(|e| ApiError::bad_request(format!("invalid body: {e}")))
}

async fn list(State((app, _)): AppState) -> Json<Value> {
    Json(app.list())
}

async fn register(
    State((app, ctl)): AppState,
    JsonBody(body): JsonBody,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let b: RegisterBody = parse(body, None)?;
    let limits = b.limits.map_or(app.cfg.limits, |l| l.over(app.cfg.limits));
    let vms = b
        .vms
        .into_iter()
        .map(VmBody::into_spec)
        .collect::<Result<Vec<_>, _>>()?;
    let r = Registration {
        name: b.name,
        policy: b.policy,
        limits,
        auto_reinject: b.auto_reinject,
        vms,
    };
    Ok((StatusCode::CREATED, Json(app.register(&ctl, r).await?)))
}

async fn status(State((app, _)): AppState, Path(service): Path<String>) -> Reply {
    Ok(Json(app.status(&service)?))
}

async fn unregister(State((app, ctl)): AppState, Path(service): Path<String>) -> Reply {
    Ok(Json(app.unregister(&ctl, &service).await?))
}

async fn epochs(
    State((app, ctl)): AppState,
    Path(service): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let b: EpochBody = parse(body, Some(EpochBody::default()))?;
    Ok(Json(app.start_epoch(&ctl, &service, b.epoch)?))
}

async fn advance(
    State((app, ctl)): AppState,
    Path((service, vm)): Path<(String, String)>,
) -> Reply {
    Ok(Json(app.advance(&ctl, &service, &vm).await?))
}

async fn reinject(
    State((app, ctl)): AppState,
    Path((service, vm)): Path<(String, String)>,
) -> Reply {
    Ok(Json(app.reinject(&ctl, &service, &vm)?))
}

async fn abort(
    State((app, ctl)): AppState,
    Path(service): Path<String>,
    JsonBody(body): JsonBody,
) -> Reply {
    let b: AbortBody = parse(body, Some(AbortBody { buffered: None }))?;
    let release = !matches!(b.buffered, Some(Buffered::Drop));
    Ok(Json(app.abort(&ctl, &service, release).await?))
}

impl viola_framework::declare::Declare for SnapshotApp {
    const NAME: &'static str = "snapshot";
    type Config = crate::SnapshotConfig;

    fn build(
        config: crate::SnapshotConfig,
        setup: &mut viola_framework::declare::Setup,
    ) -> Result<Self, viola_framework::declare::AppError> {
        config.validate()?;
        SnapshotApp::new(config).registered(setup)
    }

    fn routes(self: &Arc<Self>, ctl: Controller) -> Option<Router> {
        Some(RestRoutes::routes(Arc::clone(self), ctl))
    }
}
