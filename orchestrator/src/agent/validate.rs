//! Checks every field of a VM configuration before anything is spawned.
//!
//! QEMU takes several fields inside option strings (`-netdev tap,ifname=…`, `-device
//! …,mac=…`, `hostfwd=…`), where a comma would add options of the caller's choosing; the
//! kernel and initramfs are files the agent reads as its own user. So: names and
//! addresses have strict grammars, files must lie inside the configured image
//! directories once every symlink and `..` is resolved, memory is capped, and the kernel
//! command line (one argv element after `-append`, never split by QEMU) is bounded.

use super::protocol::VmConfig;
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};

/// What the agent allows.
#[derive(Debug, Clone)]
pub struct RequestPolicy {
    /// Canonical directories kernels and initramfs images may come from.
    pub image_dirs: Vec<PathBuf>,
    pub max_memory_mb: u32,
}

/// Longest kernel command line accepted (Linux's own limit on x86 is 2048).
pub const MAX_APPEND: usize = 4096;

/// Why a VM configuration is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RequestError {
    #[error("invalid VM name {0:?}")]
    Name(String),
    #[error("{field} {path:?} is not a file inside the agent's image directories ({dirs})")]
    OutsideImages {
        field: &'static str,
        path: String,
        dirs: String,
    },
    #[error("{field} {path:?} cannot be used: {why}")]
    BadFile {
        field: &'static str,
        path: String,
        why: String,
    },
    #[error("mac {0:?} is not a unicast MAC address like 52:54:00:12:34:56")]
    Mac(String),
    #[error("tap {0:?} is not an interface name (1–15 of A-Z a-z 0-9 _ . -, not . or ..)")]
    Tap(String),
    #[error("tap {0:?} does not exist on this VM server: create it (ip tuntap add dev {0} mode tap) and add it to the access switch first")]
    NoTap(String),
    #[error("hostfwd {0:?} is not tcp|udp:[IPv4]:PORT-:PORT")]
    Hostfwd(String),
    #[error("memory_mb {got} is outside 1..={max}")]
    Memory { got: u32, max: u32 },
    #[error("append is {0} bytes long or holds control characters (at most {MAX_APPEND} printable bytes)")]
    Append(usize),
}

