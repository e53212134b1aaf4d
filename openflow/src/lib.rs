//! # openflow — OpenFlow 1.0, 1.3, 1.4 and 1.5 wire codec and packet library
//!
//! A sans-IO library: it turns bytes into typed messages and back, and never touches a
//! socket, a clock or a runtime. Everything else in Viola (the controller runtime, the
//! simulated switches, the load generator) stands on it.
//!
//! - [`v10`], [`v13`], [`v14`] and [`v15`] model each version's messages exactly (1.4 and
//!   1.5 carry the bodies they keep from the version before as `Common`); unknown types,
//!   codes, properties and experimenter payloads survive decode → encode byte for byte.
//! - The version-neutral layer ([`Match`], [`Action`], [`Instruction`], [`FlowMod`],
//!   [`PacketOut`], [`PacketIn`], [`StatsRequest`] …, all [`Neutral`]) is what apps use; it
//!   lowers to every version and reports what a version cannot express as [`Unsupported`].
//! - [`header`] splits a byte stream into frames; every [`DecodeError`] maps to the
//!   OFPT_ERROR type/code a switch should receive.
//! - [`packet`] parses and builds the frames apps look at (Ethernet, VLAN, ARP, IPv4/6,
//!   ICMP, TCP, UDP, LLDP).
//!
//! ```
//! use bytes::Bytes;
//! use openflow::{Action, FlowMod, Match, Message, Neutral, Version};
//!
//! let fm = FlowMod::add(Match::new().in_port(1).eth_type(0x0800))
//!     .priority(100)
//!     .actions(vec![Action::output(2)]);
//! for v in Version::CODEC {
//!     let wire = Bytes::from(fm.to_message(v).unwrap().to_bytes(7).unwrap());
//!     let (xid, msg) = Message::decode(&wire).unwrap();
//!     assert_eq!(xid, 7);
//!     assert_eq!(msg.flow_mod().unwrap(), fm);
//! }
//! ```
#![forbid(unsafe_code)]

pub mod action;
mod dpid;
pub mod error;
pub mod header;
pub mod hello;
pub mod instruction;
mod mac;
pub mod match_algebra;
pub mod message;
pub mod neutral;
pub mod nx;
pub mod oxm;
pub mod packet;
pub mod port;
mod text;
pub mod v10;
pub mod v13;
pub mod v14;
pub mod v15;
mod version;

pub use action::Action;
pub use dpid::{Dpid, ParseDpidError};
pub use error::{DecodeError, EncodeError, Unsupported};
pub use instruction::Instruction;
pub use mac::{MacAddr, ParseMacError};
pub use message::{Control, Message, MessageKind, Neutral};
pub use neutral::*;
pub use oxm::{Match, OxmField};
pub use version::Version;
