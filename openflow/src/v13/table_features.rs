//! TABLE_FEATURES multipart bodies (`ofp_table_features` and its properties, §7.3.5.5).
//! Properties are `type, length, body` padded to 8 bytes (length excludes the padding);
//! unknown properties are kept raw.

use bytes::Bytes;

use super::oxm_codec::{self, OxmId};
use super::wire::{self, need, pad, u32_, u64_, u8_, Res};
use crate::{DecodeError, EncodeError};

/// `ofp_table_feature_prop_type`.
pub mod prop_type {
    pub const INSTRUCTIONS: u16 = 0;
    pub const INSTRUCTIONS_MISS: u16 = 1;
    pub const NEXT_TABLES: u16 = 2;
    pub const NEXT_TABLES_MISS: u16 = 3;
    pub const WRITE_ACTIONS: u16 = 4;
    pub const WRITE_ACTIONS_MISS: u16 = 5;
    pub const APPLY_ACTIONS: u16 = 6;
    pub const APPLY_ACTIONS_MISS: u16 = 7;
    pub const MATCH: u16 = 8;
    pub const WILDCARDS: u16 = 10;
    pub const WRITE_SETFIELD: u16 = 12;
    pub const WRITE_SETFIELD_MISS: u16 = 13;
    pub const APPLY_SETFIELD: u16 = 14;
    pub const APPLY_SETFIELD_MISS: u16 = 15;
    pub const EXPERIMENTER: u16 = 0xfffe;
    pub const EXPERIMENTER_MISS: u16 = 0xffff;
}

/// Length of `ofp_table_features` before its properties.
pub const TABLE_FEATURES_LEN: usize = 64;
/// `OFP_MAX_TABLE_NAME_LEN`.
pub const TABLE_NAME_LEN: usize = 32;

/// An `ofp_instruction_id` or `ofp_action_id`: a type and what follows the 4-byte header
/// (the experimenter id for experimenter types).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlvId {
    pub id_type: u16,
    pub data: Bytes,
}

impl TlvId {
    pub fn new(id_type: u16) -> TlvId {
        TlvId {
            id_type,
            data: Bytes::new(),
        }
    }
}

/// One table-feature property. `miss` selects the `_MISS` variant of the type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableFeatureProp {
    Instructions {
        miss: bool,
        ids: Vec<TlvId>,
    },
    NextTables {
        miss: bool,
        tables: Vec<u8>,
    },
    WriteActions {
        miss: bool,
        ids: Vec<TlvId>,
    },
    ApplyActions {
        miss: bool,
        ids: Vec<TlvId>,
    },
    Match(Vec<OxmId>),
    Wildcards(Vec<OxmId>),
    WriteSetfield {
        miss: bool,
        ids: Vec<OxmId>,
    },
    ApplySetfield {
        miss: bool,
        ids: Vec<OxmId>,
    },
    Experimenter {
        miss: bool,
        experimenter: u32,
        exp_type: u32,
        data: Bytes,
    },
    /// A property type Viola does not know: the body after the 4-byte header, without
    /// the padding.
    Unknown {
        prop_type: u16,
        data: Bytes,
    },
}

/// `ofp_table_features`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFeatures {
    pub table_id: u8,
    pub name: String,
    pub metadata_match: u64,
    pub metadata_write: u64,
    pub config: u32,
    pub max_entries: u32,
    pub properties: Vec<TableFeatureProp>,
}

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "length",
    }
}

fn parse_tlv_ids(src: &Bytes, i: &[u8]) -> Result<Vec<TlvId>, DecodeError> {
    let mut out = Vec::with_capacity(i.len() / 4);
    let mut rest = i;
    while !rest.is_empty() {
        let (t, r) = wire::tlv_at2(rest, 4, bad("instruction/action id"))?;
        out.push(TlvId {
            id_type: u16::from_be_bytes([t[0], t[1]]),
            data: wire::share(src, &t[4..]),
        });
        rest = r;
    }
    Ok(out)
}

