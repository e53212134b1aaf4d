//! The monitor against fake switches: polls read port statistics through
//! `request(...).await`, rates land in the controller's registry, the timer polls on its
//! own and ends with the controller.

use std::time::Duration;

use openflow::{Dpid, PortStats, Version};
use viola_example_simple_monitor::{MonitorConfig, SimpleMonitor};
use viola_framework::testing::Harness;

fn stats(port_no: u32, rx_bytes: u64) -> PortStats {
    PortStats {
        port_no,
        rx_bytes,
        rx_packets: rx_bytes / 100,
        ..Default::default()
    }
}

fn gauge_series(h: &Harness, name: &str) -> usize {
    h.controller()
        .app_registry()
        .gather()
        .iter()
        .filter(|f| f.name() == name)
        .map(|f| f.get_metric().len())
        .sum()
}

#[tokio::test]
async fn two_polls_give_rates_per_port_in_the_controllers_registry() {
    let (mut h, app) = Harness::declared::<SimpleMonitor>(MonitorConfig::default()).unwrap();
    h.add_switch(Dpid(7), Version::V1_3, &[1, 2]);
    h.with_switch(Dpid(7), |s| {
        s.port_stats = vec![stats(1, 1000), stats(2, 0)]
    });
    let ctl = h.controller();
    app.poll(&ctl).await;
    assert!(
        app.latest()[&Dpid(7)].is_empty(),
        "one sample gives no rate"
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    h.with_switch(Dpid(7), |s| {
        s.port_stats = vec![stats(1, 101_000), stats(2, 0)]
    });
    app.poll(&ctl).await;
    let rates = &app.latest()[&Dpid(7)];
    assert!(
        rates[&1].rx_bytes > 0.0 && rates[&1].rx_packets > 0.0,
        "{rates:?}"
    );
    assert_eq!(rates[&2].rx_bytes, 0.0);
    assert_eq!(
        gauge_series(&h, "viola_monitor_port_rx_bytes_per_second"),
        2
    );

    h.remove_switch(Dpid(7));
    assert!(app.latest().is_empty());
    assert_eq!(
        gauge_series(&h, "viola_monitor_port_rx_bytes_per_second"),
        0
    );
}

#[tokio::test]
async fn the_timer_polls_until_the_controller_stops() {
    let cfg = MonitorConfig { interval_s: 0.05 };
    let (mut h, _app) = Harness::declared::<SimpleMonitor>(cfg).unwrap();
    h.add_switch(Dpid(1), Version::V1_0, &[1]);
    h.with_switch(Dpid(1), |s| s.port_stats = vec![stats(1, 10)]);
    h.start_apps();
    let polls = |h: &Harness| {
        h.controller()
            .app_registry()
            .gather()
            .iter()
            .find(|f| f.name() == "viola_monitor_polls_total")
            .map_or(0.0, |f| f.get_metric()[0].get_counter().value())
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while polls(&h) < 2.0 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the timer never polled twice"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    h.stop();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let after_stop = polls(&h);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        polls(&h),
        after_stop,
        "no poll after the controller stopped"
    );
}

#[test]
fn a_too_short_interval_is_refused() {
    let e = Harness::declared::<SimpleMonitor>(MonitorConfig { interval_s: 0.0 })
        .err()
        .unwrap();
    assert_eq!(e.to_string(), "interval_s: expected at least 0.05 seconds");
}
