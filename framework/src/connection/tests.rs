//! State-machine tests with a scripted switch: hand-built frames and a virtual clock.

use crate::Dpid;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use openflow::error::{bad_request, error_type, hello_failed};
use openflow::Version::{self, V1_0, V1_3};

use super::*;
use crate::testing::frames;

const DPID: u64 = 0x0000_0000_0000_00a1;

struct Script {
    conn: Connection,
    now: Instant,
    outs: Vec<Output>,
}

impl Script {
    fn new(versions: &[Version]) -> Self {
        let cfg = ConnConfig {
            versions: versions.to_vec(),
            ..ConnConfig::default()
        };
        Self::with(cfg)
    }
    fn with(cfg: ConnConfig) -> Self {
        let now = Instant::now();
        Script {
            conn: Connection::new(cfg, now),
            now,
            outs: Vec::new(),
        }
    }
    /// Feeds bytes; returns the frames the controller wrote since the last call.
    fn feed(&mut self, bytes: &[u8]) -> Vec<(u8, u8, u32, Vec<u8>)> {
        let mut buf = BytesMut::from(bytes);
        self.conn.on_bytes(&mut buf, self.now, &mut self.outs);
        self.written()
    }
    fn written(&mut self) -> Vec<(u8, u8, u32, Vec<u8>)> {
        let w = frames::split(self.conn.out_bytes());
        self.conn.clear_out();
        w
    }
    fn tick(&mut self, d: Duration) -> Vec<(u8, u8, u32, Vec<u8>)> {
        self.now += d;
        self.conn.on_tick(self.now, &mut self.outs);
        self.written()
    }
    fn take(&mut self) -> Vec<Output> {
        std::mem::take(&mut self.outs)
    }
    fn closed_with(&self) -> Option<CloseReason> {
        self.conn.close_reason().cloned()
    }
}

/// Drives a full handshake for `v`; returns the script with the SwitchUp consumed.
fn up(v: Version) -> Script {
    up_from(Script::new(&[V1_0, V1_3]), v)
}

/// [`up`] with a connection configured by `cfg`.
fn up_with(v: Version, cfg: ConnConfig) -> Script {
    up_from(Script::with(cfg), v)
}

fn up_from(mut s: Script, v: Version) -> Script {
    let hello = s.written();
    assert_eq!(hello.len(), 1);
    let bitmap = if v == V1_3 { Some(1 << 4) } else { None };
    let w = s.feed(&frames::hello(v.wire(), bitmap, 1));
    let (_, t, fxid, _) = w[0];
    assert_eq!(t, wire::OFPT_FEATURES_REQUEST);
    let w = s.feed(&frames::features_reply(v, fxid, Dpid(DPID), 254));
    let types: Vec<u8> = w.iter().map(|f| f.1).collect();
    let ty = wire::types(v);
    if v == V1_3 {
        assert_eq!(
            types,
            vec![ty.stats_request, wire::OFPT_SET_CONFIG, ty.barrier_request]
        );
        let pd = &w[0];
        assert_eq!(
            pd.3.get(8..10),
            Some(&[0x00, 0x0d][..]),
            "PORT_DESC multipart request"
        );
        s.feed(&frames::stats_reply(v, pd.2, 0x0d, false, &[]));
    } else {
        assert_eq!(types, vec![wire::OFPT_SET_CONFIG, ty.barrier_request]);
    }
    let sc = w.iter().find(|f| f.1 == wire::OFPT_SET_CONFIG).unwrap();
    assert_eq!(
        sc.3.get(8..12),
        Some(&[0, 0, 0xff, 0xff][..]),
        "flags 0, miss_send_len 0xffff"
    );
    let bxid = w.last().unwrap().2;
    assert!(s.take().is_empty(), "no event before the barrier reply");
    s.feed(&frames::barrier_reply(v, bxid));
    let o = s.take();
    match o.as_slice() {
        [Output::SwitchUp(h)] => {
            assert_eq!(h.version, v);
            assert_eq!(h.features.datapath_id, Dpid(DPID));
            assert_eq!(h.features.n_tables, 254);
        }
        other => panic!("expected SwitchUp, got {other:?}"),
    }
    assert!(s.conn.is_up());
    s
}

