//! The codec on bytes from a switch.

use bytes::Bytes;
use openflow::header::{frames as split, MAX_MESSAGE_LEN};
use openflow::hello::{negotiate, parse_elements, peek_hello, write_elements};
use openflow::{Message, Version};

/// A byte stream split into frames, each decoded. Nothing may panic; a frame that decodes
/// must re-encode, and the re-encoded bytes must decode to the same message. The neutral
/// views and `Display` must not panic either.
pub fn frames(data: &[u8]) {
    let buf = Bytes::copy_from_slice(data);
    for f in split(&buf, MAX_MESSAGE_LEN) {
        let Ok(f) = f else { break };
        let frame = buf.slice_ref(f);
        let Ok((xid, msg)) = Message::decode(&frame) else {
            continue;
        };
        let _ = msg.to_string();
        let _ = (msg.kind(), msg.is_partial_reply());
        let _ = (msg.packet_in(), msg.packet_out(), msg.flow_mod());
        let _ = (msg.features_reply(), msg.port_status(), msg.flow_removed());
        let _ = (
            msg.error(),
            msg.control(),
            msg.stats_request(),
            msg.stats_reply(),
        );
        let wire = match msg.to_bytes(xid) {
            Ok(w) => w,
            Err(e) => panic!("decoded {msg:?} but cannot re-encode it: {e}"),
        };
        match Message::decode(&Bytes::from(wire)) {
            Ok((xid2, again)) => {
                assert_eq!(xid, xid2);
                assert_eq!(msg, again, "re-encoded message decodes differently");
            }
            Err(e) => panic!("re-encoded {msg:?} does not decode: {e}"),
        }
    }
}

/// A HELLO from a peer of any version: reading its facts and negotiating never panics,
/// and elements that parse write and parse back the same.
pub fn hello(data: &[u8]) {
    if let Ok(info) = peek_hello(data) {
        for ours in [
            &[Version::V1_0][..],
            &[Version::V1_3],
            &[Version::V1_0, Version::V1_3],
        ] {
            if let Some(v) = negotiate(ours, &info) {
                assert!(ours.contains(&v));
            }
        }
        for v in 0..=u8::MAX {
            let _ = info.admits(v);
        }
    }
    let body = Bytes::copy_from_slice(data.get(8..).unwrap_or(&[]));
    if let Ok(elements) = parse_elements(&body) {
        let mut out = Vec::new();
        write_elements(&elements, &mut out);
        let again = parse_elements(&Bytes::from(out));
        assert_eq!(again.as_ref().ok(), Some(&elements));
    }
}
