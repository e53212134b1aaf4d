//! The `/stats/…` routes, Ryu's table (`ryu/app/ofctl_rest.py`) in axum form. Each handler
//! resolves the switch (400 bad dpid, 404 unknown), asks it or commands it, and answers in
//! Ryu's shape; commands are followed by a barrier so a rejected one is reported.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use openflow::v13;
use openflow::{Dpid, FlowMod, Message, Neutral, StatsRequest, Version};
use serde_json::{json, Value};
use viola_framework::rest::{ApiError, JsonBody};
use viola_framework::Controller;

use crate::commands;
use crate::dpid::{body_dpid, path_dpid};
use crate::stats;

type Ctl = State<Controller>;
type Reply = Result<Json<Value>, ApiError>;

pub(crate) fn router(ctl: Controller) -> Router {
    Router::new()
        .route("/stats/switches", get(switches))
        .route("/stats/desc/{dpid}", get(desc))
        .route("/stats/flow/{dpid}", get(flow).post(flow))
        .route(
            "/stats/aggregateflow/{dpid}",
            get(aggregate).post(aggregate),
        )
        .route("/stats/flowdesc/{dpid}", get(flow_desc).post(flow_desc))
        .route("/stats/table/{dpid}", get(table))
        .route("/stats/port/{dpid}", get(port))
        .route("/stats/port/{dpid}/{port}", get(port))
        .route("/stats/queue/{dpid}", get(queue))
        .route("/stats/queue/{dpid}/{port}", get(queue))
        .route("/stats/queue/{dpid}/{port}/{queue_id}", get(queue))
        .route("/stats/queuedesc/{dpid}", get(queue_desc))
        .route("/stats/queuedesc/{dpid}/{port}", get(queue_desc))
        .route("/stats/queuedesc/{dpid}/{port}/{queue}", get(queue_desc))
        // One pattern, two meanings (as in Ryu): GET reads a switch's ports, POST
        // `/stats/portdesc/modify` changes one (the segment is then the command).
        .route("/stats/portdesc/{dpid}", get(port_desc).post(port_modify))
        .route("/stats/portdesc/{dpid}/{port_no}", get(port_desc))
        .route("/stats/group/{dpid}", get(group))
        .route("/stats/group/{dpid}/{group_id}", get(group))
        .route("/stats/groupdesc/{dpid}", get(group_desc))
        .route("/stats/groupdesc/{dpid}/{group_id}", get(group_desc))
        .route("/stats/groupfeatures/{dpid}", get(group_features))
        .route("/stats/meter/{dpid}", get(meter))
        .route("/stats/meter/{dpid}/{meter_id}", get(meter))
        .route("/stats/meterconfig/{dpid}", get(meter_config))
        .route("/stats/meterconfig/{dpid}/{meter_id}", get(meter_config))
        .route("/stats/meterdesc/{dpid}", get(meter_desc))
        .route("/stats/meterdesc/{dpid}/{meter_id}", get(meter_desc))
        .route("/stats/meterfeatures/{dpid}", get(meter_features))
        .route("/stats/role/{dpid}", get(role))
        .route("/stats/tablefeatures/{dpid}", get(table_features))
        .route("/stats/queueconfig/{dpid}", get(queue_config))
        .route("/stats/queueconfig/{dpid}/{port}", get(queue_config))
        .route("/stats/experimenter/{dpid}", post(experimenter))
        .route("/stats/flowentry/{cmd}", post(flow_entry))
        .route("/stats/flowentry/clear/{dpid}", delete(flow_clear))
        .route("/stats/groupentry/{cmd}", post(group_entry))
        .route("/stats/meterentry/{cmd}", post(meter_entry))
        .route("/stats/role", post(set_role))
        .with_state(ctl)
}

/// `OFPG_ALL`: every group (group stats request).
const GROUP_ALL: u32 = 0xffff_fffc;

/// Path parameters after the dpid (`port`, `queue_id`, `group_id` …), in order.
type Params = Path<Vec<(String, String)>>;

/// The dpid parameter and the number parameters after it (Ryu: `int(x, 0)`).
fn parse_params(Path(params): Params) -> Result<(Dpid, Vec<u32>), ApiError> {
    let mut it = params.into_iter();
    let dpid = match it.next() {
        Some((k, v)) if k == "dpid" => path_dpid(&v)?,
        _ => return Err(ApiError::internal("route has no {dpid} segment")),
    };
    let rest = it
        .map(|(k, v)| {
            number_param(&v)
                .ok_or_else(|| ApiError::bad_request(format!("{k}: \"{v}\" is not a number")))
        })
        .collect::<Result<_, _>>()?;
    Ok((dpid, rest))
}

