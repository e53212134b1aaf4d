//! The few fixed-layout control messages the connection owns, encoded and read at the header
//! level. They are identical in shape across versions (only the type numbers move), so the
//! handshake, echo, barriers and error replies never depend on the full codec.

use bytes::Bytes;
use openflow::header::{begin_message, finish_message, HEADER_LEN};
use openflow::{ErrorMsg, Version};

// The type numbers come from the codec's per-version tables; these names are the ones
// the connection uses. HELLO, ERROR and ECHO are the same in every version, FEATURES and
// SET_CONFIG in every version the connection speaks.
use openflow::{v10, v13};

/// `OFPT_HELLO` (every version).
pub const OFPT_HELLO: u8 = v13::msg_type::HELLO;
/// `OFPT_ERROR` (every version).
pub const OFPT_ERROR: u8 = v13::msg_type::ERROR;
/// `OFPT_ECHO_REQUEST` (every version).
pub const OFPT_ECHO_REQUEST: u8 = v13::msg_type::ECHO_REQUEST;
/// `OFPT_ECHO_REPLY` (every version).
pub const OFPT_ECHO_REPLY: u8 = v13::msg_type::ECHO_REPLY;
/// `OFPT_FEATURES_REQUEST` (1.0 and 1.3).
pub const OFPT_FEATURES_REQUEST: u8 = v13::msg_type::FEATURES_REQUEST;
/// `OFPT_FEATURES_REPLY` (1.0 and 1.3).
pub const OFPT_FEATURES_REPLY: u8 = v13::msg_type::FEATURES_REPLY;
/// `OFPT_SET_CONFIG` (1.0 and 1.3).
pub const OFPT_SET_CONFIG: u8 = v13::msg_type::SET_CONFIG;

// Checked at compile time: the shared numbers really are shared.
const _: () = {
    assert!(v10::msg_type::HELLO == OFPT_HELLO && v10::msg_type::ERROR == OFPT_ERROR);
    assert!(v10::msg_type::ECHO_REQUEST == OFPT_ECHO_REQUEST);
    assert!(v10::msg_type::ECHO_REPLY == OFPT_ECHO_REPLY);
    assert!(v10::msg_type::FEATURES_REQUEST == OFPT_FEATURES_REQUEST);
    assert!(v10::msg_type::FEATURES_REPLY == OFPT_FEATURES_REPLY);
    assert!(v10::msg_type::SET_CONFIG == OFPT_SET_CONFIG);
    assert!(v10::stats_request::REPLY_MORE == REPLY_MORE);
};

/// Type numbers that differ between 1.0 and 1.3 (1.4 and 1.5 keep 1.3's).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Types {
    pub stats_request: u8,
    pub stats_reply: u8,
    pub barrier_request: u8,
    pub barrier_reply: u8,
}

/// The version-dependent type numbers.
pub const fn types(v: Version) -> Types {
    match v {
        Version::V1_0 => Types {
            stats_request: v10::msg_type::STATS_REQUEST,
            stats_reply: v10::msg_type::STATS_REPLY,
            barrier_request: v10::msg_type::BARRIER_REQUEST,
            barrier_reply: v10::msg_type::BARRIER_REPLY,
        },
        // 1.4 and 1.5 keep 1.3's numbers for these.
        Version::V1_3 | Version::V1_4 | Version::V1_5 => Types {
            stats_request: v13::msg_type::MULTIPART_REQUEST,
            stats_reply: v13::msg_type::MULTIPART_REPLY,
            barrier_request: v13::msg_type::BARRIER_REQUEST,
            barrier_reply: v13::msg_type::BARRIER_REPLY,
        },
    }
}

/// `OFPMP_PORT_DESC` (1.3).
pub const OFPMP_PORT_DESC: u16 = v13::multipart::multipart_type::PORT_DESC;
/// `OFPMPF_REPLY_MORE` / `OFPSF_REPLY_MORE`.
pub const REPLY_MORE: u16 = v13::multipart::FLAG_MORE;
/// How much of an offending frame goes into the data of an OFPT_ERROR we send.
pub const ERROR_DATA_LEN: usize = 64;

/// Appends a message with only a header and `body`.
pub fn write_simple(out: &mut Vec<u8>, version: u8, msg_type: u8, xid: u32, body: &[u8]) {
    let start = begin_message(out, version, msg_type, xid);
    out.extend_from_slice(body);
    if finish_message(out, start).is_err() {
        // Only reachable with a body over 64 KiB, which callers never pass; the message
        // was removed from `out` by `finish_message`.
        tracing::error!("dropped an oversized control message");
    }
}

