//! The demo's report: what the controller found, the ping matrix, the flow tables, and
//! their Mininet-style text form.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use openflow::{Dpid, MacAddr, Version};
use serde::Serialize;

/// The topology as the controller sees it (filled in by a [`super::TopologyObserver`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct FoundTopology {
    pub switches: Vec<Dpid>,
    /// Switch-to-switch links, each once: (dpid, port, dpid, port) with the smaller end first.
    #[serde(serialize_with = "links")]
    pub links: Vec<(Dpid, u32, Dpid, u32)>,
    /// Hosts: MAC, IPs, attachment (dpid, port).
    pub hosts: Vec<FoundHost>,
}

/// A host the controller located.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundHost {
    pub mac: MacAddr,
    pub ips: Vec<String>,
    pub dpid: Dpid,
    pub port: u32,
}

impl FoundTopology {
    /// Deduplicates links given in both directions and sorts everything.
    pub fn normalise(mut self) -> Self {
        let set: BTreeSet<(Dpid, u32, Dpid, u32)> = self
            .links
            .iter()
            .map(|&(a, pa, b, pb)| {
                if (a, pa) <= (b, pb) {
                    (a, pa, b, pb)
                } else {
                    (b, pb, a, pa)
                }
            })
            .collect();
        self.links = set.into_iter().collect();
        self.switches.sort_unstable();
        self.switches.dedup();
        self.hosts.sort_by_key(|h| h.mac);
        self
    }
}

/// Links are written as `{"src": {"dpid", "port"}, "dst": {…}}`, as the REST API does.
fn links<S: serde::Serializer>(v: &[(Dpid, u32, Dpid, u32)], s: S) -> Result<S::Ok, S::Error> {
    let end = |d: Dpid, p: u32| serde_json::json!({ "dpid": d, "port": p });
    s.collect_seq(
        v.iter()
            .map(|&(a, pa, b, pb)| serde_json::json!({ "src": end(a, pa), "dst": end(b, pb) })),
    )
}

/// One ping of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PingResult {
    pub from: String,
    pub to: String,
    pub ok: bool,
    /// Round-trip time in milliseconds (ARP included), when measured (simulated hosts).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A switch as connected to the controller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchSummary {
    pub name: String,
    pub dpid: Dpid,
    pub version: Option<Version>,
    pub ports: usize,
}

/// The flow table of one switch, read through the controller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwitchFlows {
    pub name: String,
    pub dpid: Dpid,
    /// `ovs-ofctl dump-flows`-style lines.
    pub flows: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// What the demo found.
#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub spec: String,
    /// `simulated` or `ovs`.
    pub network: &'static str,
    pub controller: SocketAddr,
    pub switches: Vec<SwitchSummary>,
    pub hosts: Vec<String>,
    /// Links in the topology SPEC.
    pub expected_links: usize,
    /// What the controller discovered (when an observer was given).
    pub found: Option<FoundTopology>,
    pub pings: Vec<PingResult>,
    pub flows: Vec<SwitchFlows>,
    /// Simulated networks only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub frames_forwarded: Option<u64>,
    /// Simulated networks only: frames the loop guard dropped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loop_drops: Option<u64>,
    pub settle_ms: u64,
    pub ping_ms: u64,
}

impl DemoReport {
    /// Pings that got an answer.
    pub fn received(&self) -> usize {
        self.pings.iter().filter(|p| p.ok).count()
    }

    /// Every host reached every other.
    pub fn all_reached(&self) -> bool {
        self.hosts.len() < 2 || (!self.pings.is_empty() && self.received() == self.pings.len())
    }

    /// Percentage of pings lost, as Mininet rounds it.
    pub fn dropped_percent(&self) -> usize {
        if self.pings.is_empty() {
            return 0;
        }
        (self.pings.len() - self.received()) * 100 / self.pings.len()
    }

    /// The Mininet-style ping matrix: `h1 -> h2 h3 X`, then the results line.
    pub fn ping_matrix(&self) -> String {
        let mut s = String::new();
        for h in &self.hosts {
            s.push_str(h);
            s.push_str(" ->");
            for p in self.pings.iter().filter(|p| &p.from == h) {
                s.push(' ');
                s.push_str(if p.ok { &p.to } else { "X" });
            }
            s.push('\n');
        }
        s.push_str(&format!(
            "*** Results: {}% dropped ({}/{} received)\n",
            self.dropped_percent(),
            self.received(),
            self.pings.len()
        ));
        s
    }

    /// The whole report as text.
    pub fn to_text(&self) -> String {
        let mut s = String::new();
        s.push_str(&format!(
            "*** Topology {} on {} switches (controller {})\n",
            self.spec, self.network, self.controller
        ));
        for sw in &self.switches {
            let v = sw
                .version
                .map(|v| v.to_string())
                .unwrap_or_else(|| "-".into());
            s.push_str(&format!(
                "{} dpid={} OpenFlow {v} ports={}\n",
                sw.name, sw.dpid, sw.ports
            ));
        }
        match &self.found {
            Some(f) => {
                s.push_str(&format!(
                    "*** Found by the controller: {} switches, {} of {} links, {} hosts (in {} ms)\n",
                    f.switches.len(),
                    f.links.len(),
                    self.expected_links,
                    f.hosts.len(),
                    self.settle_ms
                ));
                for (a, pa, b, pb) in &f.links {
                    s.push_str(&format!("  link {a}:{pa} <-> {b}:{pb}\n"));
                }
                for h in &f.hosts {
                    s.push_str(&format!(
                        "  host {} {} at {}:{}\n",
                        h.mac,
                        h.ips.join(","),
                        h.dpid,
                        h.port
                    ));
                }
            }
            None => s.push_str("*** No topology observer: discovery not shown\n"),
        }
        s.push_str("*** Ping: testing ping reachability\n");
        s.push_str(&self.ping_matrix());
        s.push_str("*** Flow tables\n");
        for f in &self.flows {
            s.push_str(&format!(
                "{} (dpid {}): {} flows\n",
                f.name,
                f.dpid,
                f.flows.len()
            ));
            if let Some(e) = &f.error {
                s.push_str(&format!("  error: {e}\n"));
            }
            for l in &f.flows {
                s.push_str("  ");
                s.push_str(l);
                s.push('\n');
            }
        }
        if let (Some(f), Some(l)) = (self.frames_forwarded, self.loop_drops) {
            s.push_str(&format!(
                "*** {f} frames forwarded, {l} dropped by the loop guard\n"
            ));
        }
        s
    }
}
