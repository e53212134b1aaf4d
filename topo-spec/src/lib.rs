//! Topologies from the SPEC syntax: `single,N` · `linear,N` · `tree,DEPTH,FANOUT` · `ring,N` ·
//! `mesh,N` · `torus,X,Y` · a path to a TOML file.
//!
//! Naming follows Mininet: switches `s1…` with datapath id N, hosts `h1…` with IP
//! `10.0.0.N/8` and MAC `00:00:00:00:00:NN`. Port numbers are given per switch in the order
//! links are added, as Mininet does, so `linear` and `tree` match `mn --topo` port for port.
//!
//! ```
//! use viola_topo_spec::Topology;
//! let t = Topology::parse("tree,2,2").unwrap();
//! assert_eq!((t.switches.len(), t.hosts.len(), t.links.len()), (3, 4, 2));
//! assert_eq!(t.hosts[0].port, 1); // h1 on s2 port 1
//! assert!(Topology::parse("ring,2").is_err());
//! ```

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::path::Path;

use openflow::{Dpid, MacAddr};
use serde::Deserialize;

/// A switch of the topology.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switch {
    pub name: String,
    pub dpid: Dpid,
}

/// A host: one interface attached to `switch` (an index into `switches`) at `port`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Host {
    pub name: String,
    pub ip: Ipv4Addr,
    /// Prefix length of `ip` (8 for the generated topologies).
    pub prefix: u8,
    pub mac: MacAddr,
    pub switch: usize,
    pub port: u32,
}

/// One end of a switch-to-switch link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct End {
    /// Index into `switches`.
    pub switch: usize,
    pub port: u32,
}

/// A switch-to-switch link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Link {
    pub a: End,
    pub b: End,
}

/// A whole topology.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Topology {
    /// The SPEC it was built from.
    pub spec: String,
    pub switches: Vec<Switch>,
    pub hosts: Vec<Host>,
    pub links: Vec<Link>,
}

/// Why a SPEC could not be turned into a topology.
#[derive(Debug, thiserror::Error)]
pub enum TopoError {
    #[error("bad topology `{spec}`: {reason}")]
    Spec { spec: String, reason: String },
    #[error("cannot read topology file {path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("bad topology file {path}: {reason}")]
    File { path: String, reason: String },
}

fn bad(spec: &str, reason: impl Into<String>) -> TopoError {
    TopoError::Spec {
        spec: spec.to_string(),
        reason: reason.into(),
    }
}

/// Builds a topology while handing out per-switch port numbers in order.
#[derive(Default)]
struct Builder {
    t: Topology,
    next_port: Vec<u32>,
}

impl Builder {
    fn switch(&mut self) -> usize {
        let n = self.t.switches.len() + 1;
        self.t.switches.push(Switch {
            name: format!("s{n}"),
            dpid: Dpid(n as u64),
        });
        self.next_port.push(1);
        n - 1
    }
    fn port(&mut self, sw: usize) -> u32 {
        let p = self.next_port[sw];
        self.next_port[sw] += 1;
        p
    }
    fn host(&mut self, sw: usize) -> usize {
        let n = self.t.hosts.len() + 1;
        let port = self.port(sw);
        self.t.hosts.push(Host {
            name: format!("h{n}"),
            ip: host_ip(n),
            prefix: 8,
            mac: MacAddr::from_u64(n as u64),
            switch: sw,
            port,
        });
        n - 1
    }
    fn link(&mut self, a: usize, b: usize) {
        let pa = self.port(a);
        let pb = self.port(b);
        self.t.links.push(Link {
            a: End {
                switch: a,
                port: pa,
            },
            b: End {
                switch: b,
                port: pb,
            },
        });
    }
}

/// IP of host number `n` (1-based): 10.0.0.N counting on into the higher octets.
pub fn host_ip(n: usize) -> Ipv4Addr {
    let n = n as u32;
    Ipv4Addr::from(0x0a00_0000 | (n & 0x00ff_ffff))
}

fn nums(spec: &str, args: &[&str], want: usize) -> Result<Vec<usize>, TopoError> {
    if args.len() != want {
        return Err(bad(
            spec,
            format!("expected {want} number(s) after the kind"),
        ));
    }
    args.iter()
        .map(|a| {
            a.trim()
                .parse::<usize>()
                .map_err(|_| bad(spec, format!("`{a}` is not a number")))
        })
        .collect()
}

