//! Reading the golden vector files under `tests/golden/` (written by
//! `scripts/capture-golden.sh`): one frame per line as hex, each preceded by a comment line
//! naming version, direction and command.

use std::path::{Path, PathBuf};

/// One captured frame.
pub struct Vector {
    /// File name relative to `tests/golden/`.
    pub file: String,
    /// 1-based line of the hex.
    pub line: usize,
    /// The comment line before it (version, direction, command).
    pub comment: String,
    pub bytes: Vec<u8>,
}

impl Vector {
    /// Where the vector comes from, for failure messages.
    pub fn origin(&self) -> String {
        format!(
            "{}:{} [{}]",
            self.file,
            self.line,
            self.comment.trim_start_matches("# ")
        )
    }
}

/// The golden directory of this crate.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("openflow")
        .join("tests")
        .join("golden")
}

/// Every vector of every `*.txt` file under `tests/golden/<sub>`, in file order. Fails (as
/// a test failure) if a file cannot be read or holds a line that is not hex.
pub fn load(sub: &str) -> Vec<Vector> {
    let root = dir();
    let d = root.join(sub);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&d)
        .unwrap_or_else(|e| panic!("golden vectors missing: cannot read {}: {e}", d.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt"))
        .collect();
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let text = std::fs::read_to_string(&f)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", f.display()));
        let name = f.strip_prefix(&root).unwrap_or(&f).display().to_string();
        let mut comment = String::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if line.starts_with('#') {
                comment = line.to_string();
                continue;
            }
            let bytes =
                hex::decode(line).unwrap_or_else(|e| panic!("{name}:{}: not hex: {e}", i + 1));
            out.push(Vector {
                file: name.clone(),
                line: i + 1,
                comment: comment.clone(),
                bytes,
            });
        }
    }
    out
}

/// Every version's vectors (1.0, 1.3, 1.4, 1.5).
pub fn all() -> Vec<Vector> {
    let mut v = load("of10");
    for sub in ["of13", "of14", "of15"] {
        v.extend(load(sub));
    }
    v
}
