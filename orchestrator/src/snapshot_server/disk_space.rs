//! Free space on the data file system, and the limits a receiving image is held to.

use std::path::Path;

/// Bytes available to this (unprivileged) user on the file system holding `path`.
pub fn free_bytes(path: &Path) -> std::io::Result<u64> {
    let st = rustix::fs::statvfs(path).map_err(std::io::Error::from)?;
    Ok(st.f_bavail.saturating_mul(st.f_frsize))
}

/// Limits of one incoming image.
#[derive(Debug, Clone)]
pub struct SpaceGuard {
    /// Largest image accepted.
    pub max_bytes: u64,
    /// Free space that must remain on the file system.
    pub reserve_bytes: u64,
}

/// Free space is checked again every time this many bytes have been received.
pub const CHECK_EVERY: u64 = 64 << 20;

impl SpaceGuard {
    /// Whether receiving from `before` to `after` bytes passes a check point (the first
    /// chunk always does).
    pub fn crosses_check(&self, before: u64, after: u64) -> bool {
        self.reserve_bytes > 0 && (before == 0 || before / CHECK_EVERY != after / CHECK_EVERY)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_space_is_known_and_checks_are_spaced() {
        assert!(free_bytes(Path::new(".")).expect("statvfs") > 0);
        let g = SpaceGuard {
            max_bytes: u64::MAX,
            reserve_bytes: 1,
        };
        assert!(g.crosses_check(0, 10));
        assert!(!g.crosses_check(10, 20));
        assert!(g.crosses_check(CHECK_EVERY - 1, CHECK_EVERY + 1));
        let off = SpaceGuard {
            max_bytes: u64::MAX,
            reserve_bytes: 0,
        };
        assert!(!off.crosses_check(0, 10));
    }
}
