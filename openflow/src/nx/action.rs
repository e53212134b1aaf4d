//! Nicira / Open vSwitch actions, typed: `ofp_action_experimenter` with experimenter
//! 0x00002320 and a 16-bit subtype. They travel as [`Action::Experimenter`] (so every codec
//! keeps them byte for byte); [`NxAction::from_action`] reads one and
//! [`NxAction::to_action`] builds one. `Display` is `ovs-ofctl`'s syntax.
//!
//! Typed: resubmit (both forms), reg_load, reg_move, note, conjunction, ct (commit, zone,
//! table, alg, nested actions), ct_clear, dec_ttl, exit, output_reg, fin_timeout,
//! controller. Every other subtype (learn, multipath, bundle, nat, sample, stack push/pop,
//! controller2, output_trunc…) is [`NxAction::Other`], its body byte for byte.

use std::fmt;

use bytes::Bytes;

use super::field::header_name;
use crate::action::DisplayActions;
use crate::Action;

/// Nicira's experimenter id.
pub const NX_VENDOR_ID: u32 = 0x0000_2320;

/// `nx_action_subtype` values Viola types.
pub mod subtype {
    pub const RESUBMIT: u16 = 1;
    pub const REG_MOVE: u16 = 6;
    pub const REG_LOAD: u16 = 7;
    pub const NOTE: u16 = 8;
    pub const RESUBMIT_TABLE: u16 = 14;
    pub const OUTPUT_REG: u16 = 15;
    pub const EXIT: u16 = 17;
    pub const DEC_TTL: u16 = 18;
    pub const FIN_TIMEOUT: u16 = 19;
    pub const CONTROLLER: u16 = 20;
    pub const CONJUNCTION: u16 = 34;
    pub const CT: u16 = 35;
    pub const CT_CLEAR: u16 = 43;
}

/// `OFPP_IN_PORT` in 1.0's 16-bit numbering: resubmit's "the packet's own in_port".
pub const IN_PORT_16: u16 = 0xfff8;
/// Resubmit without a table: the current one.
pub const TABLE_CURRENT: u8 = 0xff;

/// A bit range of a field: `NXM_NX_REG0[8..15]` is `ofs` 8, `n_bits` 8.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Subfield {
    pub header: u32,
    pub ofs: u16,
    pub n_bits: u16,
}

impl Subfield {
    /// Bits `ofs..ofs+n_bits` from the packed `ofs_nbits` (`ofs << 6 | (n_bits - 1)`).
    pub fn from_ofs_nbits(header: u32, ofs_nbits: u16) -> Subfield {
        Subfield {
            header,
            ofs: ofs_nbits >> 6,
            n_bits: (ofs_nbits & 0x3f) + 1,
        }
    }

    pub fn ofs_nbits(&self) -> u16 {
        self.ofs << 6 | (self.n_bits.saturating_sub(1) & 0x3f)
    }
}

impl fmt::Display for Subfield {
    /// `NAME[]` for the whole field, `NAME[a..b]` or `NAME[a]` otherwise.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The header's length byte is the payload's, twice the value's with a mask.
        let len = u16::from((self.header & 0xff) as u8);
        let whole_bits = if self.header & 0x100 != 0 {
            len * 4
        } else {
            len * 8
        };
        let name = header_name(self.header);
        if self.ofs == 0 && self.n_bits == whole_bits {
            write!(f, "{name}[]")
        } else if self.n_bits == 1 {
            write!(f, "{name}[{}]", self.ofs)
        } else {
            write!(f, "{name}[{}..{}]", self.ofs, self.ofs + self.n_bits - 1)
        }
    }
}

/// `ct` flags.
pub mod ct_flags {
    pub const COMMIT: u16 = 1;
    pub const FORCE: u16 = 2;
}

/// `nx_action_conntrack`: send the packet through the connection tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conntrack {
    /// [`ct_flags`].
    pub flags: u16,
    /// The field holding the zone; 0 when `zone_ofs_nbits` is the zone itself.
    pub zone_src: u32,
    pub zone_ofs_nbits: u16,
    /// Table to recirculate to; [`TABLE_CURRENT`] for none.
    pub recirc_table: u8,
    /// Application-layer gateway port (21 ftp, 69 tftp); 0 for none.
    pub alg: u16,
    /// Actions applied when committing (`exec(...)`).
    pub actions: Vec<Action>,
}

