//! [`FakeFlowTable`]: applies FLOW_MODs as a switch would (add / modify / delete, strict or
//! not, priorities, cookies with masks, `out_port` filter, several tables with goto) and
//! answers "where does this packet go".

use openflow::oxm::OxmField;
use openflow::{
    Action, FlowMod, FlowModCommand, FlowStats, FlowStatsRequest, Instruction, Match, Version,
};

/// One installed flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowEntry {
    pub table_id: u8,
    pub priority: u16,
    pub cookie: u64,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub flags: u16,
    pub match_: Match,
    pub instructions: Vec<Instruction>,
}

impl FlowEntry {
    /// Output ports of the entry's apply/write actions (reserved ports as their 32-bit value).
    pub fn outputs(&self) -> Vec<u32> {
        let mut v = Vec::new();
        for i in &self.instructions {
            if let Instruction::ApplyActions(a) | Instruction::WriteActions(a) = i {
                v.extend(a.iter().filter_map(|a| match a {
                    Action::Output { port, .. } => Some(*port),
                    _ => None,
                }));
            }
        }
        v
    }
    fn goto(&self) -> Option<u8> {
        self.instructions.iter().find_map(|i| match i {
            Instruction::GotoTable(t) => Some(*t),
            _ => None,
        })
    }
}

/// Value and mask of a field as bits (width-limited), so every field kind compares alike.
fn bits(f: &OxmField) -> Option<(u128, u128)> {
    use OxmField::*;
    fn mac(m: &openflow::MacAddr) -> u128 {
        m.to_u64() as u128
    }
    const M16: u128 = 0xffff;
    const M32: u128 = 0xffff_ffff;
    const M48: u128 = 0xffff_ffff_ffff;
    const M64: u128 = u64::MAX as u128;
    let (v, m) = match f {
        InPort(x) | InPhyPort(x) => (*x as u128, M32),
        Metadata(x, m) | TunnelId(x, m) => (*x as u128, m.map_or(M64, |m| m as u128)),
        EthDst(x, m) | EthSrc(x, m) | ArpSha(x, m) | ArpTha(x, m) => {
            (mac(x), m.as_ref().map_or(M48, mac))
        }
        EthType(x) | TcpSrc(x) | TcpDst(x) | UdpSrc(x) | UdpDst(x) | SctpSrc(x) | SctpDst(x)
        | ArpOp(x) => (*x as u128, M16),
        VlanVid(x, m) => (*x as u128, m.map_or(0x1fff, |m| m as u128)),
        Ipv6Exthdr(x, m) => (*x as u128, m.map_or(0x1ff, |m| m as u128)),
        VlanPcp(x) | IpDscp(x) | IpEcn(x) | IpProto(x) | Icmpv4Type(x) | Icmpv4Code(x)
        | Icmpv6Type(x) | Icmpv6Code(x) | MplsTc(x) | MplsBos(x) => (*x as u128, 0xff),
        Ipv4Src(x, m) | Ipv4Dst(x, m) | ArpSpa(x, m) | ArpTpa(x, m) => (
            u32::from(*x) as u128,
            m.map_or(M32, |m| u32::from(m) as u128),
        ),
        Ipv6Src(x, m) | Ipv6Dst(x, m) => (u128::from(*x), m.map_or(u128::MAX, u128::from)),
        Ipv6NdTarget(x) => (u128::from(*x), u128::MAX),
        Ipv6NdSll(x) | Ipv6NdTll(x) => (mac(x), M48),
        Ipv6Flabel(x, m) => (*x as u128, m.map_or(0xf_ffff, |m| m as u128)),
        MplsLabel(x) => (*x as u128, 0xf_ffff),
        PbbIsid(x, m) => (*x as u128, m.map_or(0xff_ffff, |m| m as u128)),
        Other { .. } => return None,
    };
    Some((v & m, m))
}

