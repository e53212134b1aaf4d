//! `viola certs init DIR`: a CA, per-host certificates and a usable token, never
//! overwriting.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

#[test]
fn writes_ca_host_certificates_and_a_private_token_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let pki = dir.path().join("pki");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_viola"))
            .args(["certs", "init"])
            .arg(&pki)
            .args(extra)
            .output()
            .expect("run viola")
    };
    let out = run(&["--agent", "vms-a1", "--agent", "192.0.2.11"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for f in [
        "ca.pem",
        "ca.key",
        "controller-localhost.pem",
        "controller-localhost.key",
        "agent-vms-a1.pem",
        "agent-192.0.2.11.key",
        "snapshot-server-localhost.pem",
        "token",
    ] {
        let p = pki.join(f);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{f}: {e}"));
        if f.ends_with(".key") || f == "token" {
            let mode = std::fs::metadata(&p).expect("meta").permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{f}");
        }
        if f.ends_with(".pem") {
            assert!(text.starts_with("-----BEGIN CERTIFICATE-----"), "{f}");
        }
    }
    assert!(viola_orchestrator::auth::Token::from_file(&pki.join("token")).is_ok());
    let again = run(&[]);
    assert!(!again.status.success(), "overwrote an existing CA");
    assert!(String::from_utf8_lossy(&again.stderr).contains("refusing to overwrite"));
    let bad = Command::new(env!("CARGO_BIN_EXE_viola"))
        .args(["certs", "init"])
        .arg(dir.path().join("other"))
        .args(["--agent", "a b"])
        .output()
        .expect("run viola");
    assert!(!bad.status.success());
}
