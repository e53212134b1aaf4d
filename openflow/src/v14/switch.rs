//! 1.4/1.5 switch-level messages built on property lists: TABLE_MOD, the async
//! configuration, ROLE_STATUS, table descriptions and TABLE_STATUS.

use bytes::Bytes;

use super::prop::{self, Prop};
use crate::v13::wire::{self, need, pad, u32_, u64_, u8_, Res};
use crate::{DecodeError, EncodeError};

/// TABLE_MOD (`ofp_table_mod`): table, config, properties (EVICTION, VACANCY…).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableMod {
    /// `OFPTT_ALL` (0xff) for every table.
    pub table_id: u8,
    /// `ofp_table_config` bits (eviction 0x4, vacancy events 0x8 in 1.4).
    pub config: u32,
    pub properties: Vec<Prop>,
}

fn table_head(i: &[u8]) -> Res<'_, (u8, u32)> {
    let (i, _) = need(i, "table_mod", 8)?;
    let (i, table_id) = u8_(i)?;
    let (i, _) = pad(i, 3)?;
    let (i, config) = u32_(i)?;
    Ok((i, (table_id, config)))
}

pub fn parse_table_mod(src: &Bytes, i: &[u8]) -> Result<TableMod, DecodeError> {
    let (props, (table_id, config)) = wire::run(table_head(i))?;
    Ok(TableMod {
        table_id,
        config,
        properties: prop::parse_props(src, props, "table_mod property")?,
    })
}

pub fn encode_table_mod(t: &TableMod, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.extend_from_slice(&[t.table_id, 0, 0, 0]);
    wire::put_u32(out, t.config);
    prop::encode_props(&t.properties, out)
}

/// `ofp_async_config_prop_type`: each property is one 32-bit mask of reasons.
pub mod async_prop {
    pub const PACKET_IN_SLAVE: u16 = 0;
    pub const PACKET_IN_MASTER: u16 = 1;
    pub const PORT_STATUS_SLAVE: u16 = 2;
    pub const PORT_STATUS_MASTER: u16 = 3;
    pub const FLOW_REMOVED_SLAVE: u16 = 4;
    pub const FLOW_REMOVED_MASTER: u16 = 5;
    pub const ROLE_STATUS_SLAVE: u16 = 6;
    pub const ROLE_STATUS_MASTER: u16 = 7;
    pub const TABLE_STATUS_SLAVE: u16 = 8;
    pub const TABLE_STATUS_MASTER: u16 = 9;
    pub const REQUESTFORWARD_SLAVE: u16 = 10;
    pub const REQUESTFORWARD_MASTER: u16 = 11;
    pub const CONT_STATUS_SLAVE: u16 = 12;
    pub const CONT_STATUS_MASTER: u16 = 13;
}

/// GET_ASYNC_REPLY / SET_ASYNC body of 1.4/1.5: a property list (see [`async_prop`]).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AsyncConfig {
    pub properties: Vec<Prop>,
}

impl AsyncConfig {
    /// The mask a property of type `t` sets, if present.
    pub fn mask(&self, t: u16) -> Option<u32> {
        self.properties
            .iter()
            .find(|p| p.prop_type == t)
            .and_then(|p| p.u32_at(0))
    }
}

pub fn parse_async(src: &Bytes, i: &[u8]) -> Result<AsyncConfig, DecodeError> {
    Ok(AsyncConfig {
        properties: prop::parse_props(src, i, "async property")?,
    })
}

/// ROLE_STATUS (`ofp_role_status`): the switch tells a controller its role changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleStatus {
    /// `ofp_controller_role`.
    pub role: u32,
    /// `ofp_controller_role_reason`: 0 master request, 1 config, 2 experimenter.
    pub reason: u8,
    pub generation_id: u64,
    pub properties: Vec<Prop>,
}

fn role_status_head(i: &[u8]) -> Res<'_, (u32, u8, u64)> {
    let (i, _) = need(i, "role_status", 16)?;
    let (i, role) = u32_(i)?;
    let (i, reason) = u8_(i)?;
    let (i, _) = pad(i, 3)?;
    let (i, generation_id) = u64_(i)?;
    Ok((i, (role, reason, generation_id)))
}

pub fn parse_role_status(src: &Bytes, i: &[u8]) -> Result<RoleStatus, DecodeError> {
    let (props, (role, reason, generation_id)) = wire::run(role_status_head(i))?;
    Ok(RoleStatus {
        role,
        reason,
        generation_id,
        properties: prop::parse_props(src, props, "role_status property")?,
    })
}

pub fn encode_role_status(r: &RoleStatus, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u32(out, r.role);
    out.extend_from_slice(&[r.reason, 0, 0, 0]);
    wire::put_u64(out, r.generation_id);
    prop::encode_props(&r.properties, out)
}

/// `ofp_table_desc` (TABLE_DESC multipart, TABLE_STATUS).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableDesc {
    pub table_id: u8,
    pub config: u32,
    pub properties: Vec<Prop>,
}

fn bad_table_desc() -> DecodeError {
    DecodeError::Malformed {
        what: "table_desc",
        detail: "length under 8 or past the body",
    }
}

/// Parses one `ofp_table_desc` at the head of `i`.
pub fn parse_table_desc<'a>(
    src: &Bytes,
    i: &'a [u8],
) -> Result<(TableDesc, &'a [u8]), DecodeError> {
    let (e, rest) = wire::tlv_at0(i, 8, bad_table_desc())?;
    let table_id = e[2];
    let config = u32::from_be_bytes([e[4], e[5], e[6], e[7]]);
    let properties = prop::parse_props(src, &e[8..], "table_desc property")?;
    let d = TableDesc {
        table_id,
        config,
        properties,
    };
    Ok((d, rest))
}

pub fn parse_table_descs(src: &Bytes, i: &[u8]) -> Result<Vec<TableDesc>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (d, r) = parse_table_desc(src, rest)?;
        out.push(d);
        rest = r;
    }
    Ok(out)
}

pub fn encode_table_desc(d: &TableDesc, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    wire::put_u16(out, 0);
    out.extend_from_slice(&[d.table_id, 0]);
    wire::put_u32(out, d.config);
    prop::encode_props(&d.properties, out)?;
    wire::patch_len_since(out, start, start)
}

/// TABLE_STATUS (`ofp_table_status`): reason (3 vacancy down, 4 vacancy up), the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableStatus {
    pub reason: u8,
    pub table: TableDesc,
}

pub fn parse_table_status(src: &Bytes, i: &[u8]) -> Result<TableStatus, DecodeError> {
    let (i, reason) = wire::run(need(i, "table_status", 8).and_then(|(i, _)| u8_(i)))?;
    let (i, _) = wire::run(pad(i, 7))?;
    let (table, rest) = parse_table_desc(src, i)?;
    wire::exact(rest, "table_status", 0)?;
    Ok(TableStatus { reason, table })
}

pub fn encode_table_status(s: &TableStatus, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    out.push(s.reason);
    wire::put_zeros(out, 7);
    encode_table_desc(&s.table, out)
}
