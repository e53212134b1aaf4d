//! Builds the real guest from this machine's Debian packages. Fails (never skips) if
//! linux-image-amd64 or busybox-static is missing.

use viola_orchestrator::guest::{build, GuestSpec};

#[test]
fn builds_a_guest_from_debian_packages_and_caches_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let spec = GuestSpec::debian(dir.path());
    let g = build(&spec).unwrap_or_else(|e| panic!("cannot build the guest: {e}"));
    assert!(g.kernel.metadata().expect("kernel").len() > 1_000_000);
    let listing = std::process::Command::new("cpio")
        .args(["-t", "--quiet", "-F"])
        .arg(&g.initrd)
        .output()
        .unwrap_or_else(|e| {
            panic!("cpio (Debian package cpio) is needed to check the archive: {e}")
        });
    assert!(
        listing.status.success(),
        "cpio -t failed: {}",
        String::from_utf8_lossy(&listing.stderr)
    );
    let names = String::from_utf8_lossy(&listing.stdout);
    for want in [
        "init",
        "bin/busybox",
        "dev/console",
        "lib/modules/virtio_net.ko",
        "lib/modules/virtio_ring.ko",
    ] {
        assert!(
            names.lines().any(|l| l == want),
            "{want} missing from the initramfs:\n{names}"
        );
    }
    let mtime = g
        .initrd
        .metadata()
        .and_then(|m| m.modified())
        .expect("mtime");
    let again = build(&spec).expect("second build");
    assert_eq!(again, g);
    assert_eq!(
        again
            .initrd
            .metadata()
            .and_then(|m| m.modified())
            .expect("mtime"),
        mtime,
        "cache not reused"
    );
}
