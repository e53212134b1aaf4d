//! Which datapath ids a switch connection may claim, from its TLS client certificate.
//!
//! Under `[openflow] duplicate_dpid = "pin"` a switch may only come up with a datapath id
//! its certificate names, as a URI subject alternative name `viola:dpid:` followed by 16
//! hex digits (e.g. `viola:dpid:0000000000000001`; `viola certs` and any CA can issue
//! those). A connection without a certificate (plain TCP) names none. So a peer that can
//! reach the listener cannot take a switch over by claiming its id.

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::Dpid;

/// The URI prefix of a pinned datapath id.
pub const DPID_URI_PREFIX: &str = "viola:dpid:";

/// The datapath ids a connection's peer certificate names (`None`: no certificate).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claims(pub Option<Vec<Dpid>>);

impl Claims {
    /// A connection without a certificate.
    pub fn none() -> Self {
        Claims(None)
    }

    /// Reads the `viola:dpid:` URIs of the first (end-entity) certificate; an unreadable
    /// certificate names nothing.
    pub fn from_certificate(der: &[u8]) -> Self {
        let Ok((_, cert)) = X509Certificate::from_der(der) else {
            return Claims(Some(Vec::new()));
        };
        let mut dpids = Vec::new();
        if let Ok(Some(san)) = cert.subject_alternative_name() {
            for name in &san.value.general_names {
                if let GeneralName::URI(uri) = name {
                    if let Some(d) = parse_dpid_uri(uri) {
                        dpids.push(d);
                    }
                }
            }
        }
        Claims(Some(dpids))
    }

    /// Whether the certificate names `dpid`.
    pub fn allows(&self, dpid: Dpid) -> bool {
        self.0.as_ref().is_some_and(|d| d.contains(&dpid))
    }

    /// Why `dpid` is not allowed, for the log line.
    pub fn refusal(&self, dpid: Dpid) -> String {
        match &self.0 {
            None => "no client certificate (duplicate_dpid = pin needs TLS with one)".into(),
            Some(d) if d.is_empty() => format!(
                "the client certificate names no datapath id ({DPID_URI_PREFIX}… URI) and so not {}",
                dpid
            ),
            Some(_) => format!(
                "the client certificate does not name datapath id {}",
                dpid
            ),
        }
    }
}

/// `viola:dpid:` + 16 hex digits → the id.
fn parse_dpid_uri(uri: &str) -> Option<Dpid> {
    let hex = uri.strip_prefix(DPID_URI_PREFIX)?;
    (hex.len() == 16)
        .then(|| u64::from_str_radix(hex, 16).ok())
        .flatten()
        .map(Dpid::from)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dpid_uris() {
        assert_eq!(
            parse_dpid_uri("viola:dpid:00000000000000a1"),
            Some(Dpid::from(0xa1u64))
        );
        assert_eq!(parse_dpid_uri("viola:dpid:a1"), None);
        assert_eq!(parse_dpid_uri("viola:dpid:000000000000000g"), None);
        assert_eq!(
            parse_dpid_uri("https://x/viola:dpid:00000000000000a1"),
            None
        );
        assert!(!Claims::none().allows(Dpid::from(1u64)));
        assert!(Claims(Some(vec![Dpid::from(1u64)])).allows(Dpid::from(1u64)));
    }
}
