//! What a guest puts on the wire: `tcpdump` on its tap, frames with the guest's source MAC,
//! with the kernel's receive timestamps (wall clock, µs), to check a snapshot's cut.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running capture of the frames `mac` sends on `tap`.
pub struct Capture {
    pub tap: String,
    out: PathBuf,
    child: Option<Child>,
}

impl Capture {
    /// Starts `tcpdump` on `tap` for frames from `mac`, writing one text line per frame
    /// to a file under `dir`; returns once tcpdump listens.
    pub fn start(tap: &str, mac: &str, dir: &Path) -> Capture {
        let out = dir.join(format!("{tap}.frames.txt"));
        let err = dir.join(format!("{tap}.tcpdump.log"));
        let child = Command::new("tcpdump")
            .args(["-i", tap, "-n", "-tt", "-e", "-l", "--immediate-mode"])
            .args(["ether", "src", mac])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&out).expect("capture file"))
            .stderr(std::fs::File::create(&err).expect("capture log"))
            .spawn()
            .unwrap_or_else(|e| panic!("tcpdump is needed (scripts/install-deps.sh): {e}"));
        let t0 = Instant::now();
        while !std::fs::read_to_string(&err)
            .unwrap_or_default()
            .contains("listening on")
        {
            assert!(
                t0.elapsed() < Duration::from_secs(10),
                "tcpdump on {tap} did not start: {}",
                std::fs::read_to_string(&err).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Capture {
            tap: tap.into(),
            out,
            child: Some(child),
        }
    }

    /// Stops tcpdump (SIGINT, so it flushes) and returns the frames' timestamps (µs since
    /// the Unix epoch), in capture order.
    pub fn stop(mut self) -> Vec<u64> {
        if let Some(mut c) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-INT", &c.id().to_string()])
                .status();
            let t0 = Instant::now();
            while matches!(c.try_wait(), Ok(None)) && t0.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = c.kill();
            let _ = c.wait();
        }
        std::fs::read_to_string(&self.out)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_whitespace().next().and_then(timestamp_us))
            .collect()
    }
}

impl Drop for Capture {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// `SECONDS.MICROS` (tcpdump `-tt`) as µs.
fn timestamp_us(s: &str) -> Option<u64> {
    let (sec, frac) = s.split_once('.')?;
    let sec: u64 = sec.parse().ok()?;
    let frac = format!("{frac:0<6}");
    let us: u64 = frac.get(..6)?.parse().ok()?;
    Some(sec * 1_000_000 + us)
}

#[test]
fn parses_tcpdump_timestamps() {
    assert_eq!(
        timestamp_us("1795330927.607123"),
        Some(1_795_330_927_607_123)
    );
    assert_eq!(timestamp_us("12.5"), Some(12_500_000));
    assert_eq!(timestamp_us("52:54:00"), None);
}
