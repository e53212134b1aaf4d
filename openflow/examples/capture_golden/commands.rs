//! The `ovs-ofctl` commands whose conversations are captured, per OpenFlow version.

/// One `ovs-ofctl` invocation: `ovs-ofctl -O VERSION [options] CMD SWITCH ARGS…`.
pub struct Cmd {
    pub cmd: &'static str,
    pub args: Vec<String>,
    /// Extra options before the command (`--strict`, `-F …`).
    pub opts: Vec<&'static str>,
    /// OVS is expected to refuse it with an OFPT_ERROR (ovs-ofctl exits non-zero).
    pub expect_error: bool,
}

impl Cmd {
    /// The command line as stored in the vector files (switch shown as BRIDGE).
    pub fn describe(&self, of: &str) -> String {
        let mut s = format!("ovs-ofctl -O {of}");
        for o in &self.opts {
            s.push(' ');
            s.push_str(o);
        }
        s.push(' ');
        s.push_str(self.cmd);
        s.push_str(" BRIDGE");
        for a in &self.args {
            s.push_str(&format!(" '{a}'"));
        }
        s
    }

    /// File-name part: the command and a short digest of the arguments.
    pub fn slug(&self) -> String {
        let mut s: String = self.cmd.to_string();
        if self.opts.contains(&"--strict") {
            s.push_str("-strict");
        }
        if self.opts.contains(&"--bundle") {
            s.push_str("-bundle");
        }
        if let Some(first) = self.args.first() {
            let clean: String = first
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect();
            let clean: Vec<&str> = clean.split('-').filter(|p| !p.is_empty()).collect();
            let mut tail = clean.join("-");
            tail.truncate(40);
            if !tail.is_empty() {
                s.push('-');
                s.push_str(tail.trim_end_matches('-'));
            }
        }
        s
    }
}

fn c(cmd: &'static str, args: &[&str]) -> Cmd {
    Cmd {
        cmd,
        args: args.iter().map(|s| s.to_string()).collect(),
        opts: vec![],
        expect_error: false,
    }
}

fn strict(mut x: Cmd) -> Cmd {
    x.opts.push("--strict");
    x
}

fn bundle(mut x: Cmd) -> Cmd {
    x.opts.push("--bundle");
    x
}

fn failing(mut x: Cmd) -> Cmd {
    x.expect_error = true;
    x
}

/// An ARP request from 00:00:00:00:00:01 / 10.0.0.1 for 10.0.0.2, as hex.
pub const ARP_FRAME: &str =
    "ffffffffffff000000000001080600010800060400010000000000010a0000010000000000000a000002";

/// Flow additions both versions can express in the standard match.
const COMMON_FLOWS: &[&str] = &[
    "in_port=1,actions=output:2",
    "priority=100,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,actions=output:2",
    "priority=90,dl_type=0x0800,nw_src=10.0.0.0/8,nw_dst=192.168.1.0/24,actions=normal",
    "priority=80,tcp,nw_dst=10.0.0.2,tp_src=1234,tp_dst=80,actions=flood",
    "priority=80,udp,tp_dst=53,actions=all",
    "priority=70,icmp,icmp_type=8,icmp_code=0,actions=controller:128",
    "priority=60,dl_vlan=10,dl_vlan_pcp=3,actions=strip_vlan,output:2",
    "priority=60,dl_vlan=0xffff,actions=mod_vlan_vid:5,output:2",
    "priority=50,arp,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,actions=normal",
    "priority=40,ip,nw_tos=32,nw_proto=17,actions=mod_nw_tos:64,mod_nw_src:10.1.1.1,mod_nw_dst:10.2.2.2,output:1",
    "priority=40,in_port=2,actions=mod_dl_src:00:11:22:33:44:55,mod_dl_dst:66:77:88:99:aa:bb,mod_vlan_vid:20,mod_vlan_pcp:5,output:1",
    "priority=30,in_port=1,tcp,actions=mod_tp_src:8080,mod_tp_dst:8081,in_port",
    "priority=30,in_port=2,dl_type=0x88cc,actions=controller",
    "priority=20,in_port=1,dl_dst=01:80:c2:00:00:0e,actions=output:2,output:LOCAL,controller",
    "priority=10,in_port=2,actions=drop",
    "cookie=0x1234,idle_timeout=30,hard_timeout=60,priority=200,send_flow_rem,check_overlap,in_port=1,actions=output:LOCAL",
];

