//! 1.5 changes to switch-level structures: ROLE_REQUEST/REPLY carry the controller's
//! `short_id`, and table features gain `command` and `features` (in what 1.3 padded).

use bytes::Bytes;

use crate::v13::table_features::{self as tf13, TableFeatures};
use crate::v13::wire::{self, need, pad, u16_, u32_, u64_, Res};
use crate::{DecodeError, EncodeError};

/// ROLE_REQUEST / ROLE_REPLY body of 1.5 (`ofp_role_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// `ofp_controller_role`.
    pub role: u32,
    /// The controller's id for CONTROLLER_STATUS (`OFPCID_UNDEFINED` is 0).
    pub short_id: u16,
    pub generation_id: u64,
}

pub fn parse_role(i: &[u8]) -> Res<'_, Role> {
    let (i, _) = need(i, "role", 16)?;
    let (i, role) = u32_(i)?;
    let (i, short_id) = u16_(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, generation_id) = u64_(i)?;
    let r = Role {
        role,
        short_id,
        generation_id,
    };
    Ok((i, r))
}

pub fn encode_role(r: &Role, out: &mut Vec<u8>) {
    wire::put_u32(out, r.role);
    wire::put_u16(out, r.short_id);
    wire::put_zeros(out, 2);
    wire::put_u64(out, r.generation_id);
}

/// `ofp_table_features` of 1.5: 1.3's fields (1.5 calls `config` `capabilities`) plus
/// `command` and `features`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableFeatures15 {
    /// `ofp_table_features_command`: 0 replace, 1 modify, 2 enable, 3 disable.
    pub command: u8,
    /// `ofp_table_features_flags`: 1 ingress table, 2 egress table, 16 first egress.
    pub features: u32,
    pub base: TableFeatures,
}

pub fn parse_table_features(src: &Bytes, i: &[u8]) -> Result<Vec<TableFeatures15>, DecodeError> {
    let (tables, extras) = tf13::parse_table_features_extra(src, i)?;
    Ok(tables
        .into_iter()
        .zip(extras)
        .map(|(base, [command, a, b, c, d])| TableFeatures15 {
            command,
            features: u32::from_be_bytes([a, b, c, d]),
            base,
        })
        .collect())
}

pub fn encode_table_features(
    list: &[TableFeatures15],
    out: &mut Vec<u8>,
) -> Result<(), EncodeError> {
    list.iter().try_for_each(|t| {
        let [a, b, c, d] = t.features.to_be_bytes();
        tf13::encode_table_features_entry(&t.base, [t.command, a, b, c, d], out)
    })
}
