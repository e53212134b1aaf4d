//! What the tests that run the real `viola` binary share: free loopback addresses and a
//! `viola run` child that is killed when the test ends.
#![allow(dead_code)]

use std::net::{SocketAddr, TcpListener};
use std::process::{Child, Command, Stdio};

pub const VIOLA: &str = env!("CARGO_BIN_EXE_viola");

/// A loopback address no one listens on right now.
pub fn free_addr() -> SocketAddr {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
}

/// `viola run ARGS…` (no `VIOLA_TOKEN` unless `envs` sets it), stderr to `stderr` if
/// given; killed and reaped on drop.
pub struct ViolaRun(pub Child);

impl ViolaRun {
    pub fn spawn(args: &[&str], envs: &[(&str, &str)], stderr: Option<Stdio>) -> ViolaRun {
        let mut c = Command::new(VIOLA);
        c.arg("run")
            .args(args)
            .env_remove("VIOLA_TOKEN")
            .stdout(Stdio::null())
            .stderr(stderr.unwrap_or_else(Stdio::null));
        for (k, v) in envs {
            c.env(k, v);
        }
        ViolaRun(c.spawn().expect("spawn viola run"))
    }

    pub fn pid(&self) -> u32 {
        self.0.id()
    }

    /// Peak resident memory of the controller (VmHWM), in KiB.
    pub fn peak_rss_kib(&self) -> u64 {
        viola_bench::peak_rss_kib(self.pid()).expect("VmHWM of viola run")
    }
}

impl Drop for ViolaRun {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
