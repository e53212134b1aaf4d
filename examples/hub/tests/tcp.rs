//! The hub on a real controller over TCP: a scripted 1.0 and a scripted 1.3 switch send
//! packet-ins and get flooding packet-outs carrying the same frame.

use std::sync::Arc;
use viola_framework::Dpid;

use openflow::Version::{V1_0, V1_3};
use openflow::{port, Action, Message};
use viola_example_hub::Hub;
use viola_framework::testing::{frames, ScriptedSwitch};
use viola_framework::ControllerBuilder;

#[tokio::test]
async fn packet_in_is_flooded() {
    let running = ControllerBuilder::new()
        .app(Arc::new(Hub))
        .listen("127.0.0.1:0".parse().unwrap())
        .start()
        .await
        .unwrap();
    let addr = running.local_addrs()[0];
    let frame: Vec<u8> = (0..64u8).collect();
    for (v, dpid) in [(V1_0, 1u64), (V1_3, 2)] {
        let mut sw = ScriptedSwitch::connect(addr).await.unwrap();
        sw.handshake(v, Dpid(dpid)).await.unwrap();
        let pin = if v == V1_0 {
            frames::packet_in_v10(9, 4, &frame)
        } else {
            frames::packet_in_v13(9, 4, &frame)
        };
        if v == V1_3 {
            // The table-miss entry comes first.
            let (_, f) = sw.recv_type(0x0e).await.unwrap();
            let fm = Message::decode(&f).unwrap().1.flow_mod().unwrap();
            assert_eq!((fm.priority, fm.match_.is_empty()), (0, true));
        }
        sw.send(&pin).await.unwrap();
        let (h, f) = sw.recv_type(0x0d).await.unwrap();
        assert_eq!(h.version, v.wire());
        let po = Message::decode(&f).unwrap().1.packet_out().unwrap();
        assert_eq!(po.in_port, 4);
        assert_eq!(po.actions, vec![Action::output(port::FLOOD)]);
        assert_eq!(&po.data[..], &frame[..]);
    }
    running.shutdown().await;
}
