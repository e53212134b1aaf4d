//! `tcpdump` in a host's namespace, writing each packet as it arrives (`-U -w`).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use rustix::process::{kill_process, Pid, Signal};

use super::pcap::{self, Frame};
use super::ExperimentError;
use viola_lab::Lab;

/// A running capture; [`Capture::stop`] ends it and reads the file.
#[derive(Debug)]
pub struct Capture {
    child: Child,
    path: PathBuf,
}

impl Capture {
    /// Starts `tcpdump -U -n -s SNAPLEN -i IF -w PATH FILTER` in `host`'s namespace and
    /// returns once it listens.
    pub fn start(
        lab: &Lab,
        host: &str,
        filter: &str,
        snaplen: u32,
        path: &Path,
    ) -> Result<Capture, ExperimentError> {
        let ifname = lab.host(host)?.ifname.clone();
        let argv = tcpdump_argv(&ifname, filter, snaplen, path);
        let cmd = lab.exec_command(host, &argv)?;
        Self::spawn(cmd, host, path)
    }

    /// Like [`Capture::start`], on interface `ifname` of this process's own namespace (the
    /// switches' side of the lab, or `lo`, where the OpenFlow channel runs). `snaplen` 0
    /// keeps whole packets.
    pub fn start_here(
        ifname: &str,
        filter: &str,
        snaplen: u32,
        path: &Path,
    ) -> Result<Capture, ExperimentError> {
        let argv = tcpdump_argv(ifname, filter, snaplen, path);
        let mut cmd = std::process::Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        Self::spawn(cmd, ifname, path)
    }

    fn spawn(
        mut cmd: std::process::Command,
        place: &str,
        path: &Path,
    ) -> Result<Capture, ExperimentError> {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| ExperimentError::io("start tcpdump (is it installed?)", e))?;
        let stderr = child
            .stderr
            .take()
            .ok_or_else(|| ExperimentError::Other("tcpdump without stderr".into()))?;
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let mut seen = Vec::new();
        loop {
            match rx.recv_timeout(Duration::from_secs(10)) {
                Ok(l) if l.contains("listening on") => break,
                Ok(l) => seen.push(l),
                Err(_) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(ExperimentError::Other(format!(
                        "tcpdump in {place} did not start: {}",
                        seen.join(" | ")
                    )));
                }
            }
        }
        Ok(Capture {
            child,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Stops tcpdump (SIGTERM, so it flushes) and reads what it captured.
    pub fn stop(self) -> Result<Vec<Frame>, ExperimentError> {
        let path = self.finish();
        pcap::read(&path)
    }

    /// Stops tcpdump (SIGTERM, so it flushes) and returns the file it wrote, unread.
    pub fn finish(mut self) -> PathBuf {
        // `ip netns exec` execs tcpdump, so the child is tcpdump itself.
        let pid = i32::try_from(self.child.id()).ok().and_then(Pid::from_raw);
        if let Some(pid) = pid {
            let _ = kill_process(pid, Signal::TERM);
        }
        for _ in 0..50 {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.path.clone()
    }
}

/// `tcpdump -U -n -Z root -s SNAPLEN -i IF -w PATH FILTER…`.
fn tcpdump_argv(ifname: &str, filter: &str, snaplen: u32, path: &Path) -> Vec<String> {
    let mut argv: Vec<String> = [
        "tcpdump",
        "-U",
        "-n",
        "-Z",
        "root",
        "-s",
        &snaplen.to_string(),
        "-i",
        ifname,
        "-w",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    argv.push(path.display().to_string());
    argv.extend(filter.split_whitespace().map(str::to_string));
    argv
}

impl Drop for Capture {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
