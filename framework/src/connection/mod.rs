//! One switch connection as a sans-IO state machine.
//!
//! Input: bytes or whole frames, and the current time. Output: bytes to write
//! ([`Connection::out_bytes`]) and [`Output`]s for the runtime (events for the pipeline,
//! request completions, echo round-trip times, the close). No socket, clock or task here, so
//! every path — handshake, echo, timeouts, reassembly, error correlation, bad input — is
//! unit-tested with scripted frames and a virtual clock.
//!
//! The handshake: send HELLO (our versions, with a bitmap), negotiate on the peer's HELLO
//! (HELLO_FAILED/INCOMPATIBLE and close if nothing is common), FEATURES_REQUEST, then (1.3)
//! a PORT_DESC multipart request, SET_CONFIG (flags 0, `miss_send_len` 0xffff so packets come
//! whole: Open vSwitch does not buffer) and a BARRIER; its reply completes the handshake and
//! produces [`Output::SwitchUp`]. Asynchronous messages that arrive meanwhile are held and
//! delivered right after it.

mod counts;
mod pending;
pub mod wire;

use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use openflow::error::{bad_request, error_type, hello_failed};
use openflow::header::{frame_len, FrameError, Header};
use openflow::hello::{encode_hello, negotiate, peek_hello};
use openflow::{
    DecodeError, ErrorMsg, FlowRemoved, Message, MessageKind, Neutral, PacketIn, PortInfo,
    PortStatus, Version,
};

pub use counts::Counts;
use pending::{Pending, PendingKind, PendingTable, SentRing};
pub use wire::FeaturesFixed;

use crate::{RequestError, SendError};

/// Tunables of a connection.
#[derive(Debug, Clone)]
pub struct ConnConfig {
    /// Versions we offer; the highest common one wins.
    pub versions: Vec<Version>,
    /// Interval between echo requests once the switch is up; zero disables echo.
    pub echo_interval: Duration,
    /// The peer is dead when this many echo requests in a row went unanswered.
    pub echo_misses: u32,
    /// Deadline of stats requests and barriers.
    pub request_timeout: Duration,
    /// The whole handshake must finish within this.
    pub handshake_timeout: Duration,
    /// Frames declaring more than this are a framing error (at most 65535).
    pub max_frame_len: usize,
    /// How many recently sent messages are kept to explain errors.
    pub sent_ring: usize,
    /// `miss_send_len` of SET_CONFIG.
    pub miss_send_len: u16,
    /// HELLOs after the first one that are tolerated before the peer is disconnected.
    pub max_extra_hellos: u32,
    /// Asynchronous messages held during the handshake (the rest are dropped).
    pub max_early_events: usize,
    /// Largest number of parts a multipart reply may have.
    pub max_reply_parts: usize,
    /// Largest multipart reply in wire bytes, all parts together: a switch that keeps
    /// sending parts fails the request instead of growing memory.
    pub max_reply_bytes: usize,
    /// Most ports kept for a switch (handshake port descriptions; see also the driver's
    /// PORT_STATUS handling).
    pub max_ports: usize,
}

impl Default for ConnConfig {
    fn default() -> Self {
        ConnConfig {
            versions: Version::ALL.to_vec(),
            echo_interval: Duration::from_secs(5),
            echo_misses: 3,
            request_timeout: Duration::from_secs(10),
            handshake_timeout: Duration::from_secs(10),
            max_frame_len: openflow::header::MAX_MESSAGE_LEN,
            sent_ring: 64,
            miss_send_len: 0xffff,
            max_extra_hellos: 8,
            max_early_events: 256,
            max_reply_parts: 65_536,
            max_reply_bytes: 64 << 20,
            max_ports: 4096,
        }
    }
}

/// What the handshake learnt about the switch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handshake {
    pub version: Version,
    pub features: FeaturesFixed,
    pub ports: Vec<PortInfo>,
}

