//! The app against `viola_framework::testing` fake switches: save → clear → restore gives
//! the same tables; mapping; refusals push nothing; the REST routes and the client.

use std::sync::Arc;
use viola_framework::Dpid;

use openflow::{Action, FlowMod, Instruction, Match, Message, Version};
use viola_flow_state::{
    restore, save, Client, DpidMap, FlowStateApp, FlowStateDoc, FlowStateError, Mode,
    RestoreOptions, SavedFlow,
};
use viola_framework::rest::{ApiConfig, RestRoutes};
use viola_framework::testing::{FlowTable, Harness};
use viola_framework::{App, Controller};

fn harness() -> (Harness, Arc<FlowStateApp>) {
    let app = Arc::new(FlowStateApp::new());
    let h = Harness::new(vec![app.clone() as Arc<dyn App>]);
    (h, app)
}

/// Flows both versions can express (1.0: table 0 only, apply-actions only).
fn common_flows() -> Vec<FlowMod> {
    vec![
        FlowMod::add(
            Match::new()
                .in_port(1)
                .eth_type(0x0800)
                .ipv4_dst_masked("10.1.0.0".parse().unwrap(), "255.255.0.0".parse().unwrap())
                .ip_proto(17)
                .udp_dst(53),
        )
        .priority(300)
        .cookie(0xc0ff_ee00)
        .idle_timeout(60)
        .hard_timeout(600)
        .flags(1)
        .actions(vec![Action::output(2), Action::output(3)]),
        FlowMod::add(Match::new().eth_type(0x0806))
            .priority(10)
            .actions(vec![Action::output(0xffff_fffb)]),
        FlowMod::add(Match::new().in_port(4))
            .priority(1)
            .actions(vec![]),
    ]
}

/// 1.3-only flows: a second table, goto, metadata.
fn v13_flows() -> Vec<FlowMod> {
    vec![
        FlowMod::add(Match::new().in_port(2))
            .priority(50)
            .cookie(7)
            .instructions(vec![
                Instruction::WriteMetadata {
                    metadata: 0x10,
                    mask: 0xff,
                },
                Instruction::GotoTable(1),
            ]),
        FlowMod::add(Match::new().metadata_masked(0x10, 0xff))
            .table(1)
            .priority(5)
            .actions(vec![Action::output(1)]),
    ]
}

fn install(ctl: &Controller, dpid: u64, mods: &[FlowMod]) {
    for m in mods {
        ctl.send(Dpid(dpid), m)
            .expect("install a flow on a fake switch");
    }
}

/// The table as a sorted list of normalised flows (what "same table" means).
fn flows_of(t: &FlowTable) -> Vec<SavedFlow> {
    let mut v: Vec<SavedFlow> = t
        .flows()
        .map(|e| {
            SavedFlow {
                table_id: e.table_id,
                priority: e.priority,
                cookie: e.cookie,
                idle_timeout: e.idle_timeout,
                hard_timeout: e.hard_timeout,
                flags: e.flags,
                match_: e.match_.clone(),
                instructions: e.instructions.clone(),
            }
            .normalised()
        })
        .collect();
    v.sort_by_key(|f| format!("{:?}", f.identity()));
    v
}

fn table(h: &Harness, dpid: u64) -> Vec<SavedFlow> {
    flows_of(&h.table(Dpid(dpid)).expect("switch connected"))
}

fn flow_mods_sent(h: &Harness, dpid: u64) -> usize {
    h.sent(Dpid(dpid))
        .iter()
        .filter(|m: &&Message| m.flow_mod().is_some())
        .count()
}

