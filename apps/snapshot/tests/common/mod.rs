//! A small network for the snapshot app's tests, on the framework's fake switches.
//!
//! ```text
//!  h1 ─1┐         ┌1─ h3
//!  h2 ─2┤ s1 ─3──2┤ s2
//!  h4 ─4┘         (h3 on s2 port 1)
//! ```
//! h1, h2, h3 are members of the service; h4 is not.
#![allow(dead_code)]

use std::net::Ipv4Addr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use openflow::packet::build;
use openflow::{Action, MacAddr, Message, PacketOut, Version};
use viola_framework::declare::{Apps, Built, Setup};
use viola_framework::testing::Harness;
use viola_framework::{App, Context, Controller, Dpid, Event, Verdict};
use viola_snapshot::model::VmSpec;
use viola_snapshot::{Limits, Policy, Registration, SnapshotApp, SnapshotConfig, StaticRoutes};

pub fn mac(n: u8) -> MacAddr {
    MacAddr([0, 0, 0, 0, 0, n])
}

pub fn ip(n: u8) -> Ipv4Addr {
    Ipv4Addr::new(10, 0, 0, n)
}

/// An ICMP echo request from host `a` to host `b`, tagged with `seq`.
pub fn ping(a: u8, b: u8, seq: u16) -> Vec<u8> {
    build::icmp_echo_request(mac(a), mac(b), ip(a), ip(b), 7, seq, b"snapshot")
}

/// The ICMP sequence number of a frame built by [`ping`].
pub fn seq_of(frame: &[u8]) -> u16 {
    // 14 (Ethernet) + 20 (IPv4) + 6 (type, code, checksum, id) = 40.
    u16::from_be_bytes([frame[40], frame[41]])
}

/// Records every packet-in it sees (a stand-in for l2-learning behind the snapshot app).
#[derive(Default)]
pub struct Recorder {
    pub seen: Mutex<Vec<(Dpid, u32, Vec<u8>)>>,
}

impl Recorder {
    pub fn count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }
}

impl App for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }
    fn handle(&self, event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        if let Event::PacketIn { dpid, packet_in } = event {
            self.seen
                .lock()
                .unwrap()
                .push((*dpid, packet_in.in_port(), packet_in.data.to_vec()));
        }
        Verdict::Continue
    }
}

pub fn routes() -> StaticRoutes {
    StaticRoutes::new()
        .link(Dpid(1), Dpid(2), 3)
        .link(Dpid(2), Dpid(1), 2)
        .flood(Dpid(1), vec![1, 2, 3, 4])
        .flood(Dpid(2), vec![1, 2])
        .host(mac(4), Dpid(1), 4)
}

pub fn vm(n: u8, dpid: Dpid, port: u32) -> VmSpec {
    VmSpec {
        name: format!("h{n}"),
        mac: mac(n),
        ip: Some(ip(n).into()),
        dpid,
        port,
    }
}

pub fn registration(name: &str, policy: Policy, limits: Limits) -> Registration {
    Registration {
        name: name.to_string(),
        policy,
        limits,
        auto_reinject: false,
        vms: vec![vm(1, Dpid(1), 1), vm(2, Dpid(1), 2), vm(3, Dpid(2), 1)],
    }
}

pub struct Net {
    pub h: Harness,
    pub app: Arc<SnapshotApp>,
    pub rec: Arc<Recorder>,
    pub ctl: Controller,
}

impl Net {
    /// The two switches (version `v`), the snapshot app first, then the recorder.
    pub fn new(v: Version) -> Net {
        Self::with(v, Some(routes()), true)
    }

    pub fn with(v: Version, routes: Option<StaticRoutes>, both_switches: bool) -> Net {
        let cfg = SnapshotConfig::default();
        let mut setup = Setup::standalone();
        let app = match routes {
            Some(r) => SnapshotApp::with_routes(cfg, Arc::new(r)),
            None => SnapshotApp::new(cfg),
        };
        let app = Arc::new(app.registered(&mut setup).expect("metrics register"));
        let rec = Arc::new(Recorder::default());
        let built = |app: Arc<dyn viola_framework::App>| Built { app, routes: None };
        let apps = Apps(vec![built(app.clone()), built(rec.clone())]);
        let mut h = Harness::with_apps(&apps, setup);
        h.add_switch(Dpid(1), v, &[1, 2, 3, 4]);
        if both_switches {
            h.add_switch(Dpid(2), v, &[1, 2]);
        }
        let ctl = h.controller();
        Net { h, app, rec, ctl }
    }

    /// A series of the snapshot app's metrics (`viola_snapshot_…`) in this controller.
    pub fn metric(&self, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
        viola_framework::testing::metric_value(self.ctl.app_metrics(), name, labels)
    }

    pub async fn register(&self, name: &str, policy: Policy) {
        self.app
            .register(&self.ctl, registration(name, policy, Limits::default()))
            .await
            .unwrap();
    }

    /// A packet-in of `frame` at the access port of host `n` (h1, h2 on s1; h3 on s2; h4 on s1).
    pub fn send_from(&mut self, n: u8, frame: Vec<u8>) -> Verdict {
        let (dpid, port) = match n {
            1 => (1, 1),
            2 => (1, 2),
            3 => (2, 1),
            4 => (1, 4),
            _ => panic!("no host h{n}"),
        };
        self.h.packet_in(Dpid(dpid), port, Bytes::from(frame))
    }

    pub fn clear(&self) {
        self.h.take_sent(Dpid(1));
        self.h.take_sent(Dpid(2));
    }

    pub fn packet_outs(&self, dpid: Dpid) -> Vec<PacketOut> {
        self.h.packet_outs(dpid)
    }

    pub fn sent(&self, dpid: Dpid) -> Vec<Message> {
        self.h.sent(dpid)
    }

    pub fn status(&self, name: &str) -> serde_json::Value {
        self.app.status(name).unwrap()
    }
}

/// Output ports of a PACKET_OUT.
pub fn outputs(po: &PacketOut) -> Vec<u32> {
    po.actions
        .iter()
        .filter_map(|a| match a {
            Action::Output { port, .. } => Some(*port),
            _ => None,
        })
        .collect()
}
