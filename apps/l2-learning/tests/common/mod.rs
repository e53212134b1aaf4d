//! A small network on top of the framework's test harness: fake switches with fake flow
//! tables, links and hosts from a testbed topology, and a frame loop that moves frames
//! between them (table hit → outputs; miss → PACKET_IN to the apps → their PACKET_OUTs).
//! No sockets, no clock: every step is deterministic, and a storm shows up as a step count
//! that explodes (bounded by `MAX_STEPS`).

#![allow(dead_code)]

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use viola_framework::Dpid;

use openflow::{port, Action, MacAddr, Match, Message, Version};
use viola_framework::testing::Harness;
use viola_framework::App;
use viola_l2_learning::{L2Config, L2Learning};
use viola_topo_spec::Topology;
use viola_topology::{TopologyApp, TopologyConfig};

/// Frames processed per `run` before we call it a storm.
pub const MAX_STEPS: usize = 20_000;

pub struct Net {
    pub h: Harness,
    pub topo: Topology,
    pub l2: Arc<L2Learning>,
    pub topology: Option<Arc<TopologyApp>>,
    /// (dpid, port) → (dpid, port) for switch-to-switch links (both directions).
    pub links: HashMap<(Dpid, u32), (Dpid, u32)>,
    /// (dpid, port) → host index.
    pub host_at: HashMap<(Dpid, u32), usize>,
    /// Frames each host received.
    pub inbox: Vec<Vec<Vec<u8>>>,
    /// PACKET_INs delivered to the apps, over the net's life.
    pub packet_ins: usize,
    /// Links administratively down (frames sent into them vanish).
    pub down: Vec<(Dpid, u32)>,
}

pub fn mac(n: usize) -> MacAddr {
    MacAddr([0, 0, 0, 0, 0, n as u8])
}

