//! Byte-level mutations: flips, interesting values at length and type offsets, inserted,
//! deleted and repeated ranges, and splices of two inputs.

use fastrand::Rng;

/// Values that sit on edges: empty, one, the largest, sign bits, OpenFlow's header size.
const INTERESTING_U16: [u16; 8] = [0, 1, 7, 8, 0x7fff, 0x8000, 0xfffe, 0xffff];
/// Bytes JSON text is made of, for the JSON target.
const JSON_BYTES: &[u8] = b"{}[]\",:0123456789-.eE truefalsn\\";

/// Applies one to four mutations to `data`, with `other` available for splicing.
pub fn mutate(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8], max_len: usize) {
    for _ in 0..rng.usize(1..=4) {
        mutate_once(rng, data, other);
    }
    data.truncate(max_len);
}

fn mutate_once(rng: &mut Rng, data: &mut Vec<u8>, other: &[u8]) {
    let len = data.len();
    match rng.u8(0..9) {
        0 if len > 0 => {
            let i = rng.usize(0..len);
            data[i] ^= 1 << rng.u8(0..8);
        }
        1 if len > 0 => {
            let i = rng.usize(0..len);
            data[i] = rng.u8(..);
        }
        2 if len > 1 => {
            // A big-endian u16 at an even offset: OpenFlow's lengths and types live there.
            let i = rng.usize(0..len / 2) * 2;
            let v = INTERESTING_U16[rng.usize(0..INTERESTING_U16.len())].to_be_bytes();
            data[i] = v[0];
            if let Some(b) = data.get_mut(i + 1) {
                *b = v[1];
            }
        }
        3 if len > 0 => {
            let at = rng.usize(0..len);
            let n = rng.usize(1..=(len - at).min(64));
            data.drain(at..at + n);
        }
        4 => {
            let at = rng.usize(0..=len);
            let n = rng.usize(1..=16);
            let bytes: Vec<u8> = (0..n).map(|_| rng.u8(..)).collect();
            data.splice(at..at, bytes);
        }
        5 if len > 0 => {
            // Repeat a range: many parts, many elements, long streams.
            let at = rng.usize(0..len);
            let n = rng.usize(1..=(len - at).min(256));
            let piece = data[at..at + n].to_vec();
            for _ in 0..rng.usize(1..=8) {
                data.splice(at..at, piece.iter().copied());
            }
        }
        6 if !other.is_empty() => {
            let cut = rng.usize(0..=len);
            let from = rng.usize(0..other.len());
            data.truncate(cut);
            data.extend_from_slice(&other[from..]);
        }
        7 => {
            let at = rng.usize(0..=len);
            let b = JSON_BYTES[rng.usize(0..JSON_BYTES.len())];
            data.insert(at, b);
        }
        _ if len > 0 => {
            let i = rng.usize(0..len);
            data[i] = data[i].wrapping_add(rng.u8(1..4)).wrapping_sub(2);
        }
        _ => data.push(rng.u8(..)),
    }
}
