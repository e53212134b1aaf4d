//! METER_MOD, meter bands, and the meter multipart bodies (stats, config, features).

use bytes::Bytes;

use super::wire::{self, need, pad, u16_, u32_, u64_, u8_, Res};
use crate::{DecodeError, EncodeError};

/// `ofp_meter_mod_command`.
pub mod meter_command {
    pub const ADD: u16 = 0;
    pub const MODIFY: u16 = 1;
    pub const DELETE: u16 = 2;
}

/// `ofp_meter_flags`.
pub mod meter_flags {
    pub const KBPS: u16 = 1 << 0;
    pub const PKTPS: u16 = 1 << 1;
    pub const BURST: u16 = 1 << 2;
    pub const STATS: u16 = 1 << 3;
}

/// `ofp_meter_band_type`.
pub mod band_type {
    pub const DROP: u16 = 0x0001;
    pub const DSCP_REMARK: u16 = 0x0002;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// Special meter ids.
pub mod meter_id {
    pub const MAX: u32 = 0xffff_0000;
    pub const SLOWPATH: u32 = 0xffff_fffd;
    pub const CONTROLLER: u32 = 0xffff_fffe;
    pub const ALL: u32 = 0xffff_ffff;
}

/// One meter band (`ofp_meter_band_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MeterBand {
    Drop {
        rate: u32,
        burst_size: u32,
    },
    DscpRemark {
        rate: u32,
        burst_size: u32,
        prec_level: u8,
    },
    /// `data` follows the experimenter id byte for byte.
    Experimenter {
        rate: u32,
        burst_size: u32,
        experimenter: u32,
        data: Bytes,
    },
    /// A band type Viola does not know; `data` follows `burst_size`.
    Unknown {
        band_type: u16,
        rate: u32,
        burst_size: u32,
        data: Bytes,
    },
}

fn bad_band(detail: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what: "meter band",
        detail,
    }
}

/// Decodes the bands filling all of `i`.
pub fn parse_bands(src: &Bytes, i: &[u8]) -> Result<Vec<MeterBand>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (b, r) = wire::tlv_at2(rest, 12, bad_band("length under 12 or past the list"))?;
        let (body, (ty, rate, burst_size)) = wire::run((|i| {
            let (i, t) = u16_(i)?;
            let (i, _) = u16_(i)?;
            let (i, rate) = u32_(i)?;
            let (i, burst) = u32_(i)?;
            Ok((i, (t, rate, burst)))
        })(b))?;
        let band = match ty {
            band_type::DROP => {
                if b.len() != 16 {
                    return Err(bad_band("drop band is not 16 bytes"));
                }
                MeterBand::Drop { rate, burst_size }
            }
            band_type::DSCP_REMARK => {
                if b.len() != 16 {
                    return Err(bad_band("dscp_remark band is not 16 bytes"));
                }
                let prec_level = body.first().copied().unwrap_or(0);
                MeterBand::DscpRemark {
                    rate,
                    burst_size,
                    prec_level,
                }
            }
            band_type::EXPERIMENTER => {
                let (data, experimenter) =
                    wire::run(need(body, "experimenter band", 4).and_then(|(i, _)| u32_(i)))?;
                MeterBand::Experimenter {
                    rate,
                    burst_size,
                    experimenter,
                    data: wire::share(src, data),
                }
            }
            other => MeterBand::Unknown {
                band_type: other,
                rate,
                burst_size,
                data: wire::share(src, body),
            },
        };
        out.push(band);
        rest = r;
    }
    Ok(out)
}

pub fn encode_bands(list: &[MeterBand], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for b in list {
        let start = out.len();
        let (ty, rate, burst) = match b {
            MeterBand::Drop { rate, burst_size } => (band_type::DROP, rate, burst_size),
            MeterBand::DscpRemark {
                rate, burst_size, ..
            } => (band_type::DSCP_REMARK, rate, burst_size),
            MeterBand::Experimenter {
                rate, burst_size, ..
            } => (band_type::EXPERIMENTER, rate, burst_size),
            MeterBand::Unknown {
                band_type,
                rate,
                burst_size,
                ..
            } => (*band_type, rate, burst_size),
        };
        wire::put_u16(out, ty);
        wire::put_u16(out, 0);
        wire::put_u32(out, *rate);
        wire::put_u32(out, *burst);
        match b {
            MeterBand::Drop { .. } => wire::put_zeros(out, 4),
            MeterBand::DscpRemark { prec_level, .. } => {
                out.extend_from_slice(&[*prec_level, 0, 0, 0])
            }
            MeterBand::Experimenter {
                experimenter, data, ..
            } => {
                wire::put_u32(out, *experimenter);
                out.extend_from_slice(data);
            }
            MeterBand::Unknown { data, .. } => out.extend_from_slice(data),
        }
        let len = out.len() - start;
        wire::patch_len16(out, start + 2, len)?;
    }
    Ok(())
}

/// METER_MOD (`ofp_meter_mod`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterMod {
    pub command: u16,
    pub flags: u16,
    pub meter_id: u32,
    pub bands: Vec<MeterBand>,
}

pub fn parse_meter_mod<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, MeterMod> {
    let (i, _) = need(i, "meter_mod", 8)?;
    let (i, command) = u16_(i)?;
    let (i, flags) = u16_(i)?;
    let (i, meter_id) = u32_(i)?;
    let bands = wire::de(parse_bands(src, i))?;
    Ok((
        &[],
        MeterMod {
            command,
            flags,
            meter_id,
            bands,
        },
    ))
}

