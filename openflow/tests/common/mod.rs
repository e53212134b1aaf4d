//! Helpers shared by the verification tests (golden vectors, tshark, allocations).
#![allow(dead_code)]

pub mod frames;
pub mod golden;
pub mod kinds;
pub mod pcap;