fn eth(dst: MacAddr, src: MacAddr, ethertype: u16, payload: &[u8]) -> Vec<u8> {
    let mut f = Vec::with_capacity(14 + payload.len());
    f.extend_from_slice(&dst.0);
    f.extend_from_slice(&src.0);
    f.extend_from_slice(&ethertype.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

/// An ARP request from host `a` (1-based numbering as in the topology) for host `b`.
pub fn arp_request(a: usize, b: usize) -> Vec<u8> {
    let mut p = vec![0, 1, 0x08, 0x00, 6, 4, 0, 1];
    p.extend_from_slice(&mac(a).0);
    p.extend_from_slice(&[10, 0, 0, a as u8]);
    p.extend_from_slice(&[0; 6]);
    p.extend_from_slice(&[10, 0, 0, b as u8]);
    eth(MacAddr::BROADCAST, mac(a), 0x0806, &p)
}

/// An ARP reply from `b` to `a`.
pub fn arp_reply(b: usize, a: usize) -> Vec<u8> {
    let mut p = vec![0, 1, 0x08, 0x00, 6, 4, 0, 2];
    p.extend_from_slice(&mac(b).0);
    p.extend_from_slice(&[10, 0, 0, b as u8]);
    p.extend_from_slice(&mac(a).0);
    p.extend_from_slice(&[10, 0, 0, a as u8]);
    eth(mac(a), mac(b), 0x0806, &p)
}

/// A small IPv4 packet from `a` to `b`.
pub fn ipv4(a: usize, b: usize) -> Vec<u8> {
    let mut p = vec![0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0];
    p.extend_from_slice(&[10, 0, 0, a as u8, 10, 0, 0, b as u8]);
    p.extend_from_slice(&[0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0]);
    eth(mac(b), mac(a), 0x0800, &p)
}

fn fields(in_port: u32, frame: &[u8]) -> Match {
    let mut m = Match::new().in_port(in_port);
    if let Some((dst, src, ethertype)) = openflow::packet::peek_eth(frame) {
        m = m.eth_dst(dst).eth_src(src).eth_type(ethertype);
    }
    m
}

impl Net {
    /// Builds the network with l2-learning (and the topology app unless `with_topology` is
    /// false), connects every switch, lets LLDP discovery run and the host ports settle.
    pub fn new(spec: &str, version: Version, cfg: L2Config, with_topology: bool) -> Net {
        let topo = Topology::parse(spec).unwrap_or_else(|e| panic!("{spec}: {e}"));
        let l2 = Arc::new(L2Learning::new(cfg));
        let topology = with_topology.then(|| Arc::new(TopologyApp::new(TopologyConfig::default())));
        let mut apps: Vec<Arc<dyn App>> = Vec::new();
        if let Some(t) = &topology {
            apps.push(t.clone());
        }
        apps.push(l2.clone());
        let h = Harness::new(apps);
        let mut links = HashMap::new();
        for l in &topo.links {
            let a = (topo.switches[l.a.switch].dpid, l.a.port);
            let b = (topo.switches[l.b.switch].dpid, l.b.port);
            links.insert(a, b);
            links.insert(b, a);
        }
        let host_at = topo
            .hosts
            .iter()
            .enumerate()
            .map(|(i, hst)| ((topo.switches[hst.switch].dpid, hst.port), i))
            .collect();
        let inbox = vec![Vec::new(); topo.hosts.len()];
        let mut net = Net {
            h,
            topo,
            l2,
            topology,
            links,
            host_at,
            inbox,
            packet_ins: 0,
            down: Vec::new(),
        };
        for i in 0..net.topo.switches.len() {
            let ports: Vec<u32> = (1..=net.topo.port_count(i)).collect();
            net.h
                .add_switch(Dpid((net.topo.switches[i].dpid).get()), version, &ports);
        }
        // SwitchUp probes are queued: carry them (and their answers) across the links.
        net.run(VecDeque::new());
        net.h.advance(Duration::from_millis(600));
        net
    }

    pub fn dpid(&self, switch_index: usize) -> Dpid {
        Dpid((self.topo.switches[switch_index].dpid).get())
    }

    /// Where host `n` (1-based) is attached.
    pub fn host_port(&self, n: usize) -> (Dpid, u32) {
        let hst = &self.topo.hosts[n - 1];
        (Dpid((self.topo.switches[hst.switch].dpid).get()), hst.port)
    }

    /// PACKET_OUT outputs of messages a switch got, as (in_port, ports, frame).
    fn take_outputs(&mut self, dpid: Dpid) -> Vec<(u32, Vec<u32>, Vec<u8>)> {
        self.h
            .take_sent(dpid)
            .iter()
            .filter_map(Message::packet_out)
            .map(|po| {
                let ports = po
                    .actions
                    .iter()
                    .filter_map(|a| match a {
                        Action::Output { port, .. } => Some(*port),
                        _ => None,
                    })
                    .collect();
                (po.in_port, ports, po.data.to_vec())
            })
            .collect()
    }

    fn expand(&self, dpid: Dpid, in_port: u32, ports: Vec<u32>) -> Vec<u32> {
        let all = || {
            let i = self
                .topo
                .switches
                .iter()
                .position(|s| s.dpid == dpid)
                .unwrap_or(0);
            let moved = self
                .host_at
                .keys()
                .filter(|(d, p)| *d == dpid && *p > 100)
                .map(|(_, p)| *p);
            (1..=self.topo.port_count(i))
                .chain(moved)
                .filter(|p| *p != in_port)
                .collect::<Vec<u32>>()
        };
        let mut out = Vec::new();
        for p in ports {
            match p {
                port::FLOOD | port::ALL => out.extend(all()),
                port::IN_PORT => out.push(in_port),
                port::CONTROLLER | port::LOCAL | port::NORMAL | port::TABLE | port::ANY => {}
                p => out.push(p),
            }
        }
        out
    }

    /// Moves frames until the network is quiet. `queue` holds (dpid, in_port, frame)
    /// arrivals. Returns the number of frames processed.
    pub fn run(&mut self, mut queue: VecDeque<(Dpid, u32, Vec<u8>)>) -> usize {
        let mut steps = 0;
        // Messages queued by earlier events (probes at switch-up…).
        let dpids: Vec<Dpid> = self.topo.switches.iter().map(|s| s.dpid).collect();
        for &d in &dpids {
            self.emit(d, &mut queue);
        }
        while let Some((dpid, in_port, frame)) = queue.pop_front() {
            steps += 1;
            assert!(
                steps < MAX_STEPS,
                "storm: more than {MAX_STEPS} frames in flight"
            );
            let m = fields(in_port, &frame);
            let hit = self.h.table(dpid).and_then(|t| t.lookup(0, &m).cloned());
            match hit {
                Some(e) if !e.output_ports().contains(&port::CONTROLLER) => {
                    for p in self.expand(dpid, in_port, e.output_ports()) {
                        self.transmit(dpid, p, frame.clone(), &mut queue);
                    }
                }
                _ => {
                    self.packet_ins += 1;
                    self.h.packet_in(dpid, in_port, frame);
                }
            }
            for &d in &dpids {
                self.emit(d, &mut queue);
            }
        }
        steps
    }

    fn emit(&mut self, dpid: Dpid, queue: &mut VecDeque<(Dpid, u32, Vec<u8>)>) {
        for (in_port, ports, frame) in self.take_outputs(dpid) {
            for p in self.expand(dpid, in_port, ports) {
                self.transmit(dpid, p, frame.clone(), queue);
            }
        }
    }

    fn transmit(
        &mut self,
        dpid: Dpid,
        p: u32,
        frame: Vec<u8>,
        queue: &mut VecDeque<(Dpid, u32, Vec<u8>)>,
    ) {
        if self.down.contains(&(dpid, p)) {
            return;
        }
        if let Some(&(d, q)) = self.links.get(&(dpid, p)) {
            queue.push_back((d, q, frame));
        } else if let Some(&i) = self.host_at.get(&(dpid, p)) {
            self.inbox[i].push(frame);
        }
    }

    /// Host `n` (1-based) sends a frame; runs the network until quiet.
    pub fn send(&mut self, n: usize, frame: Vec<u8>) -> usize {
        let (d, p) = self.host_port(n);
        self.run(VecDeque::from([(d, p, frame)]))
    }

    pub fn clear_inboxes(&mut self) {
        for b in &mut self.inbox {
            b.clear();
        }
    }

    /// Copies of `frame` host `n` received.
    pub fn received(&self, n: usize, frame: &[u8]) -> usize {
        self.inbox[n - 1]
            .iter()
            .filter(|f| f.as_slice() == frame)
            .count()
    }

    /// Takes the link between two switches down on both ends (as `ip link set down`
    /// would): PORT_STATUS link-down from both switches.
    pub fn link_down(&mut self, a: (Dpid, u32)) {
        let b = self.links[&a];
        for (d, p) in [a, b] {
            self.down.push((d, p));
            let mut info = viola_framework::testing::fake_port(d, p);
            info.state = openflow::port_state::LINK_DOWN;
            self.h.port_status(d, openflow::port_reason::MODIFY, info);
        }
        self.run(VecDeque::new());
    }

    /// Moves host `n` to a new port of switch `switch_index` (a port added for it).
    pub fn move_host(&mut self, n: usize, switch_index: usize) -> (Dpid, u32) {
        let dpid = self.dpid(switch_index);
        let new_port = 100 + n as u32;
        let old = self.host_port(n);
        self.host_at.remove(&old);
        self.host_at.insert((dpid, new_port), n - 1);
        let hst = &mut self.topo.hosts[n - 1];
        hst.switch = switch_index;
        hst.port = new_port;
        let info = viola_framework::testing::fake_port(dpid, new_port);
        self.h.port_status(dpid, openflow::port_reason::ADD, info);
        self.run(VecDeque::new());
        self.h.advance(Duration::from_millis(600));
        (dpid, new_port)
    }

    /// One periodic round of the topology app: probes + expiry, carried across the links.
    pub fn tick(&mut self) {
        if let Some(t) = &self.topology {
            let ctl = self.h.controller();
            t.tick(&ctl, self.h.now());
        }
        // Deliver what the tick published (the runtime's dispatcher does this at once).
        self.h.deliver(&viola_framework::Event::App(&()));
        self.run(VecDeque::new());
    }
}
