//! The mutual HMAC challenge that opens every control and data connection.
//!
//! ```text
//! client → {"auth": "viola-hmac-sha256/1", "nonce": Nc}
//! server → {"nonce": Ns, "proof": HMAC(token, "viola server" ‖ Nc ‖ Ns)}   (no proof: insecure)
//! client → {"proof": HMAC(token, "viola client" ‖ Nc ‖ Ns)}                (null: no token)
//! server → {"ok": true} | {"ok": false, "error": "…"} and closes
//! ```
//!
//! Nonces are 32 random bytes in hex. The labels differ, so neither side can be used as
//! an oracle for the other's proof.

use super::credentials::Credentials;
use super::random::random_bytes;
use super::AuthError;
use crate::wire::{self, Frame};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncBufRead, AsyncWrite};

/// Protocol name in the hello.
pub const PROTOCOL: &str = "viola-hmac-sha256/1";
/// Longest handshake line.
pub const MAX_HANDSHAKE_LINE: u64 = 1024;
const SERVER_LABEL: &[u8] = b"viola server";
const CLIENT_LABEL: &[u8] = b"viola client";

/// One handshake line; which fields are set depends on the step.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Step {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    nonce: Option<String>,
    #[serde(default)]
    proof: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    ok: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

async fn read_step<R: AsyncBufRead + Unpin>(r: &mut R) -> Result<Option<Step>, AuthError> {
    let line = match wire::read_line(r, MAX_HANDSHAKE_LINE).await {
        Ok(Some(l)) => l,
        Ok(None) => return Ok(None),
        Err(wire::WireError::Io(e)) => return Err(AuthError::Io(e)),
        Err(e) => return Err(AuthError::Protocol(e.to_string())),
    };
    Ok(serde_json::from_slice(&line).ok())
}

async fn write<W: AsyncWrite + Unpin, T: Serialize>(w: &mut W, v: &T) -> Result<(), AuthError> {
    wire::write_json(w, v).await.map_err(|e| match e {
        wire::WireError::Io(e) => AuthError::Io(e),
        other => AuthError::Protocol(other.to_string()),
    })
}

fn nonce_of(step: &Step) -> Option<[u8; 32]> {
    let bytes = hex::decode(step.nonce.as_deref()?).ok()?;
    bytes.try_into().ok()
}

/// Server side: runs the challenge and tells the client the verdict. On failure the
/// client has been sent a one-line error; close the connection.
pub async fn accept<R, W>(r: &mut R, w: &mut W, creds: &Credentials) -> Result<(), AuthError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let result = accept_steps(r, w, creds).await;
    let verdict = match &result {
        Ok(()) => Frame {
            ok: Some(true),
            ..Frame::default()
        },
        Err(AuthError::Io(_)) => return result,
        Err(e) => Frame::err(e),
    };
    write(w, &verdict).await?;
    result
}

async fn accept_steps<R, W>(r: &mut R, w: &mut W, creds: &Credentials) -> Result<(), AuthError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let hello = read_step(r).await?.ok_or(AuthError::HelloMissing)?;
    if hello.auth.as_deref() != Some(PROTOCOL) {
        return Err(AuthError::HelloMissing);
    }
    let client_nonce =
        nonce_of(&hello).ok_or_else(|| AuthError::Protocol("bad client nonce".into()))?;
    let server_nonce: [u8; 32] = random_bytes()?;
    let proof = creds
        .token()
        .map(|t| hex::encode(t.prove(SERVER_LABEL, &[&client_nonce, &server_nonce])));
    let challenge = Step {
        nonce: Some(hex::encode(server_nonce)),
        proof,
        ..Step::default()
    };
    write(w, &challenge).await?;
    let answer = read_step(r)
        .await?
        .ok_or_else(|| AuthError::Protocol("no answer to the challenge".into()))?;
    let Some(token) = creds.token() else {
        return Ok(());
    };
    let proof = answer.proof.ok_or(AuthError::NoProof)?;
    let proof = hex::decode(proof).map_err(|_| AuthError::WrongToken)?;
    if token.verify(CLIENT_LABEL, &[&client_nonce, &server_nonce], &proof) {
        Ok(())
    } else {
        Err(AuthError::WrongToken)
    }
}

