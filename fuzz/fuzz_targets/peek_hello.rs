//! A HELLO from a peer of any version: reading its negotiation facts and negotiating must
//! never panic, whatever the elements hold.
#![no_main]

use bytes::Bytes;
use libfuzzer_sys::fuzz_target;
use openflow::hello::{negotiate, parse_elements, peek_hello, write_elements};
use openflow::Version;

fuzz_target!(|data: &[u8]| {
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
        // What parsed must write and parse back the same.
        let mut out = Vec::new();
        write_elements(&elements, &mut out);
        let again = parse_elements(&Bytes::from(out));
        assert_eq!(again.as_ref().ok(), Some(&elements));
    }
});
