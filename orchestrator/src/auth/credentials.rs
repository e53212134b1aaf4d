//! What a process proves itself with: a token, or nothing (insecure, loopback only).

use super::token::Token;
use super::AuthError;
use std::path::Path;
use std::sync::Arc;

/// The authentication material of one process, shared by its clients and servers.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// No proofs: only for daemons on loopback started with `--insecure`, and clients of
    /// them.
    Insecure,
    /// The cluster's shared token.
    Token(Arc<Token>),
}

impl Credentials {
    /// Credentials from a token file (see [`Token::from_file`]).
    pub fn from_token_file(path: &Path) -> Result<Self, AuthError> {
        Ok(Credentials::Token(Arc::new(Token::from_file(path)?)))
    }

    /// Credentials from a token's text (tests, embedding).
    pub fn from_secret(secret: &str) -> Option<Self> {
        Token::from_secret(secret).map(|t| Credentials::Token(Arc::new(t)))
    }

    pub fn token(&self) -> Option<&Token> {
        match self {
            Credentials::Insecure => None,
            Credentials::Token(t) => Some(t),
        }
    }

    pub fn is_insecure(&self) -> bool {
        matches!(self, Credentials::Insecure)
    }
}