/// A number in a path; `ALL`/`ANY` spell the all-ones value (every port, queue, group…).
fn number_param(v: &str) -> Option<u32> {
    if v.eq_ignore_ascii_case("ALL") || v.eq_ignore_ascii_case("ANY") {
        return Some(u32::MAX);
    }
    crate::dpid::parse_dpid(v).and_then(|d| u32::try_from(d.0).ok())
}

/// The switch's version, or Ryu's 404.
fn version(ctl: &Controller, dpid: Dpid) -> Result<Version, ApiError> {
    ctl.version(dpid)
        .ok_or_else(|| ApiError::unknown_switch(dpid))
}

/// Ryu's 501: what this OpenFlow version has no message for.
fn unsupported(v: Version, what: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_IMPLEMENTED,
        format!("{what} is not available on an OpenFlow {v} switch"),
    )
}

fn need_v13(v: Version, what: &str) -> Result<(), ApiError> {
    match v {
        Version::V1_0 => Err(unsupported(v, what)),
        _ => Ok(()),
    }
}

/// `{"<decimal dpid>": value}`.
fn keyed(dpid: Dpid, value: Value) -> Json<Value> {
    Json(json!({ dpid.0.to_string(): value }))
}

async fn ask(ctl: &Controller, dpid: Dpid, req: &StatsRequest) -> Result<Vec<Message>, ApiError> {
    let v = version(ctl, dpid)?;
    let msg = req
        .to_message(v)
        .map_err(|e| unsupported(v, &e.to_string()))?;
    Ok(ctl.request_message(dpid, msg).await?)
}

async fn switches(State(ctl): Ctl) -> Json<Value> {
    let ids: Vec<u64> = ctl.switches().iter().map(|s| s.dpid.0).collect();
    Json(json!(ids))
}

async fn desc(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, _) = parse_params(p)?;
    let parts = ask(&ctl, dpid, &StatsRequest::Desc).await?;
    Ok(keyed(dpid, stats::desc(&parts)))
}

/// The filter of a GET (no body) or POST (the body) flow request.
fn filter(JsonBody(body): JsonBody) -> Result<commands::FlowFilter, ApiError> {
    commands::flow_filter(&body).map_err(ApiError::bad_request)
}

async fn flow(State(ctl): Ctl, p: Params, body: JsonBody) -> Reply {
    let (dpid, _) = parse_params(p)?;
    let f = filter(body)?;
    let v = version(&ctl, dpid)?;
    let parts = ask(&ctl, dpid, &StatsRequest::Flow(f.request)).await?;
    Ok(keyed(dpid, stats::flows(v, &parts, f.priority)))
}

async fn aggregate(State(ctl): Ctl, p: Params, body: JsonBody) -> Reply {
    let (dpid, _) = parse_params(p)?;
    let f = filter(body)?;
    let parts = ask(&ctl, dpid, &StatsRequest::Aggregate(f.request)).await?;
    Ok(keyed(dpid, stats::aggregate(&parts)))
}

/// FLOW_DESC is OpenFlow 1.5: Ryu answers 501 on older switches, and so does Viola.
async fn flow_desc(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, _) = parse_params(p)?;
    Err(unsupported(version(&ctl, dpid)?, "flowdesc (OpenFlow 1.5)"))
}

/// QUEUE_DESC is OpenFlow 1.4+: 501 on 1.0 and 1.3, as in Ryu.
async fn queue_desc(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, _) = parse_params(p)?;
    Err(unsupported(
        version(&ctl, dpid)?,
        "queuedesc (OpenFlow 1.4)",
    ))
}

/// METER_DESC is OpenFlow 1.5's name for meter config: 501 on 1.0 and 1.3, as in Ryu.
async fn meter_desc(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, _) = parse_params(p)?;
    Err(unsupported(
        version(&ctl, dpid)?,
        "meterdesc (OpenFlow 1.5)",
    ))
}

async fn table(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, _) = parse_params(p)?;
    let v = version(&ctl, dpid)?;
    let parts = ask(&ctl, dpid, &StatsRequest::Table).await?;
    Ok(keyed(dpid, stats::tables(v, &parts)))
}

async fn port(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, rest) = parse_params(p)?;
    let port_no = rest.first().copied().unwrap_or(openflow::port::ANY);
    // 1.0 says "every port" with OFPP_NONE, which the neutral layer spells ANY too.
    let parts = ask(&ctl, dpid, &StatsRequest::Port { port_no }).await?;
    Ok(keyed(dpid, stats::ports(&parts)))
}

async fn queue(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, rest) = parse_params(p)?;
    let port_no = rest.first().copied().unwrap_or(openflow::port::ANY);
    let queue_id = rest.get(1).copied().unwrap_or(u32::MAX);
    let parts = ask(&ctl, dpid, &StatsRequest::Queue { port_no, queue_id }).await?;
    Ok(keyed(dpid, stats::queues(&parts)))
}