/// Client side: proves the token and checks the server's proof (with a token, a server
/// that proves nothing is refused).
pub async fn connect<R, W>(r: &mut R, w: &mut W, creds: &Credentials) -> Result<(), AuthError>
where
    R: AsyncBufRead + Unpin,
    W: AsyncWrite + Unpin,
{
    let client_nonce: [u8; 32] = random_bytes()?;
    let hello = Step {
        auth: Some(PROTOCOL.into()),
        nonce: Some(hex::encode(client_nonce)),
        ..Step::default()
    };
    write(w, &hello).await?;
    let challenge = read_step(r)
        .await?
        .ok_or_else(|| AuthError::Refused("connection closed during authentication".into()))?;
    if let Some(e) = challenge.error {
        return Err(AuthError::Refused(e));
    }
    let server_nonce =
        nonce_of(&challenge).ok_or_else(|| AuthError::Protocol("bad server nonce".into()))?;
    let proof = match creds.token() {
        Some(token) => {
            let server_proof = challenge.proof.ok_or(AuthError::ServerUnproven)?;
            let server_proof =
                hex::decode(server_proof).map_err(|_| AuthError::ServerWrongToken)?;
            if !token.verify(SERVER_LABEL, &[&client_nonce, &server_nonce], &server_proof) {
                return Err(AuthError::ServerWrongToken);
            }
            Some(hex::encode(
                token.prove(CLIENT_LABEL, &[&client_nonce, &server_nonce]),
            ))
        }
        None => None,
    };
    write(
        w,
        &Step {
            proof,
            ..Step::default()
        },
    )
    .await?;
    let verdict = read_step(r)
        .await?
        .ok_or_else(|| AuthError::Refused("connection closed during authentication".into()))?;
    match verdict.ok {
        Some(true) => Ok(()),
        _ => Err(AuthError::Refused(
            verdict.error.unwrap_or_else(|| "no verdict".into()),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::BufReader;

    async fn pair(
        server: Credentials,
        client: Credentials,
    ) -> (Result<(), AuthError>, Result<(), AuthError>) {
        let (a, b) = tokio::io::duplex(4096);
        let (ar, mut aw) = tokio::io::split(a);
        let (br, mut bw) = tokio::io::split(b);
        let s =
            tokio::spawn(async move { accept(&mut BufReader::new(ar), &mut aw, &server).await });
        let c = connect(&mut BufReader::new(br), &mut bw, &client).await;
        drop(bw);
        (s.await.expect("join"), c)
    }

    fn tok(s: &str) -> Credentials {
        Credentials::from_secret(s).expect("token")
    }

    #[tokio::test]
    async fn same_token_passes_both_ways() {
        let (s, c) = pair(tok("0123456789abcdef"), tok("0123456789abcdef")).await;
        assert!(s.is_ok() && c.is_ok(), "{s:?} {c:?}");
    }

    #[tokio::test]
    async fn wrong_or_missing_tokens_are_refused() {
        let (s, c) = pair(tok("0123456789abcdef"), tok("fedcba9876543210")).await;
        assert!(s.is_err(), "{s:?}");
        assert!(matches!(c, Err(AuthError::ServerWrongToken)), "{c:?}");
        let (s, c) = pair(tok("0123456789abcdef"), Credentials::Insecure).await;
        assert!(matches!(s, Err(AuthError::NoProof)), "{s:?}");
        assert!(matches!(c, Err(AuthError::Refused(_))), "{c:?}");
        let (_, c) = pair(Credentials::Insecure, tok("0123456789abcdef")).await;
        assert!(matches!(c, Err(AuthError::ServerUnproven)), "{c:?}");
        let (s, c) = pair(Credentials::Insecure, Credentials::Insecure).await;
        assert!(s.is_ok() && c.is_ok());
    }
}
