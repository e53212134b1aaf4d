//! The rule set: pure state. A packet gets the verdict of the highest-priority rule that
//! matches it (the earliest added among equals), else the default policy — the same order
//! the switch applies to the flows the rules become.

use openflow::Match;
use serde_json::{json, Value};
use viola_framework::ofjson::{match_from_json, match_to_json};

/// What a rule does with the packets it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Policy {
    Allow,
    Deny,
}

/// A rule as written in the config file or a REST body.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Higher wins; 0 ..= `max_rule_priority`.
    #[serde(default)]
    pub priority: u16,
    /// Match fields by OXM name or Ryu alias (`eth_type`, `ipv4_dst`, `nw_dst`, `tp_dst`…).
    #[serde(rename = "match", default)]
    pub matches: Value,
    pub action: Policy,
}

/// A rule in the set.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: u32,
    pub priority: u16,
    pub matches: Match,
    pub action: Policy,
}

impl Rule {
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "priority": self.priority,
            "match": match_to_json(&self.matches),
            "action": self.action,
        })
    }
}

/// A rule that cannot be used, in one line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleError {
    #[error("priority {0} is above the highest rule priority {1}")]
    Priority(u16, u16),
    #[error("match: {0}")]
    Match(String),
    #[error("no rule {0}")]
    NoSuchRule(u32),
    #[error("the rule set is full ({0} rules)")]
    Full(usize),
}

/// The rules, highest priority first.
#[derive(Debug, Clone)]
pub struct RuleSet {
    rules: Vec<Rule>,
    next_id: u32,
    max_priority: u16,
    max_rules: usize,
    pub default: Policy,
}

impl RuleSet {
    pub fn new(default: Policy, max_priority: u16, max_rules: usize) -> Self {
        RuleSet {
            rules: Vec::new(),
            next_id: 1,
            max_priority,
            max_rules,
            default,
        }
    }

    /// Checks and adds a rule; returns it with its id.
    pub fn add(&mut self, spec: &RuleSpec) -> Result<Rule, RuleError> {
        if spec.priority > self.max_priority {
            return Err(RuleError::Priority(spec.priority, self.max_priority));
        }
        if self.rules.len() >= self.max_rules {
            return Err(RuleError::Full(self.max_rules));
        }
        let matches =
            match_from_json(&spec.matches).map_err(|e| RuleError::Match(e.to_string()))?;
        matches
            .validate()
            .map_err(|e| RuleError::Match(e.to_string()))?;
        let rule = Rule {
            id: self.next_id,
            priority: spec.priority,
            matches,
            action: spec.action,
        };
        self.next_id += 1;
        let at = self.rules.partition_point(|r| r.priority >= rule.priority);
        self.rules.insert(at, rule.clone());
        Ok(rule)
    }

    pub fn remove(&mut self, id: u32) -> Result<Rule, RuleError> {
        let i = self
            .rules
            .iter()
            .position(|r| r.id == id)
            .ok_or(RuleError::NoSuchRule(id))?;
        Ok(self.rules.remove(i))
    }

    /// Highest priority first.
    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    /// What happens to a packet with these header fields.
    pub fn verdict(&self, packet: &Match) -> Policy {
        self.rules
            .iter()
            .find(|r| r.matches.matches_packet(packet))
            .map_or(self.default, |r| r.action)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(priority: u16, m: Value, action: Policy) -> RuleSpec {
        RuleSpec {
            priority,
            matches: m,
            action,
        }
    }

    fn ip_to(dst: &str) -> Match {
        Match::new()
            .in_port(1)
            .eth_type(0x0800)
            .ipv4_dst(dst.parse().unwrap())
    }

    #[test]
    fn highest_priority_match_wins_then_the_default() {
        let mut set = RuleSet::new(Policy::Allow, 999, 10);
        set.add(&spec(1, json!({"eth_type": 2048}), Policy::Deny))
            .unwrap();
        set.add(&spec(
            5,
            json!({"eth_type": 2048, "ipv4_dst": "10.0.0.1"}),
            Policy::Allow,
        ))
        .unwrap();
        assert_eq!(set.verdict(&ip_to("10.0.0.1")), Policy::Allow);
        assert_eq!(set.verdict(&ip_to("10.0.0.2")), Policy::Deny);
        assert_eq!(set.verdict(&Match::new().eth_type(0x0806)), Policy::Allow);
        assert_eq!(set.rules()[0].priority, 5);
    }

    #[test]
    fn bad_rules_are_refused_in_one_line_and_ids_are_stable() {
        let mut set = RuleSet::new(Policy::Deny, 10, 2);
        assert_eq!(
            set.add(&spec(11, json!({}), Policy::Allow)),
            Err(RuleError::Priority(11, 10))
        );
        let e = set
            .add(&spec(1, json!({"tcp_dst": 80}), Policy::Deny))
            .unwrap_err();
        assert!(e.to_string().starts_with("match: "), "{e}");
        let e = set
            .add(&spec(1, json!({"no_such_field": 1}), Policy::Deny))
            .unwrap_err();
        assert!(e.to_string().starts_with("match: "), "{e}");
        let a = set.add(&spec(1, json!({}), Policy::Allow)).unwrap();
        let b = set.add(&spec(1, json!({}), Policy::Allow)).unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(
            set.add(&spec(1, json!({}), Policy::Allow)),
            Err(RuleError::Full(2))
        );
        set.remove(1).unwrap();
        assert_eq!(set.remove(1), Err(RuleError::NoSuchRule(1)));
        assert_eq!(set.verdict(&Match::new()), Policy::Allow);
    }
}
