//! The flow tables of a simulated switch: FLOW_MOD semantics (add/replace, strict and
//! non-strict modify/delete, cookies, out_port/out_group filters, CHECK_OVERLAP),
//! timeouts against a caller-driven clock, counters, stats, and groups.
//!
//! Time is a [`Duration`] since the switch started, passed in by the caller (see
//! [`super::Clock`]), so tests drive timeouts without sleeping. Packet processing
//! ([`FlowTable::apply`]) lives in [`super::pipeline`].
//!
//! ```
//! use std::time::Duration;
//! use openflow::{Action, FlowMod, Match, Version};
//! use viola_sim::{FlowTable, Output};
//!
//! let mut t = FlowTable::new(Version::V1_3);
//! t.flow_mod(&FlowMod::add(Match::new().in_port(1)).priority(10).actions(vec![Action::output(2)]))
//!     .unwrap();
//! let frame = viola_sim::build::udp(
//!     openflow::MacAddr::from_u64(1), openflow::MacAddr::from_u64(2),
//!     "10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap(), 1, 2, b"x");
//! let out = t.apply(1, &frame);
//! assert!(matches!(out.as_slice(), [Output::Port { port: 2, .. }]));
//! assert_eq!(t.apply(3, &frame), vec![]); // 1.3 table miss: drop
//! t.set_now(Duration::from_secs(60));
//! assert_eq!(t.flows().count(), 1);
//! ```

use std::collections::BTreeMap;
use std::time::Duration;

use openflow::{
    flow_mod_flags, port, Action, FlowMod, FlowModCommand, FlowRemoved, FlowStats,
    FlowStatsRequest, Instruction, Match, TableStats, Version, GROUP_ANY, TABLE_ALL,
};

use super::errors::{self, fm13, OfError};
use super::group::Group;

/// `ofp_flow_removed_reason`.
pub mod removed_reason {
    pub const IDLE_TIMEOUT: u8 = 0;
    pub const HARD_TIMEOUT: u8 = 1;
    pub const DELETE: u8 = 2;
    pub const GROUP_DELETE: u8 = 3;
}

/// Number of tables a 1.3 simulated switch reports (as Open vSwitch does).
pub const N_TABLES_13: u8 = 254;

/// One flow entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowEntry {
    pub table_id: u8,
    pub priority: u16,
    pub match_: Match,
    pub instructions: Vec<Instruction>,
    pub cookie: u64,
    pub idle_timeout: u16,
    pub hard_timeout: u16,
    pub flags: u16,
    pub packet_count: u64,
    pub byte_count: u64,
    /// When it was added (switch clock).
    pub created: Duration,
    /// When a packet last matched it (or when it was added).
    pub last_used: Duration,
}

impl FlowEntry {
    /// Whether any of its actions (applied or written) outputs to `p`.
    pub fn outputs_to(&self, p: u32) -> bool {
        self.actions()
            .any(|a| matches!(a, Action::Output { port, .. } if *port == p))
    }

    /// Whether any of its actions sends to group `g`.
    pub fn uses_group(&self, g: u32) -> bool {
        self.actions()
            .any(|a| matches!(a, Action::Group(x) if *x == g))
    }

    fn actions(&self) -> impl Iterator<Item = &Action> {
        self.instructions.iter().flat_map(|i| match i {
            Instruction::ApplyActions(a) | Instruction::WriteActions(a) => a.as_slice(),
            _ => &[],
        })
    }

    /// A table-miss entry: priority 0 and an empty match.
    pub fn is_table_miss(&self) -> bool {
        self.priority == 0 && self.match_.is_empty()
    }

    fn removed(&self, reason: u8, now: Duration) -> FlowRemoved {
        let d = now.saturating_sub(self.created);
        FlowRemoved {
            cookie: self.cookie,
            priority: self.priority,
            reason,
            table_id: self.table_id,
            duration_sec: d.as_secs() as u32,
            duration_nsec: d.subsec_nanos(),
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            packet_count: self.packet_count,
            byte_count: self.byte_count,
            match_: self.match_.clone(),
        }
    }

    fn stats(&self, now: Duration) -> FlowStats {
        let d = now.saturating_sub(self.created);
        FlowStats {
            table_id: self.table_id,
            duration_sec: d.as_secs() as u32,
            duration_nsec: d.subsec_nanos(),
            priority: self.priority,
            idle_timeout: self.idle_timeout,
            hard_timeout: self.hard_timeout,
            flags: self.flags,
            cookie: self.cookie,
            packet_count: self.packet_count,
            byte_count: self.byte_count,
            match_: self.match_.clone(),
            instructions: self.instructions.clone(),
        }
    }