/// Largest number of switches or hosts a generated topology may have.
pub const MAX_NODES: usize = 4096;

impl Topology {
    /// Parses a SPEC (see the module docs). Anything that is not a known kind is read as a
    /// path to a TOML file.
    pub fn parse(spec: &str) -> Result<Topology, TopoError> {
        let spec = spec.trim();
        let mut parts = spec.split(',');
        let kind = parts.next().unwrap_or("").trim();
        let args: Vec<&str> = parts.collect();
        let mut b = Builder::default();
        let check = |n: usize, min: usize| -> Result<(), TopoError> {
            if n < min {
                Err(bad(spec, format!("needs at least {min}")))
            } else if n > MAX_NODES {
                Err(bad(spec, format!("at most {MAX_NODES} nodes")))
            } else {
                Ok(())
            }
        };
        match kind {
            "single" | "minimal" => {
                let n = if kind == "minimal" {
                    2
                } else {
                    nums(spec, &args, 1)?[0]
                };
                check(n, 1)?;
                let s = b.switch();
                for _ in 0..n {
                    b.host(s);
                }
            }
            "linear" => {
                let n = nums(spec, &args, 1)?[0];
                check(n, 1)?;
                let mut prev = None;
                for _ in 0..n {
                    let s = b.switch();
                    b.host(s);
                    if let Some(p) = prev {
                        b.link(s, p);
                    }
                    prev = Some(s);
                }
            }
            "tree" => {
                let v = nums(spec, &args, 2)?;
                let (depth, fanout) = (v[0], v[1]);
                if depth < 1 || fanout < 1 {
                    return Err(bad(spec, "depth and fanout must be at least 1"));
                }
                let size = (0..=depth as u32).try_fold(0usize, |acc, d| {
                    fanout.checked_pow(d).and_then(|x| acc.checked_add(x))
                });
                if size.is_none_or(|s| s > 2 * MAX_NODES) {
                    return Err(bad(spec, "too large"));
                }
                tree(&mut b, depth, fanout);
            }
            "ring" => {
                let n = nums(spec, &args, 1)?[0];
                check(n, 3)?;
                let s: Vec<usize> = (0..n).map(|_| b.switch()).collect();
                for &x in &s {
                    b.host(x);
                }
                for i in 0..n {
                    b.link(s[i], s[(i + 1) % n]);
                }
            }
            "mesh" => {
                let n = nums(spec, &args, 1)?[0];
                check(n, 2)?;
                let s: Vec<usize> = (0..n).map(|_| b.switch()).collect();
                for &x in &s {
                    b.host(x);
                }
                for i in 0..n {
                    for j in i + 1..n {
                        b.link(s[i], s[j]);
                    }
                }
            }
            "torus" => {
                let v = nums(spec, &args, 2)?;
                let (x, y) = (v[0], v[1]);
                if x < 3 || y < 3 {
                    return Err(bad(spec, "a torus needs at least 3x3 switches"));
                }
                check(x * y, 9)?;
                let s: Vec<usize> = (0..x * y).map(|_| b.switch()).collect();
                for &sw in &s {
                    b.host(sw);
                }
                for j in 0..y {
                    for i in 0..x {
                        let here = s[j * x + i];
                        b.link(here, s[j * x + (i + 1) % x]);
                        b.link(here, s[((j + 1) % y) * x + i]);
                    }
                }
            }
            _ if args.is_empty() && (spec.ends_with(".toml") || Path::new(spec).exists()) => {
                return from_file(Path::new(spec));
            }
            _ => {
                return Err(bad(
                    spec,
                    "expected single,N | linear,N | tree,DEPTH,FANOUT | ring,N | mesh,N | \
                     torus,X,Y | a .toml file",
                ))
            }
        }
        b.t.spec = spec.to_string();
        Ok(b.t)
    }

    /// Index of the switch with this name.
    pub fn switch_index(&self, name: &str) -> Option<usize> {
        self.switches.iter().position(|s| s.name == name)
    }

