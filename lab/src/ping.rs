//! `pingall`: one ping from every host to every other, Mininet-style report.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use serde::Serialize;

use super::command::{cmd, output};
use super::state::LabState;
use super::LabError;

/// Pings run at the same time at most (each is a short-lived `ip netns exec … ping`).
pub const PING_PARALLELISM: usize = 8;

/// One ordered pair's result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PingResult {
    pub src: String,
    pub dst: String,
    pub ok: bool,
}

/// Results of a pingall, in host order (source, then destination).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PingReport {
    pub hosts: Vec<String>,
    pub results: Vec<PingResult>,
    pub sent: usize,
    pub received: usize,
    pub dropped_percent: f64,
}

impl PingReport {
    pub(crate) fn new(hosts: Vec<String>, results: Vec<PingResult>) -> PingReport {
        let sent = results.len();
        let received = results.iter().filter(|r| r.ok).count();
        let dropped_percent = if sent == 0 {
            0.0
        } else {
            100.0 * (sent - received) as f64 / sent as f64
        };
        PingReport {
            hosts,
            results,
            sent,
            received,
            dropped_percent,
        }
    }

    /// Whether every host reached every other.
    pub fn all_ok(&self) -> bool {
        self.sent == self.received
    }

    /// Mininet's output: one line per source (`h1 -> h2 X h4`), then
    /// `*** Results: N% dropped (R/S received)`.
    pub fn render(&self) -> String {
        let mut s = String::from("*** Ping: testing ping reachability\n");
        for src in &self.hosts {
            let _ = write!(s, "{src} ->");
            for r in self.results.iter().filter(|r| &r.src == src) {
                let _ = write!(s, " {}", if r.ok { r.dst.as_str() } else { "X" });
            }
            s.push('\n');
        }
        // Never print "0% dropped" when something was lost (Mininet truncates; we do not).
        let shown = if self.all_ok() {
            0
        } else {
            (self.dropped_percent.round() as u64).max(1)
        };
        let _ = writeln!(
            s,
            "*** Results: {shown}% dropped ({}/{} received)",
            self.received, self.sent
        );
        s
    }
}

/// Pings every ordered pair of hosts once (`ping -c1 -W1`), [`PING_PARALLELISM`] at a time.
pub(crate) fn pingall(state: &LabState) -> Result<PingReport, LabError> {
    let pairs: Vec<(usize, usize)> = (0..state.hosts.len())
        .flat_map(|a| {
            (0..state.hosts.len())
                .filter(move |&b| b != a)
                .map(move |b| (a, b))
        })
        .collect();
    let oks: Mutex<Vec<Option<Result<bool, LabError>>>> =
        Mutex::new((0..pairs.len()).map(|_| None).collect());
    let next = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..PING_PARALLELISM.min(pairs.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&(a, b)) = pairs.get(i) else { break };
                let (Some(src), Some(dst)) = (state.hosts.get(a), state.hosts.get(b)) else {
                    break;
                };
                let r = output(&mut cmd(
                    "ip",
                    [
                        "netns", "exec", &src.netns, "ping", "-c1", "-W1", "-q", "-n", &dst.ip,
                    ],
                ))
                .map(|o| o.status.success());
                if let Ok(mut v) = oks.lock() {
                    if let Some(slot) = v.get_mut(i) {
                        *slot = Some(r);
                    }
                }
            });
        }
    });
    let oks = oks.into_inner().unwrap_or_default();
    let mut results = Vec::with_capacity(pairs.len());
    for ((a, b), ok) in pairs.iter().zip(oks) {
        let ok = match ok {
            Some(r) => r?,
            None => false,
        };
        let (Some(src), Some(dst)) = (state.hosts.get(*a), state.hosts.get(*b)) else {
            continue;
        };
        results.push(PingResult {
            src: src.name.clone(),
            dst: dst.name.clone(),
            ok,
        });
    }
    Ok(PingReport::new(
        state.hosts.iter().map(|h| h.name.clone()).collect(),
        results,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mininet_style_report() {
        let r = |s: &str, d: &str, ok| PingResult {
            src: s.into(),
            dst: d.into(),
            ok,
        };
        let rep = PingReport::new(
            vec!["h1".into(), "h2".into(), "h3".into()],
            vec![
                r("h1", "h2", true),
                r("h1", "h3", false),
                r("h2", "h1", true),
                r("h2", "h3", true),
                r("h3", "h1", true),
                r("h3", "h2", true),
            ],
        );
        assert!(!rep.all_ok());
        assert_eq!(rep.received, 5);
        let text = rep.render();
        assert!(text.contains("h1 -> h2 X\n"), "{text}");
        assert!(
            text.ends_with("*** Results: 17% dropped (5/6 received)\n"),
            "{text}"
        );
        let ok = PingReport::new(
            vec!["h1".into(), "h2".into()],
            vec![r("h1", "h2", true), r("h2", "h1", true)],
        );
        assert!(ok.all_ok());
        assert!(ok.render().contains("0% dropped (2/2 received)"));
    }
}
