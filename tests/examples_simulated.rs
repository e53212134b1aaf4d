//! The ported Ryu examples in a controller on simulated networks, built by name from the
//! catalog with their `[apps.NAME]` tables, as `viola run --apps …` builds them.

use std::any::Any;
use std::sync::Arc;

use viola::demo::{self, DemoOptions};
use viola_example_rest_firewall::RestFirewall;
use viola_example_simple_monitor::SimpleMonitor;
use viola_framework::declare::{Apps, Setup};
use viola_framework::App;

fn build(names: &[&str], config: &str) -> Apps {
    let cfg: toml::Value = toml::from_str(config).unwrap();
    let table = |n: &str| {
        cfg.get(n)
            .cloned()
            .unwrap_or_else(|| toml::Value::Table(Default::default()))
    };
    let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
    viola_apps::builtin()
        .build(&names, &table, &mut Setup::standalone())
        .unwrap()
}

fn find<T: App>(apps: &Apps) -> Arc<T> {
    apps.apps()
        .into_iter()
        .find_map(|a| (a as Arc<dyn Any + Send + Sync>).downcast::<T>().ok())
        .expect("app in the pipeline")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_monitor_reports_rates_of_every_switch_while_traffic_flows() {
    let apps = build(
        &["topology", "l2-learning", "simple-monitor"],
        // LLDP probes every 100 ms: traffic on every port while the network runs.
        "[simple-monitor]\ninterval_s = 0.1\n\
         [topology]\nprobe_interval_ms = 100\nlink_timeout_ms = 400",
    );
    let monitor = find::<SimpleMonitor>(&apps);
    let run = tokio::spawn(demo::run("linear,3", DemoOptions::with_apps(apps.apps())));
    // Watched while the network runs: a switch's rates are forgotten when it goes down.
    let mut seen = false;
    while !run.is_finished() && !seen {
        let latest = monitor.latest();
        seen = latest.len() == 3
            && latest
                .values()
                .flat_map(|ports| ports.values())
                .any(|r| r.rx_packets > 0.0 || r.tx_packets > 0.0);
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let report = run.await.unwrap().unwrap();
    assert!(report.all_reached(), "{}", report.to_text());
    assert!(
        seen,
        "rates of all three switches, some moving, while the demo ran"
    );
    assert!(
        monitor.latest().is_empty(),
        "forgotten when the switches went down"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_firewall_blocks_exactly_what_its_rule_denies() {
    let apps = build(
        &["topology", "rest-firewall", "l2-learning"],
        r#"[rest-firewall]
rules = [ { priority = 10, match = { eth_type = 2048, ipv4_dst = "10.0.0.2" }, action = "deny" } ]"#,
    );
    let fw = find::<RestFirewall>(&apps);
    assert_eq!(fw.rules().len(), 1);
    let report = demo::run("linear,3", DemoOptions::with_apps(apps.apps()))
        .await
        .unwrap();
    let text = report.to_text();
    for p in &report.pings {
        // Echo requests to h2 and echo replies to h2 are both IPv4 to 10.0.0.2.
        let involves_h2 = p.from == "h2" || p.to == "h2";
        assert_eq!(p.ok, !involves_h2, "{} -> {}:\n{text}", p.from, p.to);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_switch_forwards_between_every_pair_of_a_tree() {
    // Ryu's simple_switch_13 on a loop-free network: flood, learn, install.
    let apps = build(&["simple-switch"], "");
    let report = demo::run("tree,2,2", DemoOptions::with_apps(apps.apps()))
        .await
        .unwrap();
    assert!(report.all_reached(), "{}", report.to_text());
    let flows: usize = report.flows.iter().map(|f| f.flows.len()).sum();
    assert!(
        flows > report.switches.len(),
        "learned flows beyond the table-miss ones"
    );
}
