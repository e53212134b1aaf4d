//! Hand-built frames shared by the allocation test and the benchmarks, written out from
//! the spec layouts (not produced by the codec under test).

/// cbench's probe: an 18-byte OpenFlow 1.0 PACKET_IN header and a 64-byte IPv4/UDP frame,
/// in_port 1, reason NO_MATCH, buffer 0x100. Written out by hand from the 1.0 spec layout
/// (header; buffer_id; total_len; in_port; reason; pad).
pub fn cbench_packet_in_v10() -> Vec<u8> {
    let mut f = vec![0x01, 0x0a, 0x00, 0x52, 0x00, 0x00, 0x00, 0x07];
    f.extend_from_slice(&[0x00, 0x00, 0x01, 0x00, 0x00, 0x40, 0x00, 0x01, 0x00, 0x00]);
    f.extend_from_slice(&udp_frame());
    assert_eq!(f.len(), 82);
    f
}

/// The same frame in an OpenFlow 1.3 PACKET_IN whose match holds in_port only: header;
/// buffer_id; total_len; reason; table_id; cookie; ofp_match (OXM, in_port = 1, padded to
/// 16); 2 bytes of pad; data.
pub fn packet_in_v13() -> Vec<u8> {
    let mut f = vec![0x04, 0x0a, 0x00, 0x6a, 0x00, 0x00, 0x00, 0x07];
    f.extend_from_slice(&[0xff, 0xff, 0xff, 0xff, 0x00, 0x40, 0x00, 0x00]);
    f.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(&[
        0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 0,
    ]);
    f.extend_from_slice(&[0, 0]);
    f.extend_from_slice(&udp_frame());
    assert_eq!(f.len(), 0x6a);
    f
}

pub fn udp_frame() -> [u8; 64] {
    let mut e = [0u8; 64];
    e[..6].copy_from_slice(&[0, 0, 0, 0, 0, 2]);
    e[6..12].copy_from_slice(&[0, 0, 0, 0, 0, 1]);
    e[12..14].copy_from_slice(&[0x08, 0x00]);
    // IPv4: version/IHL, total length 50, TTL 64, UDP, 10.0.0.1 → 10.0.0.2.
    e[14] = 0x45;
    e[16..18].copy_from_slice(&50u16.to_be_bytes());
    e[22] = 64;
    e[23] = 17;
    e[26..30].copy_from_slice(&[10, 0, 0, 1]);
    e[30..34].copy_from_slice(&[10, 0, 0, 2]);
    e[34..36].copy_from_slice(&1234u16.to_be_bytes());
    e[36..38].copy_from_slice(&5678u16.to_be_bytes());
    e[38..40].copy_from_slice(&30u16.to_be_bytes());
    e
}
