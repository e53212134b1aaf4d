//! nom plumbing for the 1.3 codec: a parse error that carries a [`DecodeError`], fixed-width
//! readers that fail with a named `Truncated` instead of "incomplete", and the small
//! big-endian writers the encoders share.
//!
//! Every parser here runs on a slice already bounded by a declared length (the frame, a
//! TLV), and uses nom's `complete` parsers, so running out of input is always an error.

use bytes::Bytes;
use nom::bytes::complete::take;
use nom::error::{ErrorKind, ParseError};
use nom::number::complete::{be_u16, be_u32, be_u64, be_u8};
use nom::IResult;

use crate::{DecodeError, EncodeError, MacAddr};

/// A nom error that is always a [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub DecodeError);

impl<'a> ParseError<&'a [u8]> for WireError {
    fn from_error_kind(input: &'a [u8], _kind: ErrorKind) -> Self {
        WireError(DecodeError::Truncated {
            what: "field",
            have: input.len(),
            need: 0,
        })
    }
    fn append(_input: &'a [u8], _kind: ErrorKind, other: Self) -> Self {
        other
    }
}

/// Result of a 1.3 parser.
pub type Res<'a, T> = IResult<&'a [u8], T, WireError>;

/// Fails the parse with `e` (a failure, so no combinator backtracks past it).
pub fn fail<'a, T>(e: DecodeError) -> Res<'a, T> {
    Err(nom::Err::Failure(WireError(e)))
}

/// Turns a parser result into the crate's error type.
pub fn run<'a, T>(r: Res<'a, T>) -> Result<(&'a [u8], T), DecodeError> {
    r.map_err(|e| match e {
        nom::Err::Error(WireError(d)) | nom::Err::Failure(WireError(d)) => d,
        // `complete` parsers never ask for more input; report it as a short body anyway.
        nom::Err::Incomplete(_) => DecodeError::Truncated {
            what: "body",
            have: 0,
            need: 0,
        },
    })
}

/// Brings a [`DecodeError`] result into a nom parser (`?`-able inside a `Res` function).
pub fn de<T>(r: Result<T, DecodeError>) -> Result<T, nom::Err<WireError>> {
    r.map_err(|e| nom::Err::Failure(WireError(e)))
}

/// Runs a parser on a whole body: trailing bytes are an error.
pub fn whole<'a, T>(what: &'static str, r: Res<'a, T>) -> Result<T, DecodeError> {
    let (rest, v) = run(r)?;
    if rest.is_empty() {
        Ok(v)
    } else {
        Err(DecodeError::Malformed {
            what,
            detail: "bytes left over after the structure",
        })
    }
}

/// Checks that `i` holds at least `need` bytes, naming `what` in the error.
pub fn need<'a>(i: &'a [u8], what: &'static str, need: usize) -> Res<'a, ()> {
    if i.len() < need {
        fail(DecodeError::Truncated {
            what,
            have: i.len(),
            need,
        })
    } else {
        Ok((i, ()))
    }
}

/// Checks that a body has exactly `len` bytes (fixed-size messages).
pub fn exact(i: &[u8], what: &'static str, len: usize) -> Result<(), DecodeError> {
    if i.len() < len {
        Err(DecodeError::Truncated {
            what,
            have: i.len(),
            need: len,
        })
    } else if i.len() > len {
        Err(DecodeError::Malformed {
            what,
            detail: "body longer than the structure",
        })
    } else {
        Ok(())
    }
}

pub fn u8_(i: &[u8]) -> Res<'_, u8> {
    be_u8(i)
}
pub fn u16_(i: &[u8]) -> Res<'_, u16> {
    be_u16(i)
}
pub fn u32_(i: &[u8]) -> Res<'_, u32> {
    be_u32(i)
}
pub fn u64_(i: &[u8]) -> Res<'_, u64> {
    be_u64(i)
}

/// Skips `n` padding bytes (their value is ignored).
pub fn pad(i: &[u8], n: usize) -> Res<'_, ()> {
    take(n)(i).map(|(i, _)| (i, ()))
}

pub fn mac(i: &[u8]) -> Res<'_, MacAddr> {
    let (i, b) = take(6usize)(i)?;
    let mut a = [0u8; 6];
    a.copy_from_slice(b);
    Ok((i, MacAddr(a)))
}

/// A fixed-width, NUL-padded string (`char name[16]`…): the bytes up to the first NUL.
pub fn fixed_str(i: &[u8], n: usize) -> Res<'_, String> {
    let (i, b) = take(n)(i)?;
    Ok((i, crate::text::read_fixed(b)))
}

