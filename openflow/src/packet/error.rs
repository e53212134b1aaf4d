//! Why a frame could not be parsed.

/// A frame or header that is too short or not well formed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    #[error("{what}: truncated ({have} bytes, need {need})")]
    Truncated {
        what: &'static str,
        have: usize,
        need: usize,
    },
    #[error("{what}: malformed ({detail})")]
    Malformed {
        what: &'static str,
        detail: &'static str,
    },
    /// The frame carries another protocol (ethertype or IP protocol `found`).
    #[error("not {what} (found 0x{found:04x})")]
    WrongProtocol { what: &'static str, found: u16 },
}

/// Splits `n` bytes off the front of `b`.
pub(crate) fn take<'a>(
    what: &'static str,
    b: &'a [u8],
    n: usize,
) -> Result<(&'a [u8], &'a [u8]), PacketError> {
    if b.len() < n {
        return Err(PacketError::Truncated {
            what,
            have: b.len(),
            need: n,
        });
    }
    Ok(b.split_at(n))
}

pub(crate) fn be16(b: &[u8], at: usize) -> u16 {
    match b.get(at..at + 2) {
        Some(x) => u16::from_be_bytes([x[0], x[1]]),
        None => 0,
    }
}

pub(crate) fn be32(b: &[u8], at: usize) -> u32 {
    match b.get(at..at + 4) {
        Some(x) => u32::from_be_bytes([x[0], x[1], x[2], x[3]]),
        None => 0,
    }
}

pub(crate) fn mac_at(b: &[u8], at: usize) -> crate::MacAddr {
    let mut m = [0u8; 6];
    if let Some(x) = b.get(at..at + 6) {
        m.copy_from_slice(x);
    }
    crate::MacAddr(m)
}

pub(crate) fn ipv4_at(b: &[u8], at: usize) -> std::net::Ipv4Addr {
    std::net::Ipv4Addr::from(be32(b, at))
}

pub(crate) fn ipv6_at(b: &[u8], at: usize) -> std::net::Ipv6Addr {
    let mut a = [0u8; 16];
    if let Some(x) = b.get(at..at + 16) {
        a.copy_from_slice(x);
    }
    std::net::Ipv6Addr::from(a)
}
