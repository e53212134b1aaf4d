//! Save → `ovs-ofctl del-flows` → restore on real Open vSwitch (userspace datapath), in
//! OpenFlow 1.0 and 1.3; refused documents push nothing.
//!
//! Needs root, Open vSwitch and iproute2: each test FAILS with the reason when one is
//! missing (scripts/install-deps.sh installs them), never skips. Each test runs in a network
//! namespace of its own (only one `ovs-vswitchd` with netdev bridges can run per namespace)
//! with private OVS daemons in a temporary run directory.

use openflow::Dpid;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use openflow::Version;
use viola_flow_state::{Client, DpidMap, FlowStateApp, FlowStateDoc, Mode};
use viola_framework::rest::{ApiConfig, RestRoutes};
use viola_framework::{App, ControllerBuilder, ListenAddr};
use viola_lab as lab;
use viola_lab::{DaemonPolicy, Lab, LabConfig, OfVersions, Ovs, OvsDaemons};
use viola_topo_spec::Topology;

static SERIAL: Mutex<()> = Mutex::new(());

/// Set in the child process that runs one test's body inside its own network namespace.
const IN_NETNS: &str = "VIOLA_FLOW_STATE_TEST_NETNS";

fn serial() -> MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

/// Fails the test (never skips) if the environment cannot run real Open vSwitch.
fn require_environment() {
    assert!(
        lab::is_root(),
        "flow-state OVS tests need root (network namespaces, Open vSwitch); run as root"
    );
    for tool in [
        "ovsdb-server",
        "ovsdb-tool",
        "ovs-vswitchd",
        "ovs-vsctl",
        "ovs-ofctl",
        "ovs-appctl",
        "ip",
    ] {
        assert!(
            lab::have_tool(tool),
            "`{tool}` is missing: run scripts/install-deps.sh"
        );
    }
}

/// Runs `body` in a fresh network namespace (re-runs this test binary, only test `name`,
/// under `ip netns exec`).
fn isolated(name: &str, body: fn()) {
    if std::env::var_os(IN_NETNS).is_some() {
        body();
        return;
    }
    let _g = serial();
    require_environment();
    let ns = format!("vfsns-{}-{name}", std::process::id());
    run(&["ip", "netns", "add", &ns]);
    run(&["ip", "-n", &ns, "link", "set", "lo", "up"]);
    let exe = std::env::current_exe().expect("path of this test binary");
    let out = Command::new("ip")
        .args(["netns", "exec", &ns])
        .arg(exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env(IN_NETNS, &ns)
        .stdin(Stdio::null())
        .output()
        .expect("re-run the test in its namespace");
    let _ = Command::new("ip").args(["netns", "del", &ns]).status();
    let log = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        out.status.success() && log.contains("1 passed"),
        "{name} failed in network namespace {ns}:\n{log}"
    );
    eprintln!("{log}");
}

fn run(cmd: &[&str]) -> String {
    let out = Command::new(cmd[0])
        .args(&cmd[1..])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {cmd:?}: {e}"));
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The last lines of the OVS logs in `dir`, for failure messages.
fn diag(dir: &Path) -> String {
    let mut out = String::new();
    for f in ["ovs-vswitchd.log", "ovsdb-server.log", "ovs-vswitchd.err"] {
        let text = std::fs::read_to_string(dir.join(f)).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(15)..].join("\n");
        out.push_str(&format!("\n--- {f} (last lines)\n{tail}"));
    }
    out
}

/// One bridge of a real OVS, its controller (with the flow-state app and the REST API) and
/// a client of that API.
struct Rig {
    rt: tokio::runtime::Runtime,
    client: Client,
    api: SocketAddr,
    ovs: Ovs,
    bridge: String,
    ofctl_version: &'static str,
    // Dropped in this order: the lab, then the daemons, then the directory.
    lab: Option<Lab>,
    _daemons: OvsDaemons,
    dir: tempfile::TempDir,
}

