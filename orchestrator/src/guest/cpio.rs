//! A writer for the `newc` cpio format the Linux kernel unpacks as an initramfs.
//!
//! Each entry: the ASCII magic `070701`, thirteen 8-digit hex fields (inode, mode, uid,
//! gid, nlink, mtime, file size, dev major/minor, rdev major/minor, name size including the
//! NUL, checksum 0), the name, NUL, padding to 4 bytes, the data, padding to 4 bytes. The
//! archive ends with an entry named `TRAILER!!!`. Writing a device node needs no root.

/// File-type bits of `mode`.
pub const S_IFDIR: u32 = 0o040000;
pub const S_IFREG: u32 = 0o100000;
pub const S_IFLNK: u32 = 0o120000;
pub const S_IFCHR: u32 = 0o020000;

/// Builds an archive in memory.
#[derive(Debug, Default)]
pub struct CpioWriter {
    out: Vec<u8>,
    next_ino: u32,
}

impl CpioWriter {
    pub fn new() -> Self {
        CpioWriter {
            out: Vec::new(),
            next_ino: 1,
        }
    }

    fn entry(&mut self, name: &str, mode: u32, rdev: (u32, u32), data: &[u8]) {
        let ino = self.next_ino;
        self.next_ino += 1;
        let nlink = if mode & S_IFDIR == S_IFDIR && mode & S_IFREG != S_IFREG {
            2
        } else {
            1
        };
        let fields = [
            ino,
            mode,
            0,
            0,
            nlink,
            0,
            data.len() as u32,
            0,
            0,
            rdev.0,
            rdev.1,
            name.len() as u32 + 1,
            0,
        ];
        self.out.extend_from_slice(b"070701");
        for f in fields {
            self.out.extend_from_slice(format!("{f:08x}").as_bytes());
        }
        self.out.extend_from_slice(name.as_bytes());
        self.out.push(0);
        self.pad();
        self.out.extend_from_slice(data);
        self.pad();
    }

    fn pad(&mut self) {
        while !self.out.len().is_multiple_of(4) {
            self.out.push(0);
        }
    }

    pub fn dir(&mut self, name: &str) {
        self.entry(name, S_IFDIR | 0o755, (0, 0), &[]);
    }

    pub fn file(&mut self, name: &str, perm: u32, data: &[u8]) {
        self.entry(name, S_IFREG | (perm & 0o7777), (0, 0), data);
    }

    pub fn symlink(&mut self, name: &str, target: &str) {
        self.entry(name, S_IFLNK | 0o777, (0, 0), target.as_bytes());
    }

    pub fn char_dev(&mut self, name: &str, perm: u32, major: u32, minor: u32) {
        self.entry(name, S_IFCHR | (perm & 0o7777), (major, minor), &[]);
    }

    /// Appends the trailer and returns the archive.
    pub fn finish(mut self) -> Vec<u8> {
        self.entry("TRAILER!!!", 0, (0, 0), &[]);
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_is_aligned_and_ends_with_trailer() {
        let mut w = CpioWriter::new();
        w.dir("bin");
        w.file("bin/x", 0o755, b"hello");
        w.symlink("sh", "bin/x");
        w.char_dev("console", 0o600, 5, 1);
        let a = w.finish();
        assert_eq!(a.len() % 4, 0);
        assert!(a.starts_with(b"070701"));
        let trailer = a
            .windows(10)
            .rposition(|w| w == b"TRAILER!!!")
            .expect("trailer");
        assert!(trailer > 0);
        // First entry: name size field (12th) is len("bin") + 1.
        assert_eq!(&a[6 + 11 * 8..6 + 12 * 8], b"00000004");
    }
}