/// Splits a TLV whose 16-bit length sits at offset 2: returns (tlv, rest). The length must
/// be at least `min` and fit in `i`; the TLV is followed by padding to `align` bytes when
/// `align` > 1 (padding past the end of `i` is tolerated only if `i` ends first).
pub fn tlv_at2(i: &[u8], min: usize, bad_len: DecodeError) -> Result<(&[u8], &[u8]), DecodeError> {
    let len = match i {
        [_, _, a, b, ..] => u16::from_be_bytes([*a, *b]) as usize,
        _ => return Err(bad_len),
    };
    if len < min || len > i.len() {
        return Err(bad_len);
    }
    Ok((&i[..len], &i[len..]))
}

/// Splits a TLV whose 16-bit length sits at offset 0 (flow stats, group desc…).
pub fn tlv_at0(i: &[u8], min: usize, bad_len: DecodeError) -> Result<(&[u8], &[u8]), DecodeError> {
    let len = match i {
        [a, b, ..] => u16::from_be_bytes([*a, *b]) as usize,
        _ => return Err(bad_len),
    };
    if len < min || len > i.len() {
        return Err(bad_len);
    }
    Ok((&i[..len], &i[len..]))
}

/// Splits a TLV padded to 8 bytes whose declared length (offset 2) excludes the padding.
/// The padding may be cut short only at the very end of `i`.
pub fn padded_tlv(
    i: &[u8],
    min: usize,
    bad_len: DecodeError,
) -> Result<(&[u8], &[u8]), DecodeError> {
    let (tlv, _) = tlv_at2(i, min, bad_len)?;
    let padded = tlv.len().div_ceil(8) * 8;
    let rest = i.get(padded..).unwrap_or(&[]);
    Ok((tlv, rest))
}

/// Zero-copy view of `sub` when it lies inside `src` (always, within this codec); a copy
/// otherwise, so a caller passing unrelated buffers to the public parsers cannot panic.
pub fn share(src: &Bytes, sub: &[u8]) -> Bytes {
    let (s, n) = (src.as_ptr() as usize, src.len());
    let p = sub.as_ptr() as usize;
    if sub.is_empty() {
        Bytes::new()
    } else if p >= s && p + sub.len() <= s + n {
        src.slice_ref(sub)
    } else {
        Bytes::copy_from_slice(sub)
    }
}

// ---- encoding ----

pub fn put_u16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub fn put_u32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub fn put_u64(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_be_bytes());
}
pub fn put_zeros(out: &mut Vec<u8>, n: usize) {
    out.resize(out.len() + n, 0);
}

/// Pads with zeros until the bytes written since `start` are a multiple of 8.
pub fn pad8_from(out: &mut Vec<u8>, start: usize) {
    let len = out.len() - start;
    put_zeros(out, len.div_ceil(8) * 8 - len);
}

/// Writes a NUL-padded fixed-width string. A string of exactly `n` bytes fills the field
/// without a terminator (what some switches send, so it re-encodes as received); what
/// Viola originates is checked for room for the NUL by the neutral layer.
pub fn put_fixed_str(out: &mut Vec<u8>, s: &str, n: usize) -> Result<(), EncodeError> {
    if s.len() > n {
        return Err(EncodeError::Invalid(format!(
            "string `{s}` is {} bytes, the field holds {n}",
            s.len()
        )));
    }
    crate::text::write_fixed(out, s, n);
    Ok(())
}

/// Patches a 16-bit length at `at` with `len`, failing if it does not fit.
pub fn patch_len16(out: &mut [u8], at: usize, len: usize) -> Result<(), EncodeError> {
    let v = u16::try_from(len).map_err(|_| EncodeError::TooLong(len))?;
    if let Some(slot) = out.get_mut(at..at + 2) {
        slot.copy_from_slice(&v.to_be_bytes());
    }
    Ok(())
}

/// Patches the 16-bit length at `at` with the bytes written since `start`.
pub fn patch_len_since(out: &mut [u8], at: usize, start: usize) -> Result<(), EncodeError> {
    let len = out.len().saturating_sub(start);
    patch_len16(out, at, len)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_input_is_named_truncation() {
        let e = run(need(&[1, 2], "thing", 4)).unwrap_err();
        assert_eq!(
            e,
            DecodeError::Truncated {
                what: "thing",
                have: 2,
                need: 4
            }
        );
        assert!(run(u32_(&[1, 2, 3])).is_err());
    }

    #[test]
    fn padded_tlv_splits() {
        let buf = [0, 1, 0, 5, 9, 0, 0, 0, 0xaa];
        let bad = DecodeError::Malformed {
            what: "t",
            detail: "len",
        };
        let (t, rest) = padded_tlv(&buf, 4, bad.clone()).unwrap();
        assert_eq!(t, &[0, 1, 0, 5, 9]);
        assert_eq!(rest, &[0xaa]);
        assert!(padded_tlv(&[0, 1, 0, 3], 4, bad.clone()).is_err());
        assert!(padded_tlv(&[0, 1, 0, 9, 0], 4, bad).is_err());
    }
}
