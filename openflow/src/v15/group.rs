//! 1.5 groups: buckets gain an id and properties (weight, watch port, watch group), and
//! GROUP_MOD can insert or remove single buckets (`command_bucket_id`).

use bytes::Bytes;

use crate::v13::action_codec;
use crate::v13::wire::{self, need, pad, u16_, u32_, u8_, Res};
use crate::v14::prop::{self, Prop};
use crate::{Action, DecodeError, EncodeError};

/// `ofp_group_mod_command` of 1.5 (1.3's ADD/MODIFY/DELETE and two bucket commands).
pub mod group_command {
    pub use crate::v13::group::group_command::*;
    pub const INSERT_BUCKET: u16 = 3;
    pub const REMOVE_BUCKET: u16 = 5;
}

/// `ofp_group_bucket_prop_type`.
pub mod bucket_prop {
    pub const WEIGHT: u16 = 0;
    pub const WATCH_PORT: u16 = 1;
    pub const WATCH_GROUP: u16 = 2;
    pub const EXPERIMENTER: u16 = 0xffff;
}

/// `ofp_bucket` of 1.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub bucket_id: u32,
    pub actions: Vec<Action>,
    pub properties: Vec<Prop>,
}

impl Bucket {
    /// The WEIGHT property's value.
    pub fn weight(&self) -> Option<u16> {
        self.properties
            .iter()
            .find(|p| p.prop_type == bucket_prop::WEIGHT)
            .and_then(|p| p.u16_at(0))
    }
}

fn bad(what: &'static str) -> DecodeError {
    DecodeError::Malformed {
        what,
        detail: "length under the fixed part or past the body",
    }
}

/// Decodes the buckets filling all of `i`.
pub fn parse_buckets(src: &Bytes, i: &[u8]) -> Result<Vec<Bucket>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (b, r) = wire::tlv_at0(rest, 8, bad("bucket"))?;
        let actions_len = u16::from_be_bytes([b[2], b[3]]) as usize;
        let body = &b[8..];
        let (acts, props) = body
            .split_at_checked(actions_len)
            .ok_or_else(|| bad("bucket actions"))?;
        out.push(Bucket {
            bucket_id: u32::from_be_bytes([b[4], b[5], b[6], b[7]]),
            actions: action_codec::decode_actions(src, acts)?,
            properties: prop::parse_props(src, props, "bucket property")?,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_buckets(list: &[Bucket], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for b in list {
        let start = out.len();
        wire::put_u32(out, 0);
        wire::put_u32(out, b.bucket_id);
        let acts = out.len();
        action_codec::encode_actions(&b.actions, out)?;
        wire::patch_len_since(out, start + 2, acts)?;
        prop::encode_props(&b.properties, out)?;
        wire::patch_len_since(out, start, start)?;
    }
    Ok(())
}

/// Splits `buckets (bucket_array_len bytes), properties`.
fn buckets_then_props(
    src: &Bytes,
    i: &[u8],
    len: usize,
) -> Result<(Vec<Bucket>, Vec<Prop>), DecodeError> {
    let (b, p) = i.split_at_checked(len).ok_or_else(|| bad("bucket array"))?;
    Ok((
        parse_buckets(src, b)?,
        prop::parse_props(src, p, "group property")?,
    ))
}

/// Writes buckets then properties, patching the 16-bit bucket array length at `at`.
fn put_buckets_then_props(
    buckets: &[Bucket],
    props: &[Prop],
    at: usize,
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    let start = out.len();
    encode_buckets(buckets, out)?;
    wire::patch_len_since(out, at, start)?;
    prop::encode_props(props, out)
}

/// GROUP_MOD of 1.5.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMod {
    /// [`group_command`].
    pub command: u16,
    pub group_type: u8,
    pub group_id: u32,
    /// For INSERT_BUCKET/REMOVE_BUCKET: where (or which); `OFPG_BUCKET_*` values.
    pub command_bucket_id: u32,
    pub buckets: Vec<Bucket>,
    pub properties: Vec<Prop>,
}

fn mod_head(i: &[u8]) -> Res<'_, (u16, u8, u32, u16, u32)> {
    let (i, _) = need(i, "group_mod", 16)?;
    let (i, command) = u16_(i)?;
    let (i, group_type) = u8_(i)?;
    let (i, _) = pad(i, 1)?;
    let (i, group_id) = u32_(i)?;
    let (i, len) = u16_(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, command_bucket_id) = u32_(i)?;
    Ok((i, (command, group_type, group_id, len, command_bucket_id)))
}

pub fn parse_group_mod(src: &Bytes, i: &[u8]) -> Result<GroupMod, DecodeError> {
    let (rest, (command, group_type, group_id, len, command_bucket_id)) = wire::run(mod_head(i))?;
    let (buckets, properties) = buckets_then_props(src, rest, len as usize)?;
    Ok(GroupMod {
        command,
        group_type,
        group_id,
        command_bucket_id,
        buckets,
        properties,
    })
}

pub fn encode_group_mod(g: &GroupMod, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u16(out, g.command);
    out.extend_from_slice(&[g.group_type, 0]);
    wire::put_u32(out, g.group_id);
    let at = out.len();
    wire::put_u16(out, 0);
    wire::put_zeros(out, 2);
    wire::put_u32(out, g.command_bucket_id);
    put_buckets_then_props(&g.buckets, &g.properties, at, out)
}

/// `ofp_group_desc` of 1.5 (GROUP_DESC multipart reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDesc {
    pub group_type: u8,
    pub group_id: u32,
    pub buckets: Vec<Bucket>,
    pub properties: Vec<Prop>,
}

pub fn parse_group_descs(src: &Bytes, i: &[u8]) -> Result<Vec<GroupDesc>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (e, r) = wire::tlv_at0(rest, 16, bad("group_desc"))?;
        let len = u16::from_be_bytes([e[8], e[9]]) as usize;
        let (buckets, properties) = buckets_then_props(src, &e[16..], len)?;
        out.push(GroupDesc {
            group_type: e[2],
            group_id: u32::from_be_bytes([e[4], e[5], e[6], e[7]]),
            buckets,
            properties,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_group_descs(list: &[GroupDesc], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for g in list {
        let start = out.len();
        wire::put_u16(out, 0);
        out.extend_from_slice(&[g.group_type, 0]);
        wire::put_u32(out, g.group_id);
        wire::put_u16(out, 0);
        wire::put_zeros(out, 6);
        put_buckets_then_props(&g.buckets, &g.properties, start + 8, out)?;
        wire::patch_len_since(out, start, start)?;
    }
    Ok(())
}
