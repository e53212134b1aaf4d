//! OXM match fields (OpenFlow 1.3 `OFPXMC_OPENFLOW_BASIC`) and the version-neutral [`Match`].
//!
//! The neutral match is a list of OXM fields: OXM is a superset of what OpenFlow 1.0's
//! fixed match can say, so 1.0 lowers from it (and reports [`crate::Unsupported`] for the rest).
//! The wire codec of OXM TLVs lives in [`crate::v13::oxm_codec`].

use std::fmt;
use std::net::{Ipv4Addr, Ipv6Addr};

use bytes::Bytes;
use smallvec::SmallVec;

use crate::MacAddr;

/// `OFPXMC_OPENFLOW_BASIC`.
pub const CLASS_OPENFLOW_BASIC: u16 = 0x8000;
/// `OFPXMC_EXPERIMENTER`.
pub const CLASS_EXPERIMENTER: u16 = 0xffff;
/// `OFPVID_PRESENT`: set in VLAN_VID when a VLAN tag is present.
pub const VID_PRESENT: u16 = 0x1000;
/// `OFPVID_NONE`: VLAN_VID value matching packets without a tag.
pub const VID_NONE: u16 = 0x0000;

/// OXM field codes of the OpenFlow-basic class.
#[allow(missing_docs)]
pub mod field {
    pub const IN_PORT: u8 = 0;
    pub const IN_PHY_PORT: u8 = 1;
    pub const METADATA: u8 = 2;
    pub const ETH_DST: u8 = 3;
    pub const ETH_SRC: u8 = 4;
    pub const ETH_TYPE: u8 = 5;
    pub const VLAN_VID: u8 = 6;
    pub const VLAN_PCP: u8 = 7;
    pub const IP_DSCP: u8 = 8;
    pub const IP_ECN: u8 = 9;
    pub const IP_PROTO: u8 = 10;
    pub const IPV4_SRC: u8 = 11;
    pub const IPV4_DST: u8 = 12;
    pub const TCP_SRC: u8 = 13;
    pub const TCP_DST: u8 = 14;
    pub const UDP_SRC: u8 = 15;
    pub const UDP_DST: u8 = 16;
    pub const SCTP_SRC: u8 = 17;
    pub const SCTP_DST: u8 = 18;
    pub const ICMPV4_TYPE: u8 = 19;
    pub const ICMPV4_CODE: u8 = 20;
    pub const ARP_OP: u8 = 21;
    pub const ARP_SPA: u8 = 22;
    pub const ARP_TPA: u8 = 23;
    pub const ARP_SHA: u8 = 24;
    pub const ARP_THA: u8 = 25;
    pub const IPV6_SRC: u8 = 26;
    pub const IPV6_DST: u8 = 27;
    pub const IPV6_FLABEL: u8 = 28;
    pub const ICMPV6_TYPE: u8 = 29;
    pub const ICMPV6_CODE: u8 = 30;
    pub const IPV6_ND_TARGET: u8 = 31;
    pub const IPV6_ND_SLL: u8 = 32;
    pub const IPV6_ND_TLL: u8 = 33;
    pub const MPLS_LABEL: u8 = 34;
    pub const MPLS_TC: u8 = 35;
    pub const MPLS_BOS: u8 = 36;
    pub const PBB_ISID: u8 = 37;
    pub const TUNNEL_ID: u8 = 38;
    pub const IPV6_EXTHDR: u8 = 39;
}

/// Ethernet types the prerequisites refer to.
pub mod eth_type {
    pub const IPV4: u16 = 0x0800;
    pub const ARP: u16 = 0x0806;
    pub const VLAN: u16 = 0x8100;
    pub const IPV6: u16 = 0x86dd;
    pub const MPLS: u16 = 0x8847;
    pub const MPLS_MC: u16 = 0x8848;
    pub const PBB: u16 = 0x88e7;
    pub const LLDP: u16 = 0x88cc;
}

/// IP protocol numbers the prerequisites refer to.
pub mod ip_proto {
    pub const ICMP: u8 = 1;
    pub const TCP: u8 = 6;
    pub const UDP: u8 = 17;
    pub const ICMPV6: u8 = 58;
    pub const SCTP: u8 = 132;
}