/// One Nicira action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NxAction {
    /// `resubmit:port` (subtype 1) or `resubmit(port,table)` (subtype 14, `table` Some).
    Resubmit {
        in_port: u16,
        table: Option<u8>,
    },
    /// `load:value->dst`.
    RegLoad {
        dst: Subfield,
        value: u64,
    },
    /// `move:src->dst` (`n_bits` in both).
    RegMove {
        src: Subfield,
        dst: Subfield,
    },
    /// `note:…`: opaque bytes (padding included, as sent).
    Note(Bytes),
    /// `conjunction(id,clause/n_clauses)`; `clause` is 0-based on the wire, 1-based shown.
    Conjunction {
        clause: u8,
        n_clauses: u8,
        id: u32,
    },
    /// `ct(...)`.
    Ct(Conntrack),
    CtClear,
    DecTtl,
    Exit,
    /// `output:src` (a port number read from a field).
    OutputReg {
        src: Subfield,
        max_len: u16,
    },
    FinTimeout {
        idle: u16,
        hard: u16,
    },
    /// `controller(reason=…,max_len=…,id=…)`.
    Controller {
        max_len: u16,
        controller_id: u16,
        reason: u8,
    },
    /// A subtype not typed here; `data` follows the subtype, padding included.
    Other {
        subtype: u16,
        data: Bytes,
    },
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_be_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_be_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

impl NxAction {
    /// Reads a Nicira action. `None` for other actions, and for a typed subtype whose body
    /// this type would not write back byte for byte (it then stays [`NxAction::Other`]
    /// when read through [`NxAction::read`]).
    pub fn from_action(a: &Action) -> Option<NxAction> {
        let Action::Experimenter {
            experimenter: NX_VENDOR_ID,
            data,
        } = a
        else {
            return None;
        };
        let t = Self::read(data)?;
        (t.to_action().as_ref() == Some(a)).then_some(t)
    }

    /// Reads the body after the experimenter id (subtype first).
    pub fn read(data: &Bytes) -> Option<NxAction> {
        use subtype as s;
        let st = u16_at(data, 0)?;
        let b = data.get(2..)?;
        Some(match st {
            s::RESUBMIT => NxAction::Resubmit {
                in_port: u16_at(b, 0)?,
                table: None,
            },
            s::RESUBMIT_TABLE => NxAction::Resubmit {
                in_port: u16_at(b, 0)?,
                table: Some(*b.get(2)?),
            },
            s::REG_LOAD => NxAction::RegLoad {
                dst: Subfield::from_ofs_nbits(u32_at(b, 2)?, u16_at(b, 0)?),
                value: u64_at(b, 6)?,
            },
            s::REG_MOVE => {
                let n_bits = u16_at(b, 0)?;
                let sub = |header, ofs| Subfield {
                    header,
                    ofs,
                    n_bits,
                };
                NxAction::RegMove {
                    src: sub(u32_at(b, 6)?, u16_at(b, 2)?),
                    dst: sub(u32_at(b, 10)?, u16_at(b, 4)?),
                }
            }
            s::NOTE => NxAction::Note(data.slice(2..)),
            s::CONJUNCTION => NxAction::Conjunction {
                clause: *b.first()?,
                n_clauses: *b.get(1)?,
                id: u32_at(b, 2)?,
            },
            s::CT => NxAction::Ct(Conntrack {
                flags: u16_at(b, 0)?,
                zone_src: u32_at(b, 2)?,
                zone_ofs_nbits: u16_at(b, 6)?,
                recirc_table: *b.get(8)?,
                alg: u16_at(b, 12)?,
                actions: crate::v13::action_codec::decode_actions(data, b.get(14..)?).ok()?,
            }),
            s::CT_CLEAR => NxAction::CtClear,
            s::DEC_TTL => NxAction::DecTtl,
            s::EXIT => NxAction::Exit,
            s::OUTPUT_REG => NxAction::OutputReg {
                src: Subfield::from_ofs_nbits(u32_at(b, 2)?, u16_at(b, 0)?),
                max_len: u16_at(b, 6)?,
            },
            s::FIN_TIMEOUT => NxAction::FinTimeout {
                idle: u16_at(b, 0)?,
                hard: u16_at(b, 2)?,
            },
            s::CONTROLLER => NxAction::Controller {
                max_len: u16_at(b, 0)?,
                controller_id: u16_at(b, 2)?,
                reason: *b.get(4)?,
            },
            other => NxAction::Other {
                subtype: other,
                data: data.slice(2..),
            },
        })
    }

