//! Per-port rates from two successive counter samples: pure state, no clock of its own.

use std::collections::BTreeMap;
use std::time::Instant;

use openflow::PortStats;

/// What one port did between two samples, per second.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PortRates {
    pub rx_packets: f64,
    pub tx_packets: f64,
    pub rx_bytes: f64,
    pub tx_bytes: f64,
    /// Counters as last read (what Ryu's monitor logs).
    pub rx_errors: u64,
    pub tx_errors: u64,
}

/// The last sample of each port of one switch.
#[derive(Debug, Default)]
pub struct Samples {
    last: BTreeMap<u32, (Instant, PortStats)>,
}

impl Samples {
    /// Takes a new reading; returns the rates of the ports read before. A port whose
    /// counters went down (the switch reset them) starts over with no rate.
    pub fn update(&mut self, at: Instant, stats: &[PortStats]) -> BTreeMap<u32, PortRates> {
        let mut rates = BTreeMap::new();
        for s in stats {
            if let Some((t0, old)) = self.last.get(&s.port_no) {
                let secs = at.saturating_duration_since(*t0).as_secs_f64();
                let per_s = |new: u64, old: u64| new.checked_sub(old).map(|d| d as f64 / secs);
                if secs > 0.0 {
                    if let (Some(rx_packets), Some(tx_packets), Some(rx_bytes), Some(tx_bytes)) = (
                        per_s(s.rx_packets, old.rx_packets),
                        per_s(s.tx_packets, old.tx_packets),
                        per_s(s.rx_bytes, old.rx_bytes),
                        per_s(s.tx_bytes, old.tx_bytes),
                    ) {
                        rates.insert(
                            s.port_no,
                            PortRates {
                                rx_packets,
                                tx_packets,
                                rx_bytes,
                                tx_bytes,
                                rx_errors: s.rx_errors,
                                tx_errors: s.tx_errors,
                            },
                        );
                    }
                }
            }
            self.last.insert(s.port_no, (at, s.clone()));
        }
        // Ports the switch no longer reports are forgotten.
        self.last
            .retain(|port, _| stats.iter().any(|s| s.port_no == *port));
        rates
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn stats(port_no: u32, rx_bytes: u64, tx_packets: u64) -> PortStats {
        PortStats {
            port_no,
            rx_bytes,
            tx_packets,
            ..Default::default()
        }
    }

    #[test]
    fn rates_are_deltas_over_elapsed_time() {
        let mut s = Samples::default();
        let t0 = Instant::now();
        assert!(
            s.update(t0, &[stats(1, 1000, 10)]).is_empty(),
            "no rate from one sample"
        );
        let r = s.update(t0 + Duration::from_secs(2), &[stats(1, 5000, 30)]);
        assert_eq!(r[&1].rx_bytes, 2000.0);
        assert_eq!(r[&1].tx_packets, 10.0);
    }

    #[test]
    fn a_reset_counter_starts_over_and_gone_ports_are_forgotten() {
        let mut s = Samples::default();
        let t0 = Instant::now();
        s.update(t0, &[stats(1, 1000, 10), stats(2, 0, 0)]);
        let r = s.update(t0 + Duration::from_secs(1), &[stats(1, 10, 1)]);
        assert!(r.is_empty(), "{r:?}");
        let r = s.update(
            t0 + Duration::from_secs(2),
            &[stats(1, 110, 2), stats(2, 0, 0)],
        );
        assert_eq!(r[&1].rx_bytes, 100.0);
        assert!(!r.contains_key(&2), "port 2 was forgotten when it vanished");
    }
}