impl Rig {
    fn up(prefix: &str, of: OfVersions, want: Version) -> Rig {
        let dir = tempfile::Builder::new()
            .prefix("viola-flow-state-")
            .tempdir_in("/run")
            .expect("temp dir under /run");
        let daemons = OvsDaemons::start(dir.path())
            .unwrap_or_else(|e| panic!("start private OVS daemons: {e}{}", diag(dir.path())));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime");
        let app = Arc::new(FlowStateApp::new());
        let running = rt
            .block_on(
                ControllerBuilder::new()
                    .app(app.clone() as Arc<dyn App>)
                    .listen(ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()))
                    .start(),
            )
            .expect("start the controller");
        let of_addr = running.local_addrs()[0];
        let ctl = running.handle();
        // The controller must live as long as the runtime: leak the handle into a task.
        rt.spawn(async move {
            let _keep = running;
            std::future::pending::<()>().await;
        });
        let (api, _server) = rt
            .block_on(viola_framework::rest::serve(
                ctl.clone(),
                "127.0.0.1:0".parse().unwrap(),
                ApiConfig::default(),
                vec![app.routes(ctl.clone())],
            ))
            .expect("serve the REST API");
        let config = LabConfig {
            run_dir: dir.path().to_path_buf(),
            prefix: prefix.to_string(),
            controller: of_addr.to_string(),
            of,
            daemons: DaemonPolicy::Private,
            disable_offload: false,
            ipv6: false,
        };
        let topo = Topology::parse("single,2").expect("topology single,2");
        let lab =
            Lab::up(&topo, &config).unwrap_or_else(|e| panic!("lab up: {e}{}", diag(dir.path())));
        lab.wait_connected(Duration::from_secs(20))
            .unwrap_or_else(|e| panic!("bridge never connected: {e}{}", diag(dir.path())));
        let start = Instant::now();
        while ctl.version(Dpid(1)).is_none() {
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "the controller never saw switch 1{}",
                diag(dir.path())
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        assert_eq!(ctl.version(Dpid(1)), Some(want), "negotiated version");
        let bridge = lab.state().switches[0].bridge.clone();
        let client = Client::new(&format!("http://{api}")).expect("client");
        Rig {
            rt,
            client,
            api,
            ovs: lab.ovs().clone(),
            bridge,
            ofctl_version: of.ofctl_version(),
            lab: Some(lab),
            _daemons: daemons,
            dir,
        }
    }

    fn ofctl(&self, command: &str, args: &[&str]) -> String {
        self.ovs
            .ofctl(&["-O", self.ofctl_version], command, &self.bridge, args)
            .unwrap_or_else(|e| {
                panic!("ovs-ofctl {command} {args:?}: {e}{}", diag(self.dir.path()))
            })
    }

    fn add_flows(&self, flows: &[&str]) {
        for f in flows {
            self.ofctl("add-flow", &[f]);
        }
    }