/// One OXM match field. Maskable fields carry `Option<mask>`; `None` is an exact match.
/// Values are kept as on the wire (VLAN_VID includes [`VID_PRESENT`]; MPLS label and
/// PBB I-SID use their low 20 and 24 bits).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OxmField {
    InPort(u32),
    InPhyPort(u32),
    Metadata(u64, Option<u64>),
    EthDst(MacAddr, Option<MacAddr>),
    EthSrc(MacAddr, Option<MacAddr>),
    EthType(u16),
    VlanVid(u16, Option<u16>),
    VlanPcp(u8),
    IpDscp(u8),
    IpEcn(u8),
    IpProto(u8),
    Ipv4Src(Ipv4Addr, Option<Ipv4Addr>),
    Ipv4Dst(Ipv4Addr, Option<Ipv4Addr>),
    TcpSrc(u16),
    TcpDst(u16),
    UdpSrc(u16),
    UdpDst(u16),
    SctpSrc(u16),
    SctpDst(u16),
    Icmpv4Type(u8),
    Icmpv4Code(u8),
    ArpOp(u16),
    ArpSpa(Ipv4Addr, Option<Ipv4Addr>),
    ArpTpa(Ipv4Addr, Option<Ipv4Addr>),
    ArpSha(MacAddr, Option<MacAddr>),
    ArpTha(MacAddr, Option<MacAddr>),
    Ipv6Src(Ipv6Addr, Option<Ipv6Addr>),
    Ipv6Dst(Ipv6Addr, Option<Ipv6Addr>),
    Ipv6Flabel(u32, Option<u32>),
    Icmpv6Type(u8),
    Icmpv6Code(u8),
    Ipv6NdTarget(Ipv6Addr),
    Ipv6NdSll(MacAddr),
    Ipv6NdTll(MacAddr),
    MplsLabel(u32),
    MplsTc(u8),
    MplsBos(u8),
    PbbIsid(u32, Option<u32>),
    TunnelId(u64, Option<u64>),
    Ipv6Exthdr(u16, Option<u16>),
    /// A field of another class (Nicira NXM, experimenter…) or an unknown basic field, kept
    /// byte for byte: `payload` is everything after the 4-byte OXM header.
    Other {
        class: u16,
        field: u8,
        has_mask: bool,
        payload: Bytes,
    },
}

impl OxmField {
    /// The (class, field) pair of this field.
    pub fn id(&self) -> (u16, u8) {
        use field::*;
        use OxmField::*;
        let f = match self {
            InPort(_) => IN_PORT,
            InPhyPort(_) => IN_PHY_PORT,
            Metadata(..) => METADATA,
            EthDst(..) => ETH_DST,
            EthSrc(..) => ETH_SRC,
            EthType(_) => ETH_TYPE,
            VlanVid(..) => VLAN_VID,
            VlanPcp(_) => VLAN_PCP,
            IpDscp(_) => IP_DSCP,
            IpEcn(_) => IP_ECN,
            IpProto(_) => IP_PROTO,
            Ipv4Src(..) => IPV4_SRC,
            Ipv4Dst(..) => IPV4_DST,
            TcpSrc(_) => TCP_SRC,
            TcpDst(_) => TCP_DST,
            UdpSrc(_) => UDP_SRC,
            UdpDst(_) => UDP_DST,
            SctpSrc(_) => SCTP_SRC,
            SctpDst(_) => SCTP_DST,
            Icmpv4Type(_) => ICMPV4_TYPE,
            Icmpv4Code(_) => ICMPV4_CODE,
            ArpOp(_) => ARP_OP,
            ArpSpa(..) => ARP_SPA,
            ArpTpa(..) => ARP_TPA,
            ArpSha(..) => ARP_SHA,
            ArpTha(..) => ARP_THA,
            Ipv6Src(..) => IPV6_SRC,
            Ipv6Dst(..) => IPV6_DST,
            Ipv6Flabel(..) => IPV6_FLABEL,
            Icmpv6Type(_) => ICMPV6_TYPE,
            Icmpv6Code(_) => ICMPV6_CODE,
            Ipv6NdTarget(_) => IPV6_ND_TARGET,
            Ipv6NdSll(_) => IPV6_ND_SLL,
            Ipv6NdTll(_) => IPV6_ND_TLL,
            MplsLabel(_) => MPLS_LABEL,
            MplsTc(_) => MPLS_TC,
            MplsBos(_) => MPLS_BOS,
            PbbIsid(..) => PBB_ISID,
            TunnelId(..) => TUNNEL_ID,
            Ipv6Exthdr(..) => IPV6_EXTHDR,
            Other { class, field, .. } => return (*class, *field),
        };
        (CLASS_OPENFLOW_BASIC, f)
    }
}

