//! The two actions 1.5 adds, COPY_FIELD (28) and METER (29), typed. On the wire they are
//! ordinary `type, len, body` actions; the version-neutral [`Action`] carries them as
//! [`Action::Unknown`] with their type and body byte for byte (so every codec keeps them),
//! and these types read and build those bodies.

use bytes::Bytes;

use crate::v13::oxm_codec::{self, OxmId};
use crate::Action;

/// `OFPAT_COPY_FIELD`.
pub const COPY_FIELD: u16 = 28;
/// `OFPAT_METER`.
pub const METER: u16 = 29;

/// COPY_FIELD (`ofp_action_copy_field`): copy `n_bits` bits from `src` at `src_offset` to
/// `dst` at `dst_offset`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyField {
    pub n_bits: u16,
    pub src_offset: u16,
    pub dst_offset: u16,
    pub src: OxmId,
    pub dst: OxmId,
}

impl CopyField {
    /// The action: fixed part, the two OXM ids, zero padding to 8 bytes.
    pub fn to_action(&self) -> Result<Action, crate::EncodeError> {
        let mut data = Vec::with_capacity(20);
        for v in [self.n_bits, self.src_offset, self.dst_offset, 0] {
            data.extend_from_slice(&v.to_be_bytes());
        }
        oxm_codec::encode_oxm_ids(&[self.src, self.dst], &mut data)?;
        // The whole action (4-byte header + data) is a multiple of 8 bytes.
        data.resize((data.len() + 4).div_ceil(8) * 8 - 4, 0);
        Ok(Action::Unknown {
            action_type: COPY_FIELD,
            data: Bytes::from(data),
        })
    }

    /// Reads a COPY_FIELD action; `None` for any other action, or a body that does not
    /// hold exactly two OXM ids and zero padding (it then stays a plain unknown action).
    pub fn from_action(a: &Action) -> Option<CopyField> {
        let Action::Unknown {
            action_type: COPY_FIELD,
            data,
        } = a
        else {
            return None;
        };
        let [n0, n1, s0, s1, d0, d1, _, _, ids @ ..] = &data[..] else {
            return None;
        };
        // Two OXM ids (4 bytes, 8 for the experimenter class), then padding.
        let id_len = |at: usize| match ids.get(at..at + 2) {
            Some([0xff, 0xff]) => 8,
            _ => 4,
        };
        let first = id_len(0);
        let both = ids.get(..first + id_len(first))?;
        let [src, dst] = <[OxmId; 2]>::try_from(oxm_codec::decode_oxm_ids(both).ok()?).ok()?;
        let c = CopyField {
            n_bits: u16::from_be_bytes([*n0, *n1]),
            src_offset: u16::from_be_bytes([*s0, *s1]),
            dst_offset: u16::from_be_bytes([*d0, *d1]),
            src,
            dst,
        };
        // Only a body this type writes back byte for byte is typed.
        (c.to_action().ok()? == *a).then_some(c)
    }
}

/// METER (`ofp_action_meter`): send the packet through meter `meter_id`.
pub fn meter(meter_id: u32) -> Action {
    Action::Unknown {
        action_type: METER,
        data: Bytes::copy_from_slice(&meter_id.to_be_bytes()),
    }
}

/// The meter of a METER action.
pub fn meter_id(a: &Action) -> Option<u32> {
    match a {
        Action::Unknown {
            action_type: METER,
            data,
        } => Some(u32::from_be_bytes(data[..].try_into().ok()?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn copy_field_round_trips_through_the_action_codec() {
        let c = CopyField {
            n_bits: 48,
            src_offset: 0,
            dst_offset: 0,
            src: OxmId::basic(4, false),
            dst: OxmId::basic(3, false),
        };
        let a = c.to_action().unwrap();
        let mut wire = vec![];
        crate::v13::action_codec::encode_action(&a, &mut wire).unwrap();
        // type 28, len 24, n_bits 48, offsets 0, pad | eth_src id | eth_dst id | pad 4
        assert_eq!(
            hex::encode(&wire),
            "001c001800300000000000008000080680000606".to_string() + "00000000"
        );
        let src = Bytes::from(wire);
        let (back, rest) = crate::v13::action_codec::decode_action(&src, &src).unwrap();
        assert!(rest.is_empty());
        assert_eq!(CopyField::from_action(&back), Some(c));
        assert_eq!(back.to_string(), "copy_field:48:0x8000/4[0]->0x8000/3[0]");
    }

    #[test]
    fn meter_action() {
        let a = meter(7);
        let mut wire = vec![];
        crate::v13::action_codec::encode_action(&a, &mut wire).unwrap();
        assert_eq!(hex::encode(&wire), "001d000800000007");
        assert_eq!(meter_id(&a), Some(7));
        assert_eq!(a.to_string(), "meter:7");
        assert_eq!(meter_id(&Action::output(1)), None);
    }
}
