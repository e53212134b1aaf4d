//! The emulated switch's answers to everything but the workload: HELLO, FEATURES, switch
//! config, ECHO, BARRIER, ROLE, DESC / PORT_DESC and empty answers to other stats. Off the
//! hot path, so it decodes with the codec.

use bytes::Bytes;
use openflow::error::bad_request;
use openflow::{
    port_state, Control, Dpid, ErrorMsg, FeaturesReply, Message, MessageKind, Neutral, PortInfo,
    StatsReply, StatsReplyBody, StatsRequest, SwitchConfig, SwitchDesc, Version,
};

use super::frames::{HOST_PORT, N_BUFFERS, PROBE_IN_PORT};

/// `OFPET_BAD_REQUEST`.
const OFPET_BAD_REQUEST: u16 = 0x0001;
/// Capabilities advertised: flow, table and port stats.
const CAPABILITIES: u32 = 0x0000_0007;
/// 10 Gb/s full duplex + copper (1.0 and 1.3 share these bits).
const PORT_FEATURES: u32 = (1 << 6) | (1 << 11);

/// What a control frame did to the emulated switch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    FeaturesRequest,
    Barrier,
    Echo,
    Other,
}

/// Per-switch state the control answers need.
#[derive(Debug, Clone)]
pub struct ControlState {
    pub version: Version,
    pub dpid: Dpid,
    config: SwitchConfig,
}

fn port(v: Version, dpid: Dpid, n: u32) -> PortInfo {
    let d = dpid.get().to_be_bytes();
    PortInfo {
        port_no: n,
        hw_addr: openflow::MacAddr([0x02, d[5], d[6], d[7], 0x00, n as u8]),
        name: format!("bench{}-{n}", dpid.get()),
        config: 0,
        state: if v == Version::V1_3 {
            port_state::LIVE
        } else {
            0
        },
        curr: PORT_FEATURES,
        advertised: PORT_FEATURES,
        supported: PORT_FEATURES,
        peer: 0,
        curr_speed: if v == Version::V1_3 { 10_000_000 } else { 0 },
        max_speed: if v == Version::V1_3 { 10_000_000 } else { 0 },
    }
}

impl ControlState {
    pub fn new(version: Version, dpid: Dpid) -> Self {
        ControlState {
            version,
            dpid,
            config: SwitchConfig {
                flags: 0,
                miss_send_len: 128,
            },
        }
    }

    fn ports(&self) -> Vec<PortInfo> {
        [PROBE_IN_PORT, HOST_PORT]
            .iter()
            .map(|n| port(self.version, self.dpid, *n))
            .collect()
    }

    fn push<T: Neutral>(&self, xid: u32, value: &T, out: &mut Vec<u8>) {
        if let Ok(m) = value.to_message(self.version) {
            if let Err(e) = m.encode(xid, out) {
                tracing::debug!("bench: cannot encode a reply: {e}");
            }
        }
    }

    fn error(&self, xid: u32, code: u16, request: &[u8], out: &mut Vec<u8>) {
        let data = Bytes::copy_from_slice(request.get(..request.len().min(64)).unwrap_or(&[]));
        self.push(
            xid,
            &ErrorMsg {
                err_type: OFPET_BAD_REQUEST,
                code,
                experimenter: None,
                data,
            },
            out,
        );
    }