#[tokio::test]
async fn save_clear_restore_gives_the_same_tables() {
    let (mut h, _app) = harness();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3, 4]);
    h.add_switch(Dpid(2), Version::V1_0, &[1, 2, 3, 4]);
    let ctl = h.controller();
    let mut mods13 = common_flows();
    mods13.extend(v13_flows());
    install(&ctl, 1, &mods13);
    install(&ctl, 2, &common_flows());
    let before1 = table(&h, 1);
    let before2 = table(&h, 2);
    assert_eq!((before1.len(), before2.len()), (5, 3));

    let doc = save(&ctl).await.expect("save");
    assert_eq!(doc.switches.len(), 2);
    assert_eq!(doc.switches[0].version, Version::V1_3);
    assert_eq!(doc.switches[1].version, Version::V1_0);
    assert_eq!(doc.flow_count(), 8);
    // Through the text form, as a file would go.
    let doc = FlowStateDoc::parse(&doc.to_string_pretty()).expect("re-read the saved text");

    install(&ctl, 1, &[FlowMod::delete(Match::new())]);
    install(&ctl, 2, &[FlowMod::delete(Match::new())]);
    assert!(h.table(Dpid(1)).unwrap().is_empty() && h.table(Dpid(2)).unwrap().is_empty());
    h.take_sent(Dpid(1));
    h.take_sent(Dpid(2));

    let opts = RestoreOptions {
        batch: 2,
        ..RestoreOptions::default()
    };
    let report = restore(&ctl, &doc, &opts).await.expect("restore");
    assert!(report.verified, "{report:?}");
    assert_eq!(report.pushed, 8);
    assert_eq!(report.switches[0].batches, 3); // 5 flows, 2 per batch
    assert!(report.switches.iter().all(|s| s.mismatches.is_empty()));
    assert_eq!(table(&h, 1), before1);
    // OpenFlow 1.0 flow stats have no flags field: a 1.0 switch cannot report them, so
    // they are not saved (the harness answers stats through the 1.0 wire form).
    let unflagged2: Vec<SavedFlow> = before2
        .into_iter()
        .map(|f| SavedFlow { flags: 0, ..f })
        .collect();
    assert_eq!(table(&h, 2), unflagged2);
    // Replace mode: one delete-all first, then one add per flow.
    let sent = h.sent(Dpid(1));
    let first = sent[0].flow_mod().expect("a flow mod first");
    assert_eq!(first.command, openflow::FlowModCommand::Delete);
    assert_eq!(flow_mods_sent(&h, 1), 1 + 5);

    // Replace removes what the document does not have; merge keeps it.
    let stranger = FlowMod::add(Match::new().in_port(3))
        .priority(2)
        .actions(vec![]);
    install(&ctl, 1, std::slice::from_ref(&stranger));
    let r = restore(&ctl, &doc, &RestoreOptions::default())
        .await
        .unwrap();
    assert!(r.verified);
    assert_eq!(table(&h, 1), before1);
    install(&ctl, 1, &[stranger]);
    let merge = RestoreOptions {
        mode: Mode::Merge,
        ..RestoreOptions::default()
    };
    let r = restore(&ctl, &doc, &merge).await.unwrap();
    assert!(r.verified);
    assert_eq!(table(&h, 1).len(), before1.len() + 1);
}

#[tokio::test]
async fn restore_verification_reports_mismatches() {
    let (mut h, _app) = harness();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2]);
    let ctl = h.controller();
    install(&ctl, 1, &common_flows());
    let doc = save(&ctl).await.unwrap();
    let r = restore(&ctl, &doc, &RestoreOptions::default())
        .await
        .unwrap();
    assert!(r.verified);
    // A document the switch cannot hold as written: two flows of one identity (table,
    // priority, match) with different cookies; the second ADD replaces the first, so the
    // read-back misses one.
    let mut twice = doc.clone();
    let mut f = twice.switches[0].flows[0].clone();
    f.cookie += 1;
    twice.switches[0].flows.push(f);
    let report = restore(&ctl, &twice, &RestoreOptions::default())
        .await
        .unwrap();
    assert!(!report.verified);
    let m = &report.switches[0].mismatches;
    assert_eq!(m.missing.len() + m.changed.len(), 1, "{m:?}");
}

#[tokio::test]
async fn mapping_restores_onto_another_switch() {
    let (mut h, _app) = harness();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3, 4]);
    h.add_switch(Dpid(7), Version::V1_3, &[1, 2, 3, 4]);
    let ctl = h.controller();
    let mut mods = common_flows();
    mods.extend(v13_flows());
    install(&ctl, 1, &mods);
    let doc = save(&ctl).await.unwrap();
    let only_s1 = FlowStateDoc {
        switches: doc
            .switches
            .iter()
            .filter(|s| s.dpid == Dpid(1))
            .cloned()
            .collect(),
        ..doc.clone()
    };
    let opts = RestoreOptions {
        map: DpidMap::parse(&["1=7"]).unwrap(),
        ..RestoreOptions::default()
    };
    let r = restore(&ctl, &only_s1, &opts).await.unwrap();
    assert!(r.verified, "{r:?}");
    assert_eq!(r.switches[0].dpid.to_string(), "0000000000000007");
    assert_eq!(r.switches[0].document_dpid.to_string(), "0000000000000001");
    assert_eq!(table(&h, 7), table(&h, 1));
    // Unmapped, the document's switch 7 entry (empty) would collide with the mapped one.
    let e = restore(&ctl, &doc, &opts).await.unwrap_err();
    assert!(matches!(e, FlowStateError::Map(_)), "{e}");
}

