//! Where an image may be streamed to.
//!
//! With a token, the receiving end of every data connection must prove it holds the
//! token (the handshake is mutual), so images only go to cluster members. Without one
//! (`--insecure`, loopback daemons), images only go to loopback addresses.

use super::credentials::Credentials;
use super::AuthError;

/// Checks that `addr` (`HOST:PORT`) may receive an image under `creds`.
pub async fn check_target(creds: &Credentials, addr: &str) -> Result<(), AuthError> {
    if !creds.is_insecure() {
        return Ok(());
    }
    let addrs: Vec<_> = tokio::net::lookup_host(addr)
        .await
        .map_err(|_| AuthError::Unresolvable(addr.into()))?
        .collect();
    if addrs.is_empty() || addrs.iter().any(|a| !a.ip().is_loopback()) {
        return Err(AuthError::TargetNotLoopback(addr.into()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn insecure_targets_are_loopback_only() {
        let c = Credentials::Insecure;
        assert!(check_target(&c, "127.0.0.1:5").await.is_ok());
        assert!(check_target(&c, "[::1]:5").await.is_ok());
        assert!(matches!(
            check_target(&c, "192.0.2.1:5").await,
            Err(AuthError::TargetNotLoopback(_))
        ));
        let t = Credentials::from_secret("0123456789abcdef").expect("token");
        assert!(check_target(&t, "192.0.2.1:5").await.is_ok());
    }
}