/// A prerequisite a field needs earlier in the match (OpenFlow 1.3.5 §7.2.3.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prerequisite {
    EthType(&'static [u16]),
    IpProto(u8),
    Icmpv6Type(&'static [u8]),
    VlanPresent,
}

/// The prerequisite of a basic field, if any.
pub fn prerequisite(f: &OxmField) -> Option<Prerequisite> {
    use eth_type as et;
    use OxmField::*;
    const IP: &[u16] = &[et::IPV4, et::IPV6];
    Some(match f {
        VlanPcp(_) => Prerequisite::VlanPresent,
        IpDscp(_) | IpEcn(_) | IpProto(_) => Prerequisite::EthType(IP),
        Ipv4Src(..) | Ipv4Dst(..) => Prerequisite::EthType(&[et::IPV4]),
        TcpSrc(_) | TcpDst(_) => Prerequisite::IpProto(ip_proto::TCP),
        UdpSrc(_) | UdpDst(_) => Prerequisite::IpProto(ip_proto::UDP),
        SctpSrc(_) | SctpDst(_) => Prerequisite::IpProto(ip_proto::SCTP),
        Icmpv4Type(_) | Icmpv4Code(_) => Prerequisite::IpProto(ip_proto::ICMP),
        ArpOp(_) | ArpSpa(..) | ArpTpa(..) | ArpSha(..) | ArpTha(..) => {
            Prerequisite::EthType(&[et::ARP])
        }
        Ipv6Src(..) | Ipv6Dst(..) | Ipv6Flabel(..) | Ipv6Exthdr(..) => {
            Prerequisite::EthType(&[et::IPV6])
        }
        Icmpv6Type(_) | Icmpv6Code(_) => Prerequisite::IpProto(ip_proto::ICMPV6),
        Ipv6NdTarget(_) => Prerequisite::Icmpv6Type(&[135, 136]),
        Ipv6NdSll(_) => Prerequisite::Icmpv6Type(&[135]),
        Ipv6NdTll(_) => Prerequisite::Icmpv6Type(&[136]),
        MplsLabel(_) | MplsTc(_) | MplsBos(_) => Prerequisite::EthType(&[et::MPLS, et::MPLS_MC]),
        PbbIsid(..) => Prerequisite::EthType(&[et::PBB]),
        _ => return None,
    })
}

/// Why a match is not valid.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MatchError {
    #[error("field {0} appears twice")]
    Duplicate(String),
    #[error("field {field} needs {needs} earlier in the match")]
    Prerequisite { field: String, needs: String },
    #[error("field {field}: value {value:#x} is out of range")]
    OutOfRange { field: String, value: u64 },
}

/// A version-neutral match: an ordered list of OXM fields. Build with the chained setters
/// (which replace a field already present) and check with [`Match::validate`].
///
/// ```
/// use openflow::{Match, MacAddr};
/// let m = Match::new().in_port(1).eth_type(0x0800).ipv4_dst("10.0.0.2".parse().unwrap());
/// assert!(m.validate().is_ok());
/// assert!(Match::new().tcp_dst(80).validate().is_err()); // needs ip_proto=6
/// assert_eq!(m.to_string(), "in_port=1,dl_type=0x0800,nw_dst=10.0.0.2");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Match {
    fields: SmallVec<[OxmField; 4]>,
}

