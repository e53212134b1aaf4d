//! Evidence of one experiment run, kept for a post-mortem when a stream stalls longer than
//! it should: a capture at the sender (both directions), a capture of the OpenFlow channel
//! (whole packets: every PACKET_IN the switch sent and every PACKET_OUT and FLOW_MOD the
//! controller answered, in order), and the counters of Open vSwitch and of the kernel that
//! can show a loss no OpenFlow counter shows (`ovs-appctl coverage/show`,
//! `dpctl/show`, the packet sockets' drop counts from `ss -0 -m`, interface statistics,
//! `/proc/net/softnet_stat`), before and after the run.
//!
//! Files, in the directory given: `TAG-h1.pcap`, `TAG-of.pcap`, `TAG-before.txt`,
//! `TAG-after.txt` (with the run's timeline; the caller keeps the receiver's capture as `TAG-h2.pcap`).

use std::path::{Path, PathBuf};
use std::process::Command;

use super::capture::Capture;
use super::snaplab::SnapLab;
use super::ExperimentError;

/// Bytes kept of each packet at the sender (headers only).
const SNAPLEN: u32 = 96;

/// The captures and counters of one run, running.
#[derive(Debug)]
pub struct Evidence {
    h1: Capture,
    of: Capture,
    dir: PathBuf,
    tag: String,
}

impl Evidence {
    /// Records the counters and starts the captures; `port` selects the stream at h1.
    pub fn start(
        lab: &SnapLab,
        dir: &Path,
        tag: &str,
        port: u16,
    ) -> Result<Evidence, ExperimentError> {
        std::fs::create_dir_all(dir)
            .map_err(|e| ExperimentError::io(format!("create {}", dir.display()), e))?;
        let head = format!("=== openflow channel\n{}\n\n", lab.of_addr());
        write(dir, tag, "before", &(head + &counters(lab)))?;
        let h1 = Capture::start(
            lab.lab(),
            "h1",
            &format!("tcp port {port}"),
            SNAPLEN,
            &dir.join(format!("{tag}-h1.pcap")),
        )?;
        let of = Capture::start_here(
            "lo",
            &format!("tcp port {}", lab.of_addr().port()),
            0,
            &dir.join(format!("{tag}-of.pcap")),
        )?;
        Ok(Evidence {
            h1,
            of,
            dir: dir.to_path_buf(),
            tag: tag.to_string(),
        })
    }

    /// Stops the captures and records the counters again, with `notes` (the run's
    /// timeline, the controller's answers) in front.
    pub fn finish(self, lab: &SnapLab, notes: &str) -> Result<(), ExperimentError> {
        self.h1.finish();
        self.of.finish();
        let text = format!("=== run\n{notes}\n\n{}", counters(lab));
        write(&self.dir, &self.tag, "after", &text)
    }
}

fn write(dir: &Path, tag: &str, when: &str, text: &str) -> Result<(), ExperimentError> {
    let p = dir.join(format!("{tag}-{when}.txt"));
    std::fs::write(&p, text).map_err(|e| ExperimentError::io(format!("write {}", p.display()), e))
}

/// Output of a command (stdout and stderr), or why it could not run.
fn run(cmd: &mut Command) -> String {
    match cmd.output() {
        Ok(o) => format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(e) => format!("(not run: {e})\n"),
    }
}

/// Every counter that can show a loss, as text sections.
pub fn counters(lab: &SnapLab) -> String {
    let ovs = lab.lab().ovs();
    let mut out = String::new();
    let mut section = |name: &str, body: String| {
        out.push_str(&format!("=== {name}\n{body}\n"));
    };
    for args in [
        &["coverage/show"][..],
        &["dpctl/show", "-s"][..],
        &["dpif-netdev/pmd-stats-show"][..],
        &["upcall/show"][..],
    ] {
        section(
            &format!("ovs-appctl {}", args.join(" ")),
            ovs.appctl("ovs-vswitchd", args)
                .unwrap_or_else(|e| format!("(failed: {e})")),
        );
    }
    section(
        "ss -0 -m -n -p (packet sockets; skmem d = drops)",
        run(Command::new("ss").args(["-0", "-a", "-m", "-n", "-p"])),
    );
    section(
        "ip -s -s link (switch side)",
        run(Command::new("ip").args(["-s", "-s", "link"])),
    );
    for h in ["h1", "h2"] {
        if let Ok(st) = lab.host(h) {
            section(
                &format!("ip -s -s link in {h}"),
                run(Command::new("ip").args(["-n", &st.netns, "-s", "-s", "link"])),
            );
            section(
                &format!("nstat -asz in {h}"),
                run(Command::new("ip").args(["netns", "exec", &st.netns, "nstat", "-asz"])),
            );
        }
    }
    section(
        "/proc/net/softnet_stat",
        std::fs::read_to_string("/proc/net/softnet_stat").unwrap_or_default(),
    );
    out
}
