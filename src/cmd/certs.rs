//! `viola certs init DIR`: a CA, a certificate and key per host (controller, agents,
//! snapshot servers) signed by it, and the shared token of the orchestrator. Keys and the
//! token are written mode 600; nothing existing is overwritten.

use anyhow::{bail, Context};
use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair,
    KeyUsagePurpose,
};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use viola_orchestrator::auth::Token;

#[derive(clap::Subcommand)]
pub enum Command {
    /// Write DIR/ca.pem, DIR/ca.key, DIR/ROLE-HOST.pem + .key for every host, DIR/token.
    Init(InitArgs),
}

#[derive(clap::Args)]
pub struct InitArgs {
    /// Directory to create (or an empty one).
    dir: PathBuf,
    /// Host name or IP of a controller (repeatable).
    #[arg(long = "controller", value_name = "HOST", default_values_t = ["localhost".to_string()])]
    controllers: Vec<String>,
    /// Host name or IP of a VM server running `viola vm-agent` (repeatable).
    #[arg(long = "agent", value_name = "HOST", default_values_t = ["localhost".to_string()])]
    agents: Vec<String>,
    /// Host name or IP of a snapshot server (repeatable).
    #[arg(long = "snapshot-server", value_name = "HOST", default_values_t = ["localhost".to_string()])]
    snapshot_servers: Vec<String>,
    /// Validity of every certificate, in days.
    #[arg(long, default_value_t = 825)]
    days: u32,
}

pub fn run(cmd: Command) -> anyhow::Result<ExitCode> {
    match cmd {
        Command::Init(a) => init(&a)?,
    }
    Ok(ExitCode::SUCCESS)
}

fn valid_host(h: &str) -> bool {
    !h.is_empty()
        && h.len() <= 253
        && h.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-.:".contains(&b))
}

/// Subject alternative names of a host: itself, and for `localhost` the loopback IPs.
fn names_of(host: &str) -> Vec<String> {
    let mut names = vec![host.to_string()];
    if host == "localhost" {
        names.push("127.0.0.1".into());
        names.push("::1".into());
    }
    names
}

fn write_new(path: &Path, text: &str, mode: u32) -> anyhow::Result<()> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))
}

fn validity(params: &mut CertificateParams, days: u32) {
    let now = std::time::SystemTime::now();
    params.not_before = now.into();
    params.not_after = (now + std::time::Duration::from_secs(u64::from(days) * 86_400)).into();
}

fn init(a: &InitArgs) -> anyhow::Result<()> {
    for h in a
        .controllers
        .iter()
        .chain(&a.agents)
        .chain(&a.snapshot_servers)
    {
        if !valid_host(h) {
            bail!("viola certs init: {h:?} is not a host name or IP address");
        }
    }
    std::fs::create_dir_all(&a.dir).with_context(|| format!("creating {}", a.dir.display()))?;
    if a.dir.join("ca.key").exists() || a.dir.join("token").exists() {
        bail!(
            "viola certs init: {} already holds a CA or a token: refusing to overwrite it",
            a.dir.display()
        );
    }
    let ca_key = KeyPair::generate()?;
    let mut ca_params = CertificateParams::new(Vec::<String>::new())?;
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "Viola deployment CA");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    validity(&mut ca_params, a.days);
    let ca = ca_params.self_signed(&ca_key)?;
    write_new(&a.dir.join("ca.pem"), &ca.pem(), 0o644)?;
    write_new(&a.dir.join("ca.key"), &ca_key.serialize_pem(), 0o600)?;
    let roles = [
        ("controller", &a.controllers),
        ("agent", &a.agents),
        ("snapshot-server", &a.snapshot_servers),
    ];
    let mut written = vec!["ca.pem".to_string(), "ca.key".to_string()];
    for (role, hosts) in roles {
        for host in hosts {
            let key = KeyPair::generate()?;
            let mut params = CertificateParams::new(names_of(host))?;
            params
                .distinguished_name
                .push(DnType::CommonName, format!("{role} {host}"));
            params.extended_key_usages = vec![
                ExtendedKeyUsagePurpose::ServerAuth,
                ExtendedKeyUsagePurpose::ClientAuth,
            ];
            validity(&mut params, a.days);
            let cert = params.signed_by(&key, &ca, &ca_key)?;
            let stem = format!("{role}-{host}");
            write_new(&a.dir.join(format!("{stem}.pem")), &cert.pem(), 0o644)?;
            write_new(
                &a.dir.join(format!("{stem}.key")),
                &key.serialize_pem(),
                0o600,
            )?;
            written.push(format!("{stem}.pem"));
            written.push(format!("{stem}.key"));
        }
    }
    let token = Token::generate().context("reading random bytes")?;
    write_new(&a.dir.join("token"), &format!("{token}\n"), 0o600)?;
    written.push("token".into());
    println!("wrote {} in {}", written.join(", "), a.dir.display());
    Ok(())
}