impl RequestPolicy {
    /// Canonicalises `dirs` (each must exist).
    pub fn new(dirs: &[PathBuf], max_memory_mb: u32) -> std::io::Result<Self> {
        let image_dirs = dirs
            .iter()
            .map(|d| {
                std::fs::canonicalize(d).map_err(|e| {
                    std::io::Error::new(e.kind(), format!("image directory {}: {e}", d.display()))
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(RequestPolicy {
            image_dirs,
            max_memory_mb,
        })
    }

    /// Checks `cfg`; the result has kernel and initrd replaced by their canonical paths
    /// (QEMU opens exactly the file that was checked, not whatever a symlink names later).
    pub fn check(&self, cfg: &VmConfig) -> Result<VmConfig, RequestError> {
        if !crate::snapshot_server::protocol::valid_name(&cfg.vm) {
            return Err(RequestError::Name(cfg.vm.clone()));
        }
        if cfg.memory_mb == 0 || cfg.memory_mb > self.max_memory_mb {
            return Err(RequestError::Memory {
                got: cfg.memory_mb,
                max: self.max_memory_mb,
            });
        }
        if !valid_mac(&cfg.mac) {
            return Err(RequestError::Mac(cfg.mac.clone()));
        }
        if let Some(tap) = &cfg.tap {
            if !valid_interface_name(tap) {
                return Err(RequestError::Tap(tap.clone()));
            }
            // QEMU would create a missing tap silently: a VM "running" attached to nothing.
            if !Path::new("/sys/class/net").join(tap).exists() {
                return Err(RequestError::NoTap(tap.clone()));
            }
        }
        if let Some(bad) = cfg.hostfwd.iter().find(|f| !valid_hostfwd(f)) {
            return Err(RequestError::Hostfwd(bad.clone()));
        }
        if cfg.append.len() > MAX_APPEND || cfg.append.chars().any(char::is_control) {
            return Err(RequestError::Append(cfg.append.len()));
        }
        let mut out = cfg.clone();
        out.kernel = self.image_file("kernel", &cfg.kernel)?;
        out.initrd = self.image_file("initrd", &cfg.initrd)?;
        Ok(out)
    }

    fn image_file(&self, field: &'static str, path: &str) -> Result<String, RequestError> {
        let outside = || RequestError::OutsideImages {
            field,
            path: path.into(),
            dirs: if self.image_dirs.is_empty() {
                "none configured: start the agent with --images DIR".into()
            } else {
                self.image_dirs
                    .iter()
                    .map(|d| d.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        };
        if path.is_empty() || !Path::new(path).is_absolute() {
            return Err(outside());
        }
        let canonical = std::fs::canonicalize(path).map_err(|_| outside())?;
        if !self.image_dirs.iter().any(|d| canonical.starts_with(d)) {
            return Err(outside());
        }
        let meta = std::fs::metadata(&canonical).map_err(|e| RequestError::BadFile {
            field,
            path: path.into(),
            why: e.to_string(),
        })?;
        if !meta.is_file() {
            return Err(RequestError::BadFile {
                field,
                path: path.into(),
                why: "not a regular file".into(),
            });
        }
        let text = canonical.to_str().ok_or_else(|| RequestError::BadFile {
            field,
            path: path.into(),
            why: "not UTF-8".into(),
        })?;
        Ok(text.to_string())
    }
}

/// `xx:xx:xx:xx:xx:xx`, hex, with the multicast bit clear.
pub fn valid_mac(s: &str) -> bool {
    let parts: Vec<&str> = s.split(':').collect();
    parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_hexdigit()))
        && parts
            .first()
            .and_then(|p| u8::from_str_radix(p, 16).ok())
            .is_some_and(|b| b & 1 == 0)
}

/// A Linux interface name: 1–15 bytes of `[A-Za-z0-9_.-]`, not `.` or `..`.
pub fn valid_interface_name(s: &str) -> bool {
    (1..=15).contains(&s.len())
        && s != "."
        && s != ".."
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-')
}

/// `tcp|udp:[IPv4]:HOSTPORT-:GUESTPORT`, ports 1–65535 in decimal.
pub fn valid_hostfwd(s: &str) -> bool {
    let Some((proto, rest)) = s.split_once(':') else {
        return false;
    };
    if proto != "tcp" && proto != "udp" {
        return false;
    }
    let Some((host, guest)) = rest.split_once("-:") else {
        return false;
    };
    let Some((addr, host_port)) = host.rsplit_once(':') else {
        return false;
    };
    (addr.is_empty() || addr.parse::<Ipv4Addr>().is_ok()) && port(host_port) && port(guest)
}

fn port(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 5
        && s.bytes().all(|b| b.is_ascii_digit())
        && s.parse::<u32>().is_ok_and(|p| (1..=65535).contains(&p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn macs() {
        assert!(valid_mac("52:54:00:12:34:56"));
        assert!(valid_mac("52:54:00:AB:cd:ef"));
        for bad in [
            "",
            "52:54:00:12:34",
            "52:54:00:12:34:56:78",
            "52:54:00:12:34:5g",
            "01:00:5e:00:00:01",
            "52:54:00:12:34:56,romfile=/etc/shadow",
            "525400123456",
        ] {
            assert!(!valid_mac(bad), "{bad}");
        }
    }

    #[test]
    fn interface_names() {
        assert!(valid_interface_name("tap0"));
        assert!(valid_interface_name("vnet-1.a_b"));
        assert!(valid_interface_name("abcdefghijklmno"));
        for bad in [
            "",
            ".",
            "..",
            "abcdefghijklmnop",
            "tap0,script=/tmp/x",
            "tap 0",
            "tap/0",
        ] {
            assert!(!valid_interface_name(bad), "{bad}");
        }
    }

    #[test]
    fn hostfwds() {
        assert!(valid_hostfwd("tcp:127.0.0.1:5555-:7000"));
        assert!(valid_hostfwd("udp::53-:53"));
        for bad in [
            "tcp:127.0.0.1:5555-10.0.2.15:7000",
            "tcp:127.0.0.1:5555-:7000,hostfwd=tcp::1-:22",
            "sctp::1-:2",
            "tcp::0-:22",
            "tcp::65536-:22",
            "tcp:localhost:22-:22",
            "tcp::22",
            "",
        ] {
            assert!(!valid_hostfwd(bad), "{bad}");
        }
    }

    fn cfg(kernel: &str, initrd: &str) -> VmConfig {
        VmConfig {
            vm: "vm1".into(),
            memory_mb: 128,
            kernel: kernel.into(),
            initrd: initrd.into(),
            append: "console=ttyS0".into(),
            mac: "52:54:00:00:00:01".into(),
            tap: None,
            hostfwd: vec![],
        }
    }

    #[test]
    fn files_must_stay_inside_image_dirs() {
        let root = tempfile::tempdir().expect("tempdir");
        let images = root.path().join("images");
        let outside = root.path().join("outside");
        std::fs::create_dir_all(&images).expect("mkdir");
        std::fs::create_dir_all(&outside).expect("mkdir");
        std::fs::write(images.join("k"), b"k").expect("write");
        std::fs::write(images.join("i"), b"i").expect("write");
        std::fs::write(outside.join("secret"), b"s").expect("write");
        std::os::unix::fs::symlink(outside.join("secret"), images.join("link")).expect("symlink");
        let p = RequestPolicy::new(std::slice::from_ref(&images), 1024).expect("policy");
        let k = images.join("k").display().to_string();
        let i = images.join("i").display().to_string();
        let ok = p.check(&cfg(&k, &i)).expect("inside");
        assert!(ok.kernel.ends_with("/images/k"));
        let dotdot = images.join("../outside/secret").display().to_string();
        let link = images.join("link").display().to_string();
        for bad in [dotdot.as_str(), link.as_str(), "/etc/passwd", "k", ""] {
            assert!(
                matches!(
                    p.check(&cfg(bad, &i)),
                    Err(RequestError::OutsideImages { .. })
                ),
                "{bad}"
            );
        }
        assert!(matches!(
            p.check(&cfg(&k, &images.display().to_string())),
            Err(RequestError::BadFile { .. })
        ));
        let none = RequestPolicy::new(&[], 1024).expect("policy");
        assert!(none.check(&cfg(&k, &i)).is_err());
    }

    #[test]
    fn memory_append_and_names() {
        let root = tempfile::tempdir().expect("tempdir");
        std::fs::write(root.path().join("k"), b"k").expect("write");
        let p = RequestPolicy::new(&[root.path().to_path_buf()], 512).expect("policy");
        let k = root.path().join("k").display().to_string();
        let mut c = cfg(&k, &k);
        assert!(p.check(&c).is_ok());
        c.memory_mb = 513;
        assert!(matches!(p.check(&c), Err(RequestError::Memory { .. })));
        c.memory_mb = 0;
        assert!(matches!(p.check(&c), Err(RequestError::Memory { .. })));
        c.memory_mb = 128;
        c.append = "console=ttyS0\n-device foo".into();
        assert!(matches!(p.check(&c), Err(RequestError::Append(_))));
        c.append = "x".repeat(MAX_APPEND + 1);
        assert!(matches!(p.check(&c), Err(RequestError::Append(_))));
        c.append = "a -device b,c=d".into();
        assert!(p.check(&c).is_ok());
        c.vm = "vm,debug-threads=on".into();
        assert!(matches!(p.check(&c), Err(RequestError::Name(_))));
        c.vm = "vm1".into();
        c.tap = Some("tap0,script=/x".into());
        assert!(matches!(p.check(&c), Err(RequestError::Tap(_))));
        c.tap = Some("viola-no-such".into());
        let e = p.check(&c).expect_err("missing tap");
        assert!(
            matches!(e, RequestError::NoTap(_)) && e.to_string().contains("ip tuntap add"),
            "{e}"
        );
        c.tap = Some("lo".into()); // exists on every Linux host
        assert!(p.check(&c).is_ok());
    }
}
