//! A UDP counter stream between two hosts of a lab: the sender (a socket created in the
//! sender's namespace) sends `pps` datagrams a second, each carrying a sequence number and
//! its send time; the receiver records what arrives, in arrival order.
//!
//! Payload: `"VSEQ"`, sequence number (u64, big endian), send time in nanoseconds since the
//! Unix epoch (u64, big endian), zero padding to [`PAYLOAD_LEN`] bytes.

use std::net::{SocketAddrV4, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
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
    handle: JoinHandle<u64>,
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
            let mut seq = 0u64;
            while !flag.load(Ordering::Relaxed) {
                let due = start + every * u32::try_from(seq).unwrap_or(u32::MAX);
                if let Some(wait) = due.checked_duration_since(Instant::now()) {
                    std::thread::sleep(wait);
                }
                let ns = (unix_now() * 1e9) as u64;
                // ICMP errors (nobody listening yet) surface as send errors: keep going.
                let _ = sock.send(&encode(seq, ns));
                seq += 1;
            }
            seq
        });
        Ok(Sender { stop, handle })
    }

    /// Stops; returns how many datagrams were sent (sequence numbers `0..n`).
    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.handle.join().unwrap_or(0)
    }
}

/// A running receiver.
#[derive(Debug)]
pub struct Receiver {
    stop: Arc<AtomicBool>,
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
        let handle = std::thread::spawn(move || {
            let mut got = Vec::new();
            let mut buf = [0u8; 2048];
            while !flag.load(Ordering::Relaxed) {
                if let Ok(n) = sock.recv(&mut buf) {
                    let at = unix_now();
                    if let Some((seq, sent)) = buf.get(..n).and_then(decode) {
                        got.push(Arrival { seq, sent, at });
                    }
                }
            }
            got
        });
        Ok(Receiver { stop, handle })
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
