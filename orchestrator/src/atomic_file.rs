//! Records that a crash must never leave half-written: write a temporary file beside the
//! target, fsync it, rename it over the target, fsync the directory. A reader sees the old
//! file or the new one, never a torn one.

use std::io::Write;
use std::path::{Path, PathBuf};

/// The temporary name used for `path`: hidden (a leading `.`), so no listing of snapshot
/// ids or records ever takes it for one.
fn temporary_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.tmp"))
}

/// Replaces `path` with `bytes` atomically and durably.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = temporary_name(path);
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
    }
    std::fs::rename(&tmp, path)?;
    fsync_parent(path)
}

/// Fsyncs the directory holding `path`, so a rename or an unlink in it is durable.
pub fn fsync_parent(path: &Path) -> std::io::Result<()> {
    match path.parent().filter(|p| !p.as_os_str().is_empty()) {
        Some(dir) => std::fs::File::open(dir)?.sync_all(),
        None => std::fs::File::open(".")?.sync_all(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_the_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("record.json");
        write_atomic(&p, b"one").expect("write");
        write_atomic(&p, b"two").expect("rewrite");
        assert_eq!(std::fs::read(&p).expect("read"), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("record.json")]);
    }

    #[test]
    fn a_torn_temporary_never_replaces_the_record() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("record.json");
        write_atomic(&p, b"whole").expect("write");
        // A crash while writing leaves only the temporary, half written.
        std::fs::write(temporary_name(&p), b"wh").expect("torn");
        assert_eq!(std::fs::read(&p).expect("read"), b"whole");
        write_atomic(&p, b"next").expect("write over the leftover");
        assert_eq!(std::fs::read(&p).expect("read"), b"next");
    }
}