/// Why a connection closed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CloseReason {
    #[error("no common OpenFlow version (peer HELLO version 0x{0:02x})")]
    NoCommonVersion(u8),
    #[error("protocol violation: {0}")]
    Protocol(&'static str),
    #[error("undecodable message: {0}")]
    Decode(DecodeError),
    #[error("framing error: {0}")]
    Framing(FrameError),
    #[error("peer sent too many HELLO messages")]
    HelloFlood,
    #[error("handshake did not finish in time")]
    HandshakeTimeout,
    #[error("handshake failed: the switch answered with error type 0x{0:04x} code 0x{1:04x}")]
    HandshakeError(u16, u16),
    #[error("no echo reply: peer presumed dead")]
    EchoTimeout,
    #[error("peer closed the connection")]
    PeerClosed,
    #[error("I/O error: {0}")]
    Io(String),
    #[error("replaced by a newer connection with the same datapath id")]
    Replaced,
    #[error("controller shutting down")]
    Shutdown,
}

/// Appends one message for the given version and xid to a write buffer and says what kind
/// it was (see [`openflow::Neutral::encode_as`]).
pub type Encoder<'a> =
    dyn FnMut(Version, u32, &mut Vec<u8>) -> Result<MessageKind, openflow::EncodeError> + 'a;

/// What the state machine tells the runtime.
#[derive(Debug)]
pub enum Output {
    /// Handshake done.
    SwitchUp(Handshake),
    PacketIn(PacketIn),
    PortStatus(PortStatus),
    FlowRemoved(FlowRemoved),
    /// An OFPT_ERROR not answering a pending request; `request` is the message it refers to
    /// when it was still in the ring of recently sent messages.
    Error {
        error: ErrorMsg,
        request: Option<Message>,
    },
    /// A request (stats or barrier) completed. Stats replies are the raw parts in order;
    /// a barrier completes with no parts.
    Reply {
        xid: u32,
        result: Result<Vec<Message>, RequestError>,
    },
    /// A measured echo round trip.
    EchoRtt(Duration),
    /// The connection is closed; nothing more will be read. Emitted once.
    Closed(CloseReason),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    AwaitHello,
    AwaitFeatures,
    Configuring,
    Up,
    Closed,
}

/// A switch connection (see the module docs).
#[derive(Debug)]
pub struct Connection {
    cfg: ConnConfig,
    state: State,
    version: Option<Version>,
    started: Instant,
    next_xid: u32,
    seq: u64,
    out: Vec<u8>,
    pending: PendingTable,
    ring: SentRing,
    echo_next: Option<Instant>,
    echo_outstanding: Vec<(u32, Instant)>,
    last_rtt: Option<Duration>,
    extra_hellos: u32,
    features: Option<FeaturesFixed>,
    ports: Vec<PortInfo>,
    early: Vec<Output>,
    close_reason: Option<CloseReason>,
    /// Messages received by kind (drained by the driver into metrics).
    pub rx_counts: Counts,
    /// Messages sent by kind.
    pub tx_counts: Counts,
    /// Frames that failed to decode.
    pub decode_errors: u64,
}

impl Connection {
    /// A new connection; our HELLO is already in the output.
    pub fn new(cfg: ConnConfig, now: Instant) -> Self {
        let ring = SentRing::new(cfg.sent_ring);
        let mut c = Connection {
            cfg,
            state: State::AwaitHello,
            version: None,
            started: now,
            next_xid: 1,
            seq: 0,
            out: Vec::with_capacity(4096),
            pending: PendingTable::default(),
            ring,
            echo_next: None,
            echo_outstanding: Vec::new(),
            last_rtt: None,
            extra_hellos: 0,
            features: None,
            ports: Vec::new(),
            early: Vec::new(),
            close_reason: None,
            rx_counts: Counts::default(),
            tx_counts: Counts::default(),
            decode_errors: 0,
        };
        let xid = c.alloc_xid();
        encode_hello(&c.cfg.versions, xid, &mut c.out);
        c.tx_counts.add(MessageKind::Hello);
        c
    }

