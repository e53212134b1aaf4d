//! Names of everything a lab creates. All of them start with a prefix Viola owns (default
//! `vl-`), so `down` can find leftovers after a crash without any state file.

use super::LabError;

/// Linux limits interface names to 15 bytes (IFNAMSIZ - 1).
pub const IFNAME_MAX: usize = 15;

/// Default prefix of bridges, namespaces and veths.
pub const DEFAULT_PREFIX: &str = "vl-";

/// Turns topology names into bridge, namespace and interface names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    prefix: String,
}

fn valid_chars(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.')
}

fn checked(name: String) -> Result<String, LabError> {
    if name.len() > IFNAME_MAX {
        return Err(LabError::Name {
            name,
            reason: format!("longer than {IFNAME_MAX} characters"),
        });
    }
    if !valid_chars(&name) {
        return Err(LabError::Name {
            name,
            reason: "use letters, digits, '-', '_' or '.'".into(),
        });
    }
    Ok(name)
}

impl Names {
    /// A prefix of 1 to 5 characters (letters, digits, '-', '_').
    pub fn new(prefix: &str) -> Result<Names, LabError> {
        if prefix.is_empty() || prefix.len() > 5 || !valid_chars(prefix) || prefix.contains('.') {
            return Err(LabError::Name {
                name: prefix.to_string(),
                reason: "a prefix is 1 to 5 letters, digits, '-' or '_'".into(),
            });
        }
        Ok(Names {
            prefix: prefix.to_string(),
        })
    }

    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Whether a bridge, namespace or interface name belongs to this prefix.
    pub fn owns(&self, name: &str) -> bool {
        name.starts_with(&self.prefix)
    }

    /// Bridge of switch `sw` (`vl-s1`).
    pub fn bridge(&self, sw: &str) -> Result<String, LabError> {
        checked(format!("{}{sw}", self.prefix))
    }

    /// Network namespace of host `host` (`vl-h1`).
    pub fn netns(&self, host: &str) -> Result<String, LabError> {
        checked(format!("{}{host}", self.prefix))
    }

    /// Switch-side veth of port `port` of switch `sw` (`vl-s1-eth3`).
    pub fn switch_port(&self, sw: &str, port: u32) -> Result<String, LabError> {
        checked(format!("{}{sw}-eth{port}", self.prefix))
    }

    /// The host's interface inside its namespace: `h1-eth0` as in Mininet, `eth0` if the
    /// host name is too long for that.
    pub fn host_if(host: &str) -> String {
        let name = format!("{host}-eth0");
        if name.len() <= IFNAME_MAX && valid_chars(&name) {
            name
        } else {
            "eth0".to_string()
        }
    }
}

impl Default for Names {
    fn default() -> Self {
        Names {
            prefix: DEFAULT_PREFIX.to_string(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_carry_prefix_and_fit() {
        let n = Names::default();
        assert_eq!(n.bridge("s1").unwrap(), "vl-s1");
        assert_eq!(n.netns("h12").unwrap(), "vl-h12");
        assert_eq!(n.switch_port("s100", 12).unwrap(), "vl-s100-eth12");
        assert!(n.owns("vl-s1-eth1") && !n.owns("s1-eth1"));
        assert!(n.switch_port("switch-number-1", 1).is_err());
        assert!(n.netns("a b").is_err());
        assert_eq!(Names::host_if("h1"), "h1-eth0");
        assert_eq!(Names::host_if("a-very-long-host"), "eth0");
        assert!(Names::new("").is_err() && Names::new("toolong").is_err());
    }
}