fn encode_tlv_ids(ids: &[TlvId], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for id in ids {
        wire::put_u16(out, id.id_type);
        let at = out.len();
        wire::put_u16(out, 0);
        out.extend_from_slice(&id.data);
        wire::patch_len16(out, at, 4 + id.data.len())?;
    }
    Ok(())
}

fn parse_prop(src: &Bytes, ty: u16, body: &[u8]) -> Result<TableFeatureProp, DecodeError> {
    use prop_type as t;
    use TableFeatureProp as P;
    let miss = ty & 1 == 1;
    Ok(match ty {
        t::INSTRUCTIONS | t::INSTRUCTIONS_MISS => P::Instructions {
            miss,
            ids: parse_tlv_ids(src, body)?,
        },
        t::NEXT_TABLES | t::NEXT_TABLES_MISS => P::NextTables {
            miss,
            tables: body.to_vec(),
        },
        t::WRITE_ACTIONS | t::WRITE_ACTIONS_MISS => P::WriteActions {
            miss,
            ids: parse_tlv_ids(src, body)?,
        },
        t::APPLY_ACTIONS | t::APPLY_ACTIONS_MISS => P::ApplyActions {
            miss,
            ids: parse_tlv_ids(src, body)?,
        },
        t::MATCH => P::Match(oxm_codec::decode_oxm_ids(body)?),
        t::WILDCARDS => P::Wildcards(oxm_codec::decode_oxm_ids(body)?),
        t::WRITE_SETFIELD | t::WRITE_SETFIELD_MISS => P::WriteSetfield {
            miss,
            ids: oxm_codec::decode_oxm_ids(body)?,
        },
        t::APPLY_SETFIELD | t::APPLY_SETFIELD_MISS => P::ApplySetfield {
            miss,
            ids: oxm_codec::decode_oxm_ids(body)?,
        },
        t::EXPERIMENTER | t::EXPERIMENTER_MISS => {
            let (data, (experimenter, exp_type)) =
                wire::run(need(body, "experimenter property", 8).and_then(|(i, _)| {
                    let (i, e) = u32_(i)?;
                    let (i, x) = u32_(i)?;
                    Ok((i, (e, x)))
                }))?;
            P::Experimenter {
                miss,
                experimenter,
                exp_type,
                data: wire::share(src, data),
            }
        }
        other => P::Unknown {
            prop_type: other,
            data: wire::share(src, body),
        },
    })
}

fn encode_prop(p: &TableFeatureProp, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    use prop_type as t;
    use TableFeatureProp as P;
    let m = |miss: bool, base: u16| base | u16::from(miss);
    let ty = match p {
        P::Instructions { miss, .. } => m(*miss, t::INSTRUCTIONS),
        P::NextTables { miss, .. } => m(*miss, t::NEXT_TABLES),
        P::WriteActions { miss, .. } => m(*miss, t::WRITE_ACTIONS),
        P::ApplyActions { miss, .. } => m(*miss, t::APPLY_ACTIONS),
        P::Match(_) => t::MATCH,
        P::Wildcards(_) => t::WILDCARDS,
        P::WriteSetfield { miss, .. } => m(*miss, t::WRITE_SETFIELD),
        P::ApplySetfield { miss, .. } => m(*miss, t::APPLY_SETFIELD),
        P::Experimenter { miss, .. } => m(*miss, t::EXPERIMENTER),
        P::Unknown { prop_type, .. } => *prop_type,
    };
    let start = out.len();
    wire::put_u16(out, ty);
    wire::put_u16(out, 0);
    match p {
        P::Instructions { ids, .. } | P::WriteActions { ids, .. } | P::ApplyActions { ids, .. } => {
            encode_tlv_ids(ids, out)?
        }
        P::NextTables { tables, .. } => out.extend_from_slice(tables),
        P::Match(ids)
        | P::Wildcards(ids)
        | P::WriteSetfield { ids, .. }
        | P::ApplySetfield { ids, .. } => oxm_codec::encode_oxm_ids(ids, out)?,
        P::Experimenter {
            experimenter,
            exp_type,
            data,
            ..
        } => {
            wire::put_u32(out, *experimenter);
            wire::put_u32(out, *exp_type);
            out.extend_from_slice(data);
        }
        P::Unknown { data, .. } => out.extend_from_slice(data),
    }
    let len = out.len() - start;
    wire::patch_len16(out, start + 2, len)?;
    wire::pad8_from(out, start);
    Ok(())
}

