//! The OpenFlow agent of a simulated switch, sans-IO: OpenFlow frames from the controller
//! and Ethernet frames from ports go in; encoded messages for the controller and frames for
//! ports come out as [`Effects`]. The tokio driver is in [`super::switch`].

use std::collections::BTreeMap;

use bytes::Bytes;
use openflow::error::{bad_request, error_type, hello_failed};
use openflow::header::{self, Header};
use openflow::{
    hello, port_state, role, Control, Dpid, ErrorMsg, FeaturesReply, FlowMod, MacAddr, Message,
    Neutral, PortInfo, PortStats, SwitchConfig, Version,
};

use super::errors::OfError;
use super::flow_table::{FlowTable, PortFlags};
use super::Clock;

/// `OFPC_*` capabilities reported in FEATURES_REPLY: flow, table and port stats (and
/// group stats in 1.3).
const CAPABILITIES_10: u32 = 0x0000_0007;
const CAPABILITIES_13: u32 = 0x0000_000f;
/// `OFPPF_10GB_FD`, the same bit in 1.0 and 1.3.
const PF_10GB_FD: u32 = 1 << 6;
/// Default `miss_send_len` (OpenFlow's `OFP_DEFAULT_MISS_SEND_LEN`).
const DEFAULT_MISS_SEND_LEN: u16 = 128;

/// How a simulated switch introduces itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchOptions {
    pub dpid: Dpid,
    /// Port names are `NAME-ethN`, as in Mininet.
    pub name: String,
    /// Port numbers (1-based, from the topology).
    pub ports: Vec<u32>,
    /// Versions offered in HELLO.
    pub versions: Vec<Version>,
    /// Send a version bitmap in HELLO (only meaningful when offering 1.3).
    pub hello_bitmap: bool,
}

impl SwitchOptions {
    pub fn new(
        dpid: Dpid,
        name: impl Into<String>,
        ports: Vec<u32>,
        versions: Vec<Version>,
    ) -> Self {
        SwitchOptions {
            dpid,
            name: name.into(),
            ports,
            versions,
            hello_bitmap: true,
        }
    }
}

/// What processing one input produced.
#[derive(Debug, Default)]
pub struct Effects {
    /// Encoded OpenFlow messages for the controller, ready to write in one go.
    pub to_controller: Vec<u8>,
    /// Frames to send out of ports.
    pub frames: Vec<(u32, Bytes)>,
    /// The connection must close (with this reason) after writing `to_controller`.
    pub close: Option<String>,
}

impl Effects {
    /// The messages in `to_controller`, decoded (for tests and logs).
    pub fn messages(&self) -> Vec<(u32, Message)> {
        decode_all(&self.to_controller)
    }
}

/// Decodes every whole frame in `buf` (undecodable frames are skipped).
pub fn decode_all(buf: &[u8]) -> Vec<(u32, Message)> {
    header::frames(buf, header::MAX_MESSAGE_LEN)
        .filter_map(|f| f.ok())
        .filter_map(|f| Message::decode(&Bytes::copy_from_slice(f)).ok())
        .collect()
}

/// Counters of what the switch did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SwitchCounters {
    pub packet_ins: u64,
    pub packet_outs: u64,
    pub flow_mods: u64,
    pub errors_sent: u64,
    pub frames_in: u64,
    pub frames_out: u64,
}

/// One simulated switch's state and OpenFlow behaviour.
#[derive(Debug)]
pub struct SwitchCore {
    pub(super) opts: SwitchOptions,
    pub(super) clock: Clock,
    pub(super) version: Option<Version>,
    pub(super) table: FlowTable,
    pub(super) ports: BTreeMap<u32, PortInfo>,
    pub(super) port_stats: BTreeMap<u32, PortStats>,
    pub(super) config: SwitchConfig,
    pub(super) role: u32,
    pub(super) generation_id: u64,
    pub(super) counters: SwitchCounters,
    pub(super) next_xid: u32,
}

/// The Ethernet address of a simulated port: locally administered, from dpid and port.
pub fn port_mac(dpid: Dpid, port_no: u32) -> MacAddr {
    let d = dpid.get().to_be_bytes();
    MacAddr([0x02, d[5], d[6], d[7], (port_no >> 8) as u8, port_no as u8])
}

impl SwitchCore {
    pub fn new(opts: SwitchOptions, clock: Clock) -> Self {
        let first = opts.versions.iter().copied().max().unwrap_or(Version::V1_3);
        let mut core = SwitchCore {
            table: FlowTable::new(first),
            ports: BTreeMap::new(),
            port_stats: BTreeMap::new(),
            version: None,
            config: SwitchConfig {
                flags: 0,
                miss_send_len: DEFAULT_MISS_SEND_LEN,
            },
            role: role::EQUAL,
            generation_id: 0,
            counters: SwitchCounters::default(),
            next_xid: 1,
            clock,
            opts,
        };
        for p in core.opts.ports.clone() {
            let info = PortInfo {
                port_no: p,
                hw_addr: port_mac(core.opts.dpid, p),
                name: format!("{}-eth{p}", core.opts.name),
                config: 0,
                state: 0,
                curr: PF_10GB_FD,
                advertised: 0,
                supported: PF_10GB_FD,
                peer: 0,
                curr_speed: 10_000_000,
                max_speed: 10_000_000,
            };
            core.table.set_port(
                p,
                PortFlags {
                    live: true,
                    no_flood: false,
                },
            );
            core.port_stats.insert(
                p,
                PortStats {
                    port_no: p,
                    ..Default::default()
                },
            );
            core.ports.insert(p, info);
        }
        core
    }