    /// The host with this name.
    pub fn host(&self, name: &str) -> Option<&Host> {
        self.hosts.iter().find(|h| h.name == name)
    }

    /// Number of ports used on switch `sw` (hosts and links).
    pub fn port_count(&self, sw: usize) -> u32 {
        let h = self.hosts.iter().filter(|h| h.switch == sw).map(|h| h.port);
        let l = self
            .links
            .iter()
            .flat_map(|l| [l.a, l.b])
            .filter(|e| e.switch == sw)
            .map(|e| e.port);
        h.chain(l).max().unwrap_or(0)
    }

    /// Whether the switch graph has a cycle (a plain learning switch would storm on it).
    pub fn has_loop(&self) -> bool {
        // A connected graph is a tree iff edges = nodes - 1; count per component.
        let mut parent: Vec<usize> = (0..self.switches.len()).collect();
        fn root(p: &mut [usize], mut x: usize) -> usize {
            while p[x] != x {
                p[x] = p[p[x]];
                x = p[x];
            }
            x
        }
        for l in &self.links {
            let (ra, rb) = (root(&mut parent, l.a.switch), root(&mut parent, l.b.switch));
            if ra == rb {
                return true;
            }
            parent[ra] = rb;
        }
        false
    }
}

fn tree(b: &mut Builder, depth: usize, fanout: usize) -> (bool, usize) {
    if depth == 0 {
        return (false, usize::MAX);
    }
    let me = b.switch();
    for _ in 0..fanout {
        if depth == 1 {
            b.host(me);
        } else {
            let (_, child) = tree(b, depth - 1, fanout);
            b.link(me, child);
        }
    }
    (true, me)
}

