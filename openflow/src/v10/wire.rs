//! Small parsing and writing helpers shared by the OpenFlow 1.0 message files.
//!
//! Fixed-size structures are read with nom 8 parsers over length-bounded slices; the unit
//! error type `()` keeps a failed parse allocation-free, and [`fixed`] turns it into the
//! [`DecodeError`] a switch should hear about.

use std::net::Ipv4Addr;

use bytes::Bytes;
use nom::{bytes::complete::take, IResult, Parser};

use crate::{DecodeError, MacAddr};

/// A nom result with the allocation-free unit error.
pub(crate) type PResult<'a, O> = IResult<&'a [u8], O, ()>;

/// Runs `p` over `input`, which must hold at least `need` bytes; a short input is
/// [`DecodeError::Truncated`] naming `what`.
pub(crate) fn fixed<'a, O, P>(
    what: &'static str,
    need: usize,
    input: &'a [u8],
    mut p: P,
) -> Result<(&'a [u8], O), DecodeError>
where
    P: Parser<&'a [u8], Output = O, Error = ()>,
{
    let short = DecodeError::Truncated {
        what,
        have: input.len(),
        need,
    };
    if input.len() < need {
        return Err(short);
    }
    p.parse(input).map_err(|_| short)
}

/// Fails unless `rest` is empty: fixed-size messages carry nothing after their body.
pub(crate) fn no_trailing(what: &'static str, rest: &[u8]) -> Result<(), DecodeError> {
    if rest.is_empty() {
        Ok(())
    } else {
        Err(DecodeError::Malformed {
            what,
            detail: "trailing bytes after a fixed-size body",
        })
    }
}

pub(crate) fn u8_(i: &[u8]) -> PResult<'_, u8> {
    nom::number::complete::be_u8(i)
}
pub(crate) fn u16_(i: &[u8]) -> PResult<'_, u16> {
    nom::number::complete::be_u16(i)
}
pub(crate) fn u32_(i: &[u8]) -> PResult<'_, u32> {
    nom::number::complete::be_u32(i)
}
pub(crate) fn u64_(i: &[u8]) -> PResult<'_, u64> {
    nom::number::complete::be_u64(i)
}

/// Skips `n` padding bytes (their content is not kept: pads are written as zeros).
pub(crate) fn pad(n: usize) -> impl Fn(&[u8]) -> PResult<'_, ()> {
    move |i| take(n).map(|_| ()).parse(i)
}

pub(crate) fn mac(i: &[u8]) -> PResult<'_, MacAddr> {
    take(6usize)
        .map(|b: &[u8]| MacAddr(<[u8; 6]>::try_from(b).unwrap_or_default()))
        .parse(i)
}

pub(crate) fn ipv4(i: &[u8]) -> PResult<'_, Ipv4Addr> {
    u32_.map(Ipv4Addr::from).parse(i)
}

/// A fixed-width byte array (names, descriptions).
pub(crate) fn array<const N: usize>(i: &[u8]) -> PResult<'_, [u8; N]> {
    take(N)
        .map(|b: &[u8]| <[u8; N]>::try_from(b).unwrap_or([0; N]))
        .parse(i)
}

/// The zero-copy `Bytes` for `part`, a sub-slice of `frame`. Falls back to a copy if `part`
/// is not inside `frame` (never the case for slices taken from it).
pub(crate) fn sub(frame: &Bytes, part: &[u8]) -> Bytes {
    if part.is_empty() {
        return Bytes::new();
    }
    let base = frame.as_ptr() as usize;
    let start = (part.as_ptr() as usize).wrapping_sub(base);
    match start.checked_add(part.len()) {
        Some(end) if start <= frame.len() && end <= frame.len() => frame.slice(start..end),
        _ => Bytes::copy_from_slice(part),
    }
}

/// Splits `n` bytes off the front of `input`, or reports a truncated `what`.
pub(crate) fn split<'a>(
    what: &'static str,
    input: &'a [u8],
    n: usize,
) -> Result<(&'a [u8], &'a [u8]), DecodeError> {
    if input.len() < n {
        return Err(DecodeError::Truncated {
            what,
            have: input.len(),
            need: n,
        });
    }
    Ok(input.split_at(n))
}

/// Big-endian writers for `Vec<u8>`.
pub(crate) trait Put {
    fn put_u8(&mut self, v: u8);
    fn put_u16(&mut self, v: u16);
    fn put_u32(&mut self, v: u32);
    fn put_u64(&mut self, v: u64);
    fn put_zeros(&mut self, n: usize);
    fn put_mac(&mut self, m: MacAddr);
    fn put_ipv4(&mut self, a: Ipv4Addr);
}

impl Put for Vec<u8> {
    fn put_u8(&mut self, v: u8) {
        self.push(v);
    }
    fn put_u16(&mut self, v: u16) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u32(&mut self, v: u32) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_u64(&mut self, v: u64) {
        self.extend_from_slice(&v.to_be_bytes());
    }
    fn put_zeros(&mut self, n: usize) {
        self.resize(self.len() + n, 0);
    }
    fn put_mac(&mut self, m: MacAddr) {
        self.extend_from_slice(&m.0);
    }
    fn put_ipv4(&mut self, a: Ipv4Addr) {
        self.extend_from_slice(&a.octets());
    }
}

/// Patches a big-endian u16 at `at` (a length field written earlier as a placeholder).
pub(crate) fn patch_u16(out: &mut [u8], at: usize, v: u16) {
    if let Some(slot) = out.get_mut(at..at + 2) {
        slot.copy_from_slice(&v.to_be_bytes());
    }
}

/// A NUL-padded fixed-width string field as text (up to the first NUL, lossy UTF-8).
pub(crate) fn c_string(b: &[u8]) -> String {
    crate::text::read_fixed(b)
}

/// Writes `s` into a NUL-padded field of `width` bytes (cut at a character boundary).
pub(crate) fn put_c_string(out: &mut Vec<u8>, s: &str, width: usize) {
    crate::text::write_fixed(out, s, width);
}
