//! One-time tickets for data ports: 32 random bytes, hex on the wire.

use super::random::{constant_time_eq, random_bytes};

/// A ticket issued by the receiver of one image stream.
#[derive(Clone, PartialEq, Eq)]
pub struct Ticket([u8; 32]);

impl std::fmt::Debug for Ticket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ticket(<redacted>)")
    }
}

impl Ticket {
    pub fn generate() -> std::io::Result<Self> {
        Ok(Ticket(random_bytes()?))
    }

    /// The form sent over the control protocol.
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }

    /// Whether `presented` (hex) is this ticket; constant time.
    pub fn matches(&self, presented: &str) -> bool {
        match hex::decode(presented) {
            Ok(b) => constant_time_eq(&b, &self.0),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_issued_ticket_matches() {
        let t = Ticket::generate().expect("ticket");
        let u = Ticket::generate().expect("ticket");
        assert!(t.matches(&t.to_hex()));
        assert!(!t.matches(&u.to_hex()));
        assert!(!t.matches(""));
        assert!(!t.matches("zz"));
    }
}