async fn port_desc(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, rest) = parse_params(p)?;
    let v = version(&ctl, dpid)?;
    let ports = match v {
        // 1.0 has no PORT_DESC: the ports are those of the FEATURES_REPLY and PORT_STATUS.
        Version::V1_0 => ctl
            .switch(dpid)
            .map(|s| s.ports)
            .ok_or_else(|| ApiError::unknown_switch(dpid))?,
        _ => stats::port_desc_list(&ask(&ctl, dpid, &StatsRequest::PortDesc).await?),
    };
    Ok(keyed(
        dpid,
        stats::port_descs(v, &ports, rest.first().copied()),
    ))
}

/// A 1.3-only stats route: `request` built from the optional id after the dpid, the reply
/// rendered by `render` (which may filter by that id).
async fn v13_stats(
    ctl: &Controller,
    p: Params,
    what: &str,
    request: impl FnOnce(Option<u32>) -> StatsRequest,
    render: impl FnOnce(&[Message], Option<u32>) -> Value,
) -> Reply {
    let (dpid, rest) = parse_params(p)?;
    need_v13(version(ctl, dpid)?, what)?;
    let id = rest.first().copied();
    let parts = ask(ctl, dpid, &request(id)).await?;
    Ok(keyed(dpid, render(&parts, id)))
}

const METER_ALL: u32 = v13::meter::meter_id::ALL;

async fn group(State(ctl): Ctl, p: Params) -> Reply {
    let req = |id: Option<u32>| StatsRequest::Group {
        group_id: id.unwrap_or(GROUP_ALL),
    };
    v13_stats(&ctl, p, "group", req, |parts, _| stats::groups(parts)).await
}

async fn group_desc(State(ctl): Ctl, p: Params) -> Reply {
    let req = |_| StatsRequest::GroupDesc;
    v13_stats(&ctl, p, "groupdesc", req, stats::group_descs).await
}

async fn group_features(State(ctl): Ctl, p: Params) -> Reply {
    let req = |_| StatsRequest::GroupFeatures;
    let render = |parts: &[Message], _| stats::group_features(parts);
    v13_stats(&ctl, p, "groupfeatures", req, render).await
}

async fn meter(State(ctl): Ctl, p: Params) -> Reply {
    let req = |id: Option<u32>| StatsRequest::Meter {
        meter_id: id.unwrap_or(METER_ALL),
    };
    v13_stats(&ctl, p, "meter", req, |parts, _| stats::meters(parts)).await
}

async fn meter_config(State(ctl): Ctl, p: Params) -> Reply {
    let req = |id: Option<u32>| StatsRequest::MeterConfig {
        meter_id: id.unwrap_or(METER_ALL),
    };
    let render = |parts: &[Message], _| stats::meter_configs(parts);
    v13_stats(&ctl, p, "meterconfig", req, render).await
}

async fn meter_features(State(ctl): Ctl, p: Params) -> Reply {
    let req = |_| StatsRequest::MeterFeatures;
    let render = |parts: &[Message], _| stats::meter_features(parts);
    v13_stats(&ctl, p, "meterfeatures", req, render).await
}

async fn table_features(State(ctl): Ctl, p: Params) -> Reply {
    let req = |_| StatsRequest::TableFeatures;
    let render = |parts: &[Message], _| crate::table_features::table_features(parts);
    v13_stats(&ctl, p, "tablefeatures", req, render).await
}

/// QUEUE_GET_CONFIG: 1.3 here (Ryu's ofctl_v1_0 has no queue config either: 501).
async fn queue_config(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, rest) = parse_params(p)?;
    need_v13(version(&ctl, dpid)?, "queueconfig")?;
    let port = rest.first().copied().unwrap_or(openflow::port::ANY);
    let msg = Message::V13(v13::Message::QueueGetConfigRequest { port });
    let parts = ctl.request_message(dpid, msg).await?;
    Ok(keyed(dpid, crate::queue_config::queue_config(&parts)))
}

async fn role(State(ctl): Ctl, p: Params) -> Reply {
    let (dpid, _) = parse_params(p)?;
    need_v13(version(&ctl, dpid)?, "role")?;
    let msg = Message::V13(v13::Message::RoleRequest(v13::Role {
        role: openflow::role::NOCHANGE,
        generation_id: 0,
    }));
    let parts = ctl.request_message(dpid, msg).await?;
    Ok(keyed(dpid, stats::role(&parts)))
}

/// The switch a command body names, and its version.
fn command_switch(ctl: &Controller, body: &Value) -> Result<(Dpid, Version), ApiError> {
    let dpid = body_dpid(body)?;
    Ok((dpid, version(ctl, dpid)?))
}

