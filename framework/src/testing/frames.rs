//! Hand-built OpenFlow frames for scripted switches (state-machine and socket tests). They
//! depend only on the header layout, never on the codec under test.

use crate::Dpid;
use openflow::Version;

use crate::connection::wire;

fn msg(version: u8, msg_type: u8, xid: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    wire::write_simple(&mut out, version, msg_type, xid, body);
    out
}

/// A HELLO with header version `version` and, if given, a version bitmap element.
pub fn hello(version: u8, bitmap: Option<u32>, xid: u32) -> Vec<u8> {
    match bitmap {
        None => msg(version, wire::OFPT_HELLO, xid, &[]),
        Some(b) => {
            let mut body = vec![0x00, 0x01, 0x00, 0x08];
            body.extend_from_slice(&b.to_be_bytes());
            msg(version, wire::OFPT_HELLO, xid, &body)
        }
    }
}

/// A FEATURES_REPLY without ports (32 bytes, both versions).
pub fn features_reply(v: Version, xid: u32, dpid: Dpid, n_tables: u8) -> Vec<u8> {
    let mut body = Vec::with_capacity(24);
    body.extend_from_slice(&dpid.get().to_be_bytes());
    body.extend_from_slice(&256u32.to_be_bytes()); // n_buffers
    body.push(n_tables);
    body.extend_from_slice(&[0, 0, 0]); // auxiliary_id + pad (1.3) / pad (1.0)
    body.extend_from_slice(&0x47u32.to_be_bytes()); // capabilities
    body.extend_from_slice(&0u32.to_be_bytes()); // actions (1.0) / reserved (1.3)
    msg(v.wire(), wire::OFPT_FEATURES_REPLY, xid, &body)
}

pub fn barrier_reply(v: Version, xid: u32) -> Vec<u8> {
    msg(v.wire(), wire::types(v).barrier_reply, xid, &[])
}

pub fn echo_request(v: Version, xid: u32, payload: &[u8]) -> Vec<u8> {
    msg(v.wire(), wire::OFPT_ECHO_REQUEST, xid, payload)
}

pub fn echo_reply(v: Version, xid: u32, payload: &[u8]) -> Vec<u8> {
    msg(v.wire(), wire::OFPT_ECHO_REPLY, xid, payload)
}

pub fn error(v: Version, xid: u32, err_type: u16, code: u16, data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    wire::write_error(&mut out, v.wire(), xid, err_type, code, data);
    out
}

/// A stats/multipart reply part of `stats_type` with the given body after the 8-byte
/// (1.3) or 4-byte (1.0) stats header.
pub fn stats_reply(v: Version, xid: u32, stats_type: u16, more: bool, body: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&stats_type.to_be_bytes());
    b.extend_from_slice(&(if more { wire::REPLY_MORE } else { 0 }).to_be_bytes());
    if v == Version::V1_3 {
        b.extend_from_slice(&[0; 4]);
    }
    b.extend_from_slice(body);
    msg(v.wire(), wire::types(v).stats_reply, xid, &b)
}

/// An OpenFlow 1.0 PACKET_IN (no buffer, reason NO_MATCH) carrying `data`.
pub fn packet_in_v10(xid: u32, in_port: u16, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0xffff_ffffu32.to_be_bytes());
    b.extend_from_slice(&(data.len() as u16).to_be_bytes());
    b.extend_from_slice(&in_port.to_be_bytes());
    b.push(0); // reason
    b.push(0); // pad
    b.extend_from_slice(data);
    msg(Version::V1_0.wire(), 0x0a, xid, &b)
}

/// An OpenFlow 1.3 PACKET_IN (no buffer, reason NO_MATCH, match = in_port) carrying `data`.
pub fn packet_in_v13(xid: u32, in_port: u32, data: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&0xffff_ffffu32.to_be_bytes()); // buffer_id
    b.extend_from_slice(&(data.len() as u16).to_be_bytes()); // total_len
    b.push(0); // reason
    b.push(0); // table_id
    b.extend_from_slice(&0u64.to_be_bytes()); // cookie
                                              // ofp_match: type OXM (1), length 4 + 8, OXM in_port, pad to 8.
    b.extend_from_slice(&[0x00, 0x01, 0x00, 0x0c]);
    b.extend_from_slice(&[0x80, 0x00, 0x00, 0x04]);
    b.extend_from_slice(&in_port.to_be_bytes());
    b.extend_from_slice(&[0; 4]);
    b.extend_from_slice(&[0; 2]); // pad
    b.extend_from_slice(data);
    msg(Version::V1_3.wire(), 0x0a, xid, &b)
}

/// Splits a byte stream into `(version, type, xid, frame)` tuples (whole frames only).
pub fn split(bytes: &[u8]) -> Vec<(u8, u8, u32, Vec<u8>)> {
    openflow::header::frames(bytes, openflow::header::MAX_MESSAGE_LEN)
        .filter_map(Result::ok)
        .filter_map(|f| {
            openflow::header::Header::parse(f).map(|h| (h.version, h.msg_type, h.xid, f.to_vec()))
        })
        .collect()
}

/// `n` 1.3 PORT_STATUS ADDs for ports 1..=n of switch `dpid` (one encoded and patched:
/// the port number sits at offset 16), back to back: a port flood.
pub fn port_status_adds_v13(dpid: crate::Dpid, n: u32) -> Vec<u8> {
    let mut one = Vec::new();
    let status = openflow::PortStatus {
        reason: openflow::port_reason::ADD,
        port: super::fake_port(dpid, 1),
    };
    let encoded = openflow::Message::from_neutral(Version::V1_3, &status)
        .ok()
        .map(|m| m.encode(1, &mut one));
    if !matches!(encoded, Some(Ok(()))) || one.len() < 20 {
        return Vec::new();
    }
    let mut out = Vec::with_capacity(one.len() * n as usize);
    for port_no in 1..=n {
        let at = out.len();
        out.extend_from_slice(&one);
        if let Some(p) = out.get_mut(at + 16..at + 20) {
            p.copy_from_slice(&port_no.to_be_bytes());
        }
    }
    out
}
