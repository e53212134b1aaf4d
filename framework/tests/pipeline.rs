//! The pipeline through the testing harness: order and Stop, published events, typed
//! handles, fake switches (flow table, stats, barrier errors), timing metrics, the
//! packet-in rate limit.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use viola_framework::Dpid;

use openflow::Version::{V1_0, V1_3};
use openflow::{port, Action, FlowMod, Match, StatsReplyBody, StatsRequest};
use viola_framework::testing::Harness;
use viola_framework::{App, Context, Controller, ControllerBuilder, Event, RequestError, Verdict};

struct Named {
    name: &'static str,
    stop_packet_in: bool,
    seen: Mutex<Vec<String>>,
}

impl Named {
    fn new(name: &'static str, stop_packet_in: bool) -> Arc<Self> {
        Arc::new(Named {
            name,
            stop_packet_in,
            seen: Mutex::new(Vec::new()),
        })
    }
    fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

#[derive(Debug)]
struct Ping(u32);

impl App for Named {
    fn name(&self) -> &'static str {
        self.name
    }
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        let s = match event {
            Event::SwitchUp(s) => format!("up {}", s.dpid.get()),
            Event::SwitchDown(d) => format!("down {}", d.get()),
            Event::PacketIn { dpid, packet_in } => {
                // The first app installs a flow for the packet and publishes an event.
                if self.stop_packet_in {
                    let fm = FlowMod::add(Match::new().in_port(packet_in.in_port()))
                        .priority(10)
                        .actions(vec![Action::output(2)]);
                    cx.send(*dpid, &fm).unwrap();
                    cx.publish(Ping(packet_in.in_port()));
                    self.seen
                        .lock()
                        .unwrap()
                        .push(format!("packet_in {}", dpid.get()));
                    return Verdict::Stop;
                }
                format!("packet_in {}", dpid.get())
            }
            Event::App(e) => match e.downcast_ref::<Ping>() {
                Some(p) => format!("ping {}", p.0),
                None => "app ?".into(),
            },
            _ => return Verdict::Continue,
        };
        self.seen.lock().unwrap().push(s);
        Verdict::Continue
    }
}

#[test]
fn order_stop_publish_and_fake_flow_table() {
    let first = Named::new("first", true);
    let second = Named::new("second", false);
    let mut h = Harness::new(vec![first.clone(), second.clone()]);
    h.add_switch(Dpid(1), V1_3, &[1, 2]);
    assert_eq!(h.packet_in(Dpid(1), 1, vec![0u8; 60]), Verdict::Stop);
    assert_eq!(first.seen(), ["up 1", "packet_in 1", "ping 1"]);
    assert_eq!(
        second.seen(),
        ["up 1", "ping 1"],
        "Stop hides the packet-in, not the published event"
    );
    // The FLOW_MOD reached the fake switch's table.
    assert_eq!(h.flow_mods(Dpid(1)).len(), 1);
    assert_eq!(h.forward(Dpid(1), &Match::new().in_port(1)), vec![2]);
    assert!(h.forward(Dpid(1), &Match::new().in_port(3)).is_empty());
    // Controller::publish reaches the apps too.
    h.controller().publish(Ping(9));
    h.deliver(&Event::SwitchDown(Dpid(99)));
    assert!(second.seen().contains(&"ping 9".to_string()));
    h.remove_switch(Dpid(1));
    assert!(h.controller().switch(Dpid(1)).is_none());
    assert_eq!(second.seen().last().unwrap(), "down 1");
    // Typed handles.
    let ctl = h.controller();
    assert!(ctl.app::<Named>().is_some_and(|a| a.name == "first"));
    assert!(ctl.app::<Counter>().is_none());
    assert_eq!(ctl.app_names(), ["first", "second"]);
}

#[test]
fn forwarding_of_real_frames() {
    let first = Named::new("first", true);
    let mut h = Harness::new(vec![first]);
    h.add_switch(Dpid(1), V1_0, &[1, 2]);
    let frame = openflow::packet::build::arp_request(
        openflow::MacAddr([0, 0, 0, 0, 0, 1]),
        "10.0.0.1".parse().unwrap(),
        "10.0.0.2".parse().unwrap(),
    );
    h.packet_in(Dpid(1), 1, frame.clone());
    assert_eq!(h.forward_packet(Dpid(1), 1, &frame), vec![2]);
    assert!(h.forward_packet(Dpid(1), 2, &frame).is_empty());
}