    /// `dump-flows` without counters, durations or ages, one flow per line, sorted.
    fn dump(&self) -> Vec<String> {
        let text = self
            .ovs
            .ofctl(
                &["-O", self.ofctl_version, "--no-stats"],
                "dump-flows",
                &self.bridge,
                &[],
            )
            .unwrap_or_else(|e| panic!("dump-flows: {e}"));
        let mut lines: Vec<String> = text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.contains("_FLOW reply") && !l.contains("OFPST_"))
            .map(|l| {
                l.split(' ')
                    .filter(|t| {
                        ![
                            "duration=",
                            "n_packets=",
                            "n_bytes=",
                            "idle_age=",
                            "hard_age=",
                        ]
                        .iter()
                        .any(|p| t.starts_with(p))
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            })
            .collect();
        lines.sort();
        lines
    }

    /// A raw POST of `body` (the client refuses to send a corrupt document).
    fn post_raw(&self, path: &str, body: &str) -> (u16, String) {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(self.api).expect("connect to the API");
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        s.write_all(req.as_bytes()).expect("send");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        let status = out
            .split(' ')
            .nth(1)
            .and_then(|c| c.parse().ok())
            .unwrap_or(0);
        let body = out.split("\r\n\r\n").nth(1).unwrap_or("").to_string();
        (status, body)
    }

    fn down(mut self) {
        if let Some(lab) = self.lab.take() {
            lab.down().expect("lab down");
        }
    }
}

/// save → del-flows → restore → the same dump; then diff; then refusals push nothing.
fn round_trip(rig: &Rig, flows: &[&str], n_tables: usize) {
    rig.add_flows(flows);
    let before = rig.dump();
    assert_eq!(before.len(), flows.len(), "{before:#?}");
    eprintln!("dump-flows before save:\n  {}", before.join("\n  "));

    let doc = rig.rt.block_on(rig.client.save()).expect("save");
    assert_eq!(doc.switches.len(), 1);
    assert_eq!(doc.flow_count(), flows.len(), "{}", doc.to_string_pretty());
    let in_tables: std::collections::BTreeSet<u8> =
        doc.switches[0].flows.iter().map(|f| f.table_id).collect();
    assert_eq!(in_tables.len(), n_tables, "tables of the saved flows");
    // Through a file, as `viola flows save -o` / `restore FILE` do.
    let file = rig.dir.path().join("flows.json");
    std::fs::write(&file, doc.to_string_pretty()).expect("write the document");
    let text = std::fs::read_to_string(&file).expect("read the document");
    let doc = FlowStateDoc::parse(&text).expect("the saved document reads back");
    eprintln!("saved document:\n{text}");

    rig.ofctl("del-flows", &[]);
    assert!(rig.dump().is_empty(), "del-flows left {:#?}", rig.dump());
    let diff = rig
        .rt
        .block_on(rig.client.diff(&doc, &DpidMap::default()))
        .expect("diff");
    assert!(!diff.identical);
    assert_eq!(diff.switches[0].diff.missing.len(), flows.len());

    let report = rig
        .rt
        .block_on(rig.client.restore(&doc, &DpidMap::default(), Mode::Replace))
        .expect("restore");
    assert!(
        report.verified,
        "{}",
        serde_json::to_string_pretty(&report).unwrap()
    );
    assert_eq!(report.pushed, flows.len());
    let after = rig.dump();
    assert_eq!(after, before, "dump-flows after restore differs");
    let diff = rig
        .rt
        .block_on(rig.client.diff(&doc, &DpidMap::default()))
        .expect("diff");
    assert!(diff.identical, "{diff:?}");

    // Refusals: from a table that differs from the document, so a push would show.
    rig.ofctl("del-flows", &[]);
    rig.add_flows(&["priority=7,in_port=2,actions=output:1"]);
    let sentinel = rig.dump();
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");

    // Corrupt: truncated, and a bad field deep inside.
    let truncated = &text[..text.len() / 2];
    let local = FlowStateDoc::parse(truncated).unwrap_err().to_string();
    assert!(
        local.starts_with("not a JSON document") && !local.contains('\n'),
        "{local}"
    );
    let (status, body) = rig.post_raw("/api/v1/flows/state", truncated);
    assert_eq!(status, 400, "{body}");
    let mut bad = v.clone();
    bad["switches"][0]["flows"][1]["match"]["in_port"] = serde_json::json!("port one");
    let local = FlowStateDoc::parse(&bad.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        local.starts_with("switches[0] (dpid 0000000000000001) flows[1].match.in_port:"),
        "{local}"
    );
    let (status, body) = rig.post_raw("/api/v1/flows/state", &bad.to_string());
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("flows[1].match.in_port"), "{body}");
    // Foreign format.
    let mut foreign = v.clone();
    foreign["format"] = serde_json::json!("ryu.ofctl_rest/1");
    let local = FlowStateDoc::parse(&foreign.to_string())
        .unwrap_err()
        .to_string();
    assert!(
        local.contains("unknown format \"ryu.ofctl_rest/1\""),
        "{local}"
    );
    let (status, body) = rig.post_raw("/api/v1/flows/state", &foreign.to_string());
    assert_eq!(status, 400, "{body}");
    // A switch that is not connected (unless mapped).
    let mut absent = doc.clone();
    absent.switches[0].dpid = Dpid(0x99);
    let e = rig
        .rt
        .block_on(
            rig.client
                .restore(&absent, &DpidMap::default(), Mode::Replace),
        )
        .unwrap_err();
    assert!(
        e.to_string().contains("not connected") && e.to_string().contains("HTTP 404"),
        "{e}"
    );
    assert_eq!(rig.dump(), sentinel, "a refused restore changed the table");
    // …and mapped onto the connected switch, it restores (merge keeps the sentinel).
    let report = rig
        .rt
        .block_on(rig.client.restore(
            &absent,
            &DpidMap::from_pairs([(Dpid(0x99), Dpid(1))]),
            Mode::Merge,
        ))
        .expect("mapped restore");
    assert!(report.verified, "{report:?}");
    let mut want = before.clone();
    want.extend(sentinel);
    want.sort();
    assert_eq!(rig.dump(), want);
}

/// 1.0: one table; masks on IPv4 prefixes; several actions; cookies; timeouts.
const FLOWS_10: &[&str] = &[
    "cookie=0xc0ffee,priority=300,idle_timeout=600,hard_timeout=3600,ip,in_port=1,nw_src=10.0.0.0/8,nw_dst=192.168.1.0/24,actions=mod_nw_tos:16,output:2",
    "cookie=0x5,priority=200,tcp,dl_vlan=10,tp_dst=80,actions=strip_vlan,mod_dl_src:00:00:00:00:00:aa,output:2",
    "priority=100,arp,actions=FLOOD",
    "priority=50,udp,nw_dst=10.0.0.2,tp_src=53,actions=CONTROLLER:65535",
    "priority=10,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,actions=drop",
    "cookie=0xffffffffffffff00,priority=1,hard_timeout=7200,actions=mod_vlan_vid:20,output:1",
];