/// Whether `pkt` (the exact fields of a packet) satisfies `rule`.
pub fn matches(rule: &Match, pkt: &Match) -> bool {
    rule.fields().iter().all(|rf| match pkt.get(rf.id()) {
        Some(pf) => match (bits(rf), bits(pf)) {
            (Some((rv, rm)), Some((pv, _))) => pv & rm == rv,
            _ => rf == pf,
        },
        None => false,
    })
}

/// Whether every packet `entry` matches is also matched by `filter` (non-strict
/// modify/delete semantics: `filter` is at most as specific as `entry`).
pub fn covers(filter: &Match, entry: &Match) -> bool {
    filter.fields().iter().all(|ff| match entry.get(ff.id()) {
        Some(ef) => match (bits(ff), bits(ef)) {
            (Some((fv, fm)), Some((ev, em))) => fm & em == fm && ev & fm == fv,
            _ => ff == ef,
        },
        None => false,
    })
}

/// Same fields (order-insensitive), same values and masks.
fn same_match(a: &Match, b: &Match) -> bool {
    a.fields().len() == b.fields().len() && a.fields().iter().all(|f| b.get(f.id()) == Some(f))
}

/// A switch's flow tables, as far as forwarding decisions go.
#[derive(Debug, Clone)]
pub struct FakeFlowTable {
    version: Version,
    entries: Vec<FlowEntry>,
}

impl FakeFlowTable {
    /// `version` decides one difference: a 1.0 MODIFY that matches nothing adds the flow.
    pub fn new(version: Version) -> Self {
        FakeFlowTable {
            version,
            entries: Vec::new(),
        }
    }

