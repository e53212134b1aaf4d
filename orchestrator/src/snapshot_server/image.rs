//! Checks that a byte stream is a complete QEMU migration image.
//!
//! Format facts (QEMU `migration/savevm.c`, checked against QEMU 7.2 output): the stream
//! starts with the magic `QEVM` (0x5145564d) and the file version 3 (both big-endian u32).
//! After the last device section QEMU writes `QEMU_VM_EOF` (0x00); when the machine type
//! emits a VM description (every current `pc`/`q35` type does), it follows as
//! `QEMU_VM_VMDESCRIPTION` (0x06), a big-endian u32 length and that many bytes of JSON,
//! and then the connection is closed. A stream cut anywhere before that trailer is refused.

/// "QEVM".
pub const QEMU_VM_FILE_MAGIC: u32 = 0x5145_564d;
/// The only stream version QEMU has written since 2009.
pub const QEMU_VM_FILE_VERSION: u32 = 0x0000_0003;
/// End of the device sections.
pub const QEMU_VM_EOF: u8 = 0x00;
/// The JSON VM description that follows `QEMU_VM_EOF`.
pub const QEMU_VM_VMDESCRIPTION: u8 = 0x06;
/// How many bytes at the end of an image are kept to find the trailer.
pub const TAIL_WINDOW: u64 = 16 * 1024 * 1024;

/// Why a stream is not a complete migration image.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("stream shorter than the 8-byte header ({0} bytes)")]
    ShortHeader(usize),
    #[error("bad magic {0:#010x} (want {QEMU_VM_FILE_MAGIC:#010x})")]
    BadMagic(u32),
    #[error("unsupported stream version {0:#010x} (want {QEMU_VM_FILE_VERSION:#010x})")]
    BadVersion(u32),
    #[error("no end-of-stream marker: the stream is truncated")]
    Truncated,
}

fn be32(b: &[u8]) -> Option<u32> {
    let a: [u8; 4] = b.get(..4)?.try_into().ok()?;
    Some(u32::from_be_bytes(a))
}

/// Checks the first bytes of a stream (at least 8 must be given).
pub fn check_header(head: &[u8]) -> Result<(), ImageError> {
    let magic = be32(head).ok_or(ImageError::ShortHeader(head.len()))?;
    let version = head
        .get(4..)
        .and_then(be32)
        .ok_or(ImageError::ShortHeader(head.len()))?;
    if magic != QEMU_VM_FILE_MAGIC {
        return Err(ImageError::BadMagic(magic));
    }
    if version != QEMU_VM_FILE_VERSION {
        return Err(ImageError::BadVersion(version));
    }
    Ok(())
}

/// Checks the last bytes of a stream: `tail` must end exactly with
/// `0x00 0x06 <be32 len> <len bytes of a JSON object>`.
pub fn check_trailer(tail: &[u8]) -> Result<(), ImageError> {
    // Walk back over every 0x00 0x06 pair whose length field reaches the end exactly.
    let mut end = tail.len();
    while let Some(p) = find_last_pair(&tail[..end]) {
        let desc_at = p + 1;
        if let Some(len) = tail.get(desc_at + 1..).and_then(be32) {
            let json_start = desc_at + 5;
            if (len as usize) == tail.len().saturating_sub(json_start) && len >= 2 {
                let json = tail.get(json_start..).unwrap_or_default();
                if json.first() == Some(&b'{') && json.last() == Some(&b'}') {
                    return Ok(());
                }
            }
        }
        end = p;
    }
    Err(ImageError::Truncated)
}

/// The index of the last `QEMU_VM_EOF, QEMU_VM_VMDESCRIPTION` pair in `b`.
fn find_last_pair(b: &[u8]) -> Option<usize> {
    b.windows(2)
        .rposition(|w| w == [QEMU_VM_EOF, QEMU_VM_VMDESCRIPTION])
}

/// Builds a small well-formed fake image (header, `body`, trailer) for tests and examples.
pub fn fake_image(body: &[u8]) -> Vec<u8> {
    let desc = br#"{"page_size": 4096, "devices": []}"#;
    let mut v = Vec::with_capacity(body.len() + desc.len() + 16);
    v.extend_from_slice(&QEMU_VM_FILE_MAGIC.to_be_bytes());
    v.extend_from_slice(&QEMU_VM_FILE_VERSION.to_be_bytes());
    v.extend_from_slice(body);
    v.push(QEMU_VM_EOF);
    v.push(QEMU_VM_VMDESCRIPTION);
    v.extend_from_slice(&(desc.len() as u32).to_be_bytes());
    v.extend_from_slice(desc);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_checks() {
        let img = fake_image(b"x");
        assert_eq!(check_header(&img), Ok(()));
        assert_eq!(check_header(&img[..5]), Err(ImageError::ShortHeader(5)));
        let mut bad = img.clone();
        bad[0] = b'X';
        assert!(matches!(check_header(&bad), Err(ImageError::BadMagic(_))));
        let mut bad = img;
        bad[7] = 2;
        assert_eq!(check_header(&bad), Err(ImageError::BadVersion(2)));
    }

    #[test]
    fn complete_image_passes_every_cut_fails() {
        let body: Vec<u8> = (0..300u32)
            .flat_map(|i| [0x00, 0x06, (i % 7) as u8])
            .collect();
        let img = fake_image(&body);
        assert_eq!(check_trailer(&img), Ok(()));
        for cut in 0..img.len() {
            assert_eq!(
                check_trailer(&img[..cut]),
                Err(ImageError::Truncated),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn bare_eof_is_not_enough() {
        assert_eq!(
            check_trailer(&[0x51, 0x00, 0x00]),
            Err(ImageError::Truncated)
        );
    }
}
