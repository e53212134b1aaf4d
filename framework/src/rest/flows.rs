//! `GET|POST|DELETE /api/v1/switches/{dpid}/flows`.
//!
//! GET asks the switch (a flow stats request over every table), never a cache. POST and
//! DELETE take one FLOW_MOD body (or an array of them), lower each to the switch's version,
//! send them and fence them with a barrier, so a 200 means the switch applied them and an
//! OFPT_ERROR comes back as a 4xx.

use axum::extract::State;
use axum::Json;
use openflow::{FlowMod, FlowModCommand, FlowStatsRequest, StatsReplyBody, StatsRequest};
use serde_json::{json, Value};

use super::{ApiError, DpidPath, JsonBody};
use crate::ofjson::{flow_mod_from_json, flow_stats_to_json, OfJsonError};
use crate::{Controller, Dpid};

pub(crate) async fn get(
    State(ctl): State<Controller>,
    DpidPath(dpid): DpidPath,
) -> Result<Json<Value>, ApiError> {
    let version = ctl
        .version(dpid)
        .ok_or_else(|| ApiError::unknown_switch(dpid))?;
    let req = StatsRequest::Flow(FlowStatsRequest::default());
    let parts = ctl.request(dpid, &req).await?;
    let flows: Vec<Value> = parts
        .iter()
        .filter_map(|p| match &p.body {
            StatsReplyBody::Flow(list) => Some(list.iter().map(flow_stats_to_json)),
            _ => None,
        })
        .flatten()
        .collect();
    Ok(Json(json!({
        "dpid": dpid.to_string(),
        "version": version,
        "flows": flows,
    })))
}

pub(crate) async fn post(
    State(ctl): State<Controller>,
    DpidPath(dpid): DpidPath,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    if body.is_null() {
        return Err(ApiError::bad_request(
            "missing request body: a flow (JSON object)",
        ));
    }
    let mods = parse_mods(&body, dpid, FlowModCommand::Add, false)?;
    apply(&ctl, dpid, &mods).await
}

pub(crate) async fn delete(
    State(ctl): State<Controller>,
    DpidPath(dpid): DpidPath,
    JsonBody(body): JsonBody,
) -> Result<Json<Value>, ApiError> {
    // No body: delete every flow of every table.
    let body = if body.is_null() { json!({}) } else { body };
    let mods = parse_mods(&body, dpid, FlowModCommand::Delete, true)?;
    apply(&ctl, dpid, &mods).await
}

/// One body object or an array of them; each validated.
fn parse_mods(
    body: &Value,
    dpid: Dpid,
    default: FlowModCommand,
    delete_only: bool,
) -> Result<Vec<FlowMod>, ApiError> {
    let one = |v: &Value| -> Result<FlowMod, OfJsonError> {
        check_dpid(v, dpid)?;
        let fm = flow_mod_from_json(v, default)?;
        if delete_only
            && !matches!(
                fm.command,
                FlowModCommand::Delete | FlowModCommand::DeleteStrict
            )
        {
            return Err(OfJsonError::new(
                "command",
                "DELETE takes only \"delete\" or \"delete_strict\" (use POST for others)",
            ));
        }
        fm.match_
            .validate()
            .map_err(|e| OfJsonError::new("match", e.to_string()))?;
        Ok(fm)
    };
    match body {
        Value::Array(list) if list.is_empty() => Err(ApiError::bad_request("empty list of flows")),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .map(|(i, v)| one(v).map_err(|e| e.within_index(i).into()))
            .collect(),
        v => one(v).map(|fm| vec![fm]).map_err(ApiError::from),
    }
}

/// A `dpid` in the body (Ryu style) must name the switch of the path.
fn check_dpid(v: &Value, dpid: Dpid) -> Result<(), OfJsonError> {
    let given = match v.get("dpid") {
        None | Some(Value::Null) => return Ok(()),
        Some(v) => <Dpid as serde::Deserialize>::deserialize(v).ok(),
    };
    match given {
        Some(d) if d == dpid => Ok(()),
        Some(d) => Err(OfJsonError::new(
            "dpid",
            format!("{d} does not match the switch of the path {dpid}"),
        )),
        None => Err(OfJsonError::new(
            "dpid",
            "expected 16 hex digits or a decimal number",
        )),
    }
}

async fn apply(ctl: &Controller, dpid: Dpid, mods: &[FlowMod]) -> Result<Json<Value>, ApiError> {
    if ctl.version(dpid).is_none() {
        return Err(ApiError::unknown_switch(dpid));
    }
    for (i, fm) in mods.iter().enumerate() {
        ctl.send(dpid, fm).map_err(|e| {
            let mut err = ApiError::from(e);
            if mods.len() > 1 {
                err.error = format!("[{i}]: {}", err.error);
            }
            err
        })?;
    }
    ctl.barrier(dpid).await?;
    Ok(Json(
        json!({"dpid": dpid.to_string(), "flow_mods": mods.len()}),
    ))
}