    pub fn dpid(&self) -> Dpid {
        self.opts.dpid
    }

    pub fn options(&self) -> &SwitchOptions {
        &self.opts
    }

    /// The version negotiated with the controller, once HELLOs were exchanged.
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    pub fn table(&self) -> &FlowTable {
        &self.table
    }

    /// Direct access to the flow table (tests, proactive setups without a controller).
    pub fn table_mut(&mut self) -> &mut FlowTable {
        &mut self.table
    }

    pub fn counters(&self) -> SwitchCounters {
        self.counters
    }

    pub fn ports(&self) -> impl Iterator<Item = &PortInfo> {
        self.ports.values()
    }

    fn xid(&mut self) -> u32 {
        self.next_xid = self.next_xid.wrapping_add(1);
        self.next_xid
    }

    /// Our HELLO (a fresh connection starts with it). Forgets a previous negotiation.
    pub fn hello(&mut self) -> Vec<u8> {
        self.version = None;
        let mut out = Vec::new();
        let xid = self.xid();
        let max = self
            .opts
            .versions
            .iter()
            .copied()
            .max()
            .unwrap_or(Version::V1_3);
        if self.opts.hello_bitmap && max >= Version::V1_3 {
            hello::encode_hello(&self.opts.versions, xid, &mut out);
        } else {
            Header {
                version: max.wire(),
                msg_type: 0,
                length: 8,
                xid,
            }
            .write(&mut out);
        }
        out
    }

    /// Appends a neutral message of the negotiated version (nothing before negotiation).
    pub(super) fn send<T: Neutral>(&mut self, fx: &mut Effects, xid: u32, msg: &T) {
        let Some(v) = self.version else { return };
        match msg.to_message(v) {
            Ok(m) => {
                if let Err(e) = m.encode(xid, &mut fx.to_controller) {
                    tracing::warn!(dpid = %self.opts.dpid, "cannot encode reply: {e}");
                }
            }
            Err(e) => tracing::warn!(dpid = %self.opts.dpid, "cannot express reply: {e}"),
        }
    }

    pub(super) fn send_error(&mut self, fx: &mut Effects, xid: u32, e: OfError, request: &[u8]) {
        self.counters.errors_sent += 1;
        let data = Bytes::copy_from_slice(request.get(..64).unwrap_or(request));
        let msg = ErrorMsg {
            err_type: e.err_type,
            code: e.code,
            experimenter: None,
            data,
        };
        self.send(fx, xid, &msg);
    }

    /// Handles one whole OpenFlow frame from the controller.
    pub fn handle_frame(&mut self, frame: &[u8]) -> Effects {
        let mut fx = Effects::default();
        self.table.set_now(self.clock.now());
        let Some(h) = Header::parse(frame) else {
            return fx;
        };
        if h.msg_type == 0 {
            self.on_hello(frame, h.xid, &mut fx);
            return fx;
        }
        let Some(v) = self.version else {
            // Nothing but HELLO is understood before negotiation.
            return fx;
        };
        if h.version != v.wire() {
            self.send_error(
                &mut fx,
                h.xid,
                OfError::bad_request(bad_request::BAD_VERSION),
                frame,
            );
            return fx;
        }
        match Message::decode(&Bytes::copy_from_slice(frame)) {
            Ok((xid, msg)) => self.on_message(xid, &msg, frame, &mut fx),
            Err(e) => {
                let (t, c) = e.ofp_error(v);
                self.send_error(&mut fx, h.xid, OfError::new(t, c), frame);
            }
        }
        fx
    }

    fn on_hello(&mut self, frame: &[u8], xid: u32, fx: &mut Effects) {
        let Ok(info) = hello::peek_hello(frame) else {
            return;
        };
        match hello::negotiate(&self.opts.versions, &info) {
            Some(v) => {
                if self.table.version() != v {
                    self.table = rebuild_table(&self.table, v);
                }
                self.version = Some(v);
            }
            None => {
                // Answer in the lowest version we speak, then close.
                let v = self
                    .opts
                    .versions
                    .iter()
                    .copied()
                    .min()
                    .unwrap_or(Version::V1_0);
                self.version = Some(v);
                let text = Bytes::from_static(b"no common OpenFlow version");
                let msg = ErrorMsg {
                    err_type: error_type::HELLO_FAILED,
                    code: hello_failed::INCOMPATIBLE,
                    experimenter: None,
                    data: text,
                };
                self.send(fx, xid, &msg);
                self.version = None;
                fx.close = Some("version negotiation failed".into());
            }
        }
    }

