//! A UDP counter stream between two hosts of a lab: the sender (a socket created in the
//! sender's namespace) sends `pps` datagrams a second, each carrying a sequence number and
//! its send time; the receiver records what arrives, in arrival order.
//!
//! Payload: `"VSEQ"`, sequence number (u64, big endian), send time in nanoseconds since the
//! Unix epoch (u64, big endian), zero padding to [`PAYLOAD_LEN`] bytes.

use std::net::{SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use rustix::net::sockopt::{set_socket_recv_buffer_size, set_socket_recv_buffer_size_force};

use super::{netns, ExperimentError};

pub const MAGIC: [u8; 4] = *b"VSEQ";
pub const PAYLOAD_LEN: usize = 64;
/// Receive buffer of the receiving socket, bytes.
const RECV_BUFFER: usize = 8 << 20;

/// Seconds since the Unix epoch (the clock tcpdump stamps packets with).
pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The payload of datagram `seq` sent at `sent_ns`.
pub fn encode(seq: u64, sent_ns: u64) -> [u8; PAYLOAD_LEN] {
    let mut p = [0u8; PAYLOAD_LEN];
    p[..4].copy_from_slice(&MAGIC);
    p[4..12].copy_from_slice(&seq.to_be_bytes());
    p[12..20].copy_from_slice(&sent_ns.to_be_bytes());
    p
}

/// (sequence number, send time in seconds since the epoch) of a stream payload.
pub fn decode(payload: &[u8]) -> Option<(u64, f64)> {
    if payload.get(..4)? != MAGIC {
        return None;
    }
    let seq = u64::from_be_bytes(payload.get(4..12)?.try_into().ok()?);
    let ns = u64::from_be_bytes(payload.get(12..20)?.try_into().ok()?);
    Some((seq, ns as f64 * 1e-9))
}

/// One datagram as the receiver saw it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Arrival {
    pub seq: u64,
    /// Send time (sender's clock = this machine's clock), seconds since the epoch.
    pub sent: f64,
    pub at: f64,
}

/// A running sender.
#[derive(Debug)]
pub struct Sender {
    stop: Arc<AtomicBool>,
    handle: JoinHandle<Vec<f64>>,
}

impl Sender {
    /// Starts sending from `from` (in namespace `ns`) to `to`.
    pub fn start(
        ns: &str,
        from: SocketAddrV4,
        to: SocketAddrV4,
        pps: u32,
    ) -> Result<Sender, ExperimentError> {
        let sock = netns::run_in(ns, move || {
            let s = UdpSocket::bind(from)?;
            s.connect(to)?;
            Ok::<_, std::io::Error>(s)
        })?
        .map_err(|e| ExperimentError::io(format!("UDP socket {from} in {ns}"), e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let every = Duration::from_secs_f64(1.0 / f64::from(pps.max(1)));
        let handle = std::thread::spawn(move || {
            let start = Instant::now();
            let mut sent = Vec::new();
            while !flag.load(Ordering::Relaxed) {
                let seq = sent.len() as u64;
                let due = start + every * u32::try_from(seq).unwrap_or(u32::MAX);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let now = unix_now();
                // ICMP errors (nobody listening yet) surface as send errors: keep going.
                let _ = sock.send(&encode(seq, (now * 1e9) as u64));
                sent.push(now);
            }
            sent
        });
        Ok(Sender { stop, handle })
    }

    /// Stops; returns how many datagrams were sent (sequence numbers `0..n`).
    pub fn stop(self) -> u64 {
        self.stop_with_times().len() as u64
    }

    /// Stops; returns the send time of every datagram (Unix seconds), indexed by sequence
    /// number.
    pub fn stop_with_times(self) -> Vec<f64> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

/// A running receiver.
#[derive(Debug)]
pub struct Receiver {
    stop: Arc<AtomicBool>,
    /// Distinct sequence numbers received so far.
    distinct: Arc<AtomicU64>,
    handle: JoinHandle<Vec<Arrival>>,
}

impl Receiver {
    /// Listens on `bind` in namespace `ns`.
    pub fn start(ns: &str, bind: SocketAddrV4) -> Result<Receiver, ExperimentError> {
        let sock = netns::run_in(ns, move || {
            let s = UdpSocket::bind(bind)?;
            s.set_read_timeout(Some(Duration::from_millis(50)))?;
            // A REINJECT delivers a whole buffer at once: room for it, so that the socket
            // does not drop what the network delivered (root may exceed rmem_max).
            if set_socket_recv_buffer_size_force(&s, RECV_BUFFER).is_err() {
                set_socket_recv_buffer_size(&s, RECV_BUFFER)?;
            }
            Ok::<_, std::io::Error>(s)
        })?
        .map_err(|e| ExperimentError::io(format!("UDP socket {bind} in {ns}"), e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let distinct = Arc::new(AtomicU64::new(0));
        let seen = distinct.clone();
        let handle = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut seqs = std::collections::HashSet::new();
            let mut buf = [0u8; 2048];
            while !flag.load(Ordering::Relaxed) {
                if let Ok(n) = sock.recv(&mut buf) {
                    let at = unix_now();
                    if let Some((seq, sent)) = buf.get(..n).and_then(decode) {
                        got.push(Arrival { seq, sent, at });
                        if seqs.insert(seq) {
                            seen.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            }
            got
        });
        Ok(Receiver {
            stop,
            distinct,
            handle,
        })
    }

    /// Distinct sequence numbers received so far.
    pub fn distinct(&self) -> u64 {
        self.distinct.load(Ordering::Relaxed)
    }

    /// Waits until `n` distinct sequence numbers arrived, or until nothing new arrived for
    /// `quiet` (what is still missing then is lost, not late), or `timeout` in all;
    /// returns how many arrived.
    pub fn wait_for(&self, n: u64, quiet: Duration, timeout: Duration) -> u64 {
        let t0 = Instant::now();
        let (mut last, mut since) = (self.distinct(), Instant::now());
        loop {
            let now = self.distinct();
            if now >= n || since.elapsed() >= quiet || t0.elapsed() >= timeout {
                return now;
            }
            if now != last {
                (last, since) = (now, Instant::now());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops; returns the arrivals in order.
    pub fn stop(self) -> Vec<Arrival> {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payload_round_trip() {
        let p = encode(42, 1_500_000_000_000_000_000);
        assert_eq!(decode(&p), Some((42, 1.5e9)));
        assert_eq!(decode(b"XSEQ0000000000000000"), None);
        assert_eq!(decode(b"VSEQ"), None);
    }
}