    /// The subtype on the wire.
    pub fn subtype(&self) -> u16 {
        use subtype as s;
        match self {
            NxAction::Resubmit { table: None, .. } => s::RESUBMIT,
            NxAction::Resubmit { table: Some(_), .. } => s::RESUBMIT_TABLE,
            NxAction::RegLoad { .. } => s::REG_LOAD,
            NxAction::RegMove { .. } => s::REG_MOVE,
            NxAction::Note(_) => s::NOTE,
            NxAction::Conjunction { .. } => s::CONJUNCTION,
            NxAction::Ct(_) => s::CT,
            NxAction::CtClear => s::CT_CLEAR,
            NxAction::DecTtl => s::DEC_TTL,
            NxAction::Exit => s::EXIT,
            NxAction::OutputReg { .. } => s::OUTPUT_REG,
            NxAction::FinTimeout { .. } => s::FIN_TIMEOUT,
            NxAction::Controller { .. } => s::CONTROLLER,
            NxAction::Other { subtype, .. } => *subtype,
        }
    }

    /// The action (`None` if the nested `ct` actions cannot be encoded): subtype and body,
    /// zero-padded so the whole action is a multiple of 8 bytes.
    pub fn to_action(&self) -> Option<Action> {
        let mut d = self.subtype().to_be_bytes().to_vec();
        let put16 = |d: &mut Vec<u8>, v: u16| d.extend_from_slice(&v.to_be_bytes());
        match self {
            NxAction::Resubmit { in_port, table } => {
                put16(&mut d, *in_port);
                if let Some(t) = table {
                    d.push(*t);
                }
            }
            NxAction::RegLoad { dst, value } => {
                put16(&mut d, dst.ofs_nbits());
                d.extend_from_slice(&dst.header.to_be_bytes());
                d.extend_from_slice(&value.to_be_bytes());
            }
            NxAction::RegMove { src, dst } => {
                for v in [src.n_bits, src.ofs, dst.ofs] {
                    put16(&mut d, v);
                }
                d.extend_from_slice(&src.header.to_be_bytes());
                d.extend_from_slice(&dst.header.to_be_bytes());
            }
            NxAction::Note(n) => d.extend_from_slice(n),
            NxAction::Conjunction {
                clause,
                n_clauses,
                id,
            } => {
                d.extend_from_slice(&[*clause, *n_clauses]);
                d.extend_from_slice(&id.to_be_bytes());
            }
            NxAction::Ct(c) => {
                put16(&mut d, c.flags);
                d.extend_from_slice(&c.zone_src.to_be_bytes());
                put16(&mut d, c.zone_ofs_nbits);
                d.extend_from_slice(&[c.recirc_table, 0, 0, 0]);
                put16(&mut d, c.alg);
                crate::v13::action_codec::encode_actions(&c.actions, &mut d).ok()?;
            }
            NxAction::CtClear | NxAction::DecTtl | NxAction::Exit => {}
            NxAction::OutputReg { src, max_len } => {
                put16(&mut d, src.ofs_nbits());
                d.extend_from_slice(&src.header.to_be_bytes());
                put16(&mut d, *max_len);
            }
            NxAction::FinTimeout { idle, hard } => {
                put16(&mut d, *idle);
                put16(&mut d, *hard);
            }
            NxAction::Controller {
                max_len,
                controller_id,
                reason,
            } => {
                put16(&mut d, *max_len);
                put16(&mut d, *controller_id);
                d.push(*reason);
            }
            NxAction::Other { data, .. } => d.extend_from_slice(data),
        }
        // Action header 4 + experimenter id 4 + d: pad the whole to 8 (16 at least).
        d.resize((d.len() + 8).div_ceil(8) * 8 - 8, 0);
        Some(Action::Experimenter {
            experimenter: NX_VENDOR_ID,
            data: Bytes::from(d),
        })
    }
}

