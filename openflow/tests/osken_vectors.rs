//! Vectors from another implementation: the OpenFlow `.packet` files that the `os-ken` wheel
//! on PyPI ships in `os_ken/tests/packet_data/of10`, `of13`, `of14` and `of15` (generated
//! by Ryu/os-ken and by `ovs-ofctl`). Every one must decode and re-encode byte for byte;
//! the deliberately truncated ones (`*.truncated*`) must be refused.
//!
//! The files are not committed: `scripts/fetch-osken-vectors.sh DIR` downloads the wheel and
//! extracts them, and `VIOLA_OSKEN_PACKET_DATA=DIR/os_ken/tests/packet_data` points here.
//! Built only with `--features osken-vectors` (the test command does both), and then it
//! FAILS when the directory or any version's files are missing — it never skips.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use openflow::Message;

/// How many `.packet` files os-ken 4.2.2 ships per directory; fewer means a broken fetch.
const EXPECTED: [(&str, usize); 4] = [("of10", 13), ("of13", 104), ("of14", 73), ("of15", 77)];

/// `.packet` files that are malformed as shipped, with why: they must be refused, as any
/// frame that breaks a length rule is. (os-ken's own parser reads past both faults.)
const MALFORMED: [(&str, &str); 2] = [
    (
        "of15/libofproto-OFP15-flow_desc_reply.packet",
        // bytes 72-73: the GOTO_TABLE instruction's length field reads 0x0808.
        "its only instruction declares 2056 bytes in an 8-byte space",
    ),
    (
        "of15/libofproto-OFP15-meter_features_reply.packet",
        // 1.3's 16-byte meter features length with 1.5's 24-byte body.
        "its header declares 32 bytes and the file holds 40",
    ),
];

fn packet_data() -> PathBuf {
    let dir = std::env::var_os("VIOLA_OSKEN_PACKET_DATA").unwrap_or_else(|| {
        panic!(
            "VIOLA_OSKEN_PACKET_DATA is not set: run scripts/fetch-osken-vectors.sh DIR and \
             point it at DIR/os_ken/tests/packet_data"
        )
    });
    PathBuf::from(dir)
}

fn files(dir: &Path, pred: impl Fn(&str) -> bool) -> Vec<PathBuf> {
    let rd = std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    let mut v: Vec<PathBuf> = rd
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(&pred))
        .collect();
    v.sort();
    v
}

/// Decodes and re-encodes one file; `Err` says what went wrong.
fn round_trip(bytes: &[u8]) -> Result<String, String> {
    let frame = Bytes::copy_from_slice(bytes);
    let (xid, m) = Message::decode(&frame).map_err(|e| format!("decode: {e}"))?;
    let out = m.to_bytes(xid).map_err(|e| format!("encode: {e}"))?;
    if out != bytes {
        let at = out.iter().zip(bytes).position(|(a, b)| a != b);
        return Err(format!(
            "re-encoded {} bytes differ from the {} read (first difference at {:?}): {m}",
            out.len(),
            bytes.len(),
            at.unwrap_or(out.len().min(bytes.len()))
        ));
    }
    Ok(m.to_string())
}

#[test]
fn every_packet_file_round_trips_byte_for_byte() {
    let root = packet_data();
    let mut failures = vec![];
    let mut total = 0;
    for (sub, expected) in EXPECTED {
        let list = files(&root.join(sub), |n| n.ends_with(".packet"));
        assert_eq!(list.len(), expected, "{sub}: .packet files found");
        for path in list {
            total += 1;
            let bytes = std::fs::read(&path).unwrap();
            let name = format!("{sub}/{}", file_name(&path));
            if let Some((_, why)) = MALFORMED.iter().find(|(n, _)| *n == name) {
                let frame = Bytes::from(bytes);
                if let Ok((_, m)) = Message::decode(&frame) {
                    failures.push(format!("{name}: decoded although {why}: {m}"));
                }
                continue;
            }
            match round_trip(&bytes) {
                Ok(shown) => {
                    assert!(!shown.contains('\n'), "{name}: multi-line display");
                    // Every vector is of a type the spec defines: none may fall back to the
                    // raw `Unknown` forms (which print `body_len=`).
                    if shown.contains("body_len=") {
                        failures.push(format!("{name}: decoded as unknown: {shown}"));
                    }
                    if std::env::var_os("VIOLA_SHOW_VECTORS").is_some() {
                        println!("{name}: {shown}");
                    }
                }
                Err(e) => failures.push(format!("{sub}/{}: {e}", file_name(&path))),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {total} vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(total, 267);
}

#[test]
fn truncated_files_are_refused() {
    let root = packet_data();
    let mut seen = 0;
    for (sub, _) in EXPECTED {
        for path in files(&root.join(sub), |n| n.contains(".truncated")) {
            seen += 1;
            let bytes = Bytes::from(std::fs::read(&path).unwrap());
            assert!(
                Message::decode(&bytes).is_err(),
                "{sub}/{} decoded",
                file_name(&path)
            );
        }
    }
    assert!(seen > 0, "no truncated vector found");
}

fn file_name(p: &Path) -> String {
    p.file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
}
