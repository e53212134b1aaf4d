//! The shared secret of a cluster, read from a token file.

use super::AuthError;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::path::Path;

/// Shortest token accepted (`viola certs init` writes 64 hex characters).
pub const MIN_TOKEN_LEN: usize = 16;

/// A shared secret. Its `Debug` never shows the secret.
pub struct Token {
    secret: Vec<u8>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(<redacted>)")
    }
}

impl Token {
    /// Reads a token file: its content without surrounding white space. Refuses a file
    /// that group or others may read, and a token shorter than [`MIN_TOKEN_LEN`].
    pub fn from_file(path: &Path) -> Result<Self, AuthError> {
        use std::os::unix::fs::PermissionsExt;
        let read_err = |source| AuthError::TokenRead {
            path: path.to_path_buf(),
            source,
        };
        let mode = std::fs::metadata(path)
            .map_err(read_err)?
            .permissions()
            .mode();
        if mode & 0o077 != 0 {
            return Err(AuthError::TokenPermissions {
                path: path.to_path_buf(),
                mode: mode & 0o777,
            });
        }
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        Self::from_secret(text.trim()).ok_or_else(|| AuthError::TokenTooShort(path.to_path_buf()))
    }

    /// A token from its text; `None` if shorter than [`MIN_TOKEN_LEN`].
    pub fn from_secret(secret: &str) -> Option<Self> {
        (secret.len() >= MIN_TOKEN_LEN).then(|| Token {
            secret: secret.as_bytes().to_vec(),
        })
    }

    /// A fresh random token: 64 hex characters.
    pub fn generate() -> std::io::Result<String> {
        Ok(hex::encode(super::random::random_bytes::<32>()?))
    }

    fn mac(&self, label: &[u8], parts: &[&[u8]]) -> Hmac<Sha256> {
        // HMAC accepts keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret)
            .unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
        mac.update(label);
        for p in parts {
            mac.update(&(p.len() as u32).to_be_bytes());
            mac.update(p);
        }
        mac
    }

    /// HMAC-SHA256 over `label` and `parts` (each length-prefixed).
    pub fn prove(&self, label: &[u8], parts: &[&[u8]]) -> [u8; 32] {
        self.mac(label, parts).finalize().into_bytes().into()
    }

    /// Checks a proof in constant time.
    pub fn verify(&self, label: &[u8], parts: &[&[u8]], proof: &[u8]) -> bool {
        self.mac(label, parts).verify_slice(proof).is_ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn proofs_depend_on_token_label_and_parts() {
        let a = Token::from_secret("0123456789abcdef").expect("token");
        let b = Token::from_secret("0123456789abcdeX").expect("token");
        let p = a.prove(b"server", &[b"n1", b"n2"]);
        assert!(a.verify(b"server", &[b"n1", b"n2"], &p));
        assert!(!b.verify(b"server", &[b"n1", b"n2"], &p));
        assert!(!a.verify(b"client", &[b"n1", b"n2"], &p));
        assert!(!a.verify(b"server", &[b"n1n", b"2"], &p));
        assert!(Token::from_secret("short").is_none());
        assert_eq!(format!("{a:?}"), "Token(<redacted>)");
    }

    #[test]
    fn token_file_must_be_private() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("token");
        std::fs::write(&p, "0123456789abcdef0123\n").expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        assert!(matches!(
            Token::from_file(&p),
            Err(AuthError::TokenPermissions { .. })
        ));
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).expect("chmod");
        assert!(Token::from_file(&p).is_ok());
        std::fs::write(&p, "short\n").expect("write");
        assert!(matches!(
            Token::from_file(&p),
            Err(AuthError::TokenTooShort(_))
        ));
    }
}
