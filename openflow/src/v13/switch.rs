//! Small fixed-layout messages: FEATURES_REPLY, switch config, TABLE_MOD, role, async
//! config, EXPERIMENTER and ERROR bodies.

use bytes::Bytes;

use super::wire::{self, need, pad, u16_, u32_, u64_, u8_, Res};
use crate::error::error_type;
use crate::neutral::{ErrorMsg, SwitchConfig};
use crate::{DecodeError, EncodeError};

/// `ofp_switch_features` without the header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwitchFeatures {
    pub datapath_id: crate::Dpid,
    pub n_buffers: u32,
    pub n_tables: u8,
    pub auxiliary_id: u8,
    /// `ofp_capabilities` bits.
    pub capabilities: u32,
    pub reserved: u32,
}

/// `ofp_capabilities`.
pub mod capabilities {
    pub const FLOW_STATS: u32 = 1 << 0;
    pub const TABLE_STATS: u32 = 1 << 1;
    pub const PORT_STATS: u32 = 1 << 2;
    pub const GROUP_STATS: u32 = 1 << 3;
    pub const IP_REASM: u32 = 1 << 5;
    pub const QUEUE_STATS: u32 = 1 << 6;
    pub const PORT_BLOCKED: u32 = 1 << 8;
}

pub fn parse_features(i: &[u8]) -> Res<'_, SwitchFeatures> {
    let (i, _) = need(i, "features_reply", 24)?;
    let (i, datapath_id) = u64_(i)?;
    let (i, n_buffers) = u32_(i)?;
    let (i, n_tables) = u8_(i)?;
    let (i, auxiliary_id) = u8_(i)?;
    let (i, _) = pad(i, 2)?;
    let (i, capabilities) = u32_(i)?;
    let (i, reserved) = u32_(i)?;
    Ok((
        i,
        SwitchFeatures {
            datapath_id: crate::Dpid(datapath_id),
            n_buffers,
            n_tables,
            auxiliary_id,
            capabilities,
            reserved,
        },
    ))
}

pub fn encode_features(f: &SwitchFeatures, out: &mut Vec<u8>) {
    wire::put_u64(out, f.datapath_id.0);
    wire::put_u32(out, f.n_buffers);
    out.extend_from_slice(&[f.n_tables, f.auxiliary_id, 0, 0]);
    wire::put_u32(out, f.capabilities);
    wire::put_u32(out, f.reserved);
}

/// `ofp_config_flags`.
pub mod config_flags {
    pub const FRAG_NORMAL: u16 = 0x0000;
    pub const FRAG_DROP: u16 = 0x0001;
    pub const FRAG_REASM: u16 = 0x0002;
    pub const FRAG_MASK: u16 = 0x0003;
}

pub fn parse_config(i: &[u8]) -> Res<'_, SwitchConfig> {
    let (i, _) = need(i, "switch_config", 4)?;
    let (i, flags) = u16_(i)?;
    let (i, miss_send_len) = u16_(i)?;
    Ok((
        i,
        SwitchConfig {
            flags,
            miss_send_len,
        },
    ))
}

pub fn encode_config(c: &SwitchConfig, out: &mut Vec<u8>) {
    wire::put_u16(out, c.flags);
    wire::put_u16(out, c.miss_send_len);
}

/// TABLE_MOD (`ofp_table_mod`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableMod {
    /// `OFPTT_ALL` (0xff) for every table.
    pub table_id: u8,
    /// `ofp_table_config` bits (deprecated in 1.3; 0x3 mask).
    pub config: u32,
}

pub fn parse_table_mod(i: &[u8]) -> Res<'_, TableMod> {
    let (i, _) = need(i, "table_mod", 8)?;
    let (i, table_id) = u8_(i)?;
    let (i, _) = pad(i, 3)?;
    let (i, config) = u32_(i)?;
    Ok((i, TableMod { table_id, config }))
}

pub fn encode_table_mod(t: &TableMod, out: &mut Vec<u8>) {
    out.extend_from_slice(&[t.table_id, 0, 0, 0]);
    wire::put_u32(out, t.config);
}

/// ROLE_REQUEST / ROLE_REPLY body (`ofp_role_request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Role {
    /// `ofp_controller_role` (see [`crate::neutral::role`]).
    pub role: u32,
    pub generation_id: u64,
}

