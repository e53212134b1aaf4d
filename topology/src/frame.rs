//! The one thing topology reads from a packet-in beyond the Ethernet header: the sender's
//! IP address, through the codec's packet parsers (`openflow::packet`), without allocating.

use std::net::IpAddr;

use openflow::packet::arp::Arp;
use openflow::packet::ip::{Ipv4Packet, Ipv6Packet};
use openflow::packet::EthernetFrame;

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_ARP: u16 = 0x0806;
const ETHERTYPE_IPV6: u16 = 0x86dd;

/// The sender's IP address: ARP sender protocol address, IPv4 or IPv6 source. Unspecified
/// addresses (ARP probes, DAD) and packets that do not parse give `None`.
pub fn sender_ip(frame: &EthernetFrame<'_>) -> Option<IpAddr> {
    let ip = match frame.ethertype {
        ETHERTYPE_ARP => IpAddr::V4(Arp::parse(frame.payload).ok()?.spa),
        ETHERTYPE_IPV4 => IpAddr::V4(Ipv4Packet::parse(frame.payload).ok()?.src),
        ETHERTYPE_IPV6 => IpAddr::V6(Ipv6Packet::parse(frame.payload).ok()?.src),
        _ => return None,
    };
    (!ip.is_unspecified()).then_some(ip)
}

#[cfg(test)]
mod tests {
    use std::net::Ipv4Addr;

    use openflow::MacAddr;

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
        let e = EthernetFrame::parse(&f).unwrap();
        assert_eq!(e.ethertype, 0x0806);
        assert_eq!(e.src, MacAddr([0, 0, 0, 0, 0, 1]));
        assert_eq!(sender_ip(&e), Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1))));
        let probe = arp([0, 0, 0, 0]);
        assert_eq!(sender_ip(&EthernetFrame::parse(&probe).unwrap()), None);
    }

    #[test]
    fn vlan_tag_is_skipped() {
        let mut f = vec![0xff; 6];
        f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0x81, 0x00, 0x00, 0x05, 0x08, 0x00]);
        f.extend_from_slice(&[
            0x45, 0, 0, 20, 0, 0, 0, 0, 64, 1, 0, 0, 10, 0, 0, 9, 10, 0, 0, 1,
        ]);
        let e = EthernetFrame::parse(&f).unwrap();
        assert_eq!(e.ethertype, 0x0800);
        assert_eq!(sender_ip(&e), Some(IpAddr::V4(Ipv4Addr::new(10, 0, 0, 9))));
    }

    #[test]
    fn short_frames_are_none() {
        let f = arp([10, 0, 0, 1]);
        for n in 0..f.len() {
            if let Ok(e) = EthernetFrame::parse(&f[..n]) {
                let _ = sender_ip(&e);
            }
        }
        assert!(EthernetFrame::parse(&f[..13]).is_err());
    }

    #[test]
    fn control_addresses() {
        assert!(MacAddr::LLDP_NEAREST_BRIDGE.is_link_local_control());
        assert!(MacAddr([0x01, 0x80, 0xc2, 0, 0, 0]).is_link_local_control());
        assert!(!MacAddr([0x01, 0x80, 0xc2, 0, 0, 0x10]).is_link_local_control());
        assert!(!MacAddr::BROADCAST.is_link_local_control());
    }
}