/// 1.3: two tables, goto/write-metadata/write-actions, masked MAC, IPv4 and IPv6, flags.
const FLOWS_13: &[&str] = &[
    "table=0,cookie=0xc0ffee,priority=300,idle_timeout=600,hard_timeout=3600,send_flow_rem,ip,in_port=1,dl_dst=00:00:00:00:00:00/01:00:00:00:00:00,nw_src=10.0.0.0/8,actions=set_field:10.9.9.9->ip_dst,output:2,goto_table:1",
    "table=0,priority=200,tcp6,ipv6_src=2001:db8::/32,tp_dst=443,actions=write_actions(output:2),goto_table:1",
    "table=0,priority=100,arp,arp_tpa=10.0.0.0/24,actions=FLOOD",
    "table=0,priority=50,dl_vlan=10,actions=pop_vlan,output:2",
    "table=0,priority=0,actions=CONTROLLER:65535",
    "table=1,cookie=0x5,priority=10,metadata=0x10/0xff,actions=drop",
    "table=1,priority=20,udp,udp_dst=53,actions=output:1,write_metadata:0x10/0xff",
    "table=1,priority=5,ip,nw_tos=32,actions=dec_ttl,output:2",
];

fn of10_body() {
    let rig = Rig::up("vfa-", OfVersions::V10, Version::V1_0);
    round_trip(&rig, FLOWS_10, 1);
    // A flow OpenFlow 1.0 cannot express (a second table, goto): refused, nothing pushed.
    let before = rig.dump();
    let mut doc = rig.rt.block_on(rig.client.save()).expect("save");
    let mut f = doc.switches[0].flows[0].clone();
    f.table_id = 1;
    f.instructions = vec![openflow::Instruction::GotoTable(2)];
    doc.switches[0].flows.push(f);
    let e = rig
        .rt
        .block_on(rig.client.restore(&doc, &DpidMap::default(), Mode::Replace))
        .unwrap_err();
    let msg = e.to_string();
    eprintln!("refused: {msg}");
    assert!(
        msg.contains("HTTP 400") && msg.contains("OpenFlow 1.0"),
        "{msg}"
    );
    assert!(
        msg.contains(&format!("flows[{}]", doc.switches[0].flows.len() - 1)),
        "{msg}"
    );
    assert_eq!(
        rig.dump(),
        before,
        "an unsupported restore changed the table"
    );
    rig.down();
}

fn of13_body() {
    let rig = Rig::up("vfb-", OfVersions::V13, Version::V1_3);
    round_trip(&rig, FLOWS_13, 2);
    rig.down();
}

/// 2000 flows in two tables: multipart flow-stats replies and ten barrier-fenced batches.
fn many_body() {
    let rig = Rig::up("vfc-", OfVersions::V13, Version::V1_3);
    let mut text = String::new();
    for i in 0..2000u32 {
        let (table, out) = if i % 2 == 0 { (0, 1) } else { (1, 2) };
        text.push_str(&format!(
            "table={table},cookie={i:#x},priority={},ip,nw_dst=10.{}.{}.0/24,actions=output:{out}\n",
            1000 + i % 7,
            i / 256,
            i % 256
        ));
    }
    let file = rig.dir.path().join("many.flows");
    std::fs::write(&file, text).expect("write the flow file");
    rig.ofctl("add-flows", &[&file.display().to_string()]);
    let before = rig.dump();
    assert_eq!(before.len(), 2000);
    let t = Instant::now();
    let doc = rig.rt.block_on(rig.client.save()).expect("save");
    let save_ms = t.elapsed().as_millis();
    assert_eq!(doc.flow_count(), 2000);
    rig.ofctl("del-flows", &[]);
    let t = Instant::now();
    let report = rig
        .rt
        .block_on(rig.client.restore(&doc, &DpidMap::default(), Mode::Replace))
        .expect("restore");
    let restore_ms = t.elapsed().as_millis();
    assert!(report.verified, "{:?}", report.switches[0].mismatches);
    assert_eq!(report.switches[0].batches, 10);
    assert_eq!(rig.dump(), before);
    eprintln!("2000 flows: save {save_ms} ms, restore (push + verify) {restore_ms} ms");
    rig.down();
}

#[test]
fn ovs_restore_many_flows_in_batches() {
    isolated("ovs_restore_many_flows_in_batches", many_body);
}

#[test]
fn ovs_save_del_restore_openflow10() {
    isolated("ovs_save_del_restore_openflow10", of10_body);
}

#[test]
fn ovs_save_del_restore_openflow13() {
    isolated("ovs_save_del_restore_openflow13", of13_body);
}
