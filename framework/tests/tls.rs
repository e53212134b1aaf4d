//! TLS listeners with certificates made by rcgen and a scripted rustls client: a switch with
//! a certificate from the configured CA comes up, one without is refused, and a plain TCP
//! listener works side by side.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use viola_framework::Dpid;

use openflow::Version::V1_3;
use rcgen::{BasicConstraints, CertificateParams, ExtendedKeyUsagePurpose, IsCa, KeyPair};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use viola_framework::testing::ScriptedSwitch;
use viola_framework::{Config, ControllerBuilder, DuplicateDpid, ListenAddr};

struct Pki {
    ca: rcgen::Certificate,
    ca_key: KeyPair,
}

impl Pki {
    fn new() -> Pki {
        let ca_key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca = p.self_signed(&ca_key).unwrap();
        Pki { ca, ca_key }
    }
    fn leaf(&self, name: &str, eku: ExtendedKeyUsagePurpose) -> (rcgen::Certificate, KeyPair) {
        self.leaf_with_uris(name, eku, &[])
    }
    /// A leaf with extra URI subject alternative names (e.g. `viola:dpid:…`).
    fn leaf_with_uris(
        &self,
        name: &str,
        eku: ExtendedKeyUsagePurpose,
        uris: &[&str],
    ) -> (rcgen::Certificate, KeyPair) {
        let key = KeyPair::generate().unwrap();
        let mut p = CertificateParams::new(vec![name.to_string()]).unwrap();
        p.extended_key_usages = vec![eku];
        for u in uris {
            p.subject_alt_names
                .push(rcgen::SanType::URI(rcgen::Ia5String::try_from(*u).unwrap()));
        }
        let cert = p.signed_by(&key, &self.ca, &self.ca_key).unwrap();
        (cert, key)
    }
}

fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn client_config(
    pki: &Pki,
    client: Option<(&rcgen::Certificate, &KeyPair)>,
) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(pki.ca.der().to_vec()))
        .unwrap();
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let b = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots);
    let cfg = match client {
        Some((cert, key)) => b
            .with_client_auth_cert(
                vec![CertificateDer::from(cert.der().to_vec())],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.serialize_der())),
            )
            .unwrap(),
        None => b.with_no_client_auth(),
    };
    Arc::new(cfg)
}

