//! The connection state machine (sans-IO) on bytes from a switch.

use std::time::{Duration, Instant};

use bytes::BytesMut;
use openflow::Version;
use viola_framework::connection::{wire, ConnConfig, Connection, Output};
use viola_framework::testing::frames;

/// Memory a connection may hold for one peer, whatever it sends: the unread input is at
/// most one frame, the output of one step is small, and requests are few.
const MAX_OUT: usize = 1 << 20;
const MAX_PENDING: usize = 64;

/// The first byte chooses: a valid handshake first (bit 0), its version (bit 1), requests
/// in flight (bit 2), and how the rest is cut into reads (bits 3–7). The rest is what the
/// switch sends. No panic, bounded buffers, and a closed connection stays closed.
pub fn connection(data: &[u8]) {
    let Some((&mode, stream)) = data.split_first() else {
        return;
    };
    let version = if mode & 2 == 0 {
        Version::V1_0
    } else {
        Version::V1_3
    };
    let cfg = ConnConfig {
        max_reply_bytes: 256 * 1024,
        ..ConnConfig::default()
    };
    let mut now = Instant::now();
    let mut conn = Connection::new(cfg, now);
    let mut input = BytesMut::new();
    let mut outs = Vec::new();
    if mode & 1 == 1 {
        handshake(&mut conn, version, now, &mut outs);
    }
    if mode & 4 == 4 && conn.is_up() {
        let _ = conn.barrier(now);
        let _ = conn.barrier(now);
    }
    let read = usize::from(mode >> 3).max(1) * 7;
    for chunk in stream.chunks(read) {
        input.extend_from_slice(chunk);
        conn.on_bytes(&mut input, now, &mut outs);
        now += Duration::from_millis(700);
        conn.on_tick(now, &mut outs);
        assert!(
            input.len() <= openflow::header::MAX_MESSAGE_LEN,
            "{} unread bytes held",
            input.len()
        );
        assert!(
            conn.out_bytes().len() <= MAX_OUT,
            "output grew to {}",
            conn.out_bytes().len()
        );
        assert!(conn.pending_requests() <= MAX_PENDING);
        conn.clear_out();
        for o in outs.drain(..) {
            if let Output::SwitchUp(h) = o {
                assert!(h.ports.len() <= ConnConfig::default().max_ports);
            }
        }
        if conn.is_closed() {
            assert!(conn.close_reason().is_some());
            break;
        }
    }
}

/// HELLO, FEATURES_REPLY, (1.3) PORT_DESC reply and the barrier reply, answering the xids
/// the connection chose.
fn handshake(conn: &mut Connection, v: Version, now: Instant, outs: &mut Vec<Output>) {
    let mut feed = |conn: &mut Connection, bytes: Vec<u8>| {
        conn.clear_out();
        let mut buf = BytesMut::from(&bytes[..]);
        conn.on_bytes(&mut buf, now, outs);
        frames::split(conn.out_bytes())
    };
    let bitmap = (v == Version::V1_3).then_some(1 << 4);
    let sent = feed(conn, frames::hello(v.wire(), bitmap, 1));
    let Some(features) = sent.iter().find(|f| f.1 == wire::OFPT_FEATURES_REQUEST) else {
        return;
    };
    let sent = feed(
        conn,
        frames::features_reply(v, features.2, openflow::Dpid(0xa1), 254),
    );
    let types = wire::types(v);
    for f in sent.iter().filter(|f| f.1 == types.stats_request) {
        feed(conn, frames::stats_reply(v, f.2, 0x0d, false, &[]));
    }
    if let Some(b) = sent.iter().find(|f| f.1 == types.barrier_request) {
        feed(conn, frames::barrier_reply(v, b.2));
    }
    outs.clear();
}
