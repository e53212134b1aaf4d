//! Every OpenFlow 1.0 frame captured from Open vSwitch (tests/golden/of10) decodes, and
//! re-encodes byte for byte; its Display is one line.

use bytes::Bytes;
use openflow::Message;

/// (file, line, frame) of every 1.0 frame in tests/golden/of10.
fn of10_frames() -> Vec<(String, usize, Vec<u8>)> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/of10");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("golden vectors missing: cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let bytes =
                hex::decode(line).unwrap_or_else(|e| panic!("{}:{}: {e}", f.display(), i + 1));
            if bytes.first() == Some(&0x01) {
                out.push((
                    f.file_name().unwrap().to_string_lossy().into_owned(),
                    i + 1,
                    bytes,
                ));
            }
        }
    }
    out
}

#[test]
fn golden_of10_frames_round_trip() {
    let frames = of10_frames();
    assert!(
        frames.len() > 50,
        "expected the captured 1.0 vectors, found {}",
        frames.len()
    );
    let mut kinds = std::collections::BTreeSet::new();
    for (file, line, bytes) in frames {
        let wire = Bytes::from(bytes.clone());
        let (xid, msg) = Message::decode(&wire).unwrap_or_else(|e| panic!("{file}:{line}: {e}"));
        let Message::V10(m) = &msg else {
            panic!("{file}:{line}: not 1.0")
        };
        // Only types beyond QUEUE_GET_CONFIG_REPLY (0x15) may stay unknown.
        if matches!(m, openflow::v10::Message::Unknown { .. }) {
            assert!(bytes[1] > 0x15, "{file}:{line}: known type left unknown");
        }
        kinds.insert(msg.kind().name());
        let again = msg.to_bytes(xid).unwrap();
        assert_eq!(
            hex::encode(&again),
            hex::encode(&bytes),
            "{file}:{line}: re-encode differs ({msg})"
        );
        let shown = msg.to_string();
        if std::env::var_os("SHOW").is_some() {
            println!("{shown}");
        }
        assert!(
            !shown.contains('\n') && !shown.is_empty(),
            "{file}:{line}: display {shown:?}"
        );
    }
    for k in [
        "FEATURES_REPLY",
        "FLOW_MOD",
        "MULTIPART_REPLY",
        "PACKET_OUT",
    ] {
        assert!(
            kinds.contains(k),
            "no {k} among the golden 1.0 vectors: {kinds:?}"
        );
    }
}

/// Lifting what Open vSwitch sent to the neutral layer and lowering it again gives the same
/// bytes for every FLOW_MOD, PACKET_OUT, flow stats request and control message: Viola
/// encodes 1.0 the way OVS does (normalised wildcards, zeroed wildcarded fields).
#[test]
fn golden_of10_neutral_round_trip_is_byte_exact() {
    use openflow::{Neutral, Version};
    let mut checked = 0;
    for (file, line, bytes) in of10_frames() {
        let wire = Bytes::from(bytes.clone());
        let (xid, msg) = Message::decode(&wire).unwrap();
        let again = if let Some(fm) = msg.flow_mod() {
            fm.to_message(Version::V1_0)
                .map(|m| m.to_bytes(xid).unwrap())
        } else if let Some(po) = msg.packet_out() {
            po.to_message(Version::V1_0)
                .map(|m| m.to_bytes(xid).unwrap())
        } else if let Some(sr) = msg.stats_request() {
            sr.to_message(Version::V1_0)
                .map(|m| m.to_bytes(xid).unwrap())
        } else if let Some(c) = msg.control() {
            c.to_message(Version::V1_0)
                .map(|m| m.to_bytes(xid).unwrap())
        } else {
            continue;
        };
        let again = again.unwrap_or_else(|e| panic!("{file}:{line}: {e}"));
        assert_eq!(
            hex::encode(&again),
            hex::encode(&bytes),
            "{file}:{line}: {msg}"
        );
        checked += 1;
    }
    assert!(checked > 30, "only {checked} frames had a neutral form");
}