#[tokio::test]
async fn tls_with_client_certificates_next_to_plain_tcp() {
    let pki = Pki::new();
    let (srv, srv_key) = pki.leaf("localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let (cli, cli_key) = pki.leaf("switch-1", ExtendedKeyUsagePurpose::ClientAuth);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.tls.cert = Some(write(dir.path(), "cert.pem", &srv.pem()));
    cfg.tls.key = Some(write(dir.path(), "key.pem", &srv_key.serialize_pem()));
    cfg.tls.ca = Some(write(dir.path(), "ca.pem", &pki.ca.pem()));
    let running = ControllerBuilder::new()
        .listen("tls://127.0.0.1:0".parse::<ListenAddr>().unwrap())
        .listen("127.0.0.1:0".parse::<ListenAddr>().unwrap())
        .config(cfg)
        .start()
        .await
        .unwrap();
    let ctl = running.handle();
    let (tls_addr, tcp_addr) = (running.local_addrs()[0], running.local_addrs()[1]);
    let name = ServerName::try_from("localhost").unwrap();

    // With a client certificate: the handshake runs over TLS.
    let connector = TlsConnector::from(client_config(&pki, Some((&cli, &cli_key))));
    let tcp = TcpStream::connect(tls_addr).await.unwrap();
    let stream = connector.connect(name.clone(), tcp).await.unwrap();
    let mut sw = ScriptedSwitch::new(stream);
    sw.handshake(V1_3, Dpid(0x7151)).await.unwrap();

    // Plain TCP on the other listener.
    let mut plain = ScriptedSwitch::connect(tcp_addr).await.unwrap();
    plain.handshake(V1_3, Dpid(0x7c9)).await.unwrap();
    for _ in 0..100 {
        if ctl.switches().len() == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(ctl.switch(Dpid(0x7151)).is_some() && ctl.switch(Dpid(0x7c9)).is_some());

    // Without a client certificate: refused (at the handshake or at the first read).
    let connector = TlsConnector::from(client_config(&pki, None));
    let tcp = TcpStream::connect(tls_addr).await.unwrap();
    let refused = match connector.connect(name, tcp).await {
        Err(_) => true,
        Ok(stream) => ScriptedSwitch::new(stream)
            .handshake(V1_3, Dpid(0xbad))
            .await
            .is_err(),
    };
    assert!(refused, "a switch without a certificate must be refused");
    assert!(ctl.switch(Dpid(0xbad)).is_none());
    running.shutdown().await;
}

#[tokio::test]
async fn tls_listener_without_cert_config_fails_to_start() {
    let r = ControllerBuilder::new()
        .listen("tls://127.0.0.1:0".parse::<ListenAddr>().unwrap())
        .start()
        .await;
    let e = r.err().expect("start must fail").to_string();
    assert!(e.contains("cert"), "{e}");
}

#[tokio::test]
async fn pin_lets_a_switch_claim_only_the_ids_its_certificate_names() {
    let pki = Pki::new();
    let (srv, srv_key) = pki.leaf("localhost", ExtendedKeyUsagePurpose::ServerAuth);
    let (s1, s1_key) = pki.leaf_with_uris(
        "switch-1",
        ExtendedKeyUsagePurpose::ClientAuth,
        &["viola:dpid:00000000000000a1"],
    );
    let (other, other_key) = pki.leaf("switch-2", ExtendedKeyUsagePurpose::ClientAuth);
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = Config::default();
    cfg.tls.cert = Some(write(dir.path(), "cert.pem", &srv.pem()));
    cfg.tls.key = Some(write(dir.path(), "key.pem", &srv_key.serialize_pem()));
    cfg.tls.ca = Some(write(dir.path(), "ca.pem", &pki.ca.pem()));
    cfg.openflow.duplicate_dpid = DuplicateDpid::Pin;
    let running = ControllerBuilder::new()
        .listen("tls://127.0.0.1:0".parse::<ListenAddr>().unwrap())
        .listen("127.0.0.1:0".parse::<ListenAddr>().unwrap())
        .config(cfg)
        .start()
        .await
        .unwrap();
    let ctl = running.handle();
    let (tls_addr, tcp_addr) = (running.local_addrs()[0], running.local_addrs()[1]);
    let name = ServerName::try_from("localhost").unwrap();
    let connect = |cert: &rcgen::Certificate, key: &KeyPair| {
        TlsConnector::from(client_config(&pki, Some((cert, key))))
    };

    // The owner, with a certificate naming 0xa1.
    let tcp = TcpStream::connect(tls_addr).await.unwrap();
    let stream = connect(&s1, &s1_key)
        .connect(name.clone(), tcp)
        .await
        .unwrap();
    let mut owner = ScriptedSwitch::new(stream);
    owner.handshake(V1_3, Dpid(0xa1)).await.unwrap();
    for _ in 0..100 {
        if ctl.switch(Dpid(0xa1)).is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let owner_addr = ctl.switch(Dpid(0xa1)).map(|s| s.addr).expect("owner up");

    // A valid certificate that names another id, and plain TCP: both closed, the owner stays.
    let tcp = TcpStream::connect(tls_addr).await.unwrap();
    let stream = connect(&other, &other_key)
        .connect(name, tcp)
        .await
        .unwrap();
    let mut thief = ScriptedSwitch::new(stream);
    thief.handshake(V1_3, Dpid(0xa1)).await.unwrap();
    thief.until_closed().await.unwrap();
    let mut plain = ScriptedSwitch::connect(tcp_addr).await.unwrap();
    plain.handshake(V1_3, Dpid(0xa1)).await.unwrap();
    plain.until_closed().await.unwrap();
    assert_eq!(ctl.switch(Dpid(0xa1)).map(|s| s.addr), Some(owner_addr));
    owner
        .send(&viola_framework::testing::frames::echo_request(
            V1_3, 5, b"",
        ))
        .await
        .unwrap();
    owner
        .recv_type(viola_framework::connection::wire::OFPT_ECHO_REPLY)
        .await
        .unwrap();
    running.shutdown().await;
}
