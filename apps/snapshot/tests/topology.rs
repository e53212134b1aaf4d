//! With the real topology app in front: next hops come from its shortest paths.

mod common;

use std::sync::Arc;
use viola_framework::Dpid;

use bytes::Bytes;
use common::{outputs, ping, Recorder};
use openflow::{MacAddr, Version};
use viola_framework::testing::Harness;
use viola_framework::{App, Verdict};
use viola_snapshot::{Limits, Policy, SnapshotApp, SnapshotConfig};
use viola_topology::{lldp, TopologyApp};

#[tokio::test]
async fn next_hops_come_from_the_topology_app() {
    let topo = Arc::new(TopologyApp::default());
    let snap = Arc::new(SnapshotApp::new(SnapshotConfig::default()));
    let rec = Arc::new(Recorder::default());
    let apps: Vec<Arc<dyn App>> = vec![topo.clone(), snap.clone(), rec.clone()];
    let mut h = Harness::new(apps);
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3, 4]);
    h.add_switch(Dpid(2), Version::V1_3, &[1, 2]);
    // s1:3 <-> s2:2, both directions.
    let src = MacAddr([2, 0, 0, 0, 0, 9]);
    assert_eq!(
        h.packet_in(Dpid(2), 2, lldp::build(Dpid(1), 3, src, None, 0)),
        Verdict::Stop
    );
    assert_eq!(
        h.packet_in(Dpid(1), 3, lldp::build(Dpid(2), 2, src, None, 0)),
        Verdict::Stop
    );
    assert_eq!(
        topo.snapshot()
            .next_hop(Dpid(1), Dpid(2))
            .map(|l| l.src.port),
        Some(3)
    );
    let ctl = h.controller();
    snap.register(
        &ctl,
        common::registration("topo", Policy::Buffer, Limits::default()),
    )
    .await
    .unwrap();
    h.take_sent(Dpid(1));
    assert_eq!(
        h.packet_in(Dpid(1), 1, Bytes::from(ping(1, 3, 1))),
        Verdict::Stop
    );
    let po = h.packet_outs(Dpid(1));
    assert_eq!(outputs(&po[0]), vec![3]);
    assert_eq!(h.forward_packet(Dpid(1), 1, &ping(1, 3, 2)), vec![3]);
    assert_eq!(rec.count(), 0);
}