#[tokio::test]
async fn fake_switch_answers_requests_and_barriers() {
    let mut h = Harness::new(vec![]);
    h.add_switch(Dpid(3), V1_3, &[1, 2, 3]);
    let ctl = h.controller();
    ctl.send(
        Dpid(3),
        &FlowMod::add(Match::new().in_port(1))
            .cookie(0x77)
            .actions(vec![Action::output(port::FLOOD)]),
    )
    .unwrap();
    let r = ctl
        .request(Dpid(3), &StatsRequest::Flow(Default::default()))
        .await
        .unwrap();
    match &r[0].body {
        StatsReplyBody::Flow(v) => assert_eq!((v.len(), v[0].cookie), (1, 0x77)),
        other => panic!("{other:?}"),
    }
    let ports = ctl.request(Dpid(3), &StatsRequest::PortDesc).await.unwrap();
    assert!(matches!(&ports[0].body, StatsReplyBody::PortDesc(p) if p.len() == 3));
    assert_eq!(ctl.barrier(Dpid(3)).await, Ok(()));
    let err = openflow::ErrorMsg {
        err_type: 1,
        code: 5,
        experimenter: None,
        data: Default::default(),
    };
    h.with_switch(Dpid(3), |s| s.barrier_errors.push_back(err.clone()));
    assert_eq!(ctl.barrier(Dpid(3)).await, Err(RequestError::Switch(err)));
    assert_eq!(
        ctl.barrier(Dpid(4)).await,
        Err(RequestError::NotConnected(Dpid(4)))
    );
}

#[derive(Default)]
struct Counter(AtomicUsize);

impl App for Counter {
    fn name(&self) -> &'static str {
        "counter"
    }
    fn handle(&self, event: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        if matches!(event, Event::PacketIn { .. }) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        Verdict::Continue
    }
}

#[test]
fn timing_layer_records_per_app() {
    let c = Arc::new(Counter::default());
    let mut h = Harness::new(vec![c.clone()]);
    h.add_switch(Dpid(1), V1_3, &[1]);
    let before = viola_framework::metrics::metrics()
        .app_handle_seconds
        .with_label_values(&["counter"])
        .get_sample_count();
    for _ in 0..10 {
        h.packet_in(Dpid(1), 1, vec![0u8; 60]);
    }
    let after = viola_framework::metrics::metrics()
        .app_handle_seconds
        .with_label_values(&["counter"])
        .get_sample_count();
    assert_eq!(after - before, 10);
    assert_eq!(c.0.load(Ordering::Relaxed), 10);
}

/// Started apps get the controller; `start` can spawn tasks.
struct Starter(Mutex<Option<Controller>>);

impl App for Starter {
    fn name(&self) -> &'static str {
        "starter"
    }
    fn start(self: Arc<Self>, ctl: Controller) {
        *self.0.lock().unwrap() = Some(ctl);
    }
    fn handle(&self, _e: &Event<'_>, _cx: &mut Context<'_>) -> Verdict {
        Verdict::Continue
    }
}

#[tokio::test]
async fn rate_limit_drops_packet_ins_beyond_the_budget() {
    use viola_framework::testing::{frames, ScriptedSwitch};
    let c = Arc::new(Counter::default());
    let s = Arc::new(Starter(Mutex::new(None)));
    let mut cfg = viola_framework::Config::default();
    cfg.openflow.packet_in_rate = 1;
    cfg.openflow.packet_in_burst = 5;
    let running = ControllerBuilder::new()
        .app(s.clone())
        .app(c.clone())
        .listen("127.0.0.1:0".parse().unwrap())
        .config(cfg)
        .start()
        .await
        .unwrap();
    assert!(s.0.lock().unwrap().is_some(), "App::start was called");
    let mut sw = ScriptedSwitch::connect(running.local_addrs()[0])
        .await
        .unwrap();
    sw.handshake(V1_3, Dpid(1)).await.unwrap();
    let mut burst = Vec::new();
    for i in 0..50 {
        burst.extend_from_slice(&frames::packet_in_v13(i, 1, &[0u8; 60]));
    }
    sw.send(&burst).await.unwrap();
    // Echo round trip: everything before it has been processed.
    sw.send(&frames::echo_request(V1_3, 999, b""))
        .await
        .unwrap();
    sw.recv_type(0x03).await.unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let n = c.0.load(Ordering::Relaxed);
    assert!(
        (5..=6).contains(&n),
        "{n} packet-ins passed a 5-packet burst budget"
    );
    running.shutdown().await;
}