    fn expired(&self, now: Duration) -> Option<u8> {
        let secs = |s: u16| Duration::from_secs(u64::from(s));
        if self.hard_timeout > 0 && now.saturating_sub(self.created) >= secs(self.hard_timeout) {
            return Some(removed_reason::HARD_TIMEOUT);
        }
        if self.idle_timeout > 0 && now.saturating_sub(self.last_used) >= secs(self.idle_timeout) {
            return Some(removed_reason::IDLE_TIMEOUT);
        }
        None
    }
}

/// One table: entries ordered by priority, highest first (ties in insertion order).
#[derive(Debug, Clone, Default)]
pub(crate) struct Table {
    pub(crate) flows: Vec<FlowEntry>,
    pub(crate) lookup_count: u64,
    pub(crate) matched_count: u64,
}

/// What the pipeline knows about a port (for FLOOD/ALL and dropping output to dead ports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PortFlags {
    /// Administratively up with a link.
    pub live: bool,
    /// Excluded from FLOOD (1.0 `OFPPC_NO_FLOOD`).
    pub no_flood: bool,
}

/// Selection of flows by a modify, delete or stats request.
pub(crate) struct Selector<'a> {
    pub(crate) table_id: u8,
    pub(crate) match_: &'a Match,
    pub(crate) strict: Option<u16>,
    pub(crate) cookie: u64,
    pub(crate) cookie_mask: u64,
    pub(crate) out_port: u32,
    pub(crate) out_group: u32,
}

impl Selector<'_> {
    fn selects(&self, f: &FlowEntry) -> bool {
        (self.table_id == TABLE_ALL || self.table_id == f.table_id)
            && (f.cookie & self.cookie_mask) == (self.cookie & self.cookie_mask)
            && (self.out_port == port::ANY || f.outputs_to(self.out_port))
            && (self.out_group == GROUP_ANY || f.uses_group(self.out_group))
            && match self.strict {
                Some(p) => f.priority == p && self.match_.same_as(&f.match_),
                None => self.match_.covers(&f.match_),
            }
    }
}

/// All flow tables and the group table of one switch.
#[derive(Debug, Clone)]
pub struct FlowTable {
    pub(crate) version: Version,
    pub(crate) n_tables: u8,
    pub(crate) tables: BTreeMap<u8, Table>,
    pub(crate) groups: BTreeMap<u32, Group>,
    pub(crate) ports: BTreeMap<u32, PortFlags>,
    pub(crate) now: Duration,
}

impl FlowTable {
    /// Empty tables for a switch speaking `version` (1 table for 1.0, 254 for 1.3).
    pub fn new(version: Version) -> Self {
        let n_tables = match version {
            Version::V1_0 => 1,
            Version::V1_3 | Version::V1_4 | Version::V1_5 => N_TABLES_13,
        };
        FlowTable {
            version,
            n_tables,
            tables: BTreeMap::new(),
            groups: BTreeMap::new(),
            ports: BTreeMap::new(),
            now: Duration::ZERO,
        }
    }

    pub fn version(&self) -> Version {
        self.version
    }

    pub fn n_tables(&self) -> u8 {
        self.n_tables
    }

    /// Sets the clock (time since the switch started). Does not expire anything: call
    /// [`FlowTable::expire`].
    pub fn set_now(&mut self, now: Duration) {
        self.now = now.max(self.now);
    }

    pub fn now(&self) -> Duration {
        self.now
    }

    /// Declares a port (FLOOD/ALL go to live ports; output to unknown or dead ports is
    /// dropped once any port is declared).
    pub fn set_port(&mut self, port_no: u32, flags: PortFlags) {
        self.ports.insert(port_no, flags);
    }

    pub fn remove_port(&mut self, port_no: u32) {
        self.ports.remove(&port_no);
    }

    /// Every flow entry, table by table, highest priority first.
    pub fn flows(&self) -> impl Iterator<Item = &FlowEntry> {
        self.tables.values().flat_map(|t| t.flows.iter())
    }

    /// The groups.
    pub fn groups(&self) -> &BTreeMap<u32, Group> {
        &self.groups
    }

