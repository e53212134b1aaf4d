//! A link failure on a looped lab (ring,4) under Viola (`topology,l2-learning`,
//! in-process), OpenFlow 1.0 and 1.3, while h1 pings h2 every 50 ms. The link that fails is
//! the one l2-learning's h1 -> h2 rule leaves s1 by (read with `ovs-ofctl dump-flows`), in
//! two ways: `ip link set <veth> down` (the bridges report the carrier loss) and
//! `ovs-ofctl mod-port … no-receive` on both ends (ports stay up, frames vanish: only the
//! LLDP timeout can tell). Either way the link leaves `GET /api/v1/topology` within the
//! link timeout (plus one probe tick), only that link, the h1 -> h2 rule moves to another
//! port, the pings come back (outage measured from `ping -D`), pingall gets 0% dropped, and
//! after the repair the link is back and pingall still gets 0%.
//!
//! Needs root, Open vSwitch, iproute2, ping and ethtool; FAILS with the reason when one is
//! missing.

mod net_support;

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use net_support::{figure, lab_diag, lab_up, model_links, run_dir, DirLink, Viola};
use viola_lab::isolate::{isolated, ovs_diag, text};
use viola_lab::{Lab, OfVersions};
use viola_topo_spec::Topology;

/// Slack on top of the link timeout: expiry runs on the probe timer (1 s) and REST is
/// polled.
const POLL_SLACK: Duration = Duration::from_millis(1500);

/// Longest outage of h1 -> h2 accepted after the link fails.
const MAX_OUTAGE: Duration = Duration::from_secs(8);

/// Reply timestamps (`ping -D`: `[SECONDS.MICROS] … icmp_seq=…`) of a ping's output.
fn reply_times(out: &str) -> Vec<f64> {
    out.lines()
        .filter(|l| l.contains("bytes from"))
        .filter_map(|l| {
            let inner = l.strip_prefix('[')?.split(']').next()?;
            inner.parse::<f64>().ok()
        })
        .collect()
}

fn now_epoch() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default()
}

/// How the link fails.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Failure {
    /// `ip link set <veth> down`: both bridges see the carrier go (PORT_STATUS).
    CarrierDown,
    /// `ovs-ofctl mod-port … no-receive` on both ends: the ports stay up and frames still
    /// leave, but are dropped on arrival. No port status tells; only the LLDP timeout does.
    Silent,
}

impl Failure {
    fn apply(self, lab: &Lab, ends: [(&str, u32); 2], veth: &str, broken: bool) {
        match self {
            Failure::CarrierDown => {
                text(&[
                    "ip",
                    "link",
                    "set",
                    veth,
                    if broken { "down" } else { "up" },
                ]);
            }
            Failure::Silent => {
                let ver = ofctl_version(lab);
                for (bridge, port) in ends {
                    let port = port.to_string();
                    let what = if broken { "no-receive" } else { "receive" };
                    lab.ovs()
                        .ofctl(&["-O", ver], "mod-port", bridge, &[&port, what])
                        .unwrap_or_else(|e| panic!("mod-port {bridge} {port} {what}: {e}"));
                }
            }
        }
    }
}

fn ofctl_version(lab: &Lab) -> &'static str {
    if lab.state().protocols.contains("OpenFlow13") {
        "OpenFlow13"
    } else {
        "OpenFlow10"
    }
}

