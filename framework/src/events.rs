//! [`ControllerEvent`]: what [`crate::Controller::subscribe`] delivers and
//! `GET /api/v1/events` streams.

use std::net::SocketAddr;

use openflow::{PortInfo, Version};
use serde::Serialize;

use crate::Dpid;

/// A controller-level event. Serialises as JSON with a `type` tag, e.g.
/// `{"type":"switch_up","dpid":"0000000000000001","version":"1.3","addr":"127.0.0.1:40000"}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ControllerEvent {
    SwitchUp {
        dpid: Dpid,
        version: Version,
        addr: SocketAddr,
    },
    SwitchDown {
        dpid: Dpid,
    },
    PortStatus {
        dpid: Dpid,
        /// `add`, `delete` or `modify`.
        reason: &'static str,
        port: PortInfo,
    },
    /// An app's own event (see [`crate::Controller::emit`]).
    App {
        app: String,
        kind: String,
        data: serde_json::Value,
    },
}

impl ControllerEvent {
    /// A short name, used as the SSE `event:` field (`switch_up`… or the app's kind).
    pub fn name(&self) -> &str {
        match self {
            ControllerEvent::SwitchUp { .. } => "switch_up",
            ControllerEvent::SwitchDown { .. } => "switch_down",
            ControllerEvent::PortStatus { .. } => "port_status",
            ControllerEvent::App { kind, .. } => kind,
        }
    }
}

/// Name of a PORT_STATUS reason.
pub(crate) fn port_reason_name(r: u8) -> &'static str {
    match r {
        openflow::port_reason::ADD => "add",
        openflow::port_reason::DELETE => "delete",
        _ => "modify",
    }
}