pub fn parse_role(i: &[u8]) -> Res<'_, Role> {
    let (i, _) = need(i, "role", 16)?;
    let (i, role) = u32_(i)?;
    let (i, _) = pad(i, 4)?;
    let (i, generation_id) = u64_(i)?;
    Ok((
        i,
        Role {
            role,
            generation_id,
        },
    ))
}

pub fn encode_role(r: &Role, out: &mut Vec<u8>) {
    wire::put_u32(out, r.role);
    wire::put_zeros(out, 4);
    wire::put_u64(out, r.generation_id);
}

/// GET_ASYNC_REPLY / SET_ASYNC body (`ofp_async_config`): element 0 applies in the
/// master/equal role, element 1 in the slave role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct AsyncConfig {
    pub packet_in_mask: [u32; 2],
    pub port_status_mask: [u32; 2],
    pub flow_removed_mask: [u32; 2],
}

pub fn parse_async(i: &[u8]) -> Res<'_, AsyncConfig> {
    let (i, _) = need(i, "async_config", 24)?;
    let mut v = [0u32; 6];
    let mut i = i;
    for slot in v.iter_mut() {
        let (r, x) = u32_(i)?;
        *slot = x;
        i = r;
    }
    let c = AsyncConfig {
        packet_in_mask: [v[0], v[1]],
        port_status_mask: [v[2], v[3]],
        flow_removed_mask: [v[4], v[5]],
    };
    Ok((i, c))
}

pub fn encode_async(c: &AsyncConfig, out: &mut Vec<u8>) {
    for v in c
        .packet_in_mask
        .iter()
        .chain(&c.port_status_mask)
        .chain(&c.flow_removed_mask)
    {
        wire::put_u32(out, *v);
    }
}

/// EXPERIMENTER message (`ofp_experimenter_header`) and experimenter multipart bodies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExperimenterMsg {
    pub experimenter: u32,
    pub exp_type: u32,
    /// Everything after `exp_type`, byte for byte.
    pub data: Bytes,
}

pub fn parse_experimenter<'a>(src: &Bytes, i: &'a [u8]) -> Res<'a, ExperimenterMsg> {
    let (i, _) = need(i, "experimenter", 8)?;
    let (i, experimenter) = u32_(i)?;
    let (i, exp_type) = u32_(i)?;
    Ok((
        &i[i.len()..],
        ExperimenterMsg {
            experimenter,
            exp_type,
            data: wire::share(src, i),
        },
    ))
}

pub fn encode_experimenter(e: &ExperimenterMsg, out: &mut Vec<u8>) {
    wire::put_u32(out, e.experimenter);
    wire::put_u32(out, e.exp_type);
    out.extend_from_slice(&e.data);
}

/// ERROR body: `type, code, data`, or for `OFPET_EXPERIMENTER` (0xffff)
/// `type, exp_type, experimenter, data` (the exp_type lands in [`ErrorMsg::code`]).
pub fn parse_error(src: &Bytes, i: &[u8]) -> Result<ErrorMsg, DecodeError> {
    let (r, (err_type, code)) = wire::run(need(i, "error", 4).and_then(|(i, _)| {
        let (i, t) = u16_(i)?;
        let (i, c) = u16_(i)?;
        Ok((i, (t, c)))
    }))?;
    if err_type == error_type::EXPERIMENTER {
        let (r, e) = wire::run(need(r, "experimenter error", 4).and_then(|(i, _)| u32_(i)))?;
        return Ok(ErrorMsg {
            err_type,
            code,
            experimenter: Some(e),
            data: wire::share(src, r),
        });
    }
    Ok(ErrorMsg {
        err_type,
        code,
        experimenter: None,
        data: wire::share(src, r),
    })
}

pub fn encode_error(e: &ErrorMsg, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let is_exp = e.err_type == error_type::EXPERIMENTER;
    if is_exp != e.experimenter.is_some() {
        return Err(EncodeError::Invalid(
            "an ERROR carries an experimenter id exactly when its type is 0xffff".into(),
        ));
    }
    wire::put_u16(out, e.err_type);
    wire::put_u16(out, e.code);
    if let Some(x) = e.experimenter {
        wire::put_u32(out, x);
    }
    out.extend_from_slice(&e.data);
    Ok(())
}
