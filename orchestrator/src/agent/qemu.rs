//! QEMU command lines and accelerator detection.

use super::protocol::VmConfig;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The QEMU binary (override with `VIOLA_QEMU`).
pub fn qemu_binary() -> String {
    std::env::var("VIOLA_QEMU").unwrap_or_else(|_| "qemu-system-x86_64".into())
}

/// Accelerator choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accel {
    Kvm,
    Tcg,
}

impl Accel {
    pub fn as_str(self) -> &'static str {
        match self {
            Accel::Kvm => "kvm",
            Accel::Tcg => "tcg",
        }
    }
}

/// Files of one QEMU instance.
#[derive(Debug, Clone)]
pub struct VmPaths {
    pub qmp: PathBuf,
    pub serial: PathBuf,
    pub stderr: PathBuf,
}

impl VmPaths {
    pub fn new(run_dir: &Path, vm: &str, generation: u64) -> Self {
        VmPaths {
            // Beside the migration sockets, in the private (0700) directory.
            qmp: run_dir
                .join("sockets")
                .join(format!("{vm}.{generation}.qmp")),
            serial: run_dir.join(format!("{vm}.{generation}.serial.log")),
            stderr: run_dir.join(format!("{vm}.{generation}.stderr.log")),
        }
    }
}

/// The argument list (without the binary). `incoming` adds `-incoming defer -S`; both
/// sides of a snapshot/restore must otherwise be identical.
pub fn command_line(cfg: &VmConfig, paths: &VmPaths, accel: Accel, incoming: bool) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |s: &str| a.push(s.to_string());
    push("-name");
    push(&cfg.vm);
    push("-machine");
    push("pc");
    push("-accel");
    push(accel.as_str());
    push("-m");
    push(&cfg.memory_mb.to_string());
    push("-nodefaults");
    push("-nographic");
    push("-no-user-config");
    push("-kernel");
    push(&cfg.kernel);
    push("-initrd");
    push(&cfg.initrd);
    push("-append");
    push(&cfg.append);
    push("-serial");
    push(&format!("file:{}", paths.serial.display()));
    push("-qmp");
    push(&format!("unix:{},server=on,wait=off", paths.qmp.display()));
    push("-netdev");
    match &cfg.tap {
        // `vnet_hdr=off`: no checksum/TSO offload between guest and tap. A switch reading
        // the tap with a packet socket (Open vSwitch's userspace datapath) would otherwise
        // get 64 KB TSO frames and frames with partial checksums, which it cannot forward.
        Some(tap) => push(&format!(
            "tap,id=net0,ifname={tap},script=no,downscript=no,vnet_hdr=off"
        )),
        None => {
            let mut user = String::from("user,id=net0");
            for f in &cfg.hostfwd {
                user.push_str(",hostfwd=");
                user.push_str(f);
            }
            push(&user)
        }
    }
    push("-device");
    push(&format!("virtio-net-pci,netdev=net0,mac={}", cfg.mac));
    if incoming {
        push("-incoming");
        push("defer");
        push("-S");
    }
    a
}

/// Decides once whether KVM really boots a guest here: `/dev/kvm` may exist while
/// nested virtualisation hangs the guest. Boots `kernel` without an initramfs and waits
/// for its first console line. `VIOLA_ACCEL=kvm|tcg` overrides.
pub async fn detect_accel(kernel: &str, run_dir: &Path) -> Accel {
    match std::env::var("VIOLA_ACCEL").as_deref() {
        Ok("kvm") => return Accel::Kvm,
        Ok("tcg") => return Accel::Tcg,
        _ => {}
    }
    if !Path::new("/dev/kvm").exists() {
        return Accel::Tcg;
    }
    let log = run_dir.join("kvm-probe.serial.log");
    let _ = std::fs::remove_file(&log);
    let child = tokio::process::Command::new(qemu_binary())
        .args([
            "-accel",
            "kvm",
            "-m",
            "128",
            "-nodefaults",
            "-nographic",
            "-no-reboot",
            "-kernel",
            kernel,
        ])
        .args(["-append", "console=ttyS0 panic=-1", "-serial"])
        .arg(format!("file:{}", log.display()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn();
    let Ok(mut child) = child else {
        return Accel::Tcg;
    };
    let mut accel = Accel::Tcg;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if text.contains("Linux version") {
            accel = Accel::Kvm;
            break;
        }
        if let Ok(Some(_)) = child.try_wait() {
            break;
        }
    }
    let _ = child.kill().await;
    tracing::info!(accel = accel.as_str(), "accelerator detected");
    accel
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(tap: Option<&str>) -> VmConfig {
        VmConfig {
            vm: "vm1".into(),
            memory_mb: 128,
            kernel: "k".into(),
            initrd: "i".into(),
            append: "console=ttyS0 viola.ip=10.0.0.1/8".into(),
            mac: "52:54:00:00:00:01".into(),
            tap: tap.map(str::to_string),
            hostfwd: vec![],
        }
    }

    #[test]
    fn restore_differs_only_by_incoming() {
        let p = VmPaths::new(Path::new("/r"), "vm1", 1);
        let a = command_line(&cfg(None), &p, Accel::Tcg, false);
        let b = command_line(&cfg(None), &p, Accel::Tcg, true);
        assert_eq!(&b[..a.len()], &a[..]);
        assert_eq!(&b[a.len()..], ["-incoming", "defer", "-S"]);
        assert!(a.iter().any(|x| x == "user,id=net0"));
        let t = command_line(&cfg(Some("tap7")), &p, Accel::Kvm, false);
        assert!(t
            .iter()
            .any(|x| x == "tap,id=net0,ifname=tap7,script=no,downscript=no,vnet_hdr=off"));
        assert!(t.iter().any(|x| x == "kvm"));
    }

    #[test]
    fn append_is_one_argument() {
        let mut c = cfg(None);
        c.append = "console=ttyS0 -device evil,x=y -S".into();
        let p = VmPaths::new(Path::new("/r"), "vm1", 1);
        let a = command_line(&c, &p, Accel::Tcg, false);
        let at = a.iter().position(|x| x == "-append").expect("-append");
        assert_eq!(a.get(at + 1), Some(&c.append));
        assert_eq!(a.iter().filter(|x| x.as_str() == "-S").count(), 0);
    }
}
