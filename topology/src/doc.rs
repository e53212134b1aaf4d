//! [`TopologyDoc`]: the JSON document of `GET /api/v1/topology`, also read back by
//! `viola topo` to print text or Graphviz.

use std::net::IpAddr;
use std::time::Instant;

use openflow::MacAddr;
use serde::{Deserialize, Serialize};

use crate::types::{Dpid, PortRef};
use crate::view::TopologyView;

/// What a port is to the topology.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PortRole {
    /// End of a spanning-tree link: floods go through.
    Tree,
    /// Faces another switch off the tree: floods never leave by it.
    Blocked,
    /// Faces hosts (or nothing): floods go out.
    Host,
    /// Live but still settling (no flood yet), or down.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortDoc {
    pub port_no: u32,
    pub live: bool,
    pub role: PortRole,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchDoc {
    /// 16 hex digits in JSON.
    pub dpid: Dpid,
    pub ports: Vec<PortDoc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndDoc {
    pub dpid: Dpid,
    pub port: u32,
}

impl From<PortRef> for EndDoc {
    fn from(p: PortRef) -> Self {
        EndDoc {
            dpid: p.dpid,
            port: p.port,
        }
    }
}

/// One direction of a link: LLDP sent out of `src` arrived at `dst`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkDoc {
    pub src: EndDoc,
    pub dst: EndDoc,
    /// The other direction was seen too (only such links carry traffic).
    pub bidirectional: bool,
    pub in_tree: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostDoc {
    pub mac: MacAddr,
    pub ips: Vec<IpAddr>,
    pub dpid: Dpid,
    pub port: u32,
}

/// The whole topology as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopologyDoc {
    pub switches: Vec<SwitchDoc>,
    pub links: Vec<LinkDoc>,
    pub hosts: Vec<HostDoc>,
}

impl TopologyDoc {
    /// The document of a snapshot at time `now` (port roles depend on settle time).
    pub fn from_view(v: &TopologyView, now: Instant) -> Self {
        let switches = v
            .switches()
            .map(|d| {
                let ports = v
                    .ports(d)
                    .map(|ports| {
                        ports
                            .iter()
                            .map(|(&n, pv)| {
                                let p = PortRef::new(d, n);
                                let role = if v.is_tree_port(p) {
                                    PortRole::Tree
                                } else if v.is_inter_switch_port(p) {
                                    PortRole::Blocked
                                } else if v.is_host_port(p, now) {
                                    PortRole::Host
                                } else {
                                    PortRole::Unknown
                                };
                                PortDoc {
                                    port_no: n,
                                    live: pv.live,
                                    role,
                                }
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                SwitchDoc { dpid: d, ports }
            })
            .collect();
        let all: std::collections::HashSet<_> = v.links().iter().copied().collect();
        let links = v
            .links()
            .iter()
            .map(|l| {
                let bidirectional = all.contains(&l.reversed());
                LinkDoc {
                    src: l.src.into(),
                    dst: l.dst.into(),
                    bidirectional,
                    in_tree: bidirectional && v.is_tree_port(l.src) && v.is_tree_port(l.dst),
                }
            })
            .collect();
        let hosts: Vec<HostDoc> = v
            .hosts()
            .into_iter()
            .map(|h| HostDoc {
                mac: h.mac,
                ips: h.ips.iter().copied().collect(),
                dpid: h.at.dpid,
                port: h.at.port,
            })
            .collect();
        TopologyDoc {
            switches,
            links,
            hosts,
        }
    }

    /// Plain text for people: one line per switch, link and host.
    pub fn to_text(&self) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let _ = writeln!(s, "switches ({}):", self.switches.len());
        for sw in &self.switches {
            let ports: Vec<String> = sw
                .ports
                .iter()
                .map(|p| {
                    let role = match (p.live, p.role) {
                        (false, _) => "down",
                        (true, PortRole::Tree) => "tree",
                        (true, PortRole::Blocked) => "blocked",
                        (true, PortRole::Host) => "host",
                        (true, PortRole::Unknown) => "settling",
                    };
                    format!("{}:{role}", openflow::port::display(p.port_no))
                })
                .collect();
            let _ = writeln!(s, "  {}  {}", sw.dpid, ports.join(" "));
        }
        let _ = writeln!(s, "links ({}):", self.links.len());
        for l in &self.links {
            let mut flags = Vec::new();
            if !l.bidirectional {
                flags.push("one-way");
            }
            if l.in_tree {
                flags.push("tree");
            }
            let _ = writeln!(
                s,
                "  {}:{} -> {}:{}  {}",
                l.src.dpid,
                l.src.port,
                l.dst.dpid,
                l.dst.port,
                flags.join(",")
            );
        }
        let _ = writeln!(s, "hosts ({}):", self.hosts.len());
        for h in &self.hosts {
            let ips: Vec<String> = h.ips.iter().map(ToString::to_string).collect();
            let _ = writeln!(s, "  {}  {}:{}  {}", h.mac, h.dpid, h.port, ips.join(","));
        }
        s
    }

    /// Graphviz: switches as boxes, hosts as ellipses, one edge per physical link
    /// (tree links bold, blocked ones dashed).
    pub fn to_dot(&self) -> String {
        use std::fmt::Write;
        let mut s = String::from("graph topology {\n  node [shape=box];\n");
        for sw in &self.switches {
            let _ = writeln!(s, "  \"{}\";", sw.dpid);
        }
        for l in &self.links {
            // One edge per pair: the direction from the lower end, or one-way links as is.
            let lower = (l.src.dpid, l.src.port) < (l.dst.dpid, l.dst.port);
            if l.bidirectional && !lower {
                continue;
            }
            let style = match (l.bidirectional, l.in_tree) {
                (false, _) => "dotted",
                (true, true) => "bold",
                (true, false) => "dashed",
            };
            let _ = writeln!(
                s,
                "  \"{}\" -- \"{}\" [taillabel=\"{}\", headlabel=\"{}\", style={style}];",
                l.src.dpid, l.dst.dpid, l.src.port, l.dst.port
            );
        }
        for h in &self.hosts {
            let label = h
                .ips
                .first()
                .map_or_else(|| h.mac.to_string(), |ip| format!("{}\\n{ip}", h.mac));
            let _ = writeln!(s, "  \"{}\" [shape=ellipse, label=\"{label}\"];", h.mac);
            let _ = writeln!(
                s,
                "  \"{}\" -- \"{}\" [headlabel=\"{}\"];",
                h.mac, h.dpid, h.port
            );
        }
        s.push_str("}\n");
        s
    }
}
