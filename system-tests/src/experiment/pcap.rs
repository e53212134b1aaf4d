//! Reading what `tcpdump -w` wrote: the classic pcap format (micro- or nanosecond
//! timestamps, either byte order, Ethernet link type), and just enough IPv4/UDP/TCP parsing
//! to follow a counter stream or a TCP byte stream. Frames may be truncated by the snap
//! length: lengths come from the IP header, not from the captured bytes.

use std::path::Path;

use super::ExperimentError;

/// Link type of Ethernet captures.
const LINKTYPE_ETHERNET: u32 = 0x0001;
const MAGIC_MICRO: u32 = 0xa1b2_c3d4;
const MAGIC_NANO: u32 = 0xa1b2_3c4d;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_VLAN: u16 = 0x8100;
pub const IPPROTO_TCP: u8 = 0x06;
pub const IPPROTO_UDP: u8 = 0x11;

/// One captured frame.
#[derive(Debug, Clone, PartialEq)]
pub struct Frame {
    /// Capture time, seconds since the Unix epoch.
    pub ts: f64,
    /// The captured bytes (at most the snap length).
    pub data: Vec<u8>,
    /// Length of the frame on the wire.
    pub orig_len: u32,
}

/// Reads a whole capture file. A record cut short at the end (the capture was still being
/// written) is ignored.
pub fn read(path: &Path) -> Result<Vec<Frame>, ExperimentError> {
    let raw = std::fs::read(path)
        .map_err(|e| ExperimentError::io(format!("read {}", path.display()), e))?;
    parse(&raw).map_err(|reason| ExperimentError::Pcap {
        path: path.display().to_string(),
        reason,
    })
}

/// Parses a capture held in memory.
pub fn parse(raw: &[u8]) -> Result<Vec<Frame>, String> {
    let head = raw.get(..24).ok_or("shorter than a pcap header")?;
    let le = |b: &[u8]| u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    let be = |b: &[u8]| u32::from_be_bytes([b[0], b[1], b[2], b[3]]);
    type Word<'a> = &'a dyn Fn(&[u8]) -> u32;
    let (word, nano): (Word<'_>, bool) = match (le(&head[..4]), be(&head[..4])) {
        (MAGIC_MICRO, _) => (&le, false),
        (MAGIC_NANO, _) => (&le, true),
        (_, MAGIC_MICRO) => (&be, false),
        (_, MAGIC_NANO) => (&be, true),
        (m, _) => return Err(format!("not a pcap file (magic {m:#010x})")),
    };
    let linktype = word(&head[20..24]) & 0x0fff_ffff;
    if linktype != LINKTYPE_ETHERNET {
        return Err(format!("link type {linktype} is not Ethernet"));
    }
    let mut frames = Vec::new();
    let mut at = 24usize;
    while let Some(rec) = raw.get(at..at + 16) {
        let secs = f64::from(word(&rec[0..4]));
        let frac = f64::from(word(&rec[4..8]));
        let caplen = word(&rec[8..12]) as usize;
        let orig_len = word(&rec[12..16]);
        let Some(data) = raw.get(at + 16..at + 16 + caplen) else {
            break; // still being written
        };
        let ts = secs + if nano { frac * 1e-9 } else { frac * 1e-6 };
        frames.push(Frame {
            ts,
            data: data.to_vec(),
            orig_len,
        });
        at += 16 + caplen;
    }
    Ok(frames)
}

/// The IPv4 part of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4<'a> {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub proto: u8,
    /// Captured bytes of the IP payload (may be truncated).
    pub payload: &'a [u8],
    /// Length of the IP payload according to the header.
    pub payload_len: usize,
}

/// The IPv4 packet in an Ethernet frame (one VLAN tag allowed).
pub fn ipv4(frame: &[u8]) -> Option<Ipv4<'_>> {
    let mut off = 12;
    let mut ethertype = u16::from_be_bytes([*frame.get(off)?, *frame.get(off + 1)?]);
    off += 2;
    if ethertype == ETHERTYPE_VLAN {
        ethertype = u16::from_be_bytes([*frame.get(off + 2)?, *frame.get(off + 3)?]);
        off += 4;
    }
    if ethertype != ETHERTYPE_IPV4 {
        return None;
    }
    let ip = frame.get(off..)?;
    let vihl = *ip.first()?;
    if vihl >> 4 != 4 {
        return None;
    }
    let ihl = usize::from(vihl & 0x0f) * 4;
    let total = usize::from(u16::from_be_bytes([*ip.get(2)?, *ip.get(3)?]));
    let b4 = |i: usize| -> Option<[u8; 4]> { ip.get(i..i + 4)?.try_into().ok() };
    Some(Ipv4 {
        src: b4(12)?,
        dst: b4(16)?,
        proto: *ip.get(9)?,
        payload: ip.get(ihl..)?,
        payload_len: total.checked_sub(ihl)?,
    })
}