pub fn encode_meter_mod(m: &MeterMod, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u16(out, m.command);
    wire::put_u16(out, m.flags);
    wire::put_u32(out, m.meter_id);
    encode_bands(&m.bands, out)
}

/// `ofp_meter_band_stats`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeterBandStats {
    pub packet_band_count: u64,
    pub byte_band_count: u64,
}

/// `ofp_meter_stats`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MeterStats {
    pub meter_id: u32,
    pub flow_count: u32,
    pub packet_in_count: u64,
    pub byte_in_count: u64,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub band_stats: Vec<MeterBandStats>,
}

pub fn parse_meter_stats(i: &[u8]) -> Result<Vec<MeterStats>, DecodeError> {
    let bad = DecodeError::Malformed {
        what: "meter_stats",
        detail: "length",
    };
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        // The length sits after the 4-byte meter id.
        let len = match rest {
            [_, _, _, _, a, b, ..] => u16::from_be_bytes([*a, *b]) as usize,
            _ => return Err(bad),
        };
        if len < 40 || len > rest.len() || !(len - 40).is_multiple_of(16) {
            return Err(bad);
        }
        let (m, r) = rest.split_at(len);
        let s = wire::whole(
            "meter_stats",
            (|i| {
                let (i, meter_id) = u32_(i)?;
                let (i, _) = u16_(i)?;
                let (i, _) = pad(i, 6)?;
                let (i, flow_count) = u32_(i)?;
                let (i, packet_in_count) = u64_(i)?;
                let (i, byte_in_count) = u64_(i)?;
                let (i, duration_sec) = u32_(i)?;
                let (mut i, duration_nsec) = u32_(i)?;
                let mut band_stats = Vec::with_capacity(i.len() / 16);
                while !i.is_empty() {
                    let (r, p) = u64_(i)?;
                    let (r, b) = u64_(r)?;
                    band_stats.push(MeterBandStats {
                        packet_band_count: p,
                        byte_band_count: b,
                    });
                    i = r;
                }
                let s = MeterStats {
                    meter_id,
                    flow_count,
                    packet_in_count,
                    byte_in_count,
                    duration_sec,
                    duration_nsec,
                    band_stats,
                };
                Ok((i, s))
            })(m),
        )?;
        out.push(s);
        rest = r;
    }
    Ok(out)
}

pub fn encode_meter_stats(list: &[MeterStats], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for s in list {
        let start = out.len();
        wire::put_u32(out, s.meter_id);
        wire::put_u16(out, 0);
        wire::put_zeros(out, 6);
        wire::put_u32(out, s.flow_count);
        wire::put_u64(out, s.packet_in_count);
        wire::put_u64(out, s.byte_in_count);
        wire::put_u32(out, s.duration_sec);
        wire::put_u32(out, s.duration_nsec);
        for b in &s.band_stats {
            wire::put_u64(out, b.packet_band_count);
            wire::put_u64(out, b.byte_band_count);
        }
        let len = out.len() - start;
        wire::patch_len16(out, start + 4, len)?;
    }
    Ok(())
}

/// `ofp_meter_config` (one entry of a METER_CONFIG reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterConfig {
    pub flags: u16,
    pub meter_id: u32,
    pub bands: Vec<MeterBand>,
}

pub fn parse_meter_configs(src: &Bytes, i: &[u8]) -> Result<Vec<MeterConfig>, DecodeError> {
    let bad = DecodeError::Malformed {
        what: "meter_config",
        detail: "length",
    };
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (c, r) = wire::tlv_at0(rest, 8, bad.clone())?;
        let (bands, (flags, meter_id)) = wire::run((|i| {
            let (i, _) = u16_(i)?;
            let (i, f) = u16_(i)?;
            let (i, id) = u32_(i)?;
            Ok((i, (f, id)))
        })(c))?;
        let bands = parse_bands(src, bands)?;
        out.push(MeterConfig {
            flags,
            meter_id,
            bands,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_meter_configs(list: &[MeterConfig], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for c in list {
        let start = out.len();
        wire::put_u16(out, 0);
        wire::put_u16(out, c.flags);
        wire::put_u32(out, c.meter_id);
        encode_bands(&c.bands, out)?;
        let len = out.len() - start;
        wire::patch_len16(out, start, len)?;
    }
    Ok(())
}

/// `ofp_meter_features`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MeterFeatures {
    pub max_meter: u32,
    /// Bitmap of `ofp_meter_band_type` values.
    pub band_types: u32,
    /// Bitmap of `ofp_meter_flags`.
    pub capabilities: u32,
    pub max_bands: u8,
    pub max_color: u8,
}

pub fn parse_meter_features(i: &[u8]) -> Res<'_, MeterFeatures> {
    let (i, _) = need(i, "meter_features", 16)?;
    let (i, max_meter) = u32_(i)?;
    let (i, band_types) = u32_(i)?;
    let (i, capabilities) = u32_(i)?;
    let (i, max_bands) = u8_(i)?;
    let (i, max_color) = u8_(i)?;
    let (i, _) = pad(i, 2)?;
    Ok((
        i,
        MeterFeatures {
            max_meter,
            band_types,
            capabilities,
            max_bands,
            max_color,
        },
    ))
}

pub fn encode_meter_features(f: &MeterFeatures, out: &mut Vec<u8>) {
    wire::put_u32(out, f.max_meter);
    wire::put_u32(out, f.band_types);
    wire::put_u32(out, f.capabilities);
    out.extend_from_slice(&[f.max_bands, f.max_color, 0, 0]);
}
