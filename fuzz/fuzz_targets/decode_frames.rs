//! A byte stream from a switch: split into frames, decode each. Nothing may panic; a frame
//! that decodes must re-encode, and the re-encoded bytes must decode to the same message.
//! The neutral views and `Display` must not panic either.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use openflow::header::{frames, MAX_MESSAGE_LEN};
use openflow::Message;

fuzz_target!(|data: &[u8]| {
    let buf = Bytes::copy_from_slice(data);
    for f in frames(&buf, MAX_MESSAGE_LEN) {
        let Ok(f) = f else { break };
        let frame = buf.slice_ref(f);
        let Ok((xid, msg)) = Message::decode(&frame) else {
            continue;
        };
        let _ = msg.to_string();
        let _ = msg.kind();
        let _ = msg.is_partial_reply();
        let _ = (
            msg.packet_in(),
            msg.packet_out(),
            msg.flow_mod(),
            msg.features_reply(),
        );
        let _ = (
            msg.port_status(),
            msg.flow_removed(),
            msg.error(),
            msg.control(),
        );
        let _ = (msg.stats_request(), msg.stats_reply());
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
});
