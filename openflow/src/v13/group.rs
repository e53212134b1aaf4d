//! GROUP_MOD, buckets, and the group multipart bodies (stats, desc, features).

use bytes::Bytes;

use super::action_codec;
use super::wire::{self, need, pad, u16_, u32_, u64_, u8_, Res};
use crate::{Action, DecodeError, EncodeError};

/// `ofp_group_mod_command`.
pub mod group_command {
    pub const ADD: u16 = 0;
    pub const MODIFY: u16 = 1;
    pub const DELETE: u16 = 2;
}

/// `ofp_group_type`.
pub mod group_type {
    pub const ALL: u8 = 0;
    pub const SELECT: u8 = 1;
    pub const INDIRECT: u8 = 2;
    pub const FF: u8 = 3;
}

/// `ofp_bucket`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bucket {
    pub weight: u16,
    pub watch_port: u32,
    pub watch_group: u32,
    pub actions: Vec<Action>,
}

fn bad_bucket() -> DecodeError {
    DecodeError::Malformed {
        what: "bucket",
        detail: "length under 16 or past the list",
    }
}

/// Decodes the buckets filling all of `i`.
pub fn parse_buckets(src: &Bytes, i: &[u8]) -> Result<Vec<Bucket>, DecodeError> {
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (b, r) = wire::tlv_at0(rest, 16, bad_bucket())?;
        let (acts, (weight, watch_port, watch_group)) = wire::run((|i| {
            let (i, _) = u16_(i)?;
            let (i, w) = u16_(i)?;
            let (i, p) = u32_(i)?;
            let (i, g) = u32_(i)?;
            let (i, _) = pad(i, 4)?;
            Ok((i, (w, p, g)))
        })(b))?;
        let actions = action_codec::decode_actions(src, acts)?;
        out.push(Bucket {
            weight,
            watch_port,
            watch_group,
            actions,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_buckets(list: &[Bucket], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for b in list {
        let start = out.len();
        wire::put_u16(out, 0);
        wire::put_u16(out, b.weight);
        wire::put_u32(out, b.watch_port);
        wire::put_u32(out, b.watch_group);
        wire::put_zeros(out, 4);
        action_codec::encode_actions(&b.actions, out)?;
        let len = out.len() - start;
        wire::patch_len16(out, start, len)?;
    }
    Ok(())
}

/// GROUP_MOD (`ofp_group_mod`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupMod {
    pub command: u16,
    pub group_type: u8,
    pub group_id: u32,
    pub buckets: Vec<Bucket>,
}

pub fn parse_group_mod<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, GroupMod> {
    let (i, _) = need(i, "group_mod", 8)?;
    let (i, command) = u16_(i)?;
    let (i, group_type) = u8_(i)?;
    let (i, _) = pad(i, 1)?;
    let (i, group_id) = u32_(i)?;
    let buckets = wire::de(parse_buckets(src, i))?;
    Ok((
        &[],
        GroupMod {
            command,
            group_type,
            group_id,
            buckets,
        },
    ))
}

pub fn encode_group_mod(g: &GroupMod, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    wire::put_u16(out, g.command);
    out.extend_from_slice(&[g.group_type, 0]);
    wire::put_u32(out, g.group_id);
    encode_buckets(&g.buckets, out)
}

/// `ofp_bucket_counter`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BucketCounter {
    pub packet_count: u64,
    pub byte_count: u64,
}

/// `ofp_group_stats`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GroupStats {
    pub group_id: u32,
    pub ref_count: u32,
    pub packet_count: u64,
    pub byte_count: u64,
    pub duration_sec: u32,
    pub duration_nsec: u32,
    pub bucket_stats: Vec<BucketCounter>,
}