    /// Every entry, by table then descending priority.
    pub fn entries(&self) -> &[FlowEntry] {
        &self.entries
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn sort(&mut self) {
        self.entries.sort_by(|a, b| {
            a.table_id
                .cmp(&b.table_id)
                .then(b.priority.cmp(&a.priority))
        });
    }

    fn cookie_ok(fm: &FlowMod, e: &FlowEntry) -> bool {
        fm.cookie_mask == 0 || (e.cookie & fm.cookie_mask) == (fm.cookie & fm.cookie_mask)
    }

    fn table_ok(fm: &FlowMod, e: &FlowEntry) -> bool {
        fm.table_id == openflow::TABLE_ALL || fm.table_id == e.table_id
    }

    fn out_port_ok(fm: &FlowMod, e: &FlowEntry) -> bool {
        fm.out_port == openflow::port::ANY || e.outputs().contains(&fm.out_port)
    }

    fn entry_from(fm: &FlowMod) -> FlowEntry {
        FlowEntry {
            table_id: fm.table_id,
            priority: fm.priority,
            cookie: fm.cookie,
            idle_timeout: fm.idle_timeout,
            hard_timeout: fm.hard_timeout,
            flags: fm.flags,
            match_: fm.match_.clone(),
            instructions: fm.instructions.clone(),
        }
    }

    /// Applies a FLOW_MOD; returns how many entries it added, changed or removed.
    pub fn apply(&mut self, fm: &FlowMod) -> usize {
        let n = match fm.command {
            FlowModCommand::Add => {
                let e = Self::entry_from(fm);
                match self.entries.iter_mut().find(|x| {
                    x.table_id == e.table_id
                        && x.priority == e.priority
                        && same_match(&x.match_, &e.match_)
                }) {
                    Some(slot) => *slot = e,
                    None => self.entries.push(e),
                }
                1
            }
            FlowModCommand::Modify | FlowModCommand::ModifyStrict => {
                let strict = fm.command == FlowModCommand::ModifyStrict;
                let mut n = 0;
                for e in self.entries.iter_mut() {
                    let hit = e.table_id == fm.table_id
                        && Self::cookie_ok(fm, e)
                        && if strict {
                            e.priority == fm.priority && same_match(&e.match_, &fm.match_)
                        } else {
                            covers(&fm.match_, &e.match_)
                        };
                    if hit {
                        e.instructions = fm.instructions.clone();
                        n += 1;
                    }
                }
                if n == 0 && self.version == Version::V1_0 {
                    self.entries.push(Self::entry_from(fm));
                    n = 1;
                }
                n
            }
            FlowModCommand::Delete | FlowModCommand::DeleteStrict => {
                let strict = fm.command == FlowModCommand::DeleteStrict;
                let before = self.entries.len();
                self.entries.retain(|e| {
                    let hit = Self::table_ok(fm, e)
                        && Self::cookie_ok(fm, e)
                        && Self::out_port_ok(fm, e)
                        && if strict {
                            e.priority == fm.priority && same_match(&e.match_, &fm.match_)
                        } else {
                            covers(&fm.match_, &e.match_)
                        };
                    !hit
                });
                before - self.entries.len()
            }
        };
        self.sort();
        n
    }

    /// The highest-priority entry of `table` matching the packet fields `pkt`.
    pub fn lookup_in(&self, table: u8, pkt: &Match) -> Option<&FlowEntry> {
        self.entries
            .iter()
            .filter(|e| e.table_id == table)
            .find(|e| matches(&e.match_, pkt))
    }

    /// Where a packet with fields `pkt` goes: the output ports of every entry it hits from
    /// table 0 through `goto_table`s. Empty = dropped (or a table miss).
    pub fn forward(&self, pkt: &Match) -> Vec<u32> {
        let mut out = Vec::new();
        let mut table = 0u8;
        for _ in 0..=255u16 {
            let Some(e) = self.lookup_in(table, pkt) else {
                break;
            };
            out.extend(e.outputs());
            match e.goto() {
                Some(t) if t > table => table = t,
                _ => break,
            }
        }
        out
    }

    /// Where a frame arriving on `in_port` goes (fields from [`openflow::packet::flow_match`]).
    pub fn forward_packet(&self, in_port: u32, frame: &[u8]) -> Vec<u32> {
        self.forward(&openflow::packet::flow_match(in_port, frame))
    }

    /// The table-0 entry a frame arriving on `in_port` hits.
    pub fn lookup_packet(&self, in_port: u32, frame: &[u8]) -> Option<&FlowEntry> {
        self.lookup_in(0, &openflow::packet::flow_match(in_port, frame))
    }

    /// Flow stats as a switch would answer them.
    pub fn stats(&self, req: &FlowStatsRequest) -> Vec<FlowStats> {
        self.entries
            .iter()
            .filter(|e| req.table_id == openflow::TABLE_ALL || req.table_id == e.table_id)
            .filter(|e| {
                req.cookie_mask == 0
                    || (e.cookie & req.cookie_mask) == (req.cookie & req.cookie_mask)
            })
            .filter(|e| req.out_port == openflow::port::ANY || e.outputs().contains(&req.out_port))
            .filter(|e| covers(&req.match_, &e.match_))
            .map(|e| FlowStats {
                table_id: e.table_id,
                duration_sec: 0,
                duration_nsec: 0,
                priority: e.priority,
                idle_timeout: e.idle_timeout,
                hard_timeout: e.hard_timeout,
                flags: e.flags,
                cookie: e.cookie,
                packet_count: 0,
                byte_count: 0,
                match_: e.match_.clone(),
                instructions: e.instructions.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use openflow::MacAddr;

    fn mac(x: u8) -> MacAddr {
        MacAddr([0, 0, 0, 0, 0, x])
    }

    fn pkt(in_port: u32, src: u8, dst: u8) -> Match {
        Match::new()
            .in_port(in_port)
            .eth_dst(mac(dst))
            .eth_src(mac(src))
            .eth_type(0x0800)
    }

    #[test]
    fn priorities_and_masks() {
        let mut t = FakeFlowTable::new(Version::V1_3);
        t.apply(
            &FlowMod::add(Match::new())
                .priority(0)
                .actions(vec![Action::output(openflow::port::CONTROLLER)]),
        );
        t.apply(
            &FlowMod::add(Match::new().eth_dst(mac(2)))
                .priority(10)
                .actions(vec![Action::output(2)]),
        );
        t.apply(
            &FlowMod::add(Match::new().eth_dst_masked(mac(0), MacAddr([1, 0, 0, 0, 0, 0])))
                .priority(5)
                .actions(vec![Action::output(9)]),
        );
        assert_eq!(t.forward(&pkt(1, 1, 2)), vec![2]);
        assert_eq!(t.forward(&pkt(1, 1, 3)), vec![9]); // unicast bit clear
        let bcast = Match::new().in_port(1).eth_dst(MacAddr([0xff; 6]));
        assert_eq!(t.forward(&bcast), vec![openflow::port::CONTROLLER]);
    }

    #[test]
    fn add_replaces_identical_and_delete_strict_is_exact() {
        let mut t = FakeFlowTable::new(Version::V1_3);
        let m = Match::new().in_port(1).eth_dst(mac(2));
        t.apply(
            &FlowMod::add(m.clone())
                .priority(10)
                .actions(vec![Action::output(2)]),
        );
        t.apply(
            &FlowMod::add(m.clone())
                .priority(10)
                .actions(vec![Action::output(3)]),
        );
        assert_eq!(t.len(), 1);
        assert_eq!(t.forward(&pkt(1, 1, 2)), vec![3]);
        t.apply(&FlowMod::delete_strict(m.clone(), 11));
        assert_eq!(t.len(), 1);
        t.apply(&FlowMod::delete_strict(m, 10));
        assert!(t.is_empty());
    }

    #[test]
    fn non_strict_delete_by_match_and_cookie() {
        let mut t = FakeFlowTable::new(Version::V1_3);
        for (i, cookie) in [(1u8, 0xa), (2, 0xa), (3, 0xb)] {
            t.apply(
                &FlowMod::add(Match::new().in_port(i as u32).eth_dst(mac(i)))
                    .cookie(cookie)
                    .actions(vec![]),
            );
        }
        // Delete every flow towards mac 2 (filter less specific than the entries).
        assert_eq!(t.apply(&FlowMod::delete(Match::new().eth_dst(mac(2)))), 1);
        assert_eq!(
            t.apply(&FlowMod::delete(Match::new()).cookie_masked(0xa, 0xff)),
            1
        );
        assert_eq!(t.len(), 1);
        assert_eq!(t.entries()[0].cookie, 0xb);
        // A more specific filter does not delete a less specific entry.
        t.apply(&FlowMod::add(Match::new().eth_dst(mac(7))).actions(vec![]));
        assert_eq!(
            t.apply(&FlowMod::delete(Match::new().eth_dst(mac(7)).in_port(1))),
            0
        );
    }

    #[test]
    fn modify_and_goto() {
        let mut t = FakeFlowTable::new(Version::V1_3);
        assert_eq!(
            t.apply(&FlowMod::modify(Match::new()).actions(vec![Action::output(1)])),
            0
        );
        t.apply(&FlowMod::add(Match::new()).instructions(vec![Instruction::GotoTable(1)]));
        t.apply(
            &FlowMod::add(Match::new().in_port(1))
                .table(1)
                .actions(vec![Action::output(4)]),
        );
        assert_eq!(t.forward(&pkt(1, 1, 2)), vec![4]);
        t.apply(
            &FlowMod::modify(Match::new().in_port(1))
                .table(1)
                .actions(vec![Action::output(5)]),
        );
        assert_eq!(t.forward(&pkt(1, 1, 2)), vec![5]);
        let mut t10 = FakeFlowTable::new(Version::V1_0);
        assert_eq!(
            t10.apply(&FlowMod::modify(Match::new()).actions(vec![Action::output(1)])),
            1
        );
    }
}
