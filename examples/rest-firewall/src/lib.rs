//! Example app in the spirit of Ryu's `rest_firewall.py`: allow and deny rules by match,
//! added, listed and removed through the app's own REST routes, enforced with flows on
//! every switch.
//!
//! Each rule becomes one flow of priority `base_priority + rule priority`, above the
//! forwarding apps' flows: a deny rule drops, an allow rule sends the packet to the
//! controller, where the pipeline's next app forwards it. Packets that reach the
//! controller anyway (before a switch has its flows) get the same verdict here: a denied
//! one stops in this app. Place it before the forwarding app: `--apps
//! topology,rest-firewall,l2-learning`.
//!
//! Where Ryu's firewall blocks everything until a switch is enabled and keeps rules per
//! switch, this one has one rule set for the whole network and a `default` policy.
//!
//! ```toml
//! [apps.rest-firewall]
//! default = "allow"          # or "deny": drop what no rule allows
//! base_priority = 1000       # flow priority of a rule of priority 0
//! rules = [ { priority = 10, match = { eth_type = 2048, ipv4_dst = "10.0.0.9" }, action = "deny" } ]
//! ```
//!
//! REST: `GET /api/v1/firewall/rules`, `POST /api/v1/firewall/rules` (a rule: `priority`,
//! `match`, `action`), `DELETE /api/v1/firewall/rules/{id}`.
#![forbid(unsafe_code)]

mod routes;
mod rules;

use std::sync::{Arc, RwLock};

use openflow::packet::flow_match;
use openflow::{port, Action, Dpid, FlowMod, Match};
use viola_framework::declare::{AppError, Declare, Setup};
use viola_framework::{App, Context, Controller, Event, Verdict};

pub use rules::{Policy, Rule, RuleError, RuleSet, RuleSpec};

/// Cookie of the firewall's flows (`ovs-ofctl dump-flows` shows it).
pub const COOKIE: u64 = 0xf1e3_0a11;

/// `[apps.rest-firewall]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirewallConfig {
    pub default: Policy,
    pub base_priority: u16,
    /// Rules in place from the start.
    pub rules: Vec<RuleSpec>,
    pub max_rules: usize,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        FirewallConfig {
            default: Policy::Allow,
            base_priority: 1000,
            rules: Vec::new(),
            max_rules: 10_000,
        }
    }
}

/// The firewall.
pub struct RestFirewall {
    base_priority: u16,
    rules: RwLock<RuleSet>,
}

impl Declare for RestFirewall {
    const NAME: &'static str = "rest-firewall";
    type Config = FirewallConfig;

    fn build(config: FirewallConfig, _setup: &mut Setup) -> Result<Self, AppError> {
        // A rule of the highest priority still fits under the topology app's LLDP flow.
        let max_priority = 0xfff0u16
            .checked_sub(config.base_priority)
            .ok_or("base_priority: at most 65520")?;
        let mut set = RuleSet::new(config.default, max_priority, config.max_rules);
        for (i, spec) in config.rules.iter().enumerate() {
            set.add(spec).map_err(|e| format!("rules[{i}]: {e}"))?;
        }
        Ok(RestFirewall {
            base_priority: config.base_priority,
            rules: RwLock::new(set),
        })
    }

    fn routes(self: &Arc<Self>, ctl: Controller) -> Option<axum::Router> {
        Some(routes::router(Arc::clone(self), ctl))
    }
}

impl RestFirewall {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, RuleSet> {
        self.rules.read().unwrap_or_else(|e| e.into_inner())
    }

    /// The rules, highest priority first.
    pub fn rules(&self) -> Vec<Rule> {
        self.read().rules().to_vec()
    }

    pub fn default_policy(&self) -> Policy {
        self.read().default
    }

    /// Adds a rule and installs its flow on every connected switch.
    pub fn add(&self, ctl: &Controller, spec: &RuleSpec) -> Result<Rule, RuleError> {
        let rule = self
            .rules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .add(spec)?;
        for sw in ctl.switches() {
            self.send(ctl, sw.dpid, &self.flow(&rule));
        }
        Ok(rule)
    }

    /// Removes a rule and its flow from every connected switch.
    pub fn remove(&self, ctl: &Controller, id: u32) -> Result<Rule, RuleError> {
        let rule = self
            .rules
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id)?;
        // Match and priority name the flow exactly (a cookie mask would not lower to 1.0).
        let del = FlowMod::delete_strict(rule.matches.clone(), self.priority_of(&rule));
        for sw in ctl.switches() {
            self.send(ctl, sw.dpid, &del);
        }
        Ok(rule)
    }

    // ANCHOR: confirm
    /// Waits until every switch has processed what was sent to it so far (a barrier each);
    /// returns the switches that refused a flow (an OFPT_ERROR) or did not answer.
    pub async fn confirm(&self, ctl: &Controller) -> Vec<(Dpid, String)> {
        let mut failed = Vec::new();
        for sw in ctl.switches() {
            if let Err(e) = ctl.barrier(sw.dpid).await {
                failed.push((sw.dpid, e.to_string()));
            }
        }
        failed
    }
    // ANCHOR_END: confirm

    fn priority_of(&self, rule: &Rule) -> u16 {
        self.base_priority + rule.priority
    }

    /// The flow a rule becomes.
    fn flow(&self, rule: &Rule) -> FlowMod {
        let actions = match rule.action {
            Policy::Deny => Vec::new(),
            Policy::Allow => vec![Action::output(port::CONTROLLER)],
        };
        FlowMod::add(rule.matches.clone())
            .priority(self.priority_of(rule))
            .cookie(COOKIE)
            .actions(actions)
    }

    fn send(&self, ctl: &Controller, dpid: Dpid, fm: &FlowMod) {
        if let Err(e) = ctl.send(dpid, fm) {
            tracing::warn!("rest-firewall: flow to {dpid}: {e}");
        }
    }

    /// Every rule's flow (and the default deny, if set) on a switch that came up.
    fn install_all(&self, cx: &mut Context<'_>, dpid: Dpid) {
        let set = self.read();
        let mut flows: Vec<FlowMod> = set.rules().iter().map(|r| self.flow(r)).collect();
        if set.default == Policy::Deny {
            flows.push(
                FlowMod::add(Match::new())
                    .priority(self.base_priority.saturating_sub(1))
                    .cookie(COOKIE),
            );
        }
        drop(set);
        for fm in &flows {
            if let Err(e) = cx.send(dpid, fm) {
                tracing::warn!("rest-firewall: flow to {dpid}: {e}");
            }
        }
    }
}

impl App for RestFirewall {
    fn name(&self) -> &'static str {
        Self::NAME
    }

    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        match *event {
            Event::SwitchUp(sw) => {
                self.install_all(cx, sw.dpid);
                Verdict::Continue
            }
            Event::PacketIn { packet_in, .. } => {
                let packet = flow_match(packet_in.in_port(), &packet_in.data);
                match self.read().verdict(&packet) {
                    Policy::Allow => Verdict::Continue,
                    Policy::Deny => Verdict::Stop,
                }
            }
            _ => Verdict::Continue,
        }
    }
}