fn common_head() -> Vec<Cmd> {
    vec![
        c("show", &[]),
        c("dump-desc", &[]),
        c("dump-tables", &[]),
        c("dump-ports", &[]),
        c("dump-ports", &["1"]),
        c("dump-ports-desc", &[]),
        c("get-frags", &[]),
        c("set-frags", &["normal"]),
        c("probe", &[]),
        c("ping", &["16"]),
        c("queue-stats", &[]),
        c("queue-get-config", &["1"]),
        c("mod-port", &["1", "down"]),
        c("mod-port", &["1", "up"]),
    ]
}

fn common_tail() -> Vec<Cmd> {
    vec![
        c("dump-flows", &[]),
        c("dump-flows", &["in_port=1"]),
        c("dump-aggregate", &[]),
        c("dump-aggregate", &["tcp"]),
        c("mod-flows", &["in_port=2,actions=output:LOCAL"]),
        strict(c(
            "mod-flows",
            &["priority=100,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02,actions=drop"],
        )),
        c("del-flows", &["in_port=2"]),
        strict(c("del-flows", &["priority=200,in_port=1"])),
        c(
            "packet-out",
            &[&format!(
                "in_port=LOCAL,packet={ARP_FRAME},actions=output:1"
            )],
        ),
        c(
            "packet-out",
            &[&format!(
                "in_port=1,packet={ARP_FRAME},actions=output:2,output:LOCAL"
            )],
        ),
        c("dump-flows", &[]),
        c("del-flows", &[]),
    ]
}

/// OpenFlow 1.0: standard flow format (`-F OpenFlow10`) except the last few, which let
/// ovs-ofctl pick Nicira extensions (VENDOR messages and vendor stats).
pub fn of10() -> Vec<Cmd> {
    let mut v = common_head();
    for f in COMMON_FLOWS {
        v.push(c("add-flow", &[f]));
    }
    v.push(c(
        "add-flow",
        &["priority=25,in_port=1,actions=enqueue:2:7"],
    ));
    v.push(c("mod-port", &["1", "no-flood"]));
    v.push(c("mod-port", &["1", "flood"]));
    v.extend(common_tail());
    for x in &mut v {
        x.opts.insert(0, "-F OpenFlow10");
    }
    // Nicira flow format: NXT_SET_FLOW_FORMAT, NXT_FLOW_MOD, NXST_FLOW.
    v.push(c(
        "add-flow",
        &["priority=5,ipv6,ipv6_src=2001:db8::1,actions=drop"],
    ));
    v.push(c("dump-flows", &[]));
    v.push(c("del-flows", &[]));
    // A Nicira VENDOR message of its own (NXT_CT_FLUSH_ZONE).
    v.push(c("ct-flush-zone", &["5"]));
    v
}