#[tokio::test]
async fn unsupported_and_absent_switches_are_refused_with_nothing_pushed() {
    let (mut h, _app) = harness();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3, 4]);
    h.add_switch(Dpid(2), Version::V1_0, &[1, 2, 3, 4]);
    let ctl = h.controller();
    let mut mods = common_flows();
    mods.extend(v13_flows());
    install(&ctl, 1, &mods);
    install(&ctl, 2, &common_flows());
    let doc = save(&ctl).await.unwrap();
    h.take_sent(Dpid(1));
    h.take_sent(Dpid(2));
    let (t1, t2) = (table(&h, 1), table(&h, 2));

    // Switch 1's 1.3 flows onto the 1.0 switch 2 (and 2's onto 1): the goto/metadata flows
    // cannot be expressed in 1.0.
    let swap = RestoreOptions {
        map: DpidMap::parse(&["1=2", "2=1"]).unwrap(),
        ..RestoreOptions::default()
    };
    let e = restore(&ctl, &doc, &swap).await.unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, FlowStateError::Unsupported { .. }), "{msg}");
    assert!(
        msg.contains("switches[0] (dpid 0000000000000001) flows["),
        "{msg}"
    );
    assert!(msg.contains("OpenFlow 1.0"), "{msg}");
    assert!(msg.contains("nothing was pushed"), "{msg}");
    assert!(!msg.contains('\n'));
    assert!(h.sent(Dpid(1)).is_empty() && h.sent(Dpid(2)).is_empty());
    assert_eq!((table(&h, 1), table(&h, 2)), (t1.clone(), t2.clone()));

    // A document switch that is not connected: refused before switch 1 is touched.
    let mut absent = doc.clone();
    absent.switches[1].dpid = Dpid(0x99);
    let e = restore(&ctl, &absent, &RestoreOptions::default())
        .await
        .unwrap_err();
    assert!(
        matches!(
            e,
            FlowStateError::NotConnected {
                target: Dpid(0x99),
                ..
            }
        ),
        "{e}"
    );
    assert!(h.sent(Dpid(1)).is_empty() && h.sent(Dpid(2)).is_empty());
    assert_eq!((table(&h, 1), table(&h, 2)), (t1, t2));
}

#[tokio::test]
async fn rest_routes_and_client() {
    let (mut h, app) = harness();
    h.add_switch(Dpid(1), Version::V1_3, &[1, 2, 3, 4]);
    let ctl = h.controller();
    let mut mods = common_flows();
    mods.extend(v13_flows());
    install(&ctl, 1, &mods);
    let before = table(&h, 1);
    let (addr, server) = viola_framework::rest::serve(
        ctl.clone(),
        "127.0.0.1:0".parse().unwrap(),
        ApiConfig::default(),
        vec![app.clone().routes(ctl.clone())],
    )
    .await
    .expect("serve the API");
    let client = Client::new(&format!("http://{addr}/api/v1")).unwrap();

    let doc = client.save().await.expect("GET /flows/state");
    assert_eq!(doc.flow_count(), 5);
    let d = client.diff(&doc, &DpidMap::default()).await.unwrap();
    assert!(d.identical, "{d:?}");

    install(&ctl, 1, &[FlowMod::delete(Match::new().in_port(2))]);
    let d = client.diff(&doc, &DpidMap::default()).await.unwrap();
    assert!(!d.identical);
    assert_eq!(d.switches[0].diff.missing.len(), 1);

    let r = client
        .restore(&doc, &DpidMap::default(), Mode::Replace)
        .await
        .expect("POST /flows/state");
    assert!(r.verified && r.pushed == 5, "{r:?}");
    assert_eq!(table(&h, 1), before);

    // A corrupt document: 400 with a one-line reason naming the field; nothing pushed.
    h.take_sent(Dpid(1));
    let http = reqwest_like_post(addr, r#"{"format": "viola.flow-state/1", "taken_at": "2026-11-22T06:43:10Z", "switches": [{"dpid": "0000000000000001", "version": "1.3", "taken_at": "2026-11-22T06:43:10Z", "flows": [{"table_id": 0, "priority": "high", "match": {}, "instructions": []}]}]}"#).await;
    assert!(http.starts_with("HTTP/1.1 400"), "{http}");
    assert!(
        http.contains("switches[0] (dpid 0000000000000001) flows[0].priority"),
        "{http}"
    );
    let http = reqwest_like_post(addr, r#"{"format": "ryu.ofctl/1"}"#).await;
    assert!(
        http.starts_with("HTTP/1.1 400") && http.contains("unknown format"),
        "{http}"
    );
    assert!(h.sent(Dpid(1)).is_empty());
    // Not connected through the API: 404.
    let mut other = doc.clone();
    other.switches[0].dpid = Dpid(5);
    let e = client
        .restore(&other, &DpidMap::default(), Mode::Replace)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("HTTP 404"), "{e}");
    assert!(h.sent(Dpid(1)).is_empty());
    server.abort();
}

/// A raw POST /api/v1/flows/state (the client validates before sending, so it cannot send
/// a corrupt document).
async fn reqwest_like_post(addr: std::net::SocketAddr, body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "POST /api/v1/flows/state HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).await.unwrap();
    out
}