macro_rules! setter {
    ($(#[$m:meta])* $name:ident, $variant:ident, $t:ty) => {
        $(#[$m])*
        pub fn $name(self, v: $t) -> Self {
            self.with(OxmField::$variant(v))
        }
    };
    ($(#[$m:meta])* $name:ident, $masked:ident, $variant:ident, $t:ty) => {
        $(#[$m])*
        pub fn $name(self, v: $t) -> Self {
            self.with(OxmField::$variant(v, None))
        }
        /// Masked form: bits set in `mask` must match.
        pub fn $masked(self, v: $t, mask: $t) -> Self {
            self.with(OxmField::$variant(v, Some(mask)))
        }
    };
}

impl Match {
    /// The empty match (matches every packet).
    pub fn new() -> Self {
        Self::default()
    }

    /// A match with exactly these fields, in this order (no validation).
    pub fn from_fields(fields: impl IntoIterator<Item = OxmField>) -> Self {
        Match {
            fields: fields.into_iter().collect(),
        }
    }

    /// A match holding exactly this list (no copy: the decoder's hot path).
    pub fn from_smallvec(fields: SmallVec<[OxmField; 4]>) -> Self {
        Match { fields }
    }

    /// The fields in order.
    pub fn fields(&self) -> &[OxmField] {
        &self.fields
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Adds `f`, replacing a field with the same id.
    pub fn with(mut self, f: OxmField) -> Self {
        self.set(f);
        self
    }

    /// Adds `f` in place, replacing a field with the same id.
    pub fn set(&mut self, f: OxmField) {
        let id = f.id();
        match self.fields.iter_mut().find(|x| x.id() == id) {
            Some(slot) => *slot = f,
            None => self.fields.push(f),
        }
    }

    /// The field with this (class, field) id.
    pub fn get(&self, id: (u16, u8)) -> Option<&OxmField> {
        self.fields.iter().find(|f| f.id() == id)
    }

    /// The ingress port, if matched.
    pub fn in_port_value(&self) -> Option<u32> {
        self.fields.iter().find_map(|f| match f {
            OxmField::InPort(p) => Some(*p),
            _ => None,
        })
    }

    setter!(in_port, InPort, u32);
    setter!(in_phy_port, InPhyPort, u32);
    setter!(metadata, metadata_masked, Metadata, u64);
    setter!(eth_dst, eth_dst_masked, EthDst, MacAddr);
    setter!(eth_src, eth_src_masked, EthSrc, MacAddr);
    setter!(eth_type, EthType, u16);
    setter!(
        /// VLAN id as on the wire: OR in [`VID_PRESENT`] to match tagged packets.
        vlan_vid, vlan_vid_masked, VlanVid, u16
    );
    setter!(vlan_pcp, VlanPcp, u8);
    setter!(ip_dscp, IpDscp, u8);
    setter!(ip_ecn, IpEcn, u8);
    setter!(ip_proto, IpProto, u8);
    setter!(ipv4_src, ipv4_src_masked, Ipv4Src, Ipv4Addr);
    setter!(ipv4_dst, ipv4_dst_masked, Ipv4Dst, Ipv4Addr);
    setter!(tcp_src, TcpSrc, u16);
    setter!(tcp_dst, TcpDst, u16);
    setter!(udp_src, UdpSrc, u16);
    setter!(udp_dst, UdpDst, u16);
    setter!(sctp_src, SctpSrc, u16);
    setter!(sctp_dst, SctpDst, u16);
    setter!(icmpv4_type, Icmpv4Type, u8);
    setter!(icmpv4_code, Icmpv4Code, u8);
    setter!(arp_op, ArpOp, u16);
    setter!(arp_spa, arp_spa_masked, ArpSpa, Ipv4Addr);
    setter!(arp_tpa, arp_tpa_masked, ArpTpa, Ipv4Addr);
    setter!(arp_sha, arp_sha_masked, ArpSha, MacAddr);
    setter!(arp_tha, arp_tha_masked, ArpTha, MacAddr);
    setter!(ipv6_src, ipv6_src_masked, Ipv6Src, Ipv6Addr);
    setter!(ipv6_dst, ipv6_dst_masked, Ipv6Dst, Ipv6Addr);
    setter!(ipv6_flabel, ipv6_flabel_masked, Ipv6Flabel, u32);
    setter!(icmpv6_type, Icmpv6Type, u8);
    setter!(icmpv6_code, Icmpv6Code, u8);
    setter!(ipv6_nd_target, Ipv6NdTarget, Ipv6Addr);
    setter!(ipv6_nd_sll, Ipv6NdSll, MacAddr);
    setter!(ipv6_nd_tll, Ipv6NdTll, MacAddr);
    setter!(mpls_label, MplsLabel, u32);
    setter!(mpls_tc, MplsTc, u8);
    setter!(mpls_bos, MplsBos, u8);
    setter!(pbb_isid, pbb_isid_masked, PbbIsid, u32);
    setter!(tunnel_id, tunnel_id_masked, TunnelId, u64);
    setter!(ipv6_exthdr, ipv6_exthdr_masked, Ipv6Exthdr, u16);

    /// Checks duplicates, value ranges and prerequisites (OpenFlow 1.3.5 §7.2.3.8):
    /// a field's prerequisite must be matched exactly by a field that comes before it.
    pub fn validate(&self) -> Result<(), MatchError> {
        for (i, f) in self.fields.iter().enumerate() {
            let name = || field_name(f).to_string();
            if self.fields[..i].iter().any(|g| g.id() == f.id()) {
                return Err(MatchError::Duplicate(name()));
            }
            if let Some(v) = out_of_range(f) {
                return Err(MatchError::OutOfRange {
                    field: name(),
                    value: v,
                });
            }
            if let Some(p) = prerequisite(f) {
                let before = &self.fields[..i];
                let ok = match p {
                    Prerequisite::EthType(types) => before
                        .iter()
                        .any(|g| matches!(g, OxmField::EthType(t) if types.contains(t))),
                    Prerequisite::IpProto(proto) => before
                        .iter()
                        .any(|g| matches!(g, OxmField::IpProto(x) if *x == proto)),
                    Prerequisite::Icmpv6Type(types) => before
                        .iter()
                        .any(|g| matches!(g, OxmField::Icmpv6Type(t) if types.contains(t))),
                    Prerequisite::VlanPresent => before.iter().any(|g| {
                        matches!(g, OxmField::VlanVid(v, m)
                            if v & VID_PRESENT != 0 && m.is_none_or(|m| m & VID_PRESENT != 0))
                    }),
                };
                if !ok {
                    return Err(MatchError::Prerequisite {
                        field: name(),
                        needs: describe(p),
                    });
                }
            }
        }
        Ok(())
    }
}

fn describe(p: Prerequisite) -> String {
    match p {
        Prerequisite::EthType(t) => {
            let list: Vec<String> = t.iter().map(|x| format!("eth_type=0x{x:04x}")).collect();
            list.join(" or ")
        }
        Prerequisite::IpProto(p) => format!("ip_proto={p}"),
        Prerequisite::Icmpv6Type(t) => {
            let list: Vec<String> = t.iter().map(|x| format!("icmpv6_type={x}")).collect();
            list.join(" or ")
        }
        Prerequisite::VlanPresent => "a VLAN tag (vlan_vid with OFPVID_PRESENT)".to_string(),
    }
}

fn out_of_range(f: &OxmField) -> Option<u64> {
    use OxmField::*;
    let (v, max): (u64, u64) = match f {
        VlanVid(v, _) => (*v as u64, 0x1fff),
        VlanPcp(v) => (*v as u64, 7),
        IpDscp(v) => (*v as u64, 63),
        IpEcn(v) => (*v as u64, 3),
        Ipv6Flabel(v, _) => (*v as u64, 0xf_ffff),
        MplsLabel(v) => (*v as u64, 0xf_ffff),
        MplsTc(v) => (*v as u64, 7),
        MplsBos(v) => (*v as u64, 1),
        PbbIsid(v, _) => (*v as u64, 0xff_ffff),
        Ipv6Exthdr(v, _) => (*v as u64, 0x1ff),
        _ => return None,
    };
    (v > max).then_some(v)
}

/// The `ovs-ofctl` name of a field.
pub fn field_name(f: &OxmField) -> &'static str {
    use OxmField::*;
    match f {
        InPort(_) => "in_port",
        InPhyPort(_) => "in_phy_port",
        Metadata(..) => "metadata",
        EthDst(..) => "dl_dst",
        EthSrc(..) => "dl_src",
        EthType(_) => "dl_type",
        VlanVid(..) => "vlan_vid",
        VlanPcp(_) => "dl_vlan_pcp",
        IpDscp(_) => "ip_dscp",
        IpEcn(_) => "nw_ecn",
        IpProto(_) => "nw_proto",
        Ipv4Src(..) => "nw_src",
        Ipv4Dst(..) => "nw_dst",
        TcpSrc(_) | UdpSrc(_) | SctpSrc(_) => "tp_src",
        TcpDst(_) | UdpDst(_) | SctpDst(_) => "tp_dst",
        Icmpv4Type(_) => "icmp_type",
        Icmpv4Code(_) => "icmp_code",
        ArpOp(_) => "arp_op",
        ArpSpa(..) => "arp_spa",
        ArpTpa(..) => "arp_tpa",
        ArpSha(..) => "arp_sha",
        ArpTha(..) => "arp_tha",
        Ipv6Src(..) => "ipv6_src",
        Ipv6Dst(..) => "ipv6_dst",
        Ipv6Flabel(..) => "ipv6_label",
        Icmpv6Type(_) => "icmpv6_type",
        Icmpv6Code(_) => "icmpv6_code",
        Ipv6NdTarget(_) => "nd_target",
        Ipv6NdSll(_) => "nd_sll",
        Ipv6NdTll(_) => "nd_tll",
        MplsLabel(_) => "mpls_label",
        MplsTc(_) => "mpls_tc",
        MplsBos(_) => "mpls_bos",
        PbbIsid(..) => "pbb_isid",
        TunnelId(..) => "tun_id",
        Ipv6Exthdr(..) => "ipv6_exthdr",
        Other { .. } => "oxm",
    }
}

fn masked<T: fmt::Display>(f: &mut fmt::Formatter<'_>, v: &T, m: &Option<T>) -> fmt::Result {
    match m {
        Some(m) => write!(f, "{v}/{m}"),
        None => write!(f, "{v}"),
    }
}

fn masked_hex<T: fmt::LowerHex>(f: &mut fmt::Formatter<'_>, v: T, m: &Option<T>) -> fmt::Result {
    match m {
        Some(m) => write!(f, "{v:#x}/{m:#x}"),
        None => write!(f, "{v:#x}"),
    }
}

impl fmt::Display for OxmField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use OxmField::*;
        if let Other {
            class,
            field,
            has_mask,
            payload,
        } = self
        {
            write!(f, "oxm(class=0x{class:04x},field={field}")?;
            if *has_mask {
                f.write_str(",masked")?;
            }
            f.write_str(",0x")?;
            for b in payload.iter() {
                write!(f, "{b:02x}")?;
            }
            return f.write_str(")");
        }
        write!(f, "{}=", field_name(self))?;
        match self {
            InPort(p) | InPhyPort(p) => f.write_str(&crate::port::display(*p)),
            Metadata(v, m) | TunnelId(v, m) => masked_hex(f, *v, m),
            EthDst(v, m) | EthSrc(v, m) | ArpSha(v, m) | ArpTha(v, m) => masked(f, v, m),
            EthType(t) => write!(f, "0x{t:04x}"),
            VlanVid(v, m) => masked_hex(f, *v, m),
            Ipv4Src(v, m) | Ipv4Dst(v, m) | ArpSpa(v, m) | ArpTpa(v, m) => masked(f, v, m),
            Ipv6Src(v, m) | Ipv6Dst(v, m) => masked(f, v, m),
            Ipv6Flabel(v, m) | PbbIsid(v, m) => masked_hex(f, *v, m),
            Ipv6Exthdr(v, m) => masked_hex(f, *v, m),
            VlanPcp(v) | IpDscp(v) | IpEcn(v) | IpProto(v) | Icmpv4Type(v) | Icmpv4Code(v)
            | Icmpv6Type(v) | Icmpv6Code(v) | MplsTc(v) | MplsBos(v) => write!(f, "{v}"),
            TcpSrc(v) | TcpDst(v) | UdpSrc(v) | UdpDst(v) | SctpSrc(v) | SctpDst(v) | ArpOp(v) => {
                write!(f, "{v}")
            }
            Ipv6NdTarget(a) => write!(f, "{a}"),
            Ipv6NdSll(m) | Ipv6NdTll(m) => write!(f, "{m}"),
            MplsLabel(v) => write!(f, "{v}"),
            Other { .. } => Ok(()),
        }
    }
}

impl fmt::Display for Match {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, x) in self.fields.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{x}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prerequisites() {
        assert!(Match::new()
            .eth_type(0x0800)
            .ip_proto(6)
            .tcp_dst(80)
            .validate()
            .is_ok());
        assert!(Match::new().ip_proto(6).validate().is_err());
        assert!(Match::new()
            .eth_type(0x86dd)
            .ip_proto(58)
            .icmpv6_type(135)
            .ipv6_nd_sll(MacAddr::ZERO)
            .validate()
            .is_ok());
        assert!(Match::new()
            .eth_type(0x86dd)
            .ip_proto(58)
            .icmpv6_type(136)
            .ipv6_nd_sll(MacAddr::ZERO)
            .validate()
            .is_err());
        assert!(Match::new().vlan_pcp(3).validate().is_err());
        assert!(Match::new()
            .vlan_vid(VID_PRESENT | 5)
            .vlan_pcp(3)
            .validate()
            .is_ok());
        assert!(Match::new().vlan_vid(0x2000).validate().is_err());
    }

    #[test]
    fn setter_replaces() {
        let m = Match::new().in_port(1).in_port(2);
        assert_eq!(m.fields(), &[OxmField::InPort(2)]);
        assert_eq!(m.in_port_value(), Some(2));
    }
}
