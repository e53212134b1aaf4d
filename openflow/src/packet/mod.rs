//! Packets apps parse and build: Ethernet II, 802.1Q (any number of tags), ARP, IPv4,
//! IPv6, ICMP, ICMPv6 (with neighbour discovery), TCP, UDP and LLDP.
//!
//! Parsing is zero-copy: every parsed type borrows its payload from the input, and
//! [`peek_eth`] reads the addresses and type without building anything (the packet-in hot
//! path). IP and transport headers are read and written with `etherparse`; Ethernet, ARP
//! and LLDP are Viola's own. [`flow_match`] gives the neutral match fields of a frame, the
//! key the simulated switch looks up its flow table with.
//!
//! ```
//! use openflow::packet::{self, build, arp::ArpOp, EthernetFrame};
//! use openflow::MacAddr;
//! let mac = MacAddr::new([0, 0, 0, 0, 0, 1]);
//! let frame = build::arp_request(mac, "10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
//! let eth = EthernetFrame::parse(&frame).unwrap();
//! assert_eq!(eth.ethertype, 0x0806);
//! let arp = packet::arp::Arp::parse(eth.payload).unwrap();
//! assert_eq!(arp.op, ArpOp::Request);
//! let key = packet::flow_match(1, &frame);
//! assert_eq!(key.to_string(), "in_port=1,dl_dst=ff:ff:ff:ff:ff:ff,dl_src=00:00:00:00:00:01,\
//!     dl_type=0x0806,vlan_vid=0x0,arp_op=1,arp_spa=10.0.0.1,arp_tpa=10.0.0.2,\
//!     arp_sha=00:00:00:00:00:01,arp_tha=00:00:00:00:00:00");
//! ```

pub mod arp;
pub mod build;
mod error;
pub mod ethernet;
mod flow;
pub mod icmp;
pub mod ip;
pub mod lldp;
mod summary;
pub mod transport;

pub use error::PacketError;
pub use ethernet::{peek_eth, EthernetFrame, VlanTag};
pub use flow::flow_match;
pub use summary::Summary;
