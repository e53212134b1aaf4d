//! A minimal pcap writer: OpenFlow messages as the payloads of one TCP connection between
//! a controller (10.0.0.1:40000) and a switch (10.0.0.2:6653), one message per segment, over
//! Ethernet/IPv4 with correct lengths, sequence numbers and checksums.

/// The switch side's port, where Wireshark expects OpenFlow.
pub const OPENFLOW_PORT: u16 = 6653;
const CONTROLLER_PORT: u16 = 40000;
const CONTROLLER_IP: [u8; 4] = [10, 0, 0, 1];
const SWITCH_IP: [u8; 4] = [10, 0, 0, 2];
const CONTROLLER_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x01];
const SWITCH_MAC: [u8; 6] = [0x02, 0, 0, 0, 0, 0x02];

const SYN: u8 = 0x02;
const ACK: u8 = 0x10;
const PSH_ACK: u8 = 0x18;

/// Who sends a segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum From {
    Controller,
    Switch,
}

/// A capture being written in memory.
pub struct Pcap {
    out: Vec<u8>,
    frames: usize,
    seq_controller: u32,
    seq_switch: u32,
}

impl Pcap {
    /// Global header, then the TCP handshake (frames 1–3).
    pub fn new() -> Pcap {
        let mut out = Vec::new();
        out.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes()); // magic, microseconds
        out.extend_from_slice(&2u16.to_le_bytes()); // version 2.4
        out.extend_from_slice(&4u16.to_le_bytes());
        out.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        out.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        out.extend_from_slice(&0x0004_0000u32.to_le_bytes()); // snaplen
        out.extend_from_slice(&1u32.to_le_bytes()); // LINKTYPE_ETHERNET
        let mut p = Pcap {
            out,
            frames: 0,
            seq_controller: 1000,
            seq_switch: 5000,
        };
        p.segment(From::Controller, SYN, &[]);
        p.seq_controller += 1;
        p.segment(From::Switch, SYN | ACK, &[]);
        p.seq_switch += 1;
        p.segment(From::Controller, ACK, &[]);
        p
    }

    /// Appends one segment carrying `payload`; returns its 1-based frame number.
    pub fn message(&mut self, from: From, payload: &[u8]) -> usize {
        let n = self.segment(from, PSH_ACK, payload);
        let len = u32::try_from(payload.len()).unwrap_or(u32::MAX);
        match from {
            From::Controller => self.seq_controller = self.seq_controller.wrapping_add(len),
            From::Switch => self.seq_switch = self.seq_switch.wrapping_add(len),
        }
        n
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.out
    }

    fn segment(&mut self, from: From, flags: u8, payload: &[u8]) -> usize {
        let (src_mac, dst_mac, src_ip, dst_ip, sport, dport, seq, ack) = match from {
            From::Controller => (
                CONTROLLER_MAC,
                SWITCH_MAC,
                CONTROLLER_IP,
                SWITCH_IP,
                CONTROLLER_PORT,
                OPENFLOW_PORT,
                self.seq_controller,
                self.seq_switch,
            ),
            From::Switch => (
                SWITCH_MAC,
                CONTROLLER_MAC,
                SWITCH_IP,
                CONTROLLER_IP,
                OPENFLOW_PORT,
                CONTROLLER_PORT,
                self.seq_switch,
                self.seq_controller,
            ),
        };
        let mut tcp = Vec::with_capacity(20 + payload.len());
        tcp.extend_from_slice(&sport.to_be_bytes());
        tcp.extend_from_slice(&dport.to_be_bytes());
        tcp.extend_from_slice(&seq.to_be_bytes());
        tcp.extend_from_slice(&(if flags & ACK != 0 { ack } else { 0 }).to_be_bytes());
        tcp.push(0x50); // data offset 5 words
        tcp.push(flags);
        tcp.extend_from_slice(&0xffffu16.to_be_bytes()); // window
        tcp.extend_from_slice(&[0, 0, 0, 0]); // checksum, urgent pointer
        tcp.extend_from_slice(payload);
        let mut pseudo = Vec::with_capacity(12 + tcp.len());
        pseudo.extend_from_slice(&src_ip);
        pseudo.extend_from_slice(&dst_ip);
        pseudo.extend_from_slice(&[0, 6]);
        pseudo.extend_from_slice(&(tcp.len() as u16).to_be_bytes());
        pseudo.extend_from_slice(&tcp);
        let sum = checksum(&pseudo);
        tcp[16..18].copy_from_slice(&sum.to_be_bytes());

        let total = 20 + tcp.len();
        assert!(
            total <= 0xffff,
            "segment of {total} bytes does not fit in IPv4"
        );
        let mut ip = Vec::with_capacity(total);
        ip.extend_from_slice(&[0x45, 0x00]);
        ip.extend_from_slice(&(total as u16).to_be_bytes());
        ip.extend_from_slice(&(self.frames as u16).to_be_bytes()); // identification
        ip.extend_from_slice(&[0x40, 0x00, 64, 6, 0, 0]); // DF, TTL 64, TCP, checksum
        ip.extend_from_slice(&src_ip);
        ip.extend_from_slice(&dst_ip);
        let sum = checksum(&ip);
        ip[10..12].copy_from_slice(&sum.to_be_bytes());
        ip.extend_from_slice(&tcp);

        let mut frame = Vec::with_capacity(14 + ip.len());
        frame.extend_from_slice(&dst_mac);
        frame.extend_from_slice(&src_mac);
        frame.extend_from_slice(&0x0800u16.to_be_bytes());
        frame.extend_from_slice(&ip);

        self.frames += 1;
        let ts = self.frames as u32;
        self.out.extend_from_slice(&ts.to_le_bytes()); // seconds
        self.out.extend_from_slice(&0u32.to_le_bytes()); // microseconds
        self.out
            .extend_from_slice(&(frame.len() as u32).to_le_bytes()); // captured
        self.out
            .extend_from_slice(&(frame.len() as u32).to_le_bytes()); // on the wire
        self.out.extend_from_slice(&frame);
        self.frames
    }
}

impl Default for Pcap {
    fn default() -> Self {
        Self::new()
    }
}

/// The Internet checksum (RFC 1071).
fn checksum(data: &[u8]) -> u16 {
    let mut sum = 0u32;
    let mut chunks = data.chunks_exact(2);
    for c in &mut chunks {
        sum += u32::from(u16::from_be_bytes([c[0], c[1]]));
    }
    if let [last] = chunks.remainder() {
        sum += u32::from(*last) << 8;
    }
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !(sum as u16)
}

#[cfg(test)]
mod tests {
    #[test]
    fn checksum_of_a_known_header() {
        // RFC 1071 style example: an IPv4 header whose checksum is 0xb861.
        let h = [
            0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
            0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
        ];
        assert_eq!(super::checksum(&h), 0xb861);
    }
}
