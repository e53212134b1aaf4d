//! The 8-byte OpenFlow header and framing of a byte stream.

use crate::error::DecodeError;

/// Length of `ofp_header`.
pub const HEADER_LEN: usize = 8;
/// Largest message OpenFlow can frame (`length` is 16 bits).
pub const MAX_MESSAGE_LEN: usize = 0xffff;

/// `ofp_header`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub version: u8,
    pub msg_type: u8,
    pub length: u16,
    pub xid: u32,
}

impl Header {
    /// Reads a header from the first 8 bytes of `buf`.
    pub fn parse(buf: &[u8]) -> Option<Header> {
        let b: &[u8; 8] = buf.get(..HEADER_LEN)?.try_into().ok()?;
        Some(Header {
            version: b[0],
            msg_type: b[1],
            length: u16::from_be_bytes([b[2], b[3]]),
            xid: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
        })
    }

    /// Appends the header to `out`.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(self.version);
        out.push(self.msg_type);
        out.extend_from_slice(&self.length.to_be_bytes());
        out.extend_from_slice(&self.xid.to_be_bytes());
    }
}

/// Starts a message in `out`: writes a header with a placeholder length and returns the
/// offset where it starts, for [`finish_message`].
pub fn begin_message(out: &mut Vec<u8>, version: u8, msg_type: u8, xid: u32) -> usize {
    let start = out.len();
    Header {
        version,
        msg_type,
        length: 0,
        xid,
    }
    .write(out);
    start
}

/// Patches the length of the message that starts at `start`; fails if it is over 65535.
pub fn finish_message(out: &mut Vec<u8>, start: usize) -> Result<(), crate::EncodeError> {
    let len = out.len() - start;
    let len16 = u16::try_from(len).map_err(|_| {
        out.truncate(start);
        crate::EncodeError::TooLong(len)
    })?;
    out[start + 2..start + 4].copy_from_slice(&len16.to_be_bytes());
    Ok(())
}

/// Appends a whole message: the header, then what `body` writes, then the length. On
/// error `out` is left as it was.
pub fn encode_framed(
    out: &mut Vec<u8>,
    version: u8,
    msg_type: u8,
    xid: u32,
    body: impl FnOnce(&mut Vec<u8>) -> Result<(), crate::EncodeError>,
) -> Result<(), crate::EncodeError> {
    let start = begin_message(out, version, msg_type, xid);
    if let Err(e) = body(out) {
        out.truncate(start);
        return Err(e);
    }
    finish_message(out, start)
}

/// A message body of some version: its `ofp_type` and how to write it. 1.4 and 1.5 carry
/// the bodies they keep from the version before and encode them through this.
pub(crate) trait Body {
    fn msg_type(&self) -> u8;
    fn encode_body(&self, out: &mut Vec<u8>) -> Result<(), crate::EncodeError>;
}

/// Appends `m` as a whole message with header version `version`.
pub(crate) fn encode_body_as(
    m: &impl Body,
    version: u8,
    xid: u32,
    out: &mut Vec<u8>,
) -> Result<(), crate::EncodeError> {
    encode_framed(out, version, m.msg_type(), xid, |out| m.encode_body(out))
}

/// Framing failures of a byte stream: the peer cannot be resynchronised after these.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    #[error("declared message length {0} is under the 8-byte header")]
    LengthUnderHeader(u16),
    #[error("declared message length {declared} is over the limit of {limit} bytes")]
    LengthOverLimit { declared: u16, limit: usize },
}

impl FrameError {
    /// The error to report to the switch (BAD_REQUEST / BAD_LEN).
    pub fn as_decode_error(&self) -> DecodeError {
        match *self {
            FrameError::LengthUnderHeader(d) => DecodeError::BadLength {
                declared: d as usize,
                actual: HEADER_LEN,
            },
            FrameError::LengthOverLimit { declared, limit } => DecodeError::BadLength {
                declared: declared as usize,
                actual: limit,
            },
        }
    }
}

/// Length of the whole frame at the start of `buf`: `Ok(None)` while fewer bytes than the
/// header or the declared length have arrived, an error if the declared length is under 8
/// or over `limit`.
pub fn frame_len(buf: &[u8], limit: usize) -> Result<Option<usize>, FrameError> {
    let Some(h) = Header::parse(buf) else {
        return Ok(None);
    };
    let len = h.length as usize;
    if len < HEADER_LEN {
        return Err(FrameError::LengthUnderHeader(h.length));
    }
    if len > limit {
        return Err(FrameError::LengthOverLimit {
            declared: h.length,
            limit,
        });
    }
    Ok(if buf.len() >= len { Some(len) } else { None })
}

/// Iterator over the whole frames at the start of a buffer; see [`frames`].
pub struct Frames<'a> {
    buf: &'a [u8],
    limit: usize,
    consumed: usize,
    failed: bool,
}

/// Splits the whole frames off the front of `buf`. After the iterator ends,
/// [`Frames::consumed`] tells how many bytes the whole frames took; a framing error is
/// yielded once and ends iteration.
pub fn frames(buf: &[u8], limit: usize) -> Frames<'_> {
    Frames {
        buf,
        limit,
        consumed: 0,
        failed: false,
    }
}

impl<'a> Frames<'a> {
    /// Bytes taken by the frames yielded so far.
    pub fn consumed(&self) -> usize {
        self.consumed
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Result<&'a [u8], FrameError>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let rest = &self.buf[self.consumed..];
        match frame_len(rest, self.limit) {
            Ok(Some(len)) => {
                self.consumed += len;
                Some(Ok(&rest[..len]))
            }
            Ok(None) => None,
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_frames_and_keeps_partial() {
        let mut buf = vec![
            1, 2, 0, 8, 0, 0, 0, 1, 1, 3, 0, 10, 0, 0, 0, 2, 0xaa, 0xbb, 1, 0, 0,
        ];
        let mut it = frames(&buf, MAX_MESSAGE_LEN);
        assert_eq!(it.next().unwrap().unwrap().len(), 8);
        assert_eq!(it.next().unwrap().unwrap().len(), 10);
        assert!(it.next().is_none());
        assert_eq!(it.consumed(), 18);
        buf.truncate(5);
        assert_eq!(frame_len(&buf, MAX_MESSAGE_LEN), Ok(None));
    }

    #[test]
    fn rejects_bad_lengths() {
        assert_eq!(
            frame_len(&[1, 0, 0, 3, 0, 0, 0, 0], MAX_MESSAGE_LEN),
            Err(FrameError::LengthUnderHeader(3))
        );
        assert!(matches!(
            frame_len(&[1, 0, 0xff, 0xff, 0, 0, 0, 0], 4096),
            Err(FrameError::LengthOverLimit { .. })
        ));
    }

    #[test]
    fn finish_patches_length() {
        let mut out = vec![];
        let s = begin_message(&mut out, 4, 2, 7);
        out.extend_from_slice(&[1, 2, 3]);
        finish_message(&mut out, s).unwrap();
        assert_eq!(Header::parse(&out).unwrap().length, 11);
    }
}
