//! Builds a tiny bootable guest from the host's Debian packages: the kernel of
//! `linux-image-amd64` (`/boot/vmlinuz-<ver>`) and an initramfs holding `busybox-static`,
//! the virtio-net modules of that kernel (decompressed at build time if they are `.ko.xz`,
//! since busybox `insmod` may not read xz) and an `/init` script (see [`init::script`]).
//!
//! The initramfs is an uncompressed `newc` cpio archive, which the kernel unpacks as is.
//! Output is cached in `BUILD_DIR/<kernel version>/` and rebuilt only if missing.

pub mod cpio;
pub mod init;

use sha2::Digest;
use std::path::{Path, PathBuf};

/// Where to find the inputs and put the outputs.
#[derive(Debug, Clone)]
pub struct GuestSpec {
    /// Output cache root.
    pub build_dir: PathBuf,
    /// Kernel version; `None` picks the newest `/boot/vmlinuz-*`.
    pub kernel_version: Option<String>,
    pub boot_dir: PathBuf,
    pub modules_dir: PathBuf,
    pub busybox: PathBuf,
}

impl GuestSpec {
    /// Debian's paths, output under `build_dir`.
    pub fn debian(build_dir: impl Into<PathBuf>) -> Self {
        GuestSpec {
            build_dir: build_dir.into(),
            kernel_version: None,
            boot_dir: "/boot".into(),
            modules_dir: "/lib/modules".into(),
            busybox: "/bin/busybox".into(),
        }
    }
}

/// A built guest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Guest {
    pub kernel_version: String,
    pub kernel: PathBuf,
    pub initrd: PathBuf,
}

/// Why a guest cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum GuestError {
    #[error("no kernel in {0} (install linux-image-amd64)")]
    NoKernel(PathBuf),
    #[error("{path}: {source} (install busybox-static / linux-image-amd64?)")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("module {0}.ko not found under {1}")]
    NoModule(String, PathBuf),
    #[error("decompressing {0} with xz failed: {1}")]
    Xz(PathBuf, String),
    #[error("{0} is not a static busybox")]
    BadBusybox(PathBuf),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> GuestError + '_ {
    move |source| GuestError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Bumped whenever the initramfs layout or init script changes, to invalidate caches.
const BUILD_FORMAT: &str = "viola-guest/1";

/// Builds (or reuses) the guest.
pub fn build(spec: &GuestSpec) -> Result<Guest, GuestError> {
    let version = match &spec.kernel_version {
        Some(v) => v.clone(),
        None => newest_kernel(&spec.boot_dir)?,
    };
    let kernel_src = spec.boot_dir.join(format!("vmlinuz-{version}"));
    if !kernel_src.exists() {
        return Err(GuestError::NoKernel(spec.boot_dir.clone()));
    }
    let out = spec.build_dir.join(&version);
    let kernel = out.join("vmlinuz");
    let initrd = out.join("initrd.cpio");
    let stamp = out.join("stamp");
    let script = init::script();
    let want_stamp = format!(
        "{BUILD_FORMAT}\n{}\n",
        hex::encode(sha2::Sha256::digest(script.as_bytes()))
    );
    if kernel.exists()
        && initrd.exists()
        && std::fs::read_to_string(&stamp).ok().as_deref() == Some(&want_stamp)
    {
        return Ok(Guest {
            kernel_version: version,
            kernel,
            initrd,
        });
    }
    std::fs::create_dir_all(&out).map_err(io(&out))?;
    let busybox = std::fs::read(&spec.busybox).map_err(io(&spec.busybox))?;
    if !busybox.starts_with(b"\x7fELF") {
        return Err(GuestError::BadBusybox(spec.busybox.clone()));
    }
    let mut w = cpio::CpioWriter::new();
    for d in [
        "bin",
        "dev",
        "proc",
        "sys",
        "tmp",
        "lib",
        "lib/modules",
        "sbin",
        "usr",
        "usr/bin",
        "etc",
    ] {
        w.dir(d);
    }
    w.char_dev("dev/console", 0o600, 5, 1);
    w.char_dev("dev/null", 0o666, 1, 3);
    w.file("bin/busybox", 0o755, &busybox);
    w.symlink("bin/sh", "busybox");
    let mods = spec.modules_dir.join(&version);
    for m in init::VIRTIO_NET_MODULES {
        let data = module_bytes(&mods, m)?;
        w.file(&format!("lib/modules/{m}.ko"), 0o644, &data);
    }
    w.file("init", 0o755, script.as_bytes());
    let archive = w.finish();
    write_atomic(&initrd, &archive)?;
    let k = std::fs::read(&kernel_src).map_err(io(&kernel_src))?;
    write_atomic(&kernel, &k)?;
    write_atomic(&stamp, want_stamp.as_bytes())?;
    Ok(Guest {
        kernel_version: version,
        kernel,
        initrd,
    })
}

