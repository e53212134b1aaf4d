//! Reading the controller's frames on the hot path: which ones count as a response (a
//! FLOW_MOD add/modify-strict, or a PACKET_OUT that is not LLDP, as cbench counts) and
//! which probe they answer. Everything else goes to the control responder.

const OFPT_PACKET_OUT: u8 = 0x0d;
const OFPT_FLOW_MOD: u8 = 0x0e;
const OFP10: u8 = 0x01;
const OFPFC_ADD: u16 = 0x0000;
const OFPFC_MODIFY_STRICT: u16 = 0x0002;
const ETHERTYPE_LLDP: u16 = 0x88cc;
const ETHERTYPE_VLAN: u16 = 0x8100;
const NO_BUFFER: u32 = 0xffff_ffff;
const OXM_CLASS_BASIC: u16 = 0x8000;
const OXM_ETH_SRC: u8 = 0x04;

/// What a frame from the controller is to the load generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frame {
    /// A counted FLOW_MOD; `tag` identifies the probe when the message says.
    FlowMod(Tag),
    /// A counted PACKET_OUT.
    PacketOut(Tag),
    /// A FLOW_MOD or PACKET_OUT that does not count (delete, LLDP…).
    Ignored,
    /// Anything else: handshake, echo, barrier, stats…
    Control,
}

/// How a response names the probe it answers: its buffer id, else the packet's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tag {
    pub buffer_id: Option<u32>,
    pub src: Option<[u8; 6]>,
}

impl Tag {
    /// Whether this response answers the probe with `buffer_id` and source `src`.
    pub fn answers(&self, buffer_id: u32, src: [u8; 6]) -> bool {
        match (self.buffer_id, self.src) {
            (Some(b), _) => b == buffer_id,
            (None, Some(s)) => s == src,
            (None, None) => true,
        }
    }
}

fn be16(f: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(f.get(at..at + 2)?.try_into().ok()?))
}

fn be32(f: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(f.get(at..at + 4)?.try_into().ok()?))
}

fn mac(f: &[u8], at: usize) -> Option<[u8; 6]> {
    f.get(at..at + 6)?.try_into().ok()
}

fn buffer(b: Option<u32>) -> Option<u32> {
    b.filter(|b| *b != NO_BUFFER)
}

/// Classifies one whole frame (header included).
pub fn classify(f: &[u8]) -> Frame {
    let (Some(&version), Some(&kind)) = (f.first(), f.get(1)) else {
        return Frame::Control;
    };
    match kind {
        OFPT_FLOW_MOD => flow_mod(f, version == OFP10),
        OFPT_PACKET_OUT => packet_out(f, version == OFP10),
        _ => Frame::Control,
    }
}

fn flow_mod(f: &[u8], v10: bool) -> Frame {
    let command = if v10 {
        be16(f, 56)
    } else {
        f.get(25).map(|c| *c as u16)
    };
    if !matches!(command, Some(OFPFC_ADD | OFPFC_MODIFY_STRICT)) {
        return Frame::Ignored;
    }
    let tag = if v10 {
        Tag {
            buffer_id: buffer(be32(f, 64)),
            src: mac(f, 14),
        }
    } else {
        Tag {
            buffer_id: buffer(be32(f, 32)),
            src: oxm_eth_src(f),
        }
    };
    Frame::FlowMod(tag)
}

/// The unmasked ETH_SRC of a 1.3 FLOW_MOD's match.
fn oxm_eth_src(f: &[u8]) -> Option<[u8; 6]> {
    let match_len = be16(f, 50)? as usize;
    let end = 48usize.checked_add(match_len)?;
    let mut at = 52;
    while at + 4 <= end {
        let class = be16(f, at)?;
        let field = *f.get(at + 2)?;
        let len = *f.get(at + 3)? as usize;
        if class == OXM_CLASS_BASIC && field >> 1 == OXM_ETH_SRC && field & 1 == 0 {
            return mac(f, at + 4);
        }
        at += 4 + len;
    }
    None
}

