//! Real Open vSwitch over TLS: certificates made in the test with rcgen (a CA, a controller
//! certificate, a switch certificate), OVS configured with `ovs-vsctl set-ssl` and an
//! `ssl:127.0.0.1:PORT` controller, the controller on a `tls://` listener that demands a
//! client certificate from that CA. The bridge must show up in `/api/v1/switches`; a client
//! with a certificate from another CA must not.
//!
//! Needs root and Open vSwitch; FAILS (never skips) with the reason when they are missing.

mod ovs_support;

use openflow::Dpid;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use openflow::Version::V1_3;
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use serde_json::json;
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use viola_framework::testing::ScriptedSwitch;
use viola_framework::Config;
use viola_lab::isolate::{isolated_with, RunDir};
use viola_lab::OfVersions;

use ovs_support::{Rig, Setup, SwitchSsl, TOOLS};

const DPID: Dpid = Dpid(1);

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn name(cn: &str) -> DistinguishedName {
    let mut dn = DistinguishedName::new();
    dn.push(DnType::CommonName, cn);
    dn.push(DnType::OrganizationName, "Viola test");
    dn
}

impl Ca {
    /// A self-signed X.509 v3 CA (OVS wants v3 with basic constraints).
    fn new(cn: &str) -> Ca {
        let key = KeyPair::generate().expect("CA key");
        let mut p = CertificateParams::new(Vec::<String>::new()).expect("CA params");
        p.distinguished_name = name(cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let cert = p.self_signed(&key).expect("self-signed CA");
        Ca { cert, key }
    }

    fn leaf(
        &self,
        cn: &str,
        sans: &[&str],
        eku: ExtendedKeyUsagePurpose,
    ) -> (rcgen::Certificate, KeyPair) {
        let key = KeyPair::generate().expect("leaf key");
        let sans: Vec<String> = sans.iter().map(|s| s.to_string()).collect();
        let mut p = CertificateParams::new(sans).expect("leaf params");
        p.distinguished_name = name(cn);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![eku];
        let cert = p.signed_by(&key, &self.cert, &self.key).expect("sign leaf");
        (cert, key)
    }
}

fn write(dir: &Path, file: &str, text: &str) -> PathBuf {
    let p = dir.join(file);
    std::fs::write(&p, text).unwrap_or_else(|e| panic!("write {}: {e}", p.display()));
    p
}

/// A rustls client with a certificate (of any CA) that trusts `server_ca`.
fn client(server_ca: &Ca, cert: &rcgen::Certificate, key: &KeyPair) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(server_ca.cert.der().to_vec()))
        .expect("root");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let cfg = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("protocol versions")
        .with_root_certificates(roots)
        .with_client_auth_cert(
            vec![CertificateDer::from(cert.der().to_vec())],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
        )
        .expect("client auth");
    TlsConnector::from(Arc::new(cfg))
}

fn ovs_over_tls_body() {
    let dir = RunDir::new("vs1");
    let ca = Ca::new("Viola test CA");
    let (ctl_cert, ctl_key) = ca.leaf(
        "viola-controller",
        &["127.0.0.1", "localhost"],
        ExtendedKeyUsagePurpose::ServerAuth,
    );
    let (sw_cert, sw_key) = ca.leaf("vs1-s1", &[], ExtendedKeyUsagePurpose::ClientAuth);
    let d = dir.path();
    // Written before ovs-vswitchd starts (Rig::start starts it): OVS keeps a certificate
    // it has loaded even when the files change.
    let mut cfg = Config::default();
    cfg.tls.cert = Some(write(d, "ctl-cert.pem", &ctl_cert.pem()));
    cfg.tls.key = Some(write(d, "ctl-key.pem", &ctl_key.serialize_pem()));
    cfg.tls.ca = Some(write(d, "ca.pem", &ca.cert.pem()));
    let ssl = SwitchSsl {
        key: write(d, "sw-key.pem", &sw_key.serialize_pem()),
        cert: write(d, "sw-cert.pem", &sw_cert.pem()),
        ca: write(d, "ca.pem", &ca.cert.pem()),
    };
    let mut setup = Setup::new("vs1-", OfVersions::V13);
    setup.config = cfg;
    setup.tls = Some(ssl);
    let rig = Rig::start(setup, dir);
    let info = rig.wait_switch(DPID, Duration::from_secs(30));
    assert_eq!(info.version, V1_3);
    let list = rig.get_json("/api/v1/switches");
    assert_eq!(list.as_array().map(Vec::len), Some(1), "{list}");
    assert_eq!(list[0]["dpid"], json!(DPID.to_string()), "{list}");
    assert_eq!(list[0]["version"], json!("1.3"), "{list}");
    let ports = list[0]["ports"].as_array().map(Vec::len).unwrap_or(0);
    assert_eq!(ports, 3, "two host ports and LOCAL: {list}");

    // OVS says the same from its side (it refreshes `is_connected` every few seconds).
    let bridge = rig.bridge("s1");
    let uuid = rig
        .ovs()
        .vsctl(&["--bare", "--columns=controller", "list", "Bridge", &bridge])
        .expect("controller of the bridge");
    let uuid = uuid.trim().to_string();
    let target = rig
        .ovs()
        .vsctl(&["--bare", "get", "Controller", &uuid, "target"])
        .expect("controller target");
    assert!(
        target
            .trim()
            .trim_matches('"')
            .starts_with("ssl:127.0.0.1:"),
        "{target}"
    );
    let mut connected = false;
    for _ in 0..60 {
        let c = rig
            .ovs()
            .vsctl(&["--bare", "get", "Controller", &uuid, "is_connected"])
            .expect("is_connected");
        if c.trim() == "true" {
            connected = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(
        connected,
        "OVS does not report the ssl controller connected{}",
        rig.diag()
    );

    // A flow over the TLS connection reaches the switch.
    let path = format!("/api/v1/switches/{}/flows", DPID);
    let flow = json!({"priority": 10, "cookie": 3, "match": {"in_port": 1},
                      "actions": [{"type": "OUTPUT", "port": 2}]});
    let (status, body) = rig.call(reqwest::Method::POST, &path, Some(&flow));
    assert_eq!(status, 200, "{body}");
    let dump = rig.ofctl("dump-flows", &bridge, &["--no-stats"]);
    assert!(
        dump.contains("cookie=0x3, priority=10,in_port=1 actions=output:2"),
        "{dump}"
    );

    // The listener really checks client certificates: one from another CA is refused.
    let rogue = Ca::new("Rogue CA");
    let (rogue_cert, rogue_key) = rogue.leaf("rogue", &[], ExtendedKeyUsagePurpose::ClientAuth);
    let connector = client(&ca, &rogue_cert, &rogue_key);
    let refused = rig.block_on(async {
        let tcp = TcpStream::connect(rig.of_addr).await.expect("connect");
        let server = ServerName::try_from("127.0.0.1").expect("server name");
        match connector.connect(server, tcp).await {
            Err(_) => true,
            Ok(stream) => ScriptedSwitch::new(stream)
                .handshake(V1_3, Dpid(0xbad))
                .await
                .is_err(),
        }
    });
    assert!(
        refused,
        "a switch certificate from another CA must be refused"
    );
    assert!(rig.ctl.switch(Dpid(0xbad)).is_none());
    assert!(rig.ctl.switch(DPID).is_some(), "the OVS switch stays");
    rig.finish();
}

#[test]
fn ovs_over_tls_with_client_certificates() {
    isolated_with(
        "ovs_over_tls_with_client_certificates",
        TOOLS,
        ovs_over_tls_body,
    );
}