    /// Number of flow entries in all tables.
    pub fn len(&self) -> usize {
        self.tables.values().map(|t| t.flows.len()).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Applies a FLOW_MOD. Returns the FLOW_REMOVED messages owed to the controller
    /// (deleted flows that have `SEND_FLOW_REM`), or the error to send back.
    pub fn flow_mod(&mut self, fm: &FlowMod) -> Result<Vec<FlowRemoved>, OfError> {
        let v = self.version;
        // 1.0 has a single table and no table id in FLOW_MOD.
        let table_id = match v {
            Version::V1_0 => 0,
            Version::V1_3 | Version::V1_4 | Version::V1_5 => fm.table_id,
        };
        if v == Version::V1_3 && fm.match_.validate().is_err() {
            return Err(OfError::new(
                openflow::error::error_type::BAD_MATCH,
                openflow::error::bad_match::BAD_PREREQ,
            ));
        }
        // 1.0 has no cookie mask: modify and delete ignore the cookie.
        let cookie_mask = match v {
            Version::V1_0 => 0,
            Version::V1_3 | Version::V1_4 | Version::V1_5 => fm.cookie_mask,
        };
        match fm.command {
            FlowModCommand::Add => self.add(fm, table_id).map(|()| Vec::new()),
            FlowModCommand::Modify | FlowModCommand::ModifyStrict => {
                self.check_instructions(fm, table_id)?;
                let strict = (fm.command == FlowModCommand::ModifyStrict).then_some(fm.priority);
                let sel = Selector {
                    table_id: if v == Version::V1_0 {
                        TABLE_ALL
                    } else {
                        table_id
                    },
                    match_: &fm.match_,
                    strict,
                    cookie: fm.cookie,
                    cookie_mask,
                    out_port: port::ANY,
                    out_group: GROUP_ANY,
                };
                if sel.table_id != TABLE_ALL && sel.table_id >= self.n_tables {
                    return Err(OfError::bad_table(v));
                }
                let reset = v == Version::V1_3 && fm.flags & flow_mod_flags::RESET_COUNTS != 0;
                let mut hit = 0;
                for f in self.tables.values_mut().flat_map(|t| t.flows.iter_mut()) {
                    if sel.selects(f) {
                        hit += 1;
                        f.instructions = fm.instructions.clone();
                        if reset {
                            f.packet_count = 0;
                            f.byte_count = 0;
                        }
                    }
                }
                // OpenFlow 1.0: a modify that matches nothing adds the flow.
                if hit == 0 && v == Version::V1_0 {
                    self.add(fm, table_id)?;
                }
                Ok(Vec::new())
            }
            FlowModCommand::Delete | FlowModCommand::DeleteStrict => {
                let strict = (fm.command == FlowModCommand::DeleteStrict).then_some(fm.priority);
                let sel = Selector {
                    table_id: if v == Version::V1_0 {
                        TABLE_ALL
                    } else {
                        fm.table_id
                    },
                    match_: &fm.match_,
                    strict,
                    cookie: fm.cookie,
                    cookie_mask,
                    out_port: fm.out_port,
                    out_group: if v == Version::V1_0 {
                        GROUP_ANY
                    } else {
                        fm.out_group
                    },
                };
                if sel.table_id != TABLE_ALL && sel.table_id >= self.n_tables {
                    return Err(OfError::bad_table(v));
                }
                Ok(self.remove_where(|f| sel.selects(f), removed_reason::DELETE))
            }
        }
    }

    fn check_instructions(&self, fm: &FlowMod, table_id: u8) -> Result<(), OfError> {
        let v = self.version;
        for i in &fm.instructions {
            match i {
                Instruction::GotoTable(t) if *t <= table_id || *t >= self.n_tables => {
                    return Err(OfError::new(
                        openflow::error::error_type::BAD_INSTRUCTION,
                        errors::BAD_INSTRUCTION_TABLE_ID,
                    ));
                }
                Instruction::ApplyActions(a) | Instruction::WriteActions(a) => {
                    for act in a {
                        if let Action::Group(g) = act {
                            if !self.groups.contains_key(g) {
                                return Err(OfError::new(
                                    openflow::error::error_type::BAD_ACTION,
                                    errors::BAD_OUT_GROUP,
                                ));
                            }
                        }
                    }
                }
                Instruction::Experimenter { .. } | Instruction::Unknown { .. }
                    if v == Version::V1_3 =>
                {
                    return Err(OfError::new(
                        openflow::error::error_type::BAD_INSTRUCTION,
                        errors::UNSUP_INST,
                    ));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn add(&mut self, fm: &FlowMod, table_id: u8) -> Result<(), OfError> {
        let v = self.version;
        if table_id >= self.n_tables {
            return Err(OfError::bad_table(v));
        }
        self.check_instructions(fm, table_id)?;
        let now = self.now;
        let table = self.tables.entry(table_id).or_default();
        if fm.flags & flow_mod_flags::CHECK_OVERLAP != 0
            && table
                .flows
                .iter()
                .any(|f| f.priority == fm.priority && f.match_.overlaps(&fm.match_))
        {
            return Err(OfError::flow_mod_failed(v, fm13::OVERLAP));
        }
        // An identical flow (same match and priority) is replaced, counters included.
        table
            .flows
            .retain(|f| !(f.priority == fm.priority && f.match_.same_as(&fm.match_)));
        let entry = FlowEntry {
            table_id,
            priority: fm.priority,
            match_: fm.match_.clone(),
            instructions: fm.instructions.clone(),
            cookie: fm.cookie,
            idle_timeout: fm.idle_timeout,
            hard_timeout: fm.hard_timeout,
            flags: fm.flags,
            packet_count: 0,
            byte_count: 0,
            created: now,
            last_used: now,
        };
        let at = table.flows.partition_point(|f| f.priority >= fm.priority);
        table.flows.insert(at, entry);
        Ok(())
    }

    /// Removes every flow for which `pred` holds; returns FLOW_REMOVED for those with
    /// `SEND_FLOW_REM`.
    pub(crate) fn remove_where(
        &mut self,
        pred: impl Fn(&FlowEntry) -> bool,
        reason: u8,
    ) -> Vec<FlowRemoved> {
        let now = self.now;
        let mut out = Vec::new();
        for t in self.tables.values_mut() {
            t.flows.retain(|f| {
                if pred(f) {
                    if f.flags & flow_mod_flags::SEND_FLOW_REM != 0 {
                        out.push(f.removed(reason, now));
                    }
                    false
                } else {
                    true
                }
            });
        }
        out
    }

    /// Advances the clock to `now` and removes flows whose idle or hard timeout has passed.
    /// Returns FLOW_REMOVED for the removed flows that asked for it (`SEND_FLOW_REM`).
    pub fn expire(&mut self, now: Duration) -> Vec<FlowRemoved> {
        self.set_now(now);
        let now = self.now;
        let mut out = Vec::new();
        for t in self.tables.values_mut() {
            t.flows.retain(|f| match f.expired(now) {
                Some(reason) => {
                    if f.flags & flow_mod_flags::SEND_FLOW_REM != 0 {
                        out.push(f.removed(reason, now));
                    }
                    false
                }
                None => true,
            });
        }
        out
    }

    fn stats_selector<'a>(&self, r: &'a FlowStatsRequest) -> Selector<'a> {
        let v13 = self.version == Version::V1_3;
        Selector {
            table_id: if v13 { r.table_id } else { TABLE_ALL },
            match_: &r.match_,
            strict: None,
            cookie: r.cookie,
            cookie_mask: if v13 { r.cookie_mask } else { 0 },
            out_port: r.out_port,
            out_group: if v13 { r.out_group } else { GROUP_ANY },
        }
    }

    /// Flow stats (table by table, highest priority first).
    pub fn flow_stats(&self, r: &FlowStatsRequest) -> Vec<FlowStats> {
        let sel = self.stats_selector(r);
        self.flows()
            .filter(|f| sel.selects(f))
            .map(|f| f.stats(self.now))
            .collect()
    }

    /// Aggregate stats: (packets, bytes, flows).
    pub fn aggregate_stats(&self, r: &FlowStatsRequest) -> (u64, u64, u32) {
        let sel = self.stats_selector(r);
        self.flows()
            .filter(|f| sel.selects(f))
            .fold((0, 0, 0), |(p, b, n), f| {
                (p + f.packet_count, b + f.byte_count, n + 1)
            })
    }

    /// Table stats for every table.
    pub fn table_stats(&self) -> Vec<TableStats> {
        (0..self.n_tables)
            .map(|id| {
                let t = self.tables.get(&id);
                TableStats {
                    table_id: id,
                    active_count: t.map_or(0, |t| t.flows.len() as u32),
                    lookup_count: t.map_or(0, |t| t.lookup_count),
                    matched_count: t.map_or(0, |t| t.matched_count),
                }
            })
            .collect()
    }
}
