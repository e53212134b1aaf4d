//! The few Ethernet/ARP/IP fields topology and l2-learning need from a packet-in, read
//! without allocating. Everything is bounds-checked: a short frame gives `None`.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use openflow::MacAddr;

const ETHERTYPE_VLAN: u16 = 0x8100;
const ETHERTYPE_QINQ: u16 = 0x88a8;
const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV6: u16 = 0x86dd;

/// The Ethernet header of a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EthHeader {
    pub dst: MacAddr,
    pub src: MacAddr,
    /// The ethertype after any 802.1Q/802.1ad tags.
    pub ethertype: u16,
    /// Offset of the payload after the tags.
    pub payload: usize,
}

fn mac_at(f: &[u8], at: usize) -> Option<MacAddr> {
    let b: [u8; 6] = f.get(at..at + 6)?.try_into().ok()?;
    Some(MacAddr(b))
}

fn u16_at(f: &[u8], at: usize) -> Option<u16> {
    let b = f.get(at..at + 2)?;
    Some(u16::from_be_bytes([b[0], b[1]]))
}

/// Parses the Ethernet header (skipping up to two VLAN tags).
pub fn eth(frame: &[u8]) -> Option<EthHeader> {
    let dst = mac_at(frame, 0)?;
    let src = mac_at(frame, 6)?;
    let mut at = 12;
    let mut ethertype = u16_at(frame, at)?;
    for _ in 0..2 {
        if ethertype != ETHERTYPE_VLAN && ethertype != ETHERTYPE_QINQ {
            break;
        }
        at += 4;
        ethertype = u16_at(frame, at)?;
    }
    Some(EthHeader {
        dst,
        src,
        ethertype,
        payload: at + 2,
    })
}

/// The sender's IP address: ARP sender protocol address, IPv4 or IPv6 source. Unspecified
/// addresses (ARP probes, DAD) give `None`.
pub fn sender_ip(frame: &[u8], h: &EthHeader) -> Option<IpAddr> {
    let p = frame.get(h.payload..)?;
    let ip = match h.ethertype {
        ETHERTYPE_ARP => {
            // htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4: spa after the 6-byte sha.
            if u16_at(p, 2)? != ETHERTYPE_IPV4 || p.get(4..6)? != [6, 4] {
                return None;
            }
            let b: [u8; 4] = p.get(14..18)?.try_into().ok()?;
            IpAddr::V4(Ipv4Addr::from(b))
        }
        ETHERTYPE_IPV4 => {
            if p.first()? >> 4 != 4 {
                return None;
            }
            let b: [u8; 4] = p.get(12..16)?.try_into().ok()?;
            IpAddr::V4(Ipv4Addr::from(b))
        }
        ETHERTYPE_IPV6 => {
            if p.first()? >> 4 != 6 {
                return None;
            }
            let b: [u8; 16] = p.get(8..24)?.try_into().ok()?;
            IpAddr::V6(Ipv6Addr::from(b))
        }
        _ => return None,
    };
    (!ip.is_unspecified()).then_some(ip)
}

/// Link-local control frames a bridge must never forward: 01:80:c2:00:00:00 to :0f (STP,
/// pause, LACP, 802.1X, LLDP…).
pub fn is_link_local_control(dst: MacAddr) -> bool {
    let b = dst.0;
    b[..5] == [0x01, 0x80, 0xc2, 0x00, 0x00] && b[5] <= 0x0f
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arp(spa: [u8; 4]) -> Vec<u8> {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0x08, 0x06]);
        f.extend_from_slice(&[0, 1, 0x08, 0x00, 6, 4, 0, 1, 0, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&spa);
        f.extend_from_slice(&[0; 10]);
        f
    }

    #[test]
    fn arp_sender() {
        let f = arp([10, 0, 0, 1]);
        let h = eth(&f).unwrap();
        assert_eq!(h.ethertype, 0x0806);
        assert_eq!(h.src, MacAddr([0, 0, 0, 0, 0, 1]));
        assert_eq!(
            sender_ip(&f, &h),
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)))
        );
        let probe = arp([0, 0, 0, 0]);
        assert_eq!(sender_ip(&probe, &eth(&probe).unwrap()), None);
    }

    #[test]
    fn vlan_tag_is_skipped() {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
        f.extend_from_slice(&[
            0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 9, 10, 0, 0, 1,
        ]);
        let h = eth(&f).unwrap();
        assert_eq!((h.ethertype, h.payload), (0x0800, 18));
        assert_eq!(
            sender_ip(&f, &h),
            Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9)))
        );
    }

    #[test]
    fn short_frames_are_none() {
        let f = arp([10, 0, 0, 1]);
        for n in 0..f.len() {
            if let Some(h) = eth(&f[..n]) {
                let _ = sender_ip(&f[..n], &h);
            }
        }
        assert!(eth(&f[..13]).is_none());
    }

    #[test]
    fn control_addresses() {
        assert!(is_link_local_control(MacAddr::LLDP_NEAREST_BRIDGE));
        assert!(is_link_local_control(MacAddr([0x01, 0x80, 0xc2, 0, 0, 0])));
        assert!(!is_link_local_control(MacAddr([
            0x01, 0x80, 0xc2, 0, 0, 0x10
        ])));
        assert!(!is_link_local_control(MacAddr::BROADCAST));
    }
}
