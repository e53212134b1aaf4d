//! OXS flow statistics (OpenFlow 1.5 §7.2.4): `ofp_stats`, a TLV list of statistics
//! fields in flow descriptions, flow statistics, aggregate replies and FLOW_REMOVED.

use std::fmt;

use bytes::Bytes;

use crate::v13::wire;
use crate::{DecodeError, EncodeError};

/// `OFPXSC_OPENFLOW_BASIC`.
pub const CLASS_OPENFLOW_BASIC: u16 = 0x8002;
/// `OFPXSC_EXPERIMENTER`.
pub const CLASS_EXPERIMENTER: u16 = 0xffff;

/// `oxs_ofb_stat_fields`.
pub mod oxs_field {
    /// Time the flow has been alive: `u32` seconds then `u32` nanoseconds.
    pub const DURATION: u8 = 0;
    /// Time since the flow last matched: seconds, nanoseconds.
    pub const IDLE_TIME: u8 = 1;
    /// Number of aggregated flows (`u32`).
    pub const FLOW_COUNT: u8 = 3;
    pub const PACKET_COUNT: u8 = 4;
    pub const BYTE_COUNT: u8 = 5;
}

/// One OXS field: class, field number, the header's reserved low bit (kept so that any
/// value re-encodes as read) and the value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OxsField {
    pub class: u16,
    pub field: u8,
    pub reserved: bool,
    pub value: Bytes,
}

impl OxsField {
    /// A field of the OpenFlow basic class.
    pub fn basic(field: u8, value: impl Into<Bytes>) -> OxsField {
        OxsField {
            class: CLASS_OPENFLOW_BASIC,
            field,
            reserved: false,
            value: value.into(),
        }
    }
}

/// `ofp_stats`: the statistics fields in wire order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Stats {
    pub fields: Vec<OxsField>,
}

impl Stats {
    /// The usual counters of a flow: duration, packet and byte counts.
    pub fn counters(duration_sec: u32, duration_nsec: u32, packets: u64, bytes: u64) -> Stats {
        let mut d = duration_sec.to_be_bytes().to_vec();
        d.extend_from_slice(&duration_nsec.to_be_bytes());
        Stats {
            fields: vec![
                OxsField::basic(oxs_field::DURATION, d),
                OxsField::basic(oxs_field::PACKET_COUNT, packets.to_be_bytes().to_vec()),
                OxsField::basic(oxs_field::BYTE_COUNT, bytes.to_be_bytes().to_vec()),
            ],
        }
    }

    fn basic(&self, field: u8) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|f| f.class == CLASS_OPENFLOW_BASIC && f.field == field)
            .map(|f| &f.value[..])
    }

    fn pair(&self, field: u8) -> Option<(u32, u32)> {
        let v: [u8; 8] = self.basic(field)?.try_into().ok()?;
        let [a, b, c, d, e, f, g, h] = v;
        Some((
            u32::from_be_bytes([a, b, c, d]),
            u32::from_be_bytes([e, f, g, h]),
        ))
    }

    fn u64(&self, field: u8) -> Option<u64> {
        Some(u64::from_be_bytes(self.basic(field)?.try_into().ok()?))
    }

    /// DURATION as (seconds, nanoseconds).
    pub fn duration(&self) -> Option<(u32, u32)> {
        self.pair(oxs_field::DURATION)
    }
    /// IDLE_TIME as (seconds, nanoseconds).
    pub fn idle_time(&self) -> Option<(u32, u32)> {
        self.pair(oxs_field::IDLE_TIME)
    }
    pub fn flow_count(&self) -> Option<u32> {
        Some(u32::from_be_bytes(
            self.basic(oxs_field::FLOW_COUNT)?.try_into().ok()?,
        ))
    }
    pub fn packet_count(&self) -> Option<u64> {
        self.u64(oxs_field::PACKET_COUNT)
    }
    pub fn byte_count(&self) -> Option<u64> {
        self.u64(oxs_field::BYTE_COUNT)
    }
}

impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        for x in &self.fields {
            f.write_str(sep)?;
            sep = ",";
            let name = match (x.class, x.field) {
                (CLASS_OPENFLOW_BASIC, oxs_field::DURATION) => "duration",
                (CLASS_OPENFLOW_BASIC, oxs_field::IDLE_TIME) => "idle_time",
                (CLASS_OPENFLOW_BASIC, oxs_field::FLOW_COUNT) => "flow_count",
                (CLASS_OPENFLOW_BASIC, oxs_field::PACKET_COUNT) => "packet_count",
                (CLASS_OPENFLOW_BASIC, oxs_field::BYTE_COUNT) => "byte_count",
                _ => {
                    write!(f, "oxs(0x{:04x},{})", x.class, x.field)?;
                    continue;
                }
            };
            match x.value.len() {
                4 => write!(
                    f,
                    "{name}={}",
                    u32::from_be_bytes(x.value[..4].try_into().unwrap_or_default())
                )?,
                8 if name == "duration" || name == "idle_time" => {
                    let (s, n) = self.pair(x.field).unwrap_or_default();
                    write!(f, "{name}={s}.{:09}s", n)?
                }
                8 => write!(
                    f,
                    "{name}={}",
                    u64::from_be_bytes(x.value[..8].try_into().unwrap_or_default())
                )?,
                n => write!(f, "{name}({n}B)")?,
            }
        }
        Ok(())
    }
}

fn bad() -> DecodeError {
    DecodeError::Malformed {
        what: "ofp_stats",
        detail: "length under 4, past the body, or a field past the list",
    }
}

/// Parses an `ofp_stats` (padded to 8 bytes) at the head of `i`; returns it and the rest.
pub fn parse_stats<'a>(src: &Bytes, i: &'a [u8]) -> Result<(Stats, &'a [u8]), DecodeError> {
    let (s, rest) = wire::padded_tlv(i, 4, bad())?;
    let mut fields = Vec::new();
    let mut f = &s[4..];
    while !f.is_empty() {
        let [c0, c1, fb, len, ..] = *f else {
            return Err(bad());
        };
        let end = 4 + len as usize;
        let value = f.get(4..end).ok_or_else(bad)?;
        fields.push(OxsField {
            class: u16::from_be_bytes([c0, c1]),
            field: fb >> 1,
            reserved: fb & 1 == 1,
            value: wire::share(src, value),
        });
        f = &f[end..];
    }
    Ok((Stats { fields }, rest))
}

/// Appends an `ofp_stats` padded to 8 bytes.
pub fn encode_stats(s: &Stats, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let len: usize = 4 + s.fields.iter().map(|x| 4 + x.value.len()).sum::<usize>();
    wire::put_u16(out, 0);
    wire::put_u16(
        out,
        u16::try_from(len).map_err(|_| EncodeError::TooLong(len))?,
    );
    for x in &s.fields {
        let len = u8::try_from(x.value.len())
            .map_err(|_| EncodeError::Invalid("an OXS value over 255 bytes".into()))?;
        wire::put_u16(out, x.class);
        out.extend_from_slice(&[(x.field << 1) | u8::from(x.reserved), len]);
        out.extend_from_slice(&x.value);
    }
    wire::pad8_from(out, start);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_round_trip_and_read_back() {
        let s = Stats::counters(3, 500, 10, 1000);
        let mut out = vec![];
        encode_stats(&s, &mut out).unwrap();
        assert_eq!(out.len() % 8, 0);
        let src = Bytes::from(out);
        let (back, rest) = parse_stats(&src, &src).unwrap();
        assert!(rest.is_empty());
        assert_eq!(back, s);
        assert_eq!(back.duration(), Some((3, 500)));
        assert_eq!(
            (back.packet_count(), back.byte_count()),
            (Some(10), Some(1000))
        );
        assert_eq!(
            back.to_string(),
            "duration=3.000000500s,packet_count=10,byte_count=1000"
        );
    }

    #[test]
    fn field_past_the_list_is_refused() {
        // length 12 but the field claims 8 value bytes where 4 remain.
        let src = Bytes::from(hex::decode("0000000c8002060800000001").unwrap());
        assert!(parse_stats(&src, &src).is_err());
    }
}