/// Sends `msg` and waits for a barrier: 200 with an empty body (Ryu's answer) once the
/// switch processed it, its OFPT_ERROR otherwise.
async fn send_confirmed(
    ctl: &Controller,
    dpid: Dpid,
    msg: Message,
) -> Result<StatusCode, ApiError> {
    ctl.send_message(dpid, msg)?;
    ctl.barrier(dpid).await?;
    Ok(StatusCode::OK)
}

fn unknown_command(cmd: &str) -> ApiError {
    ApiError::not_found(format!("unknown command \"{cmd}\""))
}

async fn flow_entry(
    State(ctl): Ctl,
    Path(cmd): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let (dpid, v) = command_switch(&ctl, &body)?;
    let command = commands::flow_command(&cmd).ok_or_else(|| unknown_command(&cmd))?;
    let fm = commands::flow_mod(v, command, &body).map_err(ApiError::bad_request)?;
    let msg = fm
        .to_message(v)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    send_confirmed(&ctl, dpid, msg).await
}

/// The switch of a command whose path names one: a body's `dpid` wins, as in Ryu's
/// command handler.
fn path_or_body_dpid(p: Params, body: &Value) -> Result<Dpid, ApiError> {
    match body.get("dpid") {
        Some(d) if !d.is_null() => body_dpid(body),
        _ => Ok(parse_params(p)?.0),
    }
}

async fn flow_clear(
    State(ctl): Ctl,
    p: Params,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let dpid = path_or_body_dpid(p, &body)?;
    let v = version(&ctl, dpid)?;
    let msg = FlowMod::delete(openflow::Match::new())
        .to_message(v)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    send_confirmed(&ctl, dpid, msg).await
}

/// A 1.3-only `…entry/{cmd}` command: `build` turns the command number and body into the
/// message.
async fn v13_entry(
    ctl: &Controller,
    cmd: &str,
    body: &Value,
    what: &str,
    build: impl FnOnce(u16, &Value) -> Result<v13::Message, commands::BodyError>,
) -> Result<StatusCode, ApiError> {
    let (dpid, v) = command_switch(ctl, body)?;
    let command = commands::entry_command(cmd).ok_or_else(|| unknown_command(cmd))?;
    need_v13(v, what)?;
    let msg = build(command, body).map_err(ApiError::bad_request)?;
    send_confirmed(ctl, dpid, Message::V13(msg)).await
}

async fn group_entry(
    State(ctl): Ctl,
    Path(cmd): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let build = |c, b: &Value| commands::group_mod(c, b).map(v13::Message::GroupMod);
    v13_entry(&ctl, &cmd, &body, "groupentry", build).await
}

async fn meter_entry(
    State(ctl): Ctl,
    Path(cmd): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let build = |c, b: &Value| commands::meter_mod(c, b).map(v13::Message::MeterMod);
    v13_entry(&ctl, &cmd, &body, "meterentry", build).await
}

/// `POST /stats/portdesc/modify`: a PORT_MOD for a port the controller knows (404
/// otherwise, as in Ryu), its address and advertisement kept unless the body sets them.
async fn port_modify(
    State(ctl): Ctl,
    Path(cmd): Path<String>,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let (dpid, v) = command_switch(&ctl, &body)?;
    let port_no = crate::port_mod::port_no(&body).map_err(ApiError::bad_request)?;
    let port = ctl
        .switch(dpid)
        .and_then(|s| s.ports.into_iter().find(|p| p.port_no == port_no))
        .ok_or_else(|| ApiError::not_found(format!("switch {dpid} has no port {port_no}")))?;
    if cmd != "modify" {
        return Err(unknown_command(&cmd));
    }
    let msg = crate::port_mod::port_mod(v, &port, &body).map_err(ApiError::bad_request)?;
    send_confirmed(&ctl, dpid, msg).await
}

/// `POST /stats/experimenter/{dpid}` (1.3; Ryu's ofctl_v1_0 has none: 501).
async fn experimenter(
    State(ctl): Ctl,
    p: Params,
    JsonBody(body): JsonBody,
) -> Result<StatusCode, ApiError> {
    let dpid = path_or_body_dpid(p, &body)?;
    need_v13(version(&ctl, dpid)?, "experimenter")?;
    let e = crate::port_mod::experimenter(&body).map_err(ApiError::bad_request)?;
    send_confirmed(&ctl, dpid, Message::V13(v13::Message::Experimenter(e))).await
}

async fn set_role(State(ctl): Ctl, JsonBody(body): JsonBody) -> Result<StatusCode, ApiError> {
    let (dpid, v) = command_switch(&ctl, &body)?;
    need_v13(v, "role")?;
    let role = commands::role(&body).map_err(ApiError::bad_request)?;
    let msg = Message::V13(v13::Message::RoleRequest(v13::Role {
        role,
        generation_id: 0,
    }));
    // The ROLE_REPLY is the confirmation (a refused role comes back as an OFPT_ERROR).
    ctl.request_message(dpid, msg).await?;
    Ok(StatusCode::OK)
}