/// OpenFlow 1.3: the common set plus what only 1.3 has.
pub fn of13() -> Vec<Cmd> {
    let mut v = common_head();
    v.extend([
        c("dump-table-features", &[]),
        c("dump-group-features", &[]),
        c("meter-features", &[]),
        c("add-meter", &["meter=1,kbps,band=type=drop,rate=1000"]),
        c("add-meter", &["meter=2,pktps,burst,stats,band=type=drop,rate=100,burst_size=10"]),
        failing(c("add-meter", &["meter=3,kbps,band=type=dscp_remark,rate=500,prec_level=1"])),
        c("mod-meter", &["meter=2,pktps,stats,band=type=drop,rate=200"]),
        c("dump-meters", &[]),
        c("meter-stats", &[]),
        c("add-group", &["group_id=1,type=all,bucket=output:1,bucket=output:2"]),
        c("add-group", &["group_id=2,type=select,bucket=weight:50,output:1,bucket=weight:50,output:2"]),
        c("add-group", &["group_id=3,type=indirect,bucket=actions=set_field:00:00:00:00:00:05->eth_dst,output:2"]),
        c("add-group", &["group_id=4,type=ff,bucket=watch_port:1,actions=output:1,bucket=watch_port:2,actions=output:2"]),
        failing(c("add-group", &["group_id=1,type=all,bucket=output:1"])),
        c("mod-group", &["group_id=1,type=all,bucket=output:2"]),
        c("dump-groups", &[]),
        c("dump-group-stats", &[]),
    ]);
    for f in COMMON_FLOWS {
        v.push(c("add-flow", &[f]));
    }
    for f in [
        "priority=25,in_port=1,actions=set_queue:7,output:2",
        "table=0,priority=15,in_port=5,actions=goto_table:1",
        "table=1,ipv6,ipv6_src=2001:db8::/32,ipv6_dst=2001:db8::2,actions=output:2",
        "table=1,priority=9,ipv6,ipv6_label=0x12345,actions=drop",
        "table=1,priority=8,icmp6,icmp_type=135,nd_target=2001:db8::1,nd_sll=00:00:00:00:00:01,actions=controller",
        "priority=35,arp,arp_op=2,arp_sha=00:00:00:00:00:01,arp_tha=00:00:00:00:00:02,arp_spa=10.0.0.1,arp_tpa=10.0.0.0/24,actions=normal",
        "priority=34,dl_src=00:00:00:00:00:00/01:00:00:00:00:00,actions=drop",
        "priority=33,ip,nw_src=10.0.0.0/255.0.255.0,actions=drop",
        "priority=32,in_port=6,actions=push_vlan:0x8100,set_field:4196->vlan_vid,output:2",
        "priority=32,dl_vlan=100,actions=pop_vlan,output:1",
        "priority=31,vlan_tci=0x1000/0x1000,in_port=7,actions=drop",
        "priority=31,ip,in_port=2,actions=set_field:10.0.0.9->ip_dst,dec_ttl,output:1",
        "priority=31,tcp,in_port=1,tp_dst=22,actions=mod_nw_ttl:9,output:2",
        "priority=31,udp,udp_src=68,udp_dst=67,actions=controller:65535",
        "priority=31,sctp,sctp_dst=9,actions=drop",
        "priority=31,ip,ip_dscp=46,ip_ecn=1,actions=output:2",
        "priority=30,mpls,mpls_label=17,mpls_tc=1,mpls_bos=1,actions=pop_mpls:0x0800,output:2",
        "priority=30,ip,in_port=8,actions=push_mpls:0x8847,set_field:10->mpls_label,output:2",
        "table=0,priority=5,in_port=3,actions=write_metadata:0x1/0xff,goto_table:2",
        "table=2,metadata=0x1/0xff,actions=meter:1,output:2",
        "priority=5,in_port=4,actions=clear_actions,write_actions(output:2),goto_table:3",
        "priority=5,in_port=9,actions=group:1",
        "cookie=0xabc,idle_timeout=10,hard_timeout=20,priority=300,send_flow_rem,reset_counts,no_packet_counts,no_byte_counts,in_port=2,actions=normal",
        "priority=4,tun_id=5,actions=drop",
        // Nicira fields and actions inside OpenFlow 1.3 (experimenter OXM and actions).
        "priority=7,ip,ct_state=-trk,actions=ct(table=1)",
        "priority=6,reg0=5,actions=load:0x1->NXM_NX_REG1[],resubmit(,1)",
    ] {
        v.push(c("add-flow", &[f]));
    }
    v.push(c("dump-flows", &["table=1"]));
    // EXPERIMENTER messages: Nicira (NXT_CT_FLUSH_ZONE) and ONF bundles (before the
    // final del-flows, so the flow does not outlive the table commands).
    v.push(c("ct-flush-zone", &["5"]));
    v.push(bundle(c(
        "add-flow",
        &["priority=3,in_port=1,actions=output:2"],
    )));
    v.extend(common_tail());
    v.extend([
        c("del-groups", &["group_id=3"]),
        c("del-groups", &[]),
        c("del-meter", &["meter=2"]),
        c("del-meters", &[]),
    ]);
    v
}
