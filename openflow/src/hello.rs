//! HELLO elements and version negotiation (OpenFlow 1.3.5 §6.3.1), for any header version.

use bytes::Bytes;

use crate::{header::Header, DecodeError, Version};

/// `OFPHET_VERSIONBITMAP`.
pub const ELEM_VERSION_BITMAP: u16 = 0x0001;

/// One element of a HELLO body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HelloElement {
    /// Bit `n` of the bitmap set means wire version `n` is supported.
    VersionBitmap(Vec<u32>),
    /// An element type Viola does not know: its body without the 4-byte element header and
    /// without the padding (which is re-added as zeros on encode).
    Unknown { elem_type: u16, data: Bytes },
}

/// What the peer's HELLO says about the versions it speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelloInfo {
    /// `ofp_header.version` of the HELLO: the highest version the peer speaks.
    pub header_version: u8,
    /// The peer's version bitmap, if it sent one.
    pub bitmap: Option<Vec<u32>>,
}

impl HelloInfo {
    /// Whether the bitmap (or, without one, the header version) admits wire version `v`.
    pub fn admits(&self, v: u8) -> bool {
        match &self.bitmap {
            Some(words) => {
                let word = (v / 32) as usize;
                words.get(word).is_some_and(|w| w & (1 << (v % 32)) != 0)
            }
            None => v <= self.header_version,
        }
    }
}

/// Parses HELLO elements from a body (everything after the 8-byte header). Elements are
/// padded to 8 bytes; a short or overlong element is an error.
pub fn parse_elements(body: &Bytes) -> Result<Vec<HelloElement>, DecodeError> {
    let mut out = Vec::new();
    let mut off = 0usize;
    while off < body.len() {
        let rest = &body[off..];
        if rest.len() < 4 {
            return Err(DecodeError::Truncated {
                what: "hello element",
                have: rest.len(),
                need: 4,
            });
        }
        let elem_type = u16::from_be_bytes([rest[0], rest[1]]);
        let len = u16::from_be_bytes([rest[2], rest[3]]) as usize;
        if len < 4 || len > rest.len() {
            return Err(DecodeError::Malformed {
                what: "hello element",
                detail: "bad length",
            });
        }
        let padded = len.div_ceil(8) * 8;
        let take = padded.min(rest.len());
        match elem_type {
            ELEM_VERSION_BITMAP => {
                let words = rest[4..len]
                    .chunks_exact(4)
                    .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]))
                    .collect();
                if !(len - 4).is_multiple_of(4) {
                    return Err(DecodeError::Malformed {
                        what: "hello bitmap",
                        detail: "length not a multiple of 4",
                    });
                }
                out.push(HelloElement::VersionBitmap(words));
            }
            _ => out.push(HelloElement::Unknown {
                elem_type,
                data: body.slice(off + 4..off + len),
            }),
        }
        off += take;
    }
    Ok(out)
}

/// Appends the encoded elements to `out`, padding each to 8 bytes.
pub fn write_elements(elements: &[HelloElement], out: &mut Vec<u8>) {
    for e in elements {
        match e {
            HelloElement::VersionBitmap(words) => {
                let len = 4 + 4 * words.len();
                out.extend_from_slice(&ELEM_VERSION_BITMAP.to_be_bytes());
                out.extend_from_slice(&(len as u16).to_be_bytes());
                for w in words {
                    out.extend_from_slice(&w.to_be_bytes());
                }
                out.resize(out.len() + (len.div_ceil(8) * 8 - len), 0);
            }
            HelloElement::Unknown { elem_type, data } => {
                let len = 4 + data.len();
                out.extend_from_slice(&elem_type.to_be_bytes());
                out.extend_from_slice(&(len as u16).to_be_bytes());
                out.extend_from_slice(data);
                out.resize(out.len() + (len.div_ceil(8) * 8 - len), 0);
            }
        }
    }
}

/// Reads the negotiation facts from a HELLO frame of any version. Elements that fail to
/// parse are ignored (the spec says to ignore unknown content), so only a short header fails.
pub fn peek_hello(frame: &[u8]) -> Result<HelloInfo, DecodeError> {
    let h = Header::parse(frame).ok_or(DecodeError::Truncated {
        what: "hello",
        have: frame.len(),
        need: 8,
    })?;
    let end = (h.length as usize).min(frame.len());
    let body = Bytes::copy_from_slice(frame.get(8..end).unwrap_or(&[]));
    let bitmap = parse_elements(&body).ok().and_then(|els| {
        els.into_iter().find_map(|e| match e {
            HelloElement::VersionBitmap(w) => Some(w),
            HelloElement::Unknown { .. } => None,
        })
    });
    Ok(HelloInfo {
        header_version: h.version,
        bitmap,
    })
}

