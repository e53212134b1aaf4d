//! `viola topo [--api URL] [--format text|json|dot] [--json]`: switches, links and hosts a
//! running controller knows (`GET /api/v1/topology`).
//!
//! The request is a plain HTTP/1.1 GET over a TCP stream (no TLS): the API listens on
//! loopback by default, and this keeps the binary free of an HTTP client until the
//! workspace picks one.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{anyhow, bail, Context as _};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use viola_topology::TopologyDoc;

/// Output formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Dot,
}

#[derive(clap::Args)]
pub struct Args {
    /// Base URL of the controller's REST API (`viola run --api`).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    api: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Same as `--format json`.
    #[arg(long)]
    json: bool,
}

/// Largest response accepted (a topology of thousands of switches fits easily).
const MAX_RESPONSE: u64 = 64 << 20;
const TIMEOUT: Duration = Duration::from_secs(10);

pub async fn run(args: Args) -> anyhow::Result<ExitCode> {
    let format = if args.json { Format::Json } else { args.format };
    let body = http_get(&args.api, "/api/v1/topology").await?;
    let doc: TopologyDoc = serde_json::from_slice(&body)
        .context("the controller's answer is not a topology document")?;
    match format {
        Format::Text => print!("{}", doc.to_text()),
        Format::Dot => print!("{}", doc.to_dot()),
        Format::Json => println!("{}", serde_json::to_string_pretty(&doc)?),
    }
    Ok(ExitCode::SUCCESS)
}

/// Splits `http://HOST:PORT[/prefix]` into the address and the path prefix.
fn split_url(url: &str) -> anyhow::Result<(String, String)> {
    let rest = match url.split_once("://") {
        Some(("http", rest)) => rest,
        Some((scheme, _)) => bail!("--api {url}: only http:// is supported (got {scheme}://)"),
        None => url,
    };
    let (host, prefix) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if host.is_empty() {
        bail!("--api {url}: no host");
    }
    let host = if host
        .rsplit_once(':')
        .is_some_and(|(_, p)| p.parse::<u16>().is_ok())
        && !host.ends_with(']')
    {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    Ok((host, prefix.to_string()))
}

/// GET `path` under `base`; returns the body of a 200 answer.
async fn http_get(base: &str, path: &str) -> anyhow::Result<Vec<u8>> {
    let (addr, prefix) = split_url(base)?;
    let fut = async {
        let mut s = tokio::net::TcpStream::connect(&addr)
            .await
            .with_context(|| {
                format!("cannot connect to the controller API at {addr} (is `viola run` running?)")
            })?;
        let req = format!(
            "GET {prefix}{path} HTTP/1.1\r\nHost: {addr}\r\nAccept: application/json\r\nConnection: close\r\nUser-Agent: viola-topo\r\n\r\n"
        );
        s.write_all(req.as_bytes()).await?;
        let mut raw = Vec::new();
        s.take(MAX_RESPONSE).read_to_end(&mut raw).await?;
        anyhow::Ok(raw)
    };
    let raw = tokio::time::timeout(TIMEOUT, fut)
        .await
        .map_err(|_| anyhow!("no answer from {addr} within {TIMEOUT:?}"))??;
    parse_response(&raw)
}

/// The body of a complete HTTP/1.1 response, or an error naming the status.
fn parse_response(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| anyhow!("malformed HTTP answer"))?;
    let head = std::str::from_utf8(&raw[..split]).context("malformed HTTP header")?;
    let body = &raw[split + 4..];
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| anyhow!("malformed status line `{status_line}`"))?;
    let chunked = lines.any(|l| {
        l.split_once(':').is_some_and(|(k, v)| {
            k.trim().eq_ignore_ascii_case("transfer-encoding")
                && v.to_ascii_lowercase().contains("chunked")
        })
    });
    let body = if chunked {
        dechunk(body)?
    } else {
        body.to_vec()
    };
    if status != 200 {
        let detail = String::from_utf8_lossy(&body);
        bail!("the controller answered {status}: {}", detail.trim());
    }
    Ok(body)
}

fn dechunk(mut b: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let eol = b
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| anyhow!("malformed chunked body"))?;
        let size_text = std::str::from_utf8(&b[..eol])?
            .split(';')
            .next()
            .unwrap_or_default()
            .trim();
        let size = usize::from_str_radix(size_text, 16).context("malformed chunk size")?;
        b = &b[eol + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = b
            .get(..size)
            .ok_or_else(|| anyhow!("truncated chunked body"))?;
        out.extend_from_slice(chunk);
        b = b
            .get(size + 2..)
            .ok_or_else(|| anyhow!("truncated chunked body"))?;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            split_url("http://127.0.0.1:8080").unwrap(),
            ("127.0.0.1:8080".into(), String::new())
        );
        assert_eq!(
            split_url("127.0.0.1:9/x/").unwrap(),
            ("127.0.0.1:9".into(), "/x".into())
        );
        assert_eq!(
            split_url("http://localhost").unwrap(),
            ("localhost:80".into(), String::new())
        );
        assert!(split_url("https://a:1").is_err());
    }

    #[test]
    fn responses() {
        let ok = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
        assert_eq!(parse_response(ok).unwrap(), b"{}");
        let chunked =
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{\"\r\n1\r\n}\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked).unwrap(), b"{\"}");
        let err = b"HTTP/1.1 404 Not Found\r\n\r\n{\"error\":\"no such route\"}";
        assert!(parse_response(err).unwrap_err().to_string().contains("404"));
        assert!(parse_response(b"garbage").is_err());
    }
}