fn reroute_case(of: OfVersions, prefix: &str, failure: Failure) {
    let spec = "ring,4";
    let dir = run_dir(prefix.trim_end_matches('-'));
    let topo = Topology::parse(spec).expect("ring,4");
    let viola = Viola::start("topology,l2-learning");
    let lab = lab_up(dir.path(), prefix, spec, of, &viola);
    viola.wait_switches(topo.switches.len(), Duration::from_secs(20));
    let expected = model_links(&topo);
    viola
        .wait_links(&expected, Duration::from_secs(15))
        .unwrap_or_else(|seen| panic!("links never matched the model: {seen:?}"));
    std::thread::sleep(viola.port_settle() + Duration::from_millis(200));
    let report = lab.pingall().expect("pingall");
    assert!(report.all_ok(), "before the failure:\n{}", report.render());

    // The link h1 -> h2 traffic leaves s1 by (what l2-learning chose): that one fails.
    let out_port = h1_to_h2_port(&lab).unwrap_or_else(|| {
        panic!(
            "no h1 -> h2 rule on s1 after pingall{}",
            lab_diag(&lab, &viola, dir.path())
        )
    });
    let link = topo
        .links
        .iter()
        .find(|l| {
            (l.a.switch == 0 && l.a.port == out_port) || (l.b.switch == 0 && l.b.port == out_port)
        })
        .copied()
        .unwrap_or_else(|| panic!("h1 -> h2 leaves s1 by port {out_port}, not a switch link"));
    let (near, far) = if link.a.switch == 0 {
        (link.a, link.b)
    } else {
        (link.b, link.a)
    };
    let (s1, p1) = (topo.switches[near.switch].dpid, near.port);
    let (s2, p2) = (topo.switches[far.switch].dpid, far.port);
    let failed: [DirLink; 2] = [(s1, p1, s2, p2), (s2, p2, s1, p1)];
    let veth = format!("{prefix}s1-eth{p1}");
    let (b1, b2) = (
        format!("{prefix}s1"),
        format!("{prefix}{}", topo.switches[far.switch].name),
    );
    let ends = [(b1.as_str(), p1), (b2.as_str(), p2)];

    // h1 pings h2 every 50 ms across the failure.
    let pinger = lab
        .exec_command(
            "h1",
            &["ping", "-n", "-D", "-i", "0.05", "-w", "9", "10.0.0.2"].map(String::from),
        )
        .expect("ping command")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start ping");
    std::thread::sleep(Duration::from_secs(1));

    let t_down = Instant::now();
    let epoch_down = now_epoch();
    failure.apply(&lab, ends, &veth, true);
    let limit = viola.link_timeout() + POLL_SLACK;
    let removed = loop {
        let links = viola.rest_links();
        if !failed.iter().any(|l| links.contains(l)) {
            break t_down.elapsed();
        }
        assert!(
            t_down.elapsed() < limit,
            "{spec}: link {failed:?} still listed {:?} after the failure ({failure:?}) \
             (link timeout {:?}): {links:?}",
            t_down.elapsed(),
            viola.link_timeout()
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    let remaining: std::collections::BTreeSet<DirLink> = expected
        .iter()
        .filter(|l| !failed.contains(l))
        .copied()
        .collect();
    assert_eq!(
        viola.rest_links(),
        remaining,
        "only the failed link is gone"
    );

    let out = pinger.wait_with_output().expect("ping output");
    let out = String::from_utf8_lossy(&out.stdout).into_owned();
    let times = reply_times(&out);
    let last_before = times
        .iter()
        .copied()
        .filter(|&t| t < epoch_down)
        .fold(f64::NAN, f64::max);
    let first_after = times.iter().copied().find(|&t| t >= epoch_down);
    assert!(
        !last_before.is_nan(),
        "h1 never reached h2 before the failure:\n{out}"
    );
    let Some(first_after) = first_after else {
        panic!(
            "h1 never reached h2 after the s1-s2 link failed (no reroute):\n{out}\nlinks {:?}{}",
            viola.rest_links(),
            ovs_diag(dir.path())
        );
    };
    let outage = Duration::from_secs_f64((first_after - epoch_down).max(0.0));
    assert!(
        outage <= MAX_OUTAGE,
        "h1 -> h2 took {outage:?} to come back after the link failed:\n{out}"
    );

    let lost = transmitted_received(&out).map(|(t, r)| t.saturating_sub(r));
    let rerouted = h1_to_h2_port(&lab);
    assert!(
        rerouted.is_some_and(|p| p != p1),
        "h1 -> h2 still leaves s1 by port {p1} (rule: {rerouted:?}) after the link failed"
    );

    let report = lab.pingall().expect("pingall after the failure");
    assert!(
        report.all_ok(),
        "after rerouting:\n{}\nlinks {:?}",
        report.render(),
        viola.rest_links()
    );

    // The link comes back.
    assert_eq!(
        viola.rest_links(),
        remaining,
        "the failed link came back before the repair"
    );
    failure.apply(&lab, ends, &veth, false);
    let back = viola
        .wait_links(&expected, Duration::from_secs(10))
        .unwrap_or_else(|seen| panic!("link not rediscovered after the repair: {seen:?}"));
    std::thread::sleep(viola.port_settle());
    let report2 = lab.pingall().expect("pingall after repair");
    assert!(report2.all_ok(), "after the repair:\n{}", report2.render());

    figure(format_args!(
        "{spec} OF{of:?}: {failure:?} on s1 port {p1} -> removed from /topology in {:.2}s \
         (link timeout {:?}); h1->h2 first reply {:.2}s after, {} of the 50 ms pings lost \
         ({} replies), path s1 port {p1} -> {}; \
         pingall after reroute {}/{}; link back in {:.2}s after the repair",
        removed.as_secs_f64(),
        viola.link_timeout(),
        outage.as_secs_f64(),
        lost.map_or("?".to_string(), |l| l.to_string()),
        times.len(),
        rerouted.unwrap_or_default(),
        report.received,
        report.sent,
        back.as_secs_f64(),
    ));
    lab.down().expect("lab down");
}

/// `N packets transmitted, M received` of a ping's summary.
fn transmitted_received(out: &str) -> Option<(u64, u64)> {
    let line = out.lines().find(|l| l.contains("packets transmitted"))?;
    let mut nums = line
        .split(',')
        .filter_map(|part| part.split_whitespace().next()?.parse::<u64>().ok());
    Some((nums.next()?, nums.next()?))
}

/// The port of s1 that l2-learning's h1 -> h2 rule outputs to (`ovs-ofctl dump-flows`).
fn h1_to_h2_port(lab: &Lab) -> Option<u32> {
    let s1 = lab.state().switches.first()?;
    let ver = ofctl_version(lab);
    let flows = lab
        .ovs()
        .ofctl(&["-O", ver, "--no-names"], "dump-flows", &s1.bridge, &[])
        .ok()?;
    flows
        .lines()
        .filter(|l| {
            l.contains("dl_src=00:00:00:00:00:01") && l.contains("dl_dst=00:00:00:00:00:02")
        })
        .find_map(|l| {
            let actions = l.split("actions=").nth(1)?;
            let port = actions.strip_prefix("output:")?;
            port.split(|c: char| !c.is_ascii_digit())
                .next()?
                .parse()
                .ok()
        })
}

#[test]
fn ring_4_of13_link_down_reroutes() {
    isolated("ring_4_of13_link_down_reroutes", || {
        reroute_case(OfVersions::V13, "vt30-", Failure::CarrierDown)
    });
}

#[test]
fn ring_4_of10_link_down_reroutes() {
    isolated("ring_4_of10_link_down_reroutes", || {
        reroute_case(OfVersions::V10, "vt31-", Failure::CarrierDown)
    });
}

#[test]
fn ring_4_of13_silent_link_times_out_and_reroutes() {
    isolated("ring_4_of13_silent_link_times_out_and_reroutes", || {
        reroute_case(OfVersions::V13, "vt32-", Failure::Silent)
    });
}

#[test]
fn ring_4_of10_silent_link_times_out_and_reroutes() {
    isolated("ring_4_of10_silent_link_times_out_and_reroutes", || {
        reroute_case(OfVersions::V10, "vt33-", Failure::Silent)
    });
}

#[test]
fn ping_timestamps_parse() {
    let out = "PING 10.0.0.2 (10.0.0.2) 56(84) bytes of data.\n\
               [1700000000.123456] 64 bytes from 10.0.0.2: icmp_seq=1 ttl=64 time=0.5 ms\n\
               [1700000000.223456] 64 bytes from 10.0.0.2: icmp_seq=2 ttl=64 time=0.4 ms\n\
               --- 10.0.0.2 ping statistics ---\n";
    let t = reply_times(out);
    assert_eq!(t.len(), 2);
    assert!((t[1] - t[0] - 0.1).abs() < 1e-6);
    let sum = "180 packets transmitted, 171 received, 5% packet loss, time 8960ms";
    assert_eq!(transmitted_received(sum), Some((180, 171)));
}
