//! Wire codec of OpenFlow 1.3 instructions (`ofp_instruction_*`, §7.2.4).

use bytes::Bytes;

use super::{action_codec, wire};
use crate::error::bad_instruction;
use crate::{DecodeError, EncodeError, Instruction};

/// `ofp_instruction_type` values.
pub mod instruction_type {
    pub const GOTO_TABLE: u16 = 0x0001;
    pub const WRITE_METADATA: u16 = 0x0002;
    pub const WRITE_ACTIONS: u16 = 0x0003;
    pub const APPLY_ACTIONS: u16 = 0x0004;
    pub const CLEAR_ACTIONS: u16 = 0x0005;
    pub const METER: u16 = 0x0006;
    pub const EXPERIMENTER: u16 = 0xffff;
}

fn bad_len(detail: &'static str) -> DecodeError {
    DecodeError::BadInstruction {
        code: bad_instruction::BAD_LEN,
        detail,
    }
}

fn arr<const N: usize>(b: &[u8]) -> [u8; N] {
    b.get(..N)
        .and_then(|s| s.try_into().ok())
        .unwrap_or([0u8; N])
}

/// Decodes one instruction at the start of `i`; returns it and the rest.
pub fn decode_instruction<'a>(
    src: &Bytes,
    i: &'a [u8],
) -> Result<(Instruction, &'a [u8]), DecodeError> {
    use instruction_type as t;
    let (x, rest) = wire::tlv_at2(i, 8, bad_len("instruction length"))?;
    if !x.len().is_multiple_of(8) {
        return Err(bad_len("instruction length not a multiple of 8"));
    }
    let ty = u16::from_be_bytes(arr(x));
    let body = &x[4..];
    let fixed = |n: usize| {
        if x.len() == n {
            Ok(())
        } else {
            Err(bad_len("wrong length for the instruction type"))
        }
    };
    let ins = match ty {
        t::GOTO_TABLE => fixed(8).map(|_| Instruction::GotoTable(arr::<1>(body)[0]))?,
        t::WRITE_METADATA => {
            fixed(24)?;
            Instruction::WriteMetadata {
                metadata: u64::from_be_bytes(arr(&body[4..])),
                mask: u64::from_be_bytes(arr(&body[12..])),
            }
        }
        t::WRITE_ACTIONS => {
            Instruction::WriteActions(action_codec::decode_actions(src, &body[4..])?)
        }
        t::APPLY_ACTIONS => {
            Instruction::ApplyActions(action_codec::decode_actions(src, &body[4..])?)
        }
        t::CLEAR_ACTIONS => fixed(8).map(|_| Instruction::ClearActions)?,
        t::METER => fixed(8).map(|_| Instruction::Meter(u32::from_be_bytes(arr(body))))?,
        t::EXPERIMENTER => Instruction::Experimenter {
            experimenter: u32::from_be_bytes(arr(body)),
            data: wire::share(src, &body[4..]),
        },
        other => Instruction::Unknown {
            instruction_type: other,
            data: wire::share(src, body),
        },
    };
    Ok((ins, rest))
}

/// Decodes the instructions filling all of `i`.
pub fn decode_instructions(src: &Bytes, i: &[u8]) -> Result<Vec<Instruction>, DecodeError> {
    let mut out = Vec::with_capacity(2);
    let mut rest = i;
    while !rest.is_empty() {
        let (x, r) = decode_instruction(src, rest)?;
        out.push(x);
        rest = r;
    }
    Ok(out)
}

/// Appends one instruction.
pub fn encode_instruction(x: &Instruction, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    use instruction_type as t;
    let start = out.len();
    let header = |out: &mut Vec<u8>, ty: u16| {
        wire::put_u16(out, ty);
        wire::put_u16(out, 0);
    };
    match x {
        Instruction::GotoTable(tb) => {
            header(out, t::GOTO_TABLE);
            out.extend_from_slice(&[*tb, 0, 0, 0]);
        }
        Instruction::WriteMetadata { metadata, mask } => {
            header(out, t::WRITE_METADATA);
            wire::put_zeros(out, 4);
            wire::put_u64(out, *metadata);
            wire::put_u64(out, *mask);
        }
        Instruction::WriteActions(a) | Instruction::ApplyActions(a) => {
            let ty = if matches!(x, Instruction::WriteActions(_)) {
                t::WRITE_ACTIONS
            } else {
                t::APPLY_ACTIONS
            };
            header(out, ty);
            wire::put_zeros(out, 4);
            action_codec::encode_actions(a, out)?;
        }
        Instruction::ClearActions => {
            header(out, t::CLEAR_ACTIONS);
            wire::put_zeros(out, 4);
        }
        Instruction::Meter(m) => {
            header(out, t::METER);
            wire::put_u32(out, *m);
        }
        Instruction::Experimenter { experimenter, data } => {
            header(out, t::EXPERIMENTER);
            wire::put_u32(out, *experimenter);
            out.extend_from_slice(data);
        }
        Instruction::Unknown {
            instruction_type,
            data,
        } => {
            header(out, *instruction_type);
            out.extend_from_slice(data);
        }
    }
    let len = out.len() - start;
    if !len.is_multiple_of(8) {
        out.truncate(start);
        return Err(EncodeError::Invalid(format!(
            "instruction {x} is {len} bytes: instructions must be a multiple of 8 bytes"
        )));
    }
    wire::patch_len16(out, start + 2, len)
}

/// Appends a list of instructions.
pub fn encode_instructions(list: &[Instruction], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    list.iter().try_for_each(|x| encode_instruction(x, out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Action;

    #[test]
    fn round_trip_all() {
        let list = vec![
            Instruction::Meter(5),
            Instruction::ApplyActions(vec![Action::output(1)]),
            Instruction::ClearActions,
            Instruction::WriteActions(vec![Action::Group(3)]),
            Instruction::WriteMetadata {
                metadata: 0x12,
                mask: 0xff,
            },
            Instruction::GotoTable(2),
            Instruction::Experimenter {
                experimenter: 0x2320,
                data: Bytes::from_static(&[0; 8]),
            },
            Instruction::Unknown {
                instruction_type: 9,
                data: Bytes::from_static(&[1, 2, 3, 4]),
            },
        ];
        let mut out = vec![];
        encode_instructions(&list, &mut out).unwrap();
        let b = Bytes::from(out.clone());
        assert_eq!(decode_instructions(&b, &b).unwrap(), list);
        assert_eq!(&out[..8], &[0, 6, 0, 8, 0, 0, 0, 5]);
    }

    #[test]
    fn bad_len_code() {
        let b = Bytes::from_static(&[0, 1, 0, 16, 0, 0, 0, 0]);
        assert!(matches!(
            decode_instructions(&b, &b),
            Err(DecodeError::BadInstruction {
                code: bad_instruction::BAD_LEN,
                ..
            })
        ));
        // An action error inside an instruction is a bad action.
        let b = Bytes::from_static(&[0, 4, 0, 16, 0, 0, 0, 0, 0, 0, 0, 8, 0, 0, 0, 1]);
        assert!(matches!(
            decode_instructions(&b, &b),
            Err(DecodeError::BadAction { .. })
        ));
    }
}