/// A UDP datagram: ports and the captured payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Udp<'a> {
    pub src_port: u16,
    pub dst_port: u16,
    pub payload: &'a [u8],
}

pub fn udp(frame: &[u8]) -> Option<Udp<'_>> {
    let ip = ipv4(frame)?;
    if ip.proto != IPPROTO_UDP {
        return None;
    }
    let u = ip.payload;
    Some(Udp {
        src_port: u16::from_be_bytes([*u.first()?, *u.get(1)?]),
        dst_port: u16::from_be_bytes([*u.get(2)?, *u.get(3)?]),
        payload: u.get(8..)?,
    })
}

/// A TCP segment's header facts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tcp {
    pub src: [u8; 4],
    pub dst: [u8; 4],
    pub src_port: u16,
    pub dst_port: u16,
    pub seq: u32,
    pub flags: u8,
    /// Payload bytes (from the IP and TCP header lengths).
    pub len: u32,
}

/// TCP flag SYN.
pub const TCP_SYN: u8 = 0x02;

pub fn tcp(frame: &[u8]) -> Option<Tcp> {
    let ip = ipv4(frame)?;
    if ip.proto != IPPROTO_TCP {
        return None;
    }
    let t = ip.payload;
    let doff = usize::from(*t.get(12)? >> 4) * 4;
    Some(Tcp {
        src: ip.src,
        dst: ip.dst,
        src_port: u16::from_be_bytes([*t.first()?, *t.get(1)?]),
        dst_port: u16::from_be_bytes([*t.get(2)?, *t.get(3)?]),
        seq: u32::from_be_bytes(t.get(4..8)?.try_into().ok()?),
        flags: *t.get(13)?,
        len: u32::try_from(ip.payload_len.checked_sub(doff)?).ok()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_udp(payload: &[u8]) -> Vec<u8> {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        let total = (20 + 8 + payload.len()) as u16;
        f.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0,
            0,
            64,
            17,
            0,
            0,
        ]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&[0x30, 0x39, 0x23, 0x28, 0, 0, 0, 0]);
        f.extend_from_slice(payload);
        f
    }

    fn pcap_of(frames: &[(u32, u32, &[u8])], nano: bool) -> Vec<u8> {
        let magic = if nano { MAGIC_NANO } else { MAGIC_MICRO };
        let mut out = Vec::new();
        for w in [magic, 0x0004_0002, 0, 0, 0xffff, LINKTYPE_ETHERNET] {
            if w == 0x0004_0002 {
                out.extend_from_slice(&2u16.to_le_bytes());
                out.extend_from_slice(&4u16.to_le_bytes());
            } else {
                out.extend_from_slice(&w.to_le_bytes());
            }
        }
        for (s, frac, data) in frames {
            for w in [*s, *frac, data.len() as u32, data.len() as u32] {
                out.extend_from_slice(&w.to_le_bytes());
            }
            out.extend_from_slice(data);
        }
        out
    }

    #[test]
    fn reads_records_and_udp_payloads() {
        let f = frame_udp(b"hello");
        let raw = pcap_of(&[(10, 500_000, &f), (11, 0, &f)], false);
        let frames = parse(&raw).unwrap();
        assert_eq!(frames.len(), 2);
        assert!((frames[0].ts - 10.5).abs() < 1e-9);
        let u = udp(&frames[0].data).unwrap();
        assert_eq!(
            (u.src_port, u.dst_port, u.payload),
            (12345, 9000, &b"hello"[..])
        );
        assert!(tcp(&frames[0].data).is_none());
        // A record cut short at the end is ignored; nanosecond files are read too.
        let mut cut = pcap_of(&[(1, 250_000_000, &f)], true);
        cut.extend_from_slice(&[1, 2, 3]);
        let frames = parse(&cut).unwrap();
        assert_eq!(frames.len(), 1);
        assert!((frames[0].ts - 1.25).abs() < 1e-9);
        assert!(parse(b"not a pcap file at all, no no no").is_err());
    }

    #[test]
    fn tcp_length_comes_from_headers_not_capture() {
        let mut f = vec![0u8; 12];
        f.extend_from_slice(&[0x08, 0x00]);
        let total: u16 = 20 + 20 + 1000;
        f.extend_from_slice(&[
            0x45,
            0,
            (total >> 8) as u8,
            total as u8,
            0,
            0,
            0,
            0,
            64,
            6,
            0,
            0,
        ]);
        f.extend_from_slice(&[10, 0, 0, 1, 10, 0, 0, 2]);
        f.extend_from_slice(&[
            0x13, 0x88, 0x14, 0x51, 0, 0, 0x10, 0, 0, 0, 0, 0, 0x50, 0x18, 0, 0,
        ]);
        f.extend_from_slice(&[0; 4]); // truncated: 1000 payload bytes not captured
        let t = tcp(&f).unwrap();
        assert_eq!(
            (t.src_port, t.dst_port, t.seq, t.len),
            (5000, 5201, 0x1000, 1000)
        );
    }
}