fn packet_out(f: &[u8], v10: bool) -> Frame {
    let (actions_len_at, actions_at) = if v10 { (14, 16) } else { (16, 24) };
    let Some(actions_len) = be16(f, actions_len_at) else {
        return Frame::Ignored;
    };
    let data = actions_at + actions_len as usize;
    let buffer_id = buffer(be32(f, 8));
    if f.len() <= data {
        // Buffered packet, no data: counts (cbench cannot see it is LLDP).
        return Frame::PacketOut(Tag {
            buffer_id,
            src: None,
        });
    }
    let mut ethertype = be16(f, data + 12);
    if ethertype == Some(ETHERTYPE_VLAN) {
        ethertype = be16(f, data + 16);
    }
    if ethertype == Some(ETHERTYPE_LLDP) {
        return Frame::Ignored;
    }
    Frame::PacketOut(Tag {
        buffer_id,
        src: mac(f, data + 6),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;
    use openflow::{Action, FlowMod, MacAddr, Match, Neutral, PacketOut, Version};

    fn enc<T: Neutral>(v: Version, m: &T) -> Vec<u8> {
        m.to_message(v).unwrap().to_bytes(1).unwrap()
    }

    #[test]
    fn flow_mods_by_command_and_tag() {
        let src = MacAddr([0, 1, 2, 3, 4, 5]);
        for v in Version::ALL {
            let add = FlowMod::add(
                Match::new()
                    .in_port(1)
                    .eth_src(src)
                    .eth_dst(MacAddr([2; 6])),
            )
            .actions(vec![Action::output(2)]);
            assert_eq!(
                classify(&enc(v, &add)),
                Frame::FlowMod(Tag {
                    buffer_id: None,
                    src: Some(src.0)
                }),
                "{v}"
            );
            let buffered = add.clone().buffer_id(Some(7));
            let Frame::FlowMod(t) = classify(&enc(v, &buffered)) else {
                panic!("{v}")
            };
            assert_eq!(t.buffer_id, Some(7));
            assert!(t.answers(7, [9; 6]));
            assert!(!t.answers(8, src.0));
            let del = FlowMod::delete(Match::new().eth_dst(src));
            assert_eq!(classify(&enc(v, &del)), Frame::Ignored, "{v}");
        }
    }

    #[test]
    fn packet_outs_but_not_lldp() {
        let mut frame = vec![0u8; 64];
        frame[6..12].copy_from_slice(&[0, 0, 0, 0, 0, 9]);
        frame[12..14].copy_from_slice(&0x0800u16.to_be_bytes());
        let mut lldp = frame.clone();
        lldp[12..14].copy_from_slice(&0x88ccu16.to_be_bytes());
        for v in Version::ALL {
            let po = PacketOut::new(1, vec![Action::output(2)], Bytes::from(frame.clone()));
            assert_eq!(
                classify(&enc(v, &po)),
                Frame::PacketOut(Tag {
                    buffer_id: None,
                    src: Some([0, 0, 0, 0, 0, 9])
                })
            );
            let po = PacketOut::new(1, vec![Action::output(2)], Bytes::from(lldp.clone()));
            assert_eq!(classify(&enc(v, &po)), Frame::Ignored);
            let po = PacketOut {
                buffer_id: Some(3),
                in_port: 1,
                actions: vec![Action::output(2)],
                data: Bytes::new(),
            };
            assert_eq!(
                classify(&enc(v, &po)),
                Frame::PacketOut(Tag {
                    buffer_id: Some(3),
                    src: None
                })
            );
        }
    }

    #[test]
    fn short_frames_do_not_panic() {
        for n in 0..70 {
            let mut f = vec![0x01, 0x0e];
            f.resize(n.max(2), 0);
            let _ = classify(&f);
            f[1] = 0x0d;
            let _ = classify(&f);
            f[0] = 0x04;
            let _ = classify(&f);
        }
    }
}