/// TOML form of a topology file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileTopo {
    #[serde(default)]
    switches: Vec<FileSwitch>,
    #[serde(default)]
    hosts: Vec<FileHost>,
    #[serde(default)]
    links: Vec<FileLink>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileSwitch {
    name: String,
    dpid: Option<Dpid>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileHost {
    name: String,
    switch: String,
    port: Option<u32>,
    ip: Option<String>,
    mac: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileLink {
    a: String,
    b: String,
    a_port: Option<u32>,
    b_port: Option<u32>,
}

/// Reads a TOML topology:
///
/// ```toml
/// [[switches]]
/// name = "s1"          # dpid defaults to the number in the name
/// [[hosts]]
/// name = "h1"
/// switch = "s1"        # port, ip ("10.0.0.1/8") and mac are optional
/// [[links]]
/// a = "s1"
/// b = "s2"             # a_port / b_port optional
/// ```
pub fn from_file(path: &Path) -> Result<Topology, TopoError> {
    let p = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| TopoError::Io {
        path: p.clone(),
        source: e,
    })?;
    from_toml(&text, &p)
}

/// Parses TOML text (see [`from_file`]); `origin` names it in errors.
pub fn from_toml(text: &str, origin: &str) -> Result<Topology, TopoError> {
    let err = |reason: String| TopoError::File {
        path: origin.to_string(),
        reason,
    };
    let f: FileTopo = toml::from_str(text).map_err(|e| err(e.message().to_string()))?;
    let mut t = Topology {
        spec: origin.to_string(),
        ..Default::default()
    };
    let mut index = HashMap::new();
    let mut next_port: Vec<u32> = Vec::new();
    for s in &f.switches {
        let dpid = match s.dpid {
            Some(d) => d,
            None => s
                .name
                .trim_start_matches(|c: char| !c.is_ascii_digit())
                .parse()
                .map(Dpid)
                .map_err(|_| err(format!("switch `{}` needs a dpid", s.name)))?,
        };
        if index.insert(s.name.clone(), t.switches.len()).is_some() {
            return Err(err(format!("switch `{}` listed twice", s.name)));
        }
        t.switches.push(Switch {
            name: s.name.clone(),
            dpid,
        });
        next_port.push(1);
    }
    let take_port = |sw: usize, want: Option<u32>, np: &mut Vec<u32>| -> u32 {
        let p = want.unwrap_or(np[sw]);
        np[sw] = np[sw].max(p + 1);
        p
    };
    for (i, h) in f.hosts.iter().enumerate() {
        let sw = *index
            .get(&h.switch)
            .ok_or_else(|| err(format!("host `{}`: no switch `{}`", h.name, h.switch)))?;
        let (ip, prefix) = match &h.ip {
            Some(s) => {
                let (a, p) = s.split_once('/').unwrap_or((s, "8"));
                let ip = a
                    .parse()
                    .map_err(|_| err(format!("host `{}`: bad ip `{s}`", h.name)))?;
                let p = p
                    .parse()
                    .ok()
                    .filter(|p| *p <= 32)
                    .ok_or_else(|| err(format!("host `{}`: bad prefix", h.name)))?;
                (ip, p)
            }
            None => (host_ip(i + 1), 8),
        };
        let mac = match &h.mac {
            Some(m) => m
                .parse()
                .map_err(|e: openflow::ParseMacError| err(e.to_string()))?,
            None => MacAddr::from_u64(i as u64 + 1),
        };
        let port = take_port(sw, h.port, &mut next_port);
        t.hosts.push(Host {
            name: h.name.clone(),
            ip,
            prefix,
            mac,
            switch: sw,
            port,
        });
    }
    for l in &f.links {
        let a = *index
            .get(&l.a)
            .ok_or_else(|| err(format!("link: no switch `{}`", l.a)))?;
        let b = *index
            .get(&l.b)
            .ok_or_else(|| err(format!("link: no switch `{}`", l.b)))?;
        let pa = take_port(a, l.a_port, &mut next_port);
        let pb = take_port(b, l.b_port, &mut next_port);
        t.links.push(Link {
            a: End {
                switch: a,
                port: pa,
            },
            b: End {
                switch: b,
                port: pb,
            },
        });
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_ports_match_mininet() {
        let t = Topology::parse("linear,3").unwrap();
        assert_eq!(
            t.links[0],
            Link {
                a: End { switch: 1, port: 2 },
                b: End { switch: 0, port: 2 }
            }
        );
        assert_eq!(
            t.links[1],
            Link {
                a: End { switch: 2, port: 2 },
                b: End { switch: 1, port: 3 }
            }
        );
        assert_eq!(t.hosts[2].ip, Ipv4Addr::new(10, 0, 0, 3));
        assert_eq!(t.hosts[2].mac.to_string(), "00:00:00:00:00:03");
        assert!(!t.has_loop());
    }

    #[test]
    fn tree_matches_mininet_numbering() {
        let t = Topology::parse("tree,2,3").unwrap();
        assert_eq!(t.switches.len(), 4);
        assert_eq!(t.hosts.len(), 9);
        // s2 has h1..h3 on ports 1..3 and its uplink to s1 on port 4.
        assert_eq!(
            t.links[0],
            Link {
                a: End { switch: 0, port: 1 },
                b: End { switch: 1, port: 4 }
            }
        );
        assert_eq!(t.hosts[3].switch, 2);
    }

    #[test]
    fn loops_and_sizes() {
        assert!(Topology::parse("ring,5").unwrap().has_loop());
        let m = Topology::parse("mesh,4").unwrap();
        assert_eq!(m.links.len(), 6);
        let t = Topology::parse("torus,3,3").unwrap();
        assert_eq!((t.switches.len(), t.links.len()), (9, 18));
        assert_eq!(t.port_count(0), 5);
        assert!(Topology::parse("tree,30,30").is_err());
        assert!(Topology::parse("linear,x").is_err());
        assert!(Topology::parse("nope").is_err());
    }

    #[test]
    fn toml_file() {
        let t = from_toml(
            "[[switches]]\nname=\"s1\"\n[[switches]]\nname=\"s7\"\n[[hosts]]\nname=\"a\"\nswitch=\"s1\"\nip=\"192.168.0.1/24\"\n[[links]]\na=\"s1\"\nb=\"s7\"\n",
            "x.toml",
        )
        .unwrap();
        assert_eq!(t.switches[1].dpid, Dpid(7));
        assert_eq!(t.hosts[0].prefix, 24);
        assert_eq!(t.links[0].a.port, 2);
        assert!(from_toml("[[hosts]]\nname=\"a\"\nswitch=\"s9\"\n", "y").is_err());
    }
}