pub fn parse_group_stats(i: &[u8]) -> Result<Vec<GroupStats>, DecodeError> {
    let bad = DecodeError::Malformed {
        what: "group_stats",
        detail: "length",
    };
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (g, r) = wire::tlv_at0(rest, 40, bad.clone())?;
        if !(g.len() - 40).is_multiple_of(16) {
            return Err(bad);
        }
        let s = wire::whole(
            "group_stats",
            (|i| {
                let (i, _) = pad(i, 4)?;
                let (i, group_id) = u32_(i)?;
                let (i, ref_count) = u32_(i)?;
                let (i, _) = pad(i, 4)?;
                let (i, packet_count) = u64_(i)?;
                let (i, byte_count) = u64_(i)?;
                let (i, duration_sec) = u32_(i)?;
                let (mut i, duration_nsec) = u32_(i)?;
                let mut bucket_stats = Vec::with_capacity(i.len() / 16);
                while !i.is_empty() {
                    let (r, p) = u64_(i)?;
                    let (r, b) = u64_(r)?;
                    bucket_stats.push(BucketCounter {
                        packet_count: p,
                        byte_count: b,
                    });
                    i = r;
                }
                let s = GroupStats {
                    group_id,
                    ref_count,
                    packet_count,
                    byte_count,
                    duration_sec,
                    duration_nsec,
                    bucket_stats,
                };
                Ok((i, s))
            })(g),
        )?;
        out.push(s);
        rest = r;
    }
    Ok(out)
}

pub fn encode_group_stats(list: &[GroupStats], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for s in list {
        let start = out.len();
        wire::put_zeros(out, 4);
        wire::put_u32(out, s.group_id);
        wire::put_u32(out, s.ref_count);
        wire::put_zeros(out, 4);
        wire::put_u64(out, s.packet_count);
        wire::put_u64(out, s.byte_count);
        wire::put_u32(out, s.duration_sec);
        wire::put_u32(out, s.duration_nsec);
        for b in &s.bucket_stats {
            wire::put_u64(out, b.packet_count);
            wire::put_u64(out, b.byte_count);
        }
        let len = out.len() - start;
        wire::patch_len16(out, start, len)?;
    }
    Ok(())
}

/// `ofp_group_desc` (one entry of a GROUP_DESC reply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupDesc {
    pub group_type: u8,
    pub group_id: u32,
    pub buckets: Vec<Bucket>,
}

pub fn parse_group_descs(src: &Bytes, i: &[u8]) -> Result<Vec<GroupDesc>, DecodeError> {
    let bad = DecodeError::Malformed {
        what: "group_desc",
        detail: "length",
    };
    let mut out = Vec::new();
    let mut rest = i;
    while !rest.is_empty() {
        let (g, r) = wire::tlv_at0(rest, 8, bad.clone())?;
        let (buckets, (group_type, group_id)) = wire::run((|i| {
            let (i, _) = u16_(i)?;
            let (i, t) = u8_(i)?;
            let (i, _) = pad(i, 1)?;
            let (i, id) = u32_(i)?;
            Ok((i, (t, id)))
        })(g))?;
        let buckets = parse_buckets(src, buckets)?;
        out.push(GroupDesc {
            group_type,
            group_id,
            buckets,
        });
        rest = r;
    }
    Ok(out)
}

pub fn encode_group_descs(list: &[GroupDesc], out: &mut Vec<u8>) -> Result<(), EncodeError> {
    for d in list {
        let start = out.len();
        wire::put_u16(out, 0);
        out.extend_from_slice(&[d.group_type, 0]);
        wire::put_u32(out, d.group_id);
        encode_buckets(&d.buckets, out)?;
        let len = out.len() - start;
        wire::patch_len16(out, start, len)?;
    }
    Ok(())
}

/// `ofp_group_features`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct GroupFeatures {
    /// Bitmap of `ofp_group_type` values supported.
    pub types: u32,
    pub capabilities: u32,
    /// Maximum groups for each type.
    pub max_groups: [u32; 4],
    /// Bitmaps of `ofp_action_type` values supported, per group type.
    pub actions: [u32; 4],
}

pub fn parse_group_features(i: &[u8]) -> Res<'_, GroupFeatures> {
    let (i, _) = need(i, "group_features", 40)?;
    let (mut i, types) = u32_(i)?;
    let capabilities;
    (i, capabilities) = u32_(i)?;
    let mut v = [0u32; 8];
    for slot in v.iter_mut() {
        let (r, x) = u32_(i)?;
        *slot = x;
        i = r;
    }
    let f = GroupFeatures {
        types,
        capabilities,
        max_groups: [v[0], v[1], v[2], v[3]],
        actions: [v[4], v[5], v[6], v[7]],
    };
    Ok((i, f))
}

pub fn encode_group_features(f: &GroupFeatures, out: &mut Vec<u8>) {
    wire::put_u32(out, f.types);
    wire::put_u32(out, f.capabilities);
    for v in f.max_groups.iter().chain(&f.actions) {
        wire::put_u32(out, *v);
    }
}