impl fmt::Display for NxAction {
    /// `ovs-ofctl`'s action syntax.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let port = |p: u16| {
            if p == IN_PORT_16 {
                String::new()
            } else {
                p.to_string()
            }
        };
        match self {
            NxAction::Resubmit {
                in_port,
                table: None,
            } => write!(f, "resubmit:{}", port(*in_port)),
            NxAction::Resubmit {
                in_port,
                table: Some(t),
            } => {
                let t = if *t == TABLE_CURRENT {
                    String::new()
                } else {
                    t.to_string()
                };
                write!(f, "resubmit({},{t})", port(*in_port))
            }
            NxAction::RegLoad { dst, value } => write!(f, "load:{value:#x}->{dst}"),
            NxAction::RegMove { src, dst } => write!(f, "move:{src}->{dst}"),
            NxAction::Note(n) => {
                f.write_str("note:")?;
                let hex: Vec<String> = n.iter().map(|b| format!("{b:02x}")).collect();
                f.write_str(&hex.join("."))
            }
            NxAction::Conjunction {
                clause,
                n_clauses,
                id,
            } => {
                write!(
                    f,
                    "conjunction({id},{}/{n_clauses})",
                    u16::from(*clause) + 1
                )
            }
            NxAction::Ct(c) => write!(f, "{c}"),
            NxAction::CtClear => f.write_str("ct_clear"),
            NxAction::DecTtl => f.write_str("dec_ttl"),
            NxAction::Exit => f.write_str("exit"),
            NxAction::OutputReg { src, .. } => write!(f, "output:{src}"),
            NxAction::FinTimeout { idle, hard } => {
                write!(f, "fin_timeout(idle_timeout={idle},hard_timeout={hard})")
            }
            NxAction::Controller {
                max_len,
                controller_id,
                reason,
            } => write!(
                f,
                "controller(reason={reason},max_len={max_len},id={controller_id})"
            ),
            NxAction::Other { subtype, data } => {
                write!(f, "nx_action(subtype={subtype},{} bytes)", data.len())
            }
        }
    }
}

impl fmt::Display for Conntrack {
    /// `ct(commit,table=N,zone=…,alg=…,exec(…))`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = vec![];
        if self.flags & ct_flags::COMMIT != 0 {
            parts.push("commit".to_string());
        }
        if self.flags & ct_flags::FORCE != 0 {
            parts.push("force".to_string());
        }
        if self.recirc_table != TABLE_CURRENT {
            parts.push(format!("table={}", self.recirc_table));
        }
        if self.zone_src != 0 {
            let zone = Subfield::from_ofs_nbits(self.zone_src, self.zone_ofs_nbits);
            parts.push(format!("zone={zone}"));
        } else if self.zone_ofs_nbits != 0 {
            parts.push(format!("zone={}", self.zone_ofs_nbits));
        }
        match self.alg {
            0 => {}
            21 => parts.push("alg=ftp".into()),
            69 => parts.push("alg=tftp".into()),
            other => parts.push(format!("alg={other}")),
        }
        if !self.actions.is_empty() {
            parts.push(format!("exec({})", DisplayActions(&self.actions)));
        }
        write!(f, "ct({})", parts.join(","))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nx::NxField;

    /// Encodes `a` with the 1.3 action codec, checks the hex, decodes it back, checks that
    /// it reads as `a` again and returns its display.
    fn wire(a: &NxAction, hex: &str) -> String {
        let action = a.to_action().unwrap();
        let mut out = vec![];
        crate::v13::action_codec::encode_action(&action, &mut out).unwrap();
        let want: String = hex.chars().filter(char::is_ascii_hexdigit).collect();
        assert_eq!(hex::encode(&out), want, "{a:?}");
        let src = Bytes::from(out);
        let (back, rest) = crate::v13::action_codec::decode_action(&src, &src).unwrap();
        assert!(rest.is_empty());
        assert_eq!(NxAction::from_action(&back).as_ref(), Some(a));
        assert_eq!(back.to_string(), a.to_string());
        a.to_string()
    }

    fn whole(f: NxField) -> Subfield {
        Subfield {
            header: f.header(false),
            ofs: 0,
            n_bits: u16::from(f.id().2) * 8,
        }
    }