    fn on_message(&mut self, xid: u32, msg: &Message, raw: &[u8], fx: &mut Effects) {
        if let Some(c) = msg.control() {
            self.on_control(xid, c, raw, fx);
        } else if let Some(fm) = msg.flow_mod() {
            self.on_flow_mod(xid, &fm, raw, fx);
        } else if let Some(po) = msg.packet_out() {
            self.counters.packet_outs += 1;
            if po.buffer_id.is_some() {
                self.send_error(
                    fx,
                    xid,
                    OfError::bad_request(bad_request::BUFFER_UNKNOWN),
                    raw,
                );
                return;
            }
            let out = self.table.packet_out(po.in_port, &po.actions, &po.data);
            self.emit(out, fx);
        } else if let Some(req) = msg.stats_request() {
            self.on_stats(xid, &req, raw, fx);
        } else {
            self.on_other(xid, msg, raw, fx);
        }
    }

    fn on_control(&mut self, xid: u32, c: Control, raw: &[u8], fx: &mut Effects) {
        match c {
            Control::EchoRequest(d) => self.send(fx, xid, &Control::EchoReply(d)),
            Control::FeaturesRequest => {
                let v = self.version;
                let reply = FeaturesReply {
                    datapath_id: self.opts.dpid,
                    n_buffers: 0,
                    n_tables: self.table.n_tables(),
                    auxiliary_id: 0,
                    capabilities: if v == Some(Version::V1_3) {
                        CAPABILITIES_13
                    } else {
                        CAPABILITIES_10
                    },
                    ports: if v == Some(Version::V1_0) {
                        self.port_infos()
                    } else {
                        Vec::new()
                    },
                };
                self.send(fx, xid, &reply);
            }
            Control::GetConfigRequest => {
                let cfg = self.config;
                self.send(fx, xid, &Control::GetConfigReply(cfg));
            }
            Control::SetConfig(cfg) => self.config = cfg,
            Control::BarrierRequest => self.send(fx, xid, &Control::BarrierReply),
            Control::RoleRequest {
                role: r,
                generation_id,
            } => {
                if r != role::NOCHANGE {
                    self.role = r;
                    self.generation_id = generation_id;
                }
                let reply = Control::RoleReply {
                    role: self.role,
                    generation_id: self.generation_id,
                };
                self.send(fx, xid, &reply);
            }
            Control::EchoReply(_) => {}
            Control::GetConfigReply(_) | Control::BarrierReply | Control::RoleReply { .. } => {
                self.send_error(fx, xid, OfError::bad_type(), raw)
            }
        }
    }

    fn on_flow_mod(&mut self, xid: u32, fm: &FlowMod, raw: &[u8], fx: &mut Effects) {
        self.counters.flow_mods += 1;
        match self.table.flow_mod(fm) {
            Ok(removed) => {
                for r in removed {
                    self.send(fx, 0, &r);
                }
                if fm.buffer_id.is_some() {
                    // No switch-side buffers (as Open vSwitch since 2.7).
                    self.send_error(
                        fx,
                        xid,
                        OfError::bad_request(bad_request::BUFFER_UNKNOWN),
                        raw,
                    );
                }
            }
            Err(e) => self.send_error(fx, xid, e, raw),
        }
    }

    /// Sets a port's link state (cable plugged or pulled); sends PORT_STATUS on change.
    pub fn set_link(&mut self, port_no: u32, up: bool) -> Effects {
        let mut fx = Effects::default();
        let Some(p) = self.ports.get_mut(&port_no) else {
            return fx;
        };
        let state = if up {
            p.state & !port_state::LINK_DOWN
        } else {
            p.state | port_state::LINK_DOWN
        };
        if state != p.state {
            p.state = state;
            self.sync_port(port_no, &mut fx);
        }
        fx
    }

    /// Whether a port exists and can carry traffic.
    pub fn port_live(&self, port_no: u32) -> bool {
        self.ports.get(&port_no).is_some_and(|p| p.is_live())
    }

    /// Expires flows at the clock's time; sends FLOW_REMOVED where asked.
    pub fn tick(&mut self) -> Effects {
        let mut fx = Effects::default();
        for r in self.table.expire(self.clock.now()) {
            self.send(&mut fx, 0, &r);
        }
        fx
    }

    /// The controller connection closed: forget the negotiated version.
    pub fn disconnected(&mut self) {
        self.version = None;
    }
}

/// A table for version `v` keeping the flows of `old` (reconnecting with another version).
fn rebuild_table(old: &FlowTable, v: Version) -> FlowTable {
    let mut t = FlowTable::new(v);
    for (p, f) in &old.ports {
        t.set_port(*p, *f);
    }
    t.set_now(old.now());
    t
}