fn write_atomic(path: &Path, data: &[u8]) -> Result<(), GuestError> {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, data).map_err(io(&tmp))?;
    std::fs::rename(&tmp, path).map_err(io(path))
}

/// The newest `vmlinuz-*` in `boot` (by version-aware name order).
fn newest_kernel(boot: &Path) -> Result<String, GuestError> {
    let mut versions: Vec<String> = std::fs::read_dir(boot)
        .map_err(io(boot))?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            e.file_name()
                .to_str()
                .and_then(|n| n.strip_prefix("vmlinuz-"))
                .map(str::to_string)
        })
        .collect();
    versions.sort_by_key(|v| natural_key(v));
    versions
        .pop()
        .ok_or_else(|| GuestError::NoKernel(boot.to_path_buf()))
}

fn natural_key(s: &str) -> Vec<(u64, String)> {
    s.split(|c: char| !c.is_ascii_alphanumeric())
        .map(|p| (p.parse::<u64>().unwrap_or(0), p.to_string()))
        .collect()
}

/// Finds `<name>.ko`, `.ko.xz` or `.ko.zst` under `dir` and returns it uncompressed.
fn module_bytes(dir: &Path, name: &str) -> Result<Vec<u8>, GuestError> {
    let path = find_module(dir, name)?
        .ok_or_else(|| GuestError::NoModule(name.into(), dir.to_path_buf()))?;
    let fname = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or_default();
    let tool = if fname.ends_with(".xz") {
        Some("xz")
    } else if fname.ends_with(".zst") {
        Some("zstd")
    } else {
        None
    };
    match tool {
        None => std::fs::read(&path).map_err(io(&path)),
        Some(tool) => {
            let out = std::process::Command::new(tool)
                .arg("-dc")
                .arg(&path)
                .output()
                .map_err(|e| GuestError::Xz(path.clone(), e.to_string()))?;
            if !out.status.success() {
                return Err(GuestError::Xz(
                    path,
                    String::from_utf8_lossy(&out.stderr).into_owned(),
                ));
            }
            Ok(out.stdout)
        }
    }
}

fn find_module(dir: &Path, name: &str) -> Result<Option<PathBuf>, GuestError> {
    let wanted = [
        format!("{name}.ko"),
        format!("{name}.ko.xz"),
        format!("{name}.ko.zst"),
    ];
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).map_err(io(&d))? {
            let entry = entry.map_err(io(&d))?;
            let ft = entry.file_type().map_err(io(&d))?;
            if ft.is_dir() {
                stack.push(entry.path());
            } else if entry
                .file_name()
                .to_str()
                .is_some_and(|n| wanted.iter().any(|w| w == n))
            {
                return Ok(Some(entry.path()));
            }
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_versions_sort_naturally() {
        let mut v = ["6.1.0-9-amd64", "6.1.0-56-amd64", "6.1.0-10-amd64"];
        v.sort_by_key(|k| natural_key(k));
        assert_eq!(v.last(), Some(&"6.1.0-56-amd64"));
    }

    #[test]
    fn missing_inputs_are_clear_errors() {
        let dir = tempfile::tempdir().expect("tempdir");
        let mut spec = GuestSpec::debian(dir.path().join("out"));
        spec.boot_dir = dir.path().join("boot");
        assert!(matches!(
            build(&spec),
            Err(GuestError::Io { .. }) | Err(GuestError::NoKernel(_))
        ));
    }
}
