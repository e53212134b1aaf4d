//! The app contract: typed events in, commands out through a context, a verdict per event.
//!
//! Apps run in the declared order; each returns [`Verdict::Continue`] to pass the event on
//! or [`Verdict::Stop`] to end its trip through the pipeline. `handle` is synchronous and
//! called from the task of the switch the event came from, so apps of a busy network are
//! called concurrently for different switches: keep per-switch state sharded (e.g. one lock
//! per switch) and do slow work in tasks spawned from [`App::start`].

use std::any::Any;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::SystemTime;

use openflow::{ErrorMsg, FlowRemoved, Message, PacketIn, PortInfo, PortStatus, Version};

pub use openflow::Dpid;

/// What an app tells the pipeline after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Pass the event to the next app.
    Continue,
    /// The event is handled: later apps do not see it.
    Stop,
}

/// A connected switch, as apps and the REST API see it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SwitchInfo {
    pub dpid: Dpid,
    pub version: Version,
    pub addr: SocketAddr,
    pub n_tables: u8,
    pub n_buffers: u32,
    pub capabilities: u32,
    pub ports: Vec<PortInfo>,
    pub connected_at: SystemTime,
}

/// An event delivered to the pipeline.
#[derive(Debug, Clone, Copy)]
pub enum Event<'a> {
    /// Handshake done (features and, for 1.3, port descriptions known).
    SwitchUp(&'a SwitchInfo),
    /// The connection closed or timed out.
    SwitchDown(Dpid),
    PacketIn {
        dpid: Dpid,
        packet_in: &'a PacketIn,
    },
    PortStatus {
        dpid: Dpid,
        status: &'a PortStatus,
    },
    FlowRemoved {
        dpid: Dpid,
        removed: &'a FlowRemoved,
    },
    /// An OFPT_ERROR; `request` is the message that caused it, when the runtime still knew it.
    Error {
        dpid: Dpid,
        error: &'a ErrorMsg,
        request: Option<&'a Message>,
    },
    /// A typed event published by an app (downcast with `Any::downcast_ref`).
    App(&'a (dyn Any + Send + Sync)),
}

impl Event<'_> {
    /// The switch the event concerns, if any.
    pub fn dpid(&self) -> Option<Dpid> {
        match *self {
            Event::SwitchUp(s) => Some(s.dpid),
            Event::SwitchDown(d) => Some(d),
            Event::PacketIn { dpid, .. }
            | Event::PortStatus { dpid, .. }
            | Event::FlowRemoved { dpid, .. }
            | Event::Error { dpid, .. } => Some(dpid),
            Event::App(_) => None,
        }
    }

    /// The event's kind, for logs: `switch_up`, `packet_in`, … `app`.
    pub fn kind_name(&self) -> &'static str {
        match self {
            Event::SwitchUp(_) => "switch_up",
            Event::SwitchDown(_) => "switch_down",
            Event::PacketIn { .. } => "packet_in",
            Event::PortStatus { .. } => "port_status",
            Event::FlowRemoved { .. } => "flow_removed",
            Event::Error { .. } => "error",
            Event::App(_) => "app",
        }
    }
}

/// A controller app. See the module docs for the threading model.
pub trait App: Any + Send + Sync {
    /// Short name, used in logs, metrics (`app_handle_seconds{app}`) and `--apps`.
    fn name(&self) -> &'static str;

    /// Called once when the controller starts, with a handle for background work
    /// (timers, periodic probes, REST-triggered actions).
    fn start(self: Arc<Self>, _ctl: crate::Controller) {}

    /// Called once when the controller stops, before the switches are disconnected. Tasks
    /// spawned with [`crate::Controller::spawn`] and timers are already told to stop; end
    /// anything else the app runs here.
    fn stop(&self, _ctl: &crate::Controller) {}

    /// Handles one event; commands go through `cx`.
    fn handle(&self, event: &Event<'_>, cx: &mut crate::Context<'_>) -> Verdict;
}