#[test]
fn handshake_1_0_and_1_3() {
    let s = up(V1_0);
    assert_eq!(s.conn.version(), Some(V1_0));
    let s = up(V1_3);
    assert_eq!(s.conn.version(), Some(V1_3));
}

#[test]
fn our_hello_offers_both_versions_with_a_bitmap() {
    let mut s = Script::new(&[V1_0, V1_3]);
    let w = s.written();
    let info = openflow::hello::peek_hello(&w[0].3).unwrap();
    assert_eq!(info.header_version, 0x04);
    assert!(info.admits(0x01) && info.admits(0x04));
}

/// Controller versions × peer HELLOs → negotiated version or HELLO_FAILED.
#[test]
fn version_negotiation_matrix() {
    // (peer header version, peer bitmap)
    let only_10 = (0x01, None);
    let only_13 = (0x04, Some(1u32 << 4));
    let both = (0x04, Some((1u32 << 1) | (1 << 4)));
    let none = (0x06, Some(1u32 << 6)); // a 1.5-only peer
    type Case = (&'static [Version], (u8, Option<u32>), Option<Version>);
    let cases: &[Case] = &[
        (&[V1_0, V1_3], only_10, Some(V1_0)),
        (&[V1_0, V1_3], only_13, Some(V1_3)),
        (&[V1_0, V1_3], both, Some(V1_3)),
        (&[V1_0, V1_3], none, None),
        (&[V1_0], only_10, Some(V1_0)),
        (&[V1_0], only_13, None),
        (&[V1_0], both, Some(V1_0)),
        (&[V1_0], none, None),
        (&[V1_3], only_10, None),
        (&[V1_3], only_13, Some(V1_3)),
        (&[V1_3], both, Some(V1_3)),
        (&[V1_3], none, None),
        // A peer without bitmap at a higher version: the smaller header version wins.
        (&[V1_0, V1_3], (0x05, None), Some(V1_3)),
    ];
    for (ours, (hv, bm), want) in cases {
        let mut s = Script::new(ours);
        s.written();
        let w = s.feed(&frames::hello(*hv, *bm, 7));
        match want {
            Some(v) => {
                assert_eq!(s.conn.version(), Some(*v), "{ours:?} vs {hv}/{bm:?}");
                assert_eq!((w[0].0, w[0].1), (v.wire(), wire::OFPT_FEATURES_REQUEST));
                assert!(!s.conn.is_closed());
            }
            None => {
                assert!(s.conn.is_closed(), "{ours:?} vs {hv}/{bm:?}");
                let e = wire::read_error(&Bytes::from(w[0].3.clone())).unwrap();
                assert_eq!(
                    (e.err_type, e.code),
                    (error_type::HELLO_FAILED, hello_failed::INCOMPATIBLE)
                );
                assert_eq!(w[0].2, 7, "error carries the HELLO's xid");
                assert!(matches!(
                    s.closed_with(),
                    Some(CloseReason::NoCommonVersion(_))
                ));
            }
        }
    }
}

#[test]
fn echo_is_answered_and_measured_and_missing_replies_kill() {
    let mut s = up(V1_3);
    // Switch → controller echo: same xid and payload.
    let w = s.feed(&frames::echo_request(V1_3, 0x55, b"ping"));
    assert_eq!((w[0].1, w[0].2), (wire::OFPT_ECHO_REPLY, 0x55));
    assert_eq!(&w[0].3[8..], b"ping");
    // Nothing before the interval.
    assert!(s.tick(Duration::from_secs(4)).is_empty());
    let w = s.tick(Duration::from_secs(1));
    assert_eq!(w[0].1, wire::OFPT_ECHO_REQUEST);
    s.now += Duration::from_millis(12);
    s.feed(&frames::echo_reply(V1_3, w[0].2, &[]));
    assert!(matches!(s.take().as_slice(), [Output::EchoRtt(d)] if *d == Duration::from_millis(12)));
    assert_eq!(s.conn.echo_rtt(), Some(Duration::from_millis(12)));
    // Three unanswered echoes, then the peer is dead at the next tick.
    for _ in 0..3 {
        let w = s.tick(Duration::from_secs(5));
        assert_eq!(w[0].1, wire::OFPT_ECHO_REQUEST);
        assert!(!s.conn.is_closed());
    }
    s.tick(Duration::from_secs(5));
    assert!(s.conn.is_closed());
    assert_eq!(s.closed_with(), Some(CloseReason::EchoTimeout));
}

#[test]
fn echo_can_be_disabled() {
    let cfg = ConnConfig {
        echo_interval: Duration::ZERO,
        ..ConnConfig::default()
    };
    let mut s = Script::with(cfg);
    s.written();
    let w = s.feed(&frames::hello(1, None, 1));
    let w = s.feed(&frames::features_reply(V1_0, w[0].2, Dpid(1), 1));
    s.feed(&frames::barrier_reply(V1_0, w[1].2));
    assert!(s.conn.is_up());
    assert!(s.tick(Duration::from_secs(60)).is_empty());
    assert!(!s.conn.is_closed());
}

fn stats_request(v: Version) -> openflow::Message {
    // A DESC stats request built by hand (type 0), decoded by the codec.
    let mut body = vec![0, 0, 0, 0];
    if v == V1_3 {
        body.extend_from_slice(&[0; 4]);
    }
    let mut out = Vec::new();
    wire::write_simple(&mut out, v.wire(), wire::types(v).stats_request, 0, &body);
    openflow::Message::decode(&Bytes::from(out)).unwrap().1
}

#[test]
fn multipart_reassembly_in_order_and_interleaved() {
    let mut s = up(V1_3);
    let a = s.conn.request(&stats_request(V1_3), s.now).unwrap();
    let b = s.conn.request(&stats_request(V1_3), s.now).unwrap();
    assert_ne!(a, b);
    s.written();
    s.feed(&frames::stats_reply(V1_3, a, 1, true, &[]));
    s.feed(&frames::stats_reply(V1_3, b, 1, false, &[]));
    let o = s.take();
    assert!(
        matches!(o.as_slice(), [Output::Reply { xid, result: Ok(p) }] if *xid == b && p.len() == 1)
    );
    s.feed(&frames::stats_reply(V1_3, a, 1, true, &[]));
    assert!(s.take().is_empty(), "no completion while parts say more");
    s.feed(&frames::stats_reply(V1_3, a, 1, false, &[]));
    let o = s.take();
    assert!(
        matches!(o.as_slice(), [Output::Reply { xid, result: Ok(p) }] if *xid == a && p.len() == 3)
    );
    assert_eq!(s.conn.pending_requests(), 0);
}

#[test]
fn multipart_reassembly_1_0() {
    let mut s = up(V1_0);
    let a = s.conn.request(&stats_request(V1_0), s.now).unwrap();
    s.feed(&frames::stats_reply(V1_0, a, 1, true, &[]));
    s.feed(&frames::stats_reply(V1_0, a, 1, false, &[]));
    let o = s.take();
    assert!(
        matches!(o.as_slice(), [Output::Reply { result: Ok(p), .. }] if p.len() == 2),
        "{o:?}"
    );
}

#[test]
fn requests_time_out_and_fail_on_close() {
    let mut s = up(V1_3);
    let a = s.conn.request(&stats_request(V1_3), s.now).unwrap();
    s.tick(Duration::from_secs(4));
    let b = s.conn.request(&stats_request(V1_3), s.now).unwrap();
    s.tick(Duration::from_secs(6)); // a is 10 s old
    let o = s.take();
    assert!(
        matches!(o.as_slice(), [Output::Reply { xid, result: Err(RequestError::Timeout) }] if *xid == a)
    );
    s.conn.close(CloseReason::Shutdown, &mut s.outs);
    let o = s.take();
    assert!(
        matches!(&o[0], Output::Reply { xid, result: Err(RequestError::Disconnected) } if *xid == b)
    );
    assert!(matches!(&o[1], Output::Closed(CloseReason::Shutdown)));
}

#[test]
fn error_fails_the_matching_request() {
    let mut s = up(V1_3);
    let a = s.conn.request(&stats_request(V1_3), s.now).unwrap();
    s.feed(&frames::error(
        V1_3,
        a,
        error_type::BAD_REQUEST,
        bad_request::BAD_MULTIPART,
        &[],
    ));
    let o = s.take();
    match o.as_slice() {
        [Output::Reply {
            xid,
            result: Err(RequestError::Switch(e)),
        }] => {
            assert_eq!(*xid, a);
            assert_eq!(
                (e.err_type, e.code),
                (error_type::BAD_REQUEST, bad_request::BAD_MULTIPART)
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn error_is_traced_to_the_message_and_fails_the_next_barrier() {
    let mut s = up(V1_3);
    let msg = stats_request(V1_3);
    let sent_xid = s.conn.send(&msg).unwrap();
    let sent_frame = s.written()[0].3.clone();
    let other = s.conn.send(&msg).unwrap();
    let barrier = s.conn.barrier(s.now).unwrap();
    s.written();
    s.feed(&frames::error(
        V1_3,
        sent_xid,
        error_type::BAD_REQUEST,
        bad_request::EPERM,
        &sent_frame,
    ));
    let o = s.take();
    match o.as_slice() {
        [Output::Error {
            error,
            request: Some(req),
        }] => {
            assert_eq!(error.code, bad_request::EPERM);
            assert_eq!(
                req.to_bytes(sent_xid).unwrap(),
                sent_frame,
                "the message that caused it"
            );
        }
        other => panic!("{other:?}"),
    }
    // An error for an xid never sent is still reported, without a request.
    s.feed(&frames::error(
        V1_3,
        0xdead,
        error_type::BAD_REQUEST,
        bad_request::EPERM,
        &[],
    ));
    assert!(matches!(
        s.take().as_slice(),
        [Output::Error { request: None, .. }]
    ));
    let _ = other;
    s.feed(&frames::barrier_reply(V1_3, barrier));
    match s.take().as_slice() {
        [Output::Reply {
            xid,
            result: Err(RequestError::Switch(e)),
        }] => {
            assert_eq!(*xid, barrier);
            assert_eq!(e.code, bad_request::EPERM);
        }
        other => panic!("{other:?}"),
    }
    // A later barrier with no error in between succeeds.
    let b2 = s.conn.barrier(s.now).unwrap();
    s.feed(&frames::barrier_reply(V1_3, b2));
    assert!(matches!(
        s.take().as_slice(),
        [Output::Reply { result: Ok(_), .. }]
    ));
}

#[test]
fn error_after_a_barrier_does_not_fail_it() {
    let mut s = up(V1_0);
    let b = s.conn.barrier(s.now).unwrap();
    let m = s.conn.send(&stats_request(V1_0)).unwrap();
    s.feed(&frames::error(
        V1_0,
        m,
        error_type::BAD_REQUEST,
        bad_request::EPERM,
        &[],
    ));
    s.feed(&frames::barrier_reply(V1_0, b));
    let o = s.take();
    assert!(matches!(
        &o[0],
        Output::Error {
            request: Some(_),
            ..
        }
    ));
    assert!(matches!(&o[1], Output::Reply { result: Ok(_), .. }));
}

// ----- bad input -----

fn assert_error_and_closed(w: &[(u8, u8, u32, Vec<u8>)], s: &Script, t: u16, c: u16) {
    let e = w
        .iter()
        .find(|f| f.1 == wire::OFPT_ERROR)
        .expect("an OFPT_ERROR was sent");
    let e = wire::read_error(&Bytes::from(e.3.clone())).unwrap();
    assert_eq!((e.err_type, e.code), (t, c));
    assert!(s.conn.is_closed());
}

#[test]
fn garbage_before_hello_is_refused_at_once() {
    let mut s = Script::new(&[V1_0, V1_3]);
    s.written();
    let w = s.feed(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_error_and_closed(&w, &s, error_type::HELLO_FAILED, hello_failed::EPERM);
    assert!(matches!(
        s.take().last(),
        Some(Output::Closed(CloseReason::Protocol(_)))
    ));
    // Further input is ignored.
    assert!(s.feed(&frames::hello(4, None, 1)).is_empty());
}

#[test]
fn length_three_is_a_framing_error() {
    let mut s = up(V1_3);
    let w = s.feed(&[0x04, 0x0a, 0x00, 0x03, 0, 0, 0, 9]);
    assert_error_and_closed(&w, &s, error_type::BAD_REQUEST, bad_request::BAD_LEN);
    assert!(matches!(s.closed_with(), Some(CloseReason::Framing(_))));
    assert_eq!(w[0].2, 9, "error carries the frame's xid");
}

#[test]
fn truncated_frame_waits_for_the_rest() {
    let mut s = up(V1_3);
    let full = frames::echo_request(V1_3, 3, &[7; 20]);
    let mut buf = BytesMut::from(&full[..10]);
    s.conn.on_bytes(&mut buf, s.now, &mut s.outs);
    assert!(s.written().is_empty());
    assert_eq!(buf.len(), 10, "partial frame stays in the buffer");
    buf.extend_from_slice(&full[10..]);
    s.conn.on_bytes(&mut buf, s.now, &mut s.outs);
    assert_eq!(s.written()[0].1, wire::OFPT_ECHO_REPLY);
    assert!(buf.is_empty());
}

#[test]
fn a_64k_lie_is_held_then_rejected_when_it_cannot_decode() {
    let mut s = up(V1_3);
    // Declares 65535 bytes of FEATURES_REPLY and sends 100.
    let mut lie = vec![0x04, wire::OFPT_FEATURES_REPLY, 0xff, 0xff, 0, 0, 0, 5];
    lie.extend_from_slice(&[0; 92]);
    let mut buf = BytesMut::from(&lie[..]);
    s.conn.on_bytes(&mut buf, s.now, &mut s.outs);
    assert!(!s.conn.is_closed());
    // With a smaller frame limit the header alone is enough to refuse it.
    let mut t = Script::with(ConnConfig {
        max_frame_len: 4096,
        ..ConnConfig::default()
    });
    t.written();
    let w = t.feed(&frames::hello(4, Some(1 << 4), 1));
    let w = t.feed(&frames::features_reply(V1_3, w[0].2, Dpid(1), 1));
    t.feed(&frames::stats_reply(V1_3, w[0].2, 0x0d, false, &[]));
    t.feed(&frames::barrier_reply(V1_3, w[2].2));
    let w = t.feed(&lie);
    assert_error_and_closed(&w, &t, error_type::BAD_REQUEST, bad_request::BAD_LEN);
}

#[test]
fn wrong_version_after_negotiation_closes() {
    let mut s = up(V1_3);
    let w = s.feed(&frames::echo_request(V1_0, 4, &[]));
    assert_error_and_closed(&w, &s, error_type::BAD_REQUEST, bad_request::BAD_VERSION);
}

#[test]
fn hello_flood_closes() {
    let mut s = up(V1_3);
    let mut flood = Vec::new();
    for i in 0..1000 {
        flood.extend_from_slice(&frames::hello(4, Some(1 << 4), i));
    }
    let w = s.feed(&flood);
    assert_error_and_closed(&w, &s, error_type::BAD_REQUEST, bad_request::EPERM);
    assert_eq!(s.closed_with(), Some(CloseReason::HelloFlood));
}

#[test]
fn unknown_type_gets_bad_type_and_the_connection_stays() {
    let mut s = up(V1_3);
    let mut f = Vec::new();
    wire::write_simple(&mut f, 0x04, 0x63, 77, &[1, 2, 3]);
    let w = s.feed(&f);
    let e = wire::read_error(&Bytes::from(w[0].3.clone())).unwrap();
    assert_eq!(
        (e.err_type, e.code, w[0].2),
        (error_type::BAD_REQUEST, bad_request::BAD_TYPE, 77)
    );
    assert!(!s.conn.is_closed());
    let w = s.feed(&frames::echo_request(V1_3, 5, &[]));
    assert_eq!(w[0].1, wire::OFPT_ECHO_REPLY);
}

#[test]
fn short_features_reply_is_a_decode_error() {
    let mut s = Script::new(&[V1_3]);
    s.written();
    let w = s.feed(&frames::hello(4, Some(1 << 4), 1));
    let mut f = Vec::new();
    wire::write_simple(&mut f, 0x04, wire::OFPT_FEATURES_REPLY, w[0].2, &[0; 4]);
    let w = s.feed(&f);
    assert!(w.iter().any(|f| f.1 == wire::OFPT_ERROR));
    assert!(s.conn.is_closed());
}

#[test]
fn handshake_times_out() {
    let mut s = Script::new(&[V1_3]);
    s.written();
    s.feed(&frames::hello(4, Some(1 << 4), 1));
    s.tick(Duration::from_secs(9));
    assert!(!s.conn.is_closed());
    s.tick(Duration::from_secs(1));
    assert_eq!(s.closed_with(), Some(CloseReason::HandshakeTimeout));
}

#[test]
fn sending_before_up_is_refused() {
    let mut s = Script::new(&[V1_3]);
    assert!(matches!(
        s.conn.barrier(s.now),
        Err(SendError::NotConnected(_))
    ));
    s.feed(&frames::hello(4, Some(1 << 4), 1));
    assert!(s.conn.send(&stats_request(V1_3)).is_err());
}

#[test]
fn random_bytes_never_panic() {
    // A cheap deterministic fuzz: xorshift bytes in random chunk sizes, in every state.
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    for round in 0..300 {
        let mut s = if round % 3 == 0 {
            Script::new(&[V1_0, V1_3])
        } else {
            up(if round % 2 == 0 { V1_0 } else { V1_3 })
        };
        let mut buf = BytesMut::new();
        for _ in 0..20 {
            let n = (next() % 64) as usize;
            for _ in 0..n {
                let b = next() as u8;
                buf.extend_from_slice(&[b]);
            }
            // Keep headers plausible half of the time so bodies get decoded.
            if round % 2 == 0 && buf.len() >= 4 {
                buf[0] = if round % 4 == 0 { 1 } else { 4 };
                let len = (buf.len() as u16).max(8);
                buf[2..4].copy_from_slice(&len.to_be_bytes());
            }
            s.conn.on_bytes(&mut buf, s.now, &mut s.outs);
            s.tick(Duration::from_millis(700));
        }
    }
}

fn port_v13(no: u32, name: &str) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&no.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&[2, 0, 0, 0, 0, no as u8]);
    b.extend_from_slice(&[0; 2]);
    let mut n = [0u8; 16];
    n[..name.len()].copy_from_slice(name.as_bytes());
    b.extend_from_slice(&n);
    b.extend_from_slice(&[0; 4 * 8]); // config … max_speed
    b
}

fn phy_port_v10(no: u16, name: &str) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&no.to_be_bytes());
    b.extend_from_slice(&[2, 0, 0, 0, 0, no as u8]);
    let mut n = [0u8; 16];
    n[..name.len()].copy_from_slice(name.as_bytes());
    b.extend_from_slice(&n);
    b.extend_from_slice(&[0; 4 * 6]); // config … peer
    b
}

#[test]
fn ports_from_port_desc_parts_and_from_features_1_0() {
    // 1.3: PORT_DESC in two parts.
    let mut s = Script::new(&[V1_3]);
    s.written();
    let w = s.feed(&frames::hello(4, Some(1 << 4), 1));
    let w = s.feed(&frames::features_reply(V1_3, w[0].2, Dpid(9), 1));
    let (pd, barrier) = (w[0].2, w[2].2);
    s.feed(&frames::stats_reply(
        V1_3,
        pd,
        0x0d,
        true,
        &port_v13(1, "eth1"),
    ));
    s.feed(&frames::stats_reply(
        V1_3,
        pd,
        0x0d,
        false,
        &port_v13(2, "eth2"),
    ));
    s.feed(&frames::barrier_reply(V1_3, barrier));
    match s.take().as_slice() {
        [Output::SwitchUp(h)] => {
            let names: Vec<&str> = h.ports.iter().map(|p| p.name.as_str()).collect();
            assert_eq!(names, ["eth1", "eth2"]);
        }
        other => panic!("{other:?}"),
    }
    // 1.0: ports ride in FEATURES_REPLY.
    let mut s = Script::new(&[V1_0]);
    s.written();
    let w = s.feed(&frames::hello(1, None, 1));
    let mut f = frames::features_reply(V1_0, w[0].2, Dpid(9), 1);
    f.extend_from_slice(&phy_port_v10(3, "p3"));
    let len = f.len() as u16;
    f[2..4].copy_from_slice(&len.to_be_bytes());
    let w = s.feed(&f);
    s.feed(&frames::barrier_reply(V1_0, w[1].2));
    match s.take().as_slice() {
        [Output::SwitchUp(h)] => {
            assert_eq!(h.ports.iter().map(|p| p.port_no).collect::<Vec<_>>(), [3])
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn events_during_the_handshake_are_delivered_after_switch_up() {
    let mut s = Script::new(&[V1_0]);
    s.written();
    let w = s.feed(&frames::hello(1, None, 1));
    let w = s.feed(&frames::features_reply(V1_0, w[0].2, Dpid(9), 1));
    s.feed(&frames::packet_in_v10(50, 2, &[0xab; 60]));
    assert!(s.take().is_empty());
    s.feed(&frames::barrier_reply(V1_0, w[1].2));
    let o = s.take();
    assert!(matches!(&o[0], Output::SwitchUp(_)), "{o:?}");
    assert!(
        matches!(&o[1], Output::PacketIn(p) if p.in_port() == 2 && p.data.len() == 60),
        "{o:?}"
    );
}

#[test]
fn a_multipart_reply_past_the_byte_cap_fails_its_request_and_is_dropped() {
    let cfg = ConnConfig {
        max_reply_bytes: 4096,
        ..ConnConfig::default()
    };
    for v in [V1_0, V1_3] {
        let mut s = up_with(v, cfg.clone());
        let a = s.conn.request(&stats_request(v), s.now).unwrap();
        s.written();
        let part = [0u8; 1000];
        let mut failed_after = None;
        for i in 1..=100 {
            s.feed(&frames::stats_reply(v, a, 0xffff, true, &part));
            let o = s.take();
            if let [Output::Reply {
                xid,
                result: Err(RequestError::ReplyTooLarge { parts, bytes }),
            }] = o.as_slice()
            {
                assert_eq!((*xid, *parts), (a, i));
                assert!(*bytes > 4096);
                failed_after = Some(i);
                break;
            }
            assert!(o.is_empty(), "{o:?}");
        }
        let n = failed_after.expect("the request failed");
        assert!((4..=6).contains(&n), "failed after {n} parts of 1 KB");
        assert_eq!(s.conn.pending_requests(), 0, "nothing held for it");
        // The switch keeps sending: ignored, the connection stays up.
        s.feed(&frames::stats_reply(v, a, 0xffff, true, &part));
        assert!(s.take().is_empty());
        assert!(s.conn.is_up());
    }
}

#[test]
fn a_role_reply_completes_its_request_and_an_unsolicited_one_is_ignored() {
    let mut s = up(V1_3);
    let role = |r: u32| {
        openflow::Message::V13(openflow::v13::Message::RoleRequest(openflow::v13::Role {
            role: r,
            generation_id: 0,
        }))
    };
    let xid = s
        .conn
        .request(&role(openflow::role::NOCHANGE), s.now)
        .unwrap();
    s.written();
    let reply = |xid: u32| {
        openflow::Message::V13(openflow::v13::Message::RoleReply(openflow::v13::Role {
            role: openflow::role::MASTER,
            generation_id: 7,
        }))
        .to_bytes(xid)
        .unwrap()
    };
    s.feed(&reply(xid.wrapping_add(1000)));
    assert!(s.take().is_empty(), "a reply nobody asked for");
    assert_eq!(s.conn.pending_requests(), 1);
    s.feed(&reply(xid));
    let o = s.take();
    match o.as_slice() {
        [Output::Reply {
            xid: x,
            result: Ok(parts),
        }] => {
            assert_eq!(*x, xid);
            assert!(matches!(
                parts.as_slice(),
                [openflow::Message::V13(openflow::v13::Message::RoleReply(r))]
                    if r.role == openflow::role::MASTER && r.generation_id == 7
            ));
        }
        other => panic!("expected the role reply, got {other:?}"),
    }
    assert_eq!(s.conn.pending_requests(), 0);
}