fn parse_fixed(i: &[u8]) -> Res<'_, (u8, String, u64, u64, u32, u32)> {
    let (i, _) = need(i, "table_features", TABLE_FEATURES_LEN)?;
    let (i, _) = pad(i, 2)?;
    let (i, table_id) = u8_(i)?;
    let (i, _) = pad(i, 5)?;
    let (i, name) = wire::fixed_str(i, TABLE_NAME_LEN)?;
    let (i, metadata_match) = u64_(i)?;
    let (i, metadata_write) = u64_(i)?;
    let (i, config) = u32_(i)?;
    let (i, max_entries) = u32_(i)?;
    Ok((
        i,
        (
            table_id,
            name,
            metadata_match,
            metadata_write,
            config,
            max_entries,
        ),
    ))
}

/// Decodes the `ofp_table_features` entries filling all of `i`.
pub fn parse_table_features(src: &Bytes, i: &[u8]) -> Result<Vec<TableFeatures>, DecodeError> {
    parse_table_features_extra(src, i).map(|(tables, _)| tables)
}

/// The entries and, for each, the 5 bytes after its `table_id`: padding in 1.3, 1.5's
/// `command` and `features`.
pub(crate) fn parse_table_features_extra(
    src: &Bytes,
    i: &[u8],
) -> Result<(Vec<TableFeatures>, Vec<[u8; 5]>), DecodeError> {
    let mut out = Vec::new();
    let mut extras = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (t, r) = wire::tlv_at0(rest, TABLE_FEATURES_LEN, bad("table_features"))?;
        // `tlv_at0` checked the entry holds at least the fixed part.
        extras.push(
            t.get(3..8)
                .and_then(|e| <[u8; 5]>::try_from(e).ok())
                .unwrap_or_default(),
        );
        let (mut props, (table_id, name, metadata_match, metadata_write, config, max_entries)) =
            wire::run(parse_fixed(t))?;
        let mut properties = Vec::new();
        while !props.is_empty() {
            let (p, pr) = wire::padded_tlv(props, 4, bad("table feature property"))?;
            let ty = u16::from_be_bytes([p[0], p[1]]);
            properties.push(parse_prop(src, ty, &p[4..])?);
            props = pr;
        }
        out.push(TableFeatures {
            table_id,
            name,
            metadata_match,
            metadata_write,
            config,
            max_entries,
            properties,
        });
        rest = r;
    }
    Ok((out, extras))
}

pub fn encode_table_features(list: &[TableFeatures], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    list.iter()
        .try_for_each(|t| encode_table_features_entry(t, [0; 5], out))
}

/// One entry with `extra` after its `table_id` (see [`parse_table_features_extra`]).
pub(crate) fn encode_table_features_entry(
    t: &TableFeatures,
    extra: [u8; 5],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let start = out.len();
    wire::put_u16(out, 0);
    out.push(t.table_id);
    out.extend_from_slice(&extra);
    wire::put_fixed_str(out, &t.name, TABLE_NAME_LEN)?;
    wire::put_u64(out, t.metadata_match);
    wire::put_u64(out, t.metadata_write);
    wire::put_u32(out, t.config);
    wire::put_u32(out, t.max_entries);
    for p in &t.properties {
        encode_prop(p, out)?;
    }
    let len = out.len() - start;
    wire::patch_len16(out, start, len)
}