/// The version both sides speak, or `None` (then send HELLO_FAILED / INCOMPATIBLE).
///
/// With a bitmap from the peer the highest version in both sets wins. Without one, the
/// spec's rule applies: the smaller of the two header versions, if we speak it.
pub fn negotiate(ours: &[Version], theirs: &HelloInfo) -> Option<Version> {
    if theirs.bitmap.is_some() {
        return ours
            .iter()
            .copied()
            .filter(|v| theirs.admits(v.wire()))
            .max();
    }
    let our_max = ours.iter().copied().max()?;
    let candidate = our_max.wire().min(theirs.header_version);
    Version::from_wire(candidate).filter(|v| ours.contains(v))
}

/// Encodes our HELLO: header version = our highest, plus a version bitmap when that is 1.3
/// or later (1.0-only peers get a bare HELLO).
pub fn encode_hello(ours: &[Version], xid: u32, out: &mut Vec<u8>) {
    let max = ours.iter().copied().max().unwrap_or(Version::V1_3);
    let start = crate::header::begin_message(out, max.wire(), 0, xid);
    if max >= Version::V1_3 {
        let bits = ours.iter().fold(0u32, |acc, v| acc | (1 << v.wire()));
        write_elements(&[HelloElement::VersionBitmap(vec![bits])], out);
    }
    // A HELLO is a few bytes: it cannot exceed the length limit.
    let _ = crate::header::finish_message(out, start);
}

#[cfg(test)]
mod tests {
    use super::*;
    use Version::*;

    fn info(v: u8, bm: Option<u32>) -> HelloInfo {
        HelloInfo {
            header_version: v,
            bitmap: bm.map(|b| vec![b]),
        }
    }

    #[test]
    fn negotiation_matrix() {
        // Peer speaks 1.0 only, no bitmap.
        assert_eq!(negotiate(&[V1_0, V1_3], &info(1, None)), Some(V1_0));
        assert_eq!(negotiate(&[V1_3], &info(1, None)), None);
        // Peer speaks 1.3 only, with bitmap.
        assert_eq!(negotiate(&[V1_0, V1_3], &info(4, Some(1 << 4))), Some(V1_3));
        assert_eq!(negotiate(&[V1_0], &info(4, Some(1 << 4))), None);
        // Peer speaks both.
        assert_eq!(negotiate(&[V1_0], &info(4, Some(0b10010))), Some(V1_0));
        assert_eq!(
            negotiate(&[V1_0, V1_3], &info(4, Some(0b10010))),
            Some(V1_3)
        );
        // Peer at 1.5 without bitmap: min is 1.3 which we speak.
        assert_eq!(negotiate(&[V1_0, V1_3], &info(6, None)), Some(V1_3));
        // Peer at 1.2 without bitmap: min is 1.2, which we do not speak.
        assert_eq!(negotiate(&[V1_0, V1_3], &info(3, None)), None);
    }

    #[test]
    fn negotiation_up_to_1_5() {
        let all = [V1_0, V1_3, V1_4, V1_5];
        // OVS offering 1.0, 1.3, 1.4 and 1.5 in its bitmap.
        let ovs = info(6, Some(0b111_0010));
        assert_eq!(negotiate(&all, &ovs), Some(V1_5));
        assert_eq!(negotiate(&[V1_0, V1_3, V1_4], &ovs), Some(V1_4));
        // A 1.4 switch without a bitmap: the smaller header version, which we speak.
        assert_eq!(negotiate(&all, &info(5, None)), Some(V1_4));
        // Our HELLO offers all four.
        let mut out = vec![];
        encode_hello(&all, 3, &mut out);
        assert_eq!(peek_hello(&out).unwrap(), info(6, Some(0b111_0010)));
    }

    #[test]
    fn hello_round_trip() {
        let mut out = vec![];
        encode_hello(&[V1_0, V1_3], 9, &mut out);
        assert_eq!(out.len(), 16);
        let i = peek_hello(&out).unwrap();
        assert_eq!(i, info(4, Some(0b10010)));
        let mut out10 = vec![];
        encode_hello(&[V1_0], 1, &mut out10);
        assert_eq!(out10, vec![1, 0, 0, 8, 0, 0, 0, 1]);
    }
}