    /// The negotiated version, once HELLOs were exchanged.
    pub fn version(&self) -> Option<Version> {
        self.version
    }
    /// The datapath id, once FEATURES_REPLY arrived.
    pub fn dpid(&self) -> Option<crate::Dpid> {
        self.features.map(|f| f.datapath_id)
    }
    pub fn is_up(&self) -> bool {
        self.state == State::Up
    }
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }
    pub fn close_reason(&self) -> Option<&CloseReason> {
        self.close_reason.as_ref()
    }
    /// The last measured echo round trip.
    pub fn echo_rtt(&self) -> Option<Duration> {
        self.last_rtt
    }
    /// Requests still waiting for a reply.
    pub fn pending_requests(&self) -> usize {
        self.pending.len()
    }
    /// Bytes to write to the peer.
    pub fn out_bytes(&self) -> &[u8] {
        &self.out
    }
    /// Marks the output as written.
    pub fn clear_out(&mut self) {
        self.out.clear();
    }
    /// Takes the output, leaving an empty buffer.
    pub fn take_out(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    fn alloc_xid(&mut self) -> u32 {
        let x = self.next_xid;
        self.next_xid = self.next_xid.wrapping_add(1).max(1);
        x
    }

    /// The earliest time [`Connection::on_tick`] has something to do.
    pub fn next_deadline(&self) -> Option<Instant> {
        if self.state == State::Closed {
            return None;
        }
        let hs = (self.state != State::Up).then(|| self.started + self.cfg.handshake_timeout);
        [hs, self.echo_next, self.pending.next_deadline()]
            .into_iter()
            .flatten()
            .min()
    }

    // ----- input -----

    /// Splits every whole frame off the front of `buf` (zero-copy) and handles it. A header
    /// that is already wrong (not a HELLO first, wrong version, bad length) closes the
    /// connection without waiting for the rest of the frame.
    pub fn on_bytes(&mut self, buf: &mut BytesMut, now: Instant, out: &mut Vec<Output>) {
        loop {
            if self.state == State::Closed {
                buf.clear();
                return;
            }
            let Some(h) = Header::parse(buf) else { return };
            if !self.check_header(&h, buf, out) {
                buf.clear();
                return;
            }
            match frame_len(buf, self.cfg.max_frame_len) {
                Ok(None) => return,
                Ok(Some(len)) => {
                    let frame = buf.split_to(len).freeze();
                    self.on_frame(frame, now, out);
                }
                Err(e) => {
                    self.decode_errors += 1;
                    let (t, c) = e.as_decode_error().ofp_error(self.reply_version(h.version));
                    let v = self.reply_version(h.version).wire();
                    let n = buf.len().min(wire::ERROR_DATA_LEN);
                    wire::write_error(&mut self.out, v, h.xid, t, c, buf.get(..n).unwrap_or(&[]));
                    self.tx_counts.add(MessageKind::Error);
                    self.close(CloseReason::Framing(e), out);
                    buf.clear();
                    return;
                }
            }
        }
    }

    /// Checks a header before its frame is complete; on failure the error is sent and the
    /// connection closed.
    fn check_header(&mut self, h: &Header, frame: &[u8], out: &mut Vec<Output>) -> bool {
        match (self.state, self.version) {
            (State::AwaitHello, _) if h.msg_type != wire::OFPT_HELLO => {
                let v = self.reply_version(h.version).wire();
                let data = b"the first message must be HELLO";
                self.write_err(
                    v,
                    h.xid,
                    error_type::HELLO_FAILED,
                    hello_failed::EPERM,
                    data,
                );
                self.close(CloseReason::Protocol("first message is not HELLO"), out);
                false
            }
            (_, Some(v)) if h.version != v.wire() => {
                let n = frame.len().min(wire::ERROR_DATA_LEN);
                let data = frame.get(..n).unwrap_or(&[]).to_vec();
                self.write_err(
                    v.wire(),
                    h.xid,
                    error_type::BAD_REQUEST,
                    bad_request::BAD_VERSION,
                    &data,
                );
                self.close(
                    CloseReason::Protocol("message version differs from the negotiated one"),
                    out,
                );
                false
            }
            _ => true,
        }
    }

    /// The version to write an error in: the negotiated one, else the peer's if we speak
    /// it, else our lowest.
    fn reply_version(&self, peer: u8) -> Version {
        self.version
            .or_else(|| Version::from_wire(peer).filter(|v| self.cfg.versions.contains(v)))
            .or_else(|| self.cfg.versions.iter().copied().min())
            .unwrap_or(Version::V1_0)
    }

    fn write_err(&mut self, v: u8, xid: u32, t: u16, c: u16, data: &[u8]) {
        wire::write_error(&mut self.out, v, xid, t, c, data);
        self.tx_counts.add(MessageKind::Error);
    }

    /// Handles one whole frame (as split by [`openflow::header::frames`]).
    pub fn on_frame(&mut self, frame: Bytes, now: Instant, out: &mut Vec<Output>) {
        if self.state == State::Closed {
            return;
        }
        let Some(h) = Header::parse(&frame) else {
            self.close(CloseReason::Protocol("frame shorter than a header"), out);
            return;
        };
        if !self.check_header(&h, &frame, out) {
            return;
        }
        if self.state == State::AwaitHello {
            self.on_hello(&h, &frame, now, out);
            return;
        }
        let Some(v) = self.version else { return };
        let t = wire::types(v);
        match h.msg_type {
            wire::OFPT_HELLO => {
                self.rx_counts.add(MessageKind::Hello);
                self.extra_hellos += 1;
                if self.extra_hellos > self.cfg.max_extra_hellos {
                    let data = b"repeated HELLO";
                    self.write_err(
                        v.wire(),
                        h.xid,
                        error_type::BAD_REQUEST,
                        bad_request::EPERM,
                        data,
                    );
                    self.close(CloseReason::HelloFlood, out);
                }
            }
            wire::OFPT_ECHO_REQUEST => {
                self.rx_counts.add(MessageKind::EchoRequest);
                let body = frame.get(8..).unwrap_or(&[]);
                wire::write_simple(&mut self.out, v.wire(), wire::OFPT_ECHO_REPLY, h.xid, body);
                self.tx_counts.add(MessageKind::EchoReply);
            }
            wire::OFPT_ECHO_REPLY => {
                self.rx_counts.add(MessageKind::EchoReply);
                self.on_echo_reply(h.xid, now, out);
            }
            wire::OFPT_ERROR => {
                self.rx_counts.add(MessageKind::Error);
                match wire::read_error(&frame) {
                    Some(e) => self.on_error(h.xid, e, out),
                    None => self.reject(
                        &h,
                        &frame,
                        DecodeError::Truncated {
                            what: "error",
                            have: frame.len(),
                            need: 12,
                        },
                        out,
                    ),
                }
            }
            x if x == t.barrier_reply => {
                self.rx_counts.add(MessageKind::BarrierReply);
                self.on_barrier_reply(h.xid, now, out);
            }
            _ => match Message::decode(&frame) {
                Err(e) => self.reject(&h, &frame, e, out),
                Ok((xid, msg)) => self.on_message(&h, &frame, xid, msg, out),
            },
        }
    }

    /// A frame that does not decode: OFPT_ERROR with its first bytes, then close.
    fn reject(&mut self, h: &Header, frame: &[u8], e: DecodeError, out: &mut Vec<Output>) {
        self.decode_errors += 1;
        let v = self.reply_version(h.version);
        let (t, c) = e.ofp_error(v);
        self.write_err(v.wire(), h.xid, t, c, frame);
        self.close(CloseReason::Decode(e), out);
    }

    fn on_hello(&mut self, h: &Header, frame: &[u8], now: Instant, out: &mut Vec<Output>) {
        self.rx_counts.add(MessageKind::Hello);
        let info = match peek_hello(frame) {
            Ok(i) => i,
            Err(e) => return self.reject(h, frame, e, out),
        };
        let Some(v) = negotiate(&self.cfg.versions, &info) else {
            let rv = self.reply_version(h.version).wire();
            let ours: Vec<String> = self.cfg.versions.iter().map(|v| v.to_string()).collect();
            let msg = format!("no common version; we speak OpenFlow {}", ours.join(", "));
            self.write_err(
                rv,
                h.xid,
                error_type::HELLO_FAILED,
                hello_failed::INCOMPATIBLE,
                msg.as_bytes(),
            );
            self.close(CloseReason::NoCommonVersion(h.version), out);
            return;
        };
        self.version = Some(v);
        self.state = State::AwaitFeatures;
        let xid = self.alloc_xid();
        wire::write_simple(
            &mut self.out,
            v.wire(),
            wire::OFPT_FEATURES_REQUEST,
            xid,
            &[],
        );
        self.tx_counts.add(MessageKind::FeaturesRequest);
        let _ = now;
        let deadline = self.started + self.cfg.handshake_timeout;
        self.add_pending(xid, deadline, PendingKind::Features);
    }

    fn add_pending(&mut self, xid: u32, deadline: Instant, kind: PendingKind) {
        self.seq += 1;
        self.pending.insert(Pending {
            xid,
            seq: self.seq,
            deadline,
            kind,
        });
    }

    fn on_message(
        &mut self,
        h: &Header,
        frame: &Bytes,
        xid: u32,
        msg: Message,
        out: &mut Vec<Output>,
    ) {
        let Some(v) = self.version else { return };
        if h.msg_type == wire::OFPT_FEATURES_REPLY {
            self.rx_counts.add(MessageKind::FeaturesReply);
            return self.on_features(h, frame, xid, &msg, out);
        }
        if h.msg_type == wire::types(v).stats_reply {
            self.rx_counts.add(MessageKind::StatsReply);
            return self.on_stats_reply(frame, xid, msg, out);
        }
        let kind = msg.kind();
        self.rx_counts.add(kind);
        if Self::is_single_reply(kind) && self.complete_single_reply(xid, &msg, out) {
            return;
        }
        let event = match kind {
            MessageKind::PacketIn => msg.into_packet_in().ok().map(Output::PacketIn),
            MessageKind::PortStatus => msg.port_status().map(Output::PortStatus),
            MessageKind::FlowRemoved => msg.flow_removed().map(Output::FlowRemoved),
            MessageKind::Unknown => {
                let data = frame
                    .get(..frame.len().min(wire::ERROR_DATA_LEN))
                    .unwrap_or(&[])
                    .to_vec();
                self.write_err(
                    v.wire(),
                    xid,
                    error_type::BAD_REQUEST,
                    bad_request::BAD_TYPE,
                    &data,
                );
                return;
            }
            other => {
                tracing::debug!(kind = other.name(), "ignoring unsolicited message");
                return;
            }
        };
        match event {
            Some(e) => self.emit(e, out),
            None => tracing::debug!(kind = kind.name(), "message has no neutral form"),
        }
    }

    fn emit(&mut self, o: Output, out: &mut Vec<Output>) {
        if self.state == State::Up {
            out.push(o);
        } else if self.early.len() < self.cfg.max_early_events {
            self.early.push(o);
        }
    }

    fn on_features(
        &mut self,
        h: &Header,
        frame: &Bytes,
        xid: u32,
        msg: &Message,
        out: &mut Vec<Output>,
    ) {
        let Some(v) = self.version else { return };
        if !matches!(
            self.pending.get_mut(xid).map(|p| &p.kind),
            Some(PendingKind::Features)
        ) {
            tracing::debug!(xid, "unsolicited FEATURES_REPLY ignored");
            return;
        }
        self.pending.remove(xid);
        let Some(f) = wire::read_features(frame) else {
            let e = DecodeError::Truncated {
                what: "features reply",
                have: frame.len(),
                need: 32,
            };
            return self.reject(h, frame, e, out);
        };
        self.features = Some(f);
        if v == Version::V1_0 {
            self.ports = msg.features_reply().map(|r| r.ports).unwrap_or_default();
        }
        let deadline = self.started + self.cfg.handshake_timeout;
        if v >= Version::V1_3 {
            // Ports are no longer in the features reply from 1.3 on.
            let x = self.alloc_xid();
            wire::write_port_desc_request(&mut self.out, v, x);
            self.tx_counts.add(MessageKind::StatsRequest);
            self.add_pending(x, deadline, PendingKind::PortDesc { ports: Vec::new() });
        }
        let x = self.alloc_xid();
        let start = self.out.len();
        wire::write_set_config(&mut self.out, v, x, 0, self.cfg.miss_send_len);
        self.tx_counts.add(MessageKind::SetConfig);
        self.seq += 1;
        if let Some(f) = self.out.get(start..) {
            self.ring.record(x, self.seq, f);
        }
        let x = self.alloc_xid();
        wire::write_simple(
            &mut self.out,
            v.wire(),
            wire::types(v).barrier_request,
            x,
            &[],
        );
        self.tx_counts.add(MessageKind::BarrierRequest);
        self.add_pending(x, deadline, PendingKind::HandshakeBarrier);
        self.state = State::Configuring;
    }

    /// Replies that answer a request in one message, outside stats/multipart.
    fn is_single_reply(kind: MessageKind) -> bool {
        matches!(
            kind,
            MessageKind::RoleReply
                | MessageKind::QueueGetConfigReply
                | MessageKind::GetConfigReply
                | MessageKind::GetAsyncReply
        )
    }

    /// Completes the [`Connection::request`] waiting on `xid` with this one reply; false
    /// when nothing waits for it (an unsolicited reply).
    fn complete_single_reply(&mut self, xid: u32, msg: &Message, out: &mut Vec<Output>) -> bool {
        let waiting = self
            .pending
            .get_mut(xid)
            .is_some_and(|p| matches!(p.kind, PendingKind::Stats { .. }));
        if waiting {
            self.pending.remove(xid);
            out.push(Output::Reply {
                xid,
                result: Ok(vec![msg.clone()]),
            });
        }
        waiting
    }

    fn on_stats_reply(&mut self, frame: &Bytes, xid: u32, msg: Message, out: &mut Vec<Output>) {
        let more = wire::read_stats_header(frame).is_some_and(|(_, f)| f & wire::REPLY_MORE != 0);
        let max_parts = self.cfg.max_reply_parts;
        let (max_bytes, max_ports) = (self.cfg.max_reply_bytes, self.cfg.max_ports);
        let Some(p) = self.pending.get_mut(xid) else {
            tracing::debug!(xid, "unsolicited stats reply ignored");
            return;
        };
        match &mut p.kind {
            PendingKind::Stats { parts, bytes } => {
                parts.push(msg);
                *bytes = bytes.saturating_add(frame.len());
                let overflow = (parts.len() >= max_parts || *bytes > max_bytes) && more;
                if overflow {
                    let (parts, bytes) = (parts.len(), *bytes);
                    self.pending.remove(xid);
                    out.push(Output::Reply {
                        xid,
                        result: Err(RequestError::ReplyTooLarge { parts, bytes }),
                    });
                } else if !more {
                    if let Some(Pending {
                        kind: PendingKind::Stats { parts, .. },
                        ..
                    }) = self.pending.remove(xid)
                    {
                        out.push(Output::Reply {
                            xid,
                            result: Ok(parts),
                        });
                    }
                }
            }
            PendingKind::PortDesc { ports } => {
                if let Some(openflow::StatsReplyBody::PortDesc(p)) =
                    msg.stats_reply().map(|r| r.body)
                {
                    let room = max_ports.saturating_sub(ports.len());
                    if p.len() > room {
                        tracing::warn!(
                            xid,
                            "switch describes more than {max_ports} ports; keeping the first"
                        );
                    }
                    ports.extend(p.into_iter().take(room));
                }
                if !more {
                    if let Some(Pending {
                        kind: PendingKind::PortDesc { ports },
                        ..
                    }) = self.pending.remove(xid)
                    {
                        self.ports = ports;
                    }
                }
            }
            _ => tracing::debug!(xid, "stats reply for a non-stats request ignored"),
        }
    }

    fn on_barrier_reply(&mut self, xid: u32, now: Instant, out: &mut Vec<Output>) {
        let Some(p) = self.pending.remove(xid) else {
            tracing::debug!(xid, "unsolicited BARRIER_REPLY ignored");
            return;
        };
        match p.kind {
            PendingKind::Barrier { first_error } => {
                let result = match first_error {
                    Some(e) => Err(RequestError::Switch(e)),
                    None => Ok(Vec::new()),
                };
                out.push(Output::Reply { xid, result });
            }
            PendingKind::HandshakeBarrier => self.handshake_done(now, out),
            other => {
                // A barrier reply with the xid of another request: the switch is confused.
                tracing::debug!(xid, ?other, "barrier reply for a non-barrier request");
                self.pending.insert(Pending { kind: other, ..p });
            }
        }
    }

    fn handshake_done(&mut self, now: Instant, out: &mut Vec<Output>) {
        let (Some(version), Some(features)) = (self.version, self.features) else {
            return;
        };
        // A PORT_DESC that never completed (the barrier overtook it) leaves no ports.
        self.pending
            .remove_where(|k| matches!(k, PendingKind::PortDesc { .. }));
        self.state = State::Up;
        if !self.cfg.echo_interval.is_zero() {
            self.echo_next = Some(now + self.cfg.echo_interval);
        }
        let ports = std::mem::take(&mut self.ports);
        out.push(Output::SwitchUp(Handshake {
            version,
            features,
            ports,
        }));
        out.append(&mut self.early);
    }

    fn on_echo_reply(&mut self, xid: u32, now: Instant, out: &mut Vec<Output>) {
        if let Some(&(_, sent)) = self.echo_outstanding.iter().find(|(x, _)| *x == xid) {
            let rtt = now.saturating_duration_since(sent);
            self.last_rtt = Some(rtt);
            self.echo_outstanding.clear();
            out.push(Output::EchoRtt(rtt));
        }
    }

    fn on_error(&mut self, xid: u32, error: ErrorMsg, out: &mut Vec<Output>) {
        if self.pending.contains(xid) {
            let Some(p) = self.pending.remove(xid) else {
                return;
            };
            match p.kind {
                PendingKind::Stats { .. } | PendingKind::Barrier { .. } => {
                    out.push(Output::Reply {
                        xid,
                        result: Err(RequestError::Switch(error)),
                    });
                }
                // Ports are optional: a switch refusing PORT_DESC comes up without them.
                PendingKind::PortDesc { .. } => {}
                PendingKind::Features | PendingKind::HandshakeBarrier => {
                    self.close(CloseReason::HandshakeError(error.err_type, error.code), out);
                }
            }
            return;
        }
        let request = match self.ring.find(xid) {
            Some((seq, msg)) => {
                if let Some(b) = self.pending.barrier_after(seq) {
                    if let PendingKind::Barrier {
                        first_error: f @ None,
                    } = &mut b.kind
                    {
                        *f = Some(error.clone());
                    }
                }
                msg
            }
            None => None,
        };
        self.emit(Output::Error { error, request }, out);
    }

    /// Timers: echo, request deadlines, handshake deadline.
    pub fn on_tick(&mut self, now: Instant, out: &mut Vec<Output>) {
        if self.state == State::Closed {
            return;
        }
        if self.state != State::Up && now >= self.started + self.cfg.handshake_timeout {
            self.close(CloseReason::HandshakeTimeout, out);
            return;
        }
        let mut expired = Vec::new();
        self.pending.take_expired(now, &mut expired);
        for p in expired {
            match p.kind {
                PendingKind::Stats { .. } | PendingKind::Barrier { .. } => {
                    out.push(Output::Reply {
                        xid: p.xid,
                        result: Err(RequestError::Timeout),
                    });
                }
                _ => {
                    self.close(CloseReason::HandshakeTimeout, out);
                    return;
                }
            }
        }
        if let (Some(at), Some(v)) = (self.echo_next, self.version) {
            if now >= at {
                if self.echo_outstanding.len() as u32 >= self.cfg.echo_misses {
                    self.close(CloseReason::EchoTimeout, out);
                    return;
                }
                let xid = self.alloc_xid();
                wire::write_simple(&mut self.out, v.wire(), wire::OFPT_ECHO_REQUEST, xid, &[]);
                self.tx_counts.add(MessageKind::EchoRequest);
                self.echo_outstanding.push((xid, now));
                self.echo_next = Some(now + self.cfg.echo_interval);
            }
        }
    }

    // ----- commands -----

    fn write_message(&mut self, msg: &Message) -> Result<u32, SendError> {
        let v = self
            .version
            .ok_or(SendError::NotConnected(self.dpid().unwrap_or_default()))?;
        if msg.version() != v {
            return Err(SendError::Unsupported(openflow::Unsupported::new(
                v,
                format!("a message of version {}", msg.version()),
            )));
        }
        self.write_encoded(&mut |_, xid, out| {
            msg.encode(xid, out)?;
            Ok(msg.kind())
        })
    }

    /// Queues what `encode` appends for the negotiated version and a fresh xid (it says
    /// which kind of message that was); on error nothing is queued.
    fn write_encoded(&mut self, encode: &mut Encoder<'_>) -> Result<u32, SendError> {
        let v = self
            .version
            .ok_or(SendError::NotConnected(self.dpid().unwrap_or_default()))?;
        let xid = self.alloc_xid();
        let start = self.out.len();
        let kind = match encode(v, xid, &mut self.out) {
            Ok(kind) => kind,
            Err(e) => {
                self.out.truncate(start);
                return Err(match e {
                    openflow::EncodeError::Unsupported(u) => SendError::Unsupported(u),
                    other => SendError::Encode(other),
                });
            }
        };
        self.seq += 1;
        if let Some(f) = self.out.get(start..) {
            self.ring.record(xid, self.seq, f);
        }
        self.tx_counts.add(kind);
        Ok(xid)
    }

    /// Queues a message (of the negotiated version) and returns its xid.
    pub fn send(&mut self, msg: &Message) -> Result<u32, SendError> {
        if self.state != State::Up {
            return Err(SendError::NotConnected(self.dpid().unwrap_or_default()));
        }
        self.write_message(msg)
    }

    /// Encodes a neutral value for the negotiated version and queues it.
    pub fn send_neutral<T: Neutral>(&mut self, msg: &T) -> Result<u32, SendError> {
        self.send_encoded(&mut |v, xid, out| msg.encode_as(v, xid, out))
    }

    /// Queues what `encode` appends for the negotiated version and a fresh xid, without
    /// building a [`Message`] first; returns the xid.
    pub fn send_encoded(&mut self, encode: &mut Encoder<'_>) -> Result<u32, SendError> {
        if self.state != State::Up {
            return Err(SendError::NotConnected(self.dpid().unwrap_or_default()));
        }
        self.write_encoded(encode)
    }

    /// Sends a stats/multipart request (or a request answered by one reply message: role,
    /// queue config, get-config, get-async); its reply arrives as [`Output::Reply`] with
    /// this xid.
    pub fn request(&mut self, msg: &Message, now: Instant) -> Result<u32, SendError> {
        let xid = self.send(msg)?;
        let deadline = now + self.cfg.request_timeout;
        self.pending.insert(Pending {
            xid,
            seq: self.seq,
            deadline,
            kind: PendingKind::Stats {
                parts: Vec::new(),
                bytes: 0,
            },
        });
        Ok(xid)
    }

    /// Sends a barrier; its completion arrives as [`Output::Reply`] with this xid, failed
    /// with the first OFPT_ERROR caused by a message sent before it.
    pub fn barrier(&mut self, now: Instant) -> Result<u32, SendError> {
        let Some(v) = self.version.filter(|_| self.state == State::Up) else {
            return Err(SendError::NotConnected(self.dpid().unwrap_or_default()));
        };
        let xid = self.alloc_xid();
        wire::write_simple(
            &mut self.out,
            v.wire(),
            wire::types(v).barrier_request,
            xid,
            &[],
        );
        self.tx_counts.add(MessageKind::BarrierRequest);
        self.add_pending(
            xid,
            now + self.cfg.request_timeout,
            PendingKind::Barrier { first_error: None },
        );
        Ok(xid)
    }

    /// Closes the connection: pending requests fail with `Disconnected`; already queued
    /// output (e.g. an error for the peer) stays for a last write.
    pub fn close(&mut self, reason: CloseReason, out: &mut Vec<Output>) {
        if self.state == State::Closed {
            return;
        }
        self.state = State::Closed;
        for p in self.pending.drain() {
            if matches!(
                p.kind,
                PendingKind::Stats { .. } | PendingKind::Barrier { .. }
            ) {
                out.push(Output::Reply {
                    xid: p.xid,
                    result: Err(RequestError::Disconnected),
                });
            }
        }
        self.early.clear();
        self.echo_next = None;
        self.close_reason = Some(reason.clone());
        out.push(Output::Closed(reason));
    }
}

#[cfg(test)]
mod tests;
