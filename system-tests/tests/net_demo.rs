//! `viola demo --ovs` as a library (`viola::demo::run_ovs`) with the apps the binary
//! uses (`topology,l2-learning`), on real Open vSwitch in the test's own network namespace:
//! linear,4, tree,2,3 and ring,5. Every host must reach every other, the topology found must
//! be exactly the model's links, every switch must report flows. The binary itself is run
//! by scripts/suites/30-demo-ovs.sh.
//!
//! Needs root, Open vSwitch, iproute2, ping and ethtool; FAILS with the reason when one is
//! missing.

mod net_support;

use openflow::Dpid;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use net_support::{figure, model_links, run_dir};
use openflow::Version;
use viola::demo::{self, DemoOptions, TopologyAppObserver};
use viola_lab::isolate::isolated;
use viola_lab::{DaemonPolicy, LabConfig};
use viola_topo_spec::Topology;

fn demo_case(spec: &str, version: Version, prefix: &str) {
    let dir = run_dir(prefix.trim_end_matches('-'));
    let names = vec!["topology".to_string(), "l2-learning".to_string()];
    let built = viola_apps::builtin()
        .build(
            &names,
            &net_support::app_table,
            &mut viola_framework::declare::Setup::standalone(),
        )
        .expect("registry apps");
    // Host ports flood once settled (what the binary waits for too).
    let settle = viola_topology::TopologyConfig::default().timers.port_settle;
    let mut opts = DemoOptions::new(built.apps());
    opts.switch_versions = vec![version];
    opts.settle_timeout = Duration::from_secs(20);
    opts.min_settle = settle + Duration::from_millis(100);
    opts.observer = Some(Arc::new(TopologyAppObserver));
    let lab = LabConfig {
        run_dir: dir.path().to_path_buf(),
        prefix: prefix.to_string(),
        daemons: DaemonPolicy::Private,
        ..LabConfig::default()
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime");
    let report = rt
        .block_on(demo::run_ovs(spec, opts, lab))
        .unwrap_or_else(|e| panic!("demo --ovs {spec}: {e}"));
    let text = report.to_text();
    assert_eq!(report.network, "ovs");
    assert!(
        report.all_reached(),
        "demo --ovs {spec} {version:?}:\n{text}"
    );
    let topo = Topology::parse(spec).expect("SPEC");
    let n = topo.hosts.len();
    assert_eq!(report.pings.len(), n * (n - 1), "{text}");
    for s in &report.switches {
        assert_eq!(s.version, Some(version), "{text}");
    }
    let found = report.found.clone().expect("the observer's topology");
    let want: BTreeSet<(Dpid, u32, Dpid, u32)> = model_links(&topo)
        .into_iter()
        .filter(|&(a, pa, b, pb)| (a, pa) <= (b, pb))
        .collect();
    let got: BTreeSet<(Dpid, u32, Dpid, u32)> = found.links.iter().copied().collect();
    assert_eq!(got, want, "links found by demo --ovs {spec}:\n{text}");
    for f in &report.flows {
        assert!(f.error.is_none(), "flows of {}: {:?}", f.name, f.error);
        assert!(!f.flows.is_empty(), "no flows on {}:\n{text}", f.name);
    }
    // Every host was located at its port.
    assert_eq!(found.hosts.len(), n, "hosts found:\n{text}");
    figure(format_args!(
        "demo --ovs {spec} {version:?}: {}/{} reached, settle {} ms, pings {} ms",
        report.received(),
        report.pings.len(),
        report.settle_ms,
        report.ping_ms
    ));
    // The demo takes its lab down: nothing with the prefix is left.
    let left = viola_lab::isolate::leftovers(prefix, None);
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn demo_ovs_linear_4_of13() {
    isolated("demo_ovs_linear_4_of13", || {
        demo_case("linear,4", Version::V1_3, "vt50-")
    });
}

#[test]
fn demo_ovs_tree_2_3_of10() {
    isolated("demo_ovs_tree_2_3_of10", || {
        demo_case("tree,2,3", Version::V1_0, "vt51-")
    });
}

#[test]
fn demo_ovs_ring_5_of13() {
    isolated("demo_ovs_ring_5_of13", || {
        demo_case("ring,5", Version::V1_3, "vt52-")
    });
}