    /// Answers one frame from the controller; replies are appended to `out`.
    pub fn answer(&mut self, frame: &[u8], out: &mut Vec<u8>) -> Seen {
        let Ok((xid, msg)) = Message::decode(&Bytes::copy_from_slice(frame)) else {
            return Seen::Other;
        };
        if let Some(c) = msg.control() {
            return match c {
                Control::EchoRequest(data) => {
                    self.push(xid, &Control::EchoReply(data), out);
                    Seen::Echo
                }
                Control::FeaturesRequest => {
                    let features = FeaturesReply {
                        datapath_id: self.dpid,
                        n_buffers: N_BUFFERS,
                        n_tables: if self.version == Version::V1_3 {
                            254
                        } else {
                            1
                        },
                        auxiliary_id: 0,
                        capabilities: CAPABILITIES,
                        ports: if self.version == Version::V1_0 {
                            self.ports()
                        } else {
                            Vec::new()
                        },
                    };
                    self.push(xid, &features, out);
                    Seen::FeaturesRequest
                }
                Control::GetConfigRequest => {
                    self.push(xid, &Control::GetConfigReply(self.config), out);
                    Seen::Other
                }
                Control::SetConfig(c) => {
                    self.config = c;
                    Seen::Other
                }
                Control::BarrierRequest => {
                    self.push(xid, &Control::BarrierReply, out);
                    Seen::Barrier
                }
                Control::RoleRequest {
                    role,
                    generation_id,
                } => {
                    self.push(
                        xid,
                        &Control::RoleReply {
                            role,
                            generation_id,
                        },
                        out,
                    );
                    Seen::Other
                }
                _ => Seen::Other,
            };
        }
        match msg.kind() {
            MessageKind::StatsRequest => {
                let body = match msg.stats_request() {
                    Some(StatsRequest::Desc) => StatsReplyBody::Desc(SwitchDesc {
                        mfr_desc: "Viola".into(),
                        hw_desc: "viola bench emulated switch".into(),
                        sw_desc: concat!("viola-testbed ", env!("CARGO_PKG_VERSION")).into(),
                        serial_num: "None".into(),
                        dp_desc: format!("bench {}", self.dpid.get()),
                    }),
                    Some(StatsRequest::PortDesc) if self.version == Version::V1_3 => {
                        StatsReplyBody::PortDesc(self.ports())
                    }
                    Some(StatsRequest::Flow(_)) => StatsReplyBody::Flow(Vec::new()),
                    Some(StatsRequest::Aggregate(_)) => StatsReplyBody::Aggregate {
                        packet_count: 0,
                        byte_count: 0,
                        flow_count: 0,
                    },
                    Some(StatsRequest::Table) => StatsReplyBody::Table(Vec::new()),
                    Some(StatsRequest::Port { .. }) => StatsReplyBody::Port(Vec::new()),
                    _ => {
                        self.error(xid, bad_request::BAD_MULTIPART, frame, out);
                        return Seen::Other;
                    }
                };
                self.push(xid, &StatsReply { more: false, body }, out);
            }
            MessageKind::Experimenter => self.error(xid, bad_request::BAD_EXPERIMENTER, frame, out),
            _ => {}
        }
        Seen::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ask<T: Neutral>(st: &mut ControlState, m: &T) -> (Seen, Vec<(u32, Message)>) {
        let req = m.to_message(st.version).unwrap().to_bytes(42).unwrap();
        let mut out = Vec::new();
        let seen = st.answer(&req, &mut out);
        let mut msgs = Vec::new();
        for f in openflow::header::frames(&out, 0xffff) {
            let f = f.unwrap();
            msgs.push(Message::decode(&Bytes::copy_from_slice(f)).unwrap());
        }
        (seen, msgs)
    }

    #[test]
    fn features_echo_barrier_desc() {
        for v in Version::ALL {
            let mut st = ControlState::new(v, Dpid(0x2a));
            let (seen, r) = ask(&mut st, &Control::FeaturesRequest);
            assert_eq!(seen, Seen::FeaturesRequest);
            let f = r[0].1.features_reply().unwrap();
            assert_eq!((r[0].0, f.datapath_id, f.n_buffers), (42, Dpid(0x2a), 256));
            let (seen, r) = ask(&mut st, &Control::EchoRequest(Bytes::from_static(b"hi")));
            assert_eq!(seen, Seen::Echo);
            assert_eq!(
                r[0].1.control(),
                Some(Control::EchoReply(Bytes::from_static(b"hi")))
            );
            assert_eq!(ask(&mut st, &Control::BarrierRequest).0, Seen::Barrier);
            let (_, r) = ask(&mut st, &StatsRequest::Desc);
            assert!(matches!(
                r[0].1.stats_reply().unwrap().body,
                StatsReplyBody::Desc(_)
            ));
            ask(
                &mut st,
                &Control::SetConfig(SwitchConfig {
                    flags: 0,
                    miss_send_len: 0xffff,
                }),
            );
            let (_, r) = ask(&mut st, &Control::GetConfigRequest);
            assert_eq!(
                r[0].1.control(),
                Some(Control::GetConfigReply(SwitchConfig {
                    flags: 0,
                    miss_send_len: 0xffff
                }))
            );
        }
        let mut st = ControlState::new(Version::V1_3, Dpid(1));
        let (_, r) = ask(&mut st, &StatsRequest::PortDesc);
        let StatsReplyBody::PortDesc(p) = r[0].1.stats_reply().unwrap().body else {
            panic!()
        };
        assert_eq!(p.len(), 2);
    }
}