    /// (action, its wire form in hex, its `ovs-ofctl` display).
    fn cases() -> Vec<(NxAction, &'static str, &'static str)> {
        let sub = |f: NxField, ofs: u16, n_bits: u16| Subfield {
            header: f.header(false),
            ofs,
            n_bits,
        };
        let eth = |header: u32| Subfield {
            header,
            ofs: 0,
            n_bits: 48,
        };
        let ct = |flags, zone_src, zone_ofs_nbits, recirc_table, alg, actions| {
            NxAction::Ct(Conntrack {
                flags,
                zone_src,
                zone_ofs_nbits,
                recirc_table,
                alg,
                actions,
            })
        };
        vec![
            (
                NxAction::Resubmit {
                    in_port: 3,
                    table: None,
                },
                "ffff 0010 00002320 0001 0003 00000000",
                "resubmit:3",
            ),
            (
                NxAction::Resubmit {
                    in_port: IN_PORT_16,
                    table: Some(1),
                },
                "ffff 0010 00002320 000e fff8 01 000000",
                "resubmit(,1)",
            ),
            (
                NxAction::RegLoad {
                    dst: whole(NxField::Reg(1)),
                    value: 1,
                },
                "ffff 0018 00002320 0007 001f 00010204 0000000000000001",
                "load:0x1->NXM_NX_REG1[]",
            ),
            (
                NxAction::RegLoad {
                    dst: sub(NxField::Reg(2), 8, 8),
                    value: 0xab,
                },
                "ffff 0018 00002320 0007 0207 00010404 00000000000000ab",
                "load:0xab->NXM_NX_REG2[8..15]",
            ),
            (
                NxAction::RegMove {
                    src: eth(0x0000_0406),
                    dst: eth(0x0000_0206),
                },
                "ffff 0018 00002320 0006 0030 0000 0000 00000406 00000206",
                "move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[]",
            ),
            (
                NxAction::Conjunction {
                    clause: 1,
                    n_clauses: 3,
                    id: 5,
                },
                "ffff 0010 00002320 0022 01 03 00000005",
                "conjunction(5,2/3)",
            ),
            (
                ct(ct_flags::COMMIT, 0, 5, 1, 0, vec![]),
                "ffff 0018 00002320 0023 0001 00000000 0005 01 000000 0000",
                "ct(commit,table=1,zone=5)",
            ),
            (
                ct(
                    ct_flags::COMMIT,
                    NxField::Reg(0).header(false),
                    15,
                    TABLE_CURRENT,
                    21,
                    vec![Action::output(2)],
                ),
                "ffff 0028 00002320 0023 0001 00010004 000f ff 000000 0015 \
                 0000 0010 00000002 ffff 000000000000",
                "ct(commit,zone=NXM_NX_REG0[0..15],alg=ftp,exec(output:2))",
            ),
            (
                NxAction::CtClear,
                "ffff 0010 00002320 002b 000000000000",
                "ct_clear",
            ),
            (
                NxAction::DecTtl,
                "ffff 0010 00002320 0012 000000000000",
                "dec_ttl",
            ),
            (
                NxAction::Exit,
                "ffff 0010 00002320 0011 000000000000",
                "exit",
            ),
            (
                NxAction::Note(Bytes::from_static(&[1, 2, 3, 0, 0, 0])),
                "ffff 0010 00002320 0008 010203 000000",
                "note:01.02.03.00.00.00",
            ),
            (
                NxAction::FinTimeout { idle: 10, hard: 20 },
                "ffff 0010 00002320 0013 000a 0014 0000",
                "fin_timeout(idle_timeout=10,hard_timeout=20)",
            ),
            (
                NxAction::Controller {
                    max_len: 128,
                    controller_id: 0,
                    reason: 1,
                },
                "ffff 0010 00002320 0014 0080 0000 01 00",
                "controller(reason=1,max_len=128,id=0)",
            ),
            (
                NxAction::OutputReg {
                    src: sub(NxField::Reg(0), 0, 16),
                    max_len: 0,
                },
                "ffff 0018 00002320 000f 000f 00010004 0000 000000000000",
                "output:NXM_NX_REG0[0..15]",
            ),
        ]
    }

    #[test]
    fn every_typed_action_on_the_wire_and_in_ovs_ofctl_syntax() {
        for (a, hex, shown) in cases() {
            assert_eq!(wire(&a, hex), shown);
        }
    }

    #[test]
    fn untyped_subtypes_and_odd_bodies_stay_raw() {
        // learn (16) is not typed: it reads as Other and writes back unchanged.
        let data = Bytes::from_static(&[0, 16, 0, 0, 0, 0, 0, 0]);
        let read = NxAction::read(&data).unwrap();
        assert!(matches!(read, NxAction::Other { subtype: 16, .. }));
        let a = Action::Experimenter {
            experimenter: NX_VENDOR_ID,
            data: data.clone(),
        };
        assert_eq!(read.to_action(), Some(a.clone()));
        assert_eq!(a.to_string(), "nx_action(subtype=16,6 bytes)");
        // A resubmit with non-zero padding is not typed (it would not write back).
        let odd = Action::Experimenter {
            experimenter: NX_VENDOR_ID,
            data: Bytes::from_static(&[0, 1, 0, 3, 0, 0, 0, 9]),
        };
        assert_eq!(NxAction::from_action(&odd), None);
        assert_eq!(odd.to_string(), "experimenter(0x00002320,8 bytes)");
    }
}