/// Appends an OFPT_ERROR with the first [`ERROR_DATA_LEN`] bytes of `data`.
pub fn write_error(
    out: &mut Vec<u8>,
    version: u8,
    xid: u32,
    err_type: u16,
    code: u16,
    data: &[u8],
) {
    let mut body = [0u8; 4 + ERROR_DATA_LEN];
    body[..2].copy_from_slice(&err_type.to_be_bytes());
    body[2..4].copy_from_slice(&code.to_be_bytes());
    let n = data.len().min(ERROR_DATA_LEN);
    body[4..4 + n].copy_from_slice(&data[..n]);
    write_simple(out, version, OFPT_ERROR, xid, &body[..4 + n]);
}

/// Appends SET_CONFIG.
pub fn write_set_config(out: &mut Vec<u8>, v: Version, xid: u32, flags: u16, miss_send_len: u16) {
    let f = flags.to_be_bytes();
    let m = miss_send_len.to_be_bytes();
    write_simple(
        out,
        v.wire(),
        OFPT_SET_CONFIG,
        xid,
        &[f[0], f[1], m[0], m[1]],
    );
}

/// Appends a PORT_DESC multipart request in `v` (1.3 or later: the body is the same).
pub fn write_port_desc_request(out: &mut Vec<u8>, v: Version, xid: u32) {
    let t = OFPMP_PORT_DESC.to_be_bytes();
    write_simple(
        out,
        v.wire(),
        types(v).stats_request,
        xid,
        &[t[0], t[1], 0, 0, 0, 0, 0, 0],
    );
}

/// Reads an OFPT_ERROR body (`frame` is the whole frame). Experimenter errors of 1.3
/// (type 0xffff) carry `exp_type` in `code` and the experimenter id after it.
pub fn read_error(frame: &Bytes) -> Option<ErrorMsg> {
    let body = frame.get(HEADER_LEN..)?;
    let err_type = u16::from_be_bytes([*body.first()?, *body.get(1)?]);
    let code = u16::from_be_bytes([*body.get(2)?, *body.get(3)?]);
    let version = *frame.first()?;
    if err_type == 0xffff && version >= Version::V1_3.wire() {
        let e = body.get(4..8)?;
        let experimenter = u32::from_be_bytes([e[0], e[1], e[2], e[3]]);
        return Some(ErrorMsg {
            err_type,
            code,
            experimenter: Some(experimenter),
            data: frame.slice(HEADER_LEN + 8..),
        });
    }
    Some(ErrorMsg {
        err_type,
        code,
        experimenter: None,
        data: frame.slice(HEADER_LEN + 4..),
    })
}

/// The fixed fields of FEATURES_REPLY (identical offsets in 1.0 and 1.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeaturesFixed {
    pub datapath_id: openflow::Dpid,
    pub n_buffers: u32,
    pub n_tables: u8,
    pub capabilities: u32,
}

/// Reads the fixed part of a FEATURES_REPLY frame; `None` if it is shorter than 32 bytes.
pub fn read_features(frame: &[u8]) -> Option<FeaturesFixed> {
    let b: &[u8; 32] = frame.get(..32)?.try_into().ok()?;
    Some(FeaturesFixed {
        datapath_id: openflow::Dpid(u64::from_be_bytes([
            b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15],
        ])),
        n_buffers: u32::from_be_bytes([b[16], b[17], b[18], b[19]]),
        n_tables: b[20],
        capabilities: u32::from_be_bytes([b[24], b[25], b[26], b[27]]),
    })
}

/// Reads `(stats type, flags)` of a stats/multipart reply frame.
pub fn read_stats_header(frame: &[u8]) -> Option<(u16, u16)> {
    let b = frame.get(HEADER_LEN..HEADER_LEN + 4)?;
    Some((
        u16::from_be_bytes([b[0], b[1]]),
        u16::from_be_bytes([b[2], b[3]]),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_truncated_to_64_bytes_of_data() {
        let mut out = vec![];
        write_error(&mut out, 4, 9, 1, 6, &[0xaa; 100]);
        assert_eq!(out.len(), 8 + 4 + 64);
        let e = read_error(&Bytes::from(out)).unwrap();
        assert_eq!((e.err_type, e.code, e.data.len()), (1, 6, 64));
    }

    #[test]
    fn short_error_body_is_rejected() {
        assert!(read_error(&Bytes::from_static(&[4, 1, 0, 10, 0, 0, 0, 1, 0, 1])).is_none());
    }
}
