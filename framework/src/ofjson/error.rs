//! The error of every JSON → OpenFlow conversion: where (a path) and why.

/// A JSON value that does not describe an OpenFlow value. `path` names the field, e.g.
/// `match.ipv4_dst` or `instructions[1].actions[0].port`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{reason}", if path.is_empty() { String::new() } else { format!("{path}: ") })]
pub struct OfJsonError {
    pub path: String,
    pub reason: String,
}

impl OfJsonError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> Self {
        OfJsonError {
            path: path.into(),
            reason: reason.into(),
        }
    }

    /// Prefixes the path with an object key.
    pub fn within(mut self, key: &str) -> Self {
        self.path = if self.path.is_empty() {
            key.to_string()
        } else if self.path.starts_with('[') {
            format!("{key}{}", self.path)
        } else {
            format!("{key}.{}", self.path)
        };
        self
    }

    /// Prefixes the path with an array index.
    pub fn within_index(mut self, i: usize) -> Self {
        self.path = if self.path.is_empty() || self.path.starts_with('[') {
            format!("[{i}]{}", self.path)
        } else {
            format!("[{i}].{}", self.path)
        };
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_compose() {
        let e = OfJsonError::new("port", "bad")
            .within_index(2)
            .within("actions");
        assert_eq!(e.to_string(), "actions[2].port: bad");
        let e = OfJsonError::new("", "bad").within_index(0).within("flows");
        assert_eq!(e.to_string(), "flows[0]: bad");
        assert_eq!(OfJsonError::new("", "bad").to_string(), "bad");
    }
}
