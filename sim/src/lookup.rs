//! Read-only questions to the flow tables: which entry a packet hits, which ports its
//! entries name. Unlike [`FlowTable::apply`] they change no counter and run no action, so
//! tests can ask them of a table they only borrow.

use openflow::{Instruction, Match, OxmField};

use super::flow_table::{FlowEntry, FlowTable};

impl FlowTable {
    /// The entry of table `table_id` that a packet with these exact header fields (see
    /// [`openflow::packet::flow_match`]) hits: the highest priority match, as
    /// [`FlowTable::apply`] picks it.
    pub fn lookup(&self, table_id: u8, fields: &Match) -> Option<&FlowEntry> {
        self.tables
            .get(&table_id)?
            .flows
            .iter()
            .find(|f| f.match_.matches_packet(fields))
    }

    /// The output ports named by the entries a packet with these header fields hits, from
    /// table 0 through goto-table, in order (reserved ports such as CONTROLLER or FLOOD as
    /// their numbers; groups and header rewrites are not followed). Empty: a table miss or
    /// a drop. The pipeline's metadata starts at 0 unless `fields` sets it.
    pub fn output_ports(&self, fields: &Match) -> Vec<u32> {
        let mut fields = fields.clone();
        if fields.get(OxmField::Metadata(0, None).id()).is_none() {
            fields.set(OxmField::Metadata(0, None));
        }
        let mut out = Vec::new();
        let mut table_id = 0u8;
        while let Some(e) = self.lookup(table_id, &fields) {
            out.extend(e.output_ports());
            match e.goto_table() {
                // Goto only moves forward (the table rejects others), so this ends.
                Some(next) if next > table_id => table_id = next,
                _ => break,
            }
        }
        out
    }
}

impl FlowEntry {
    /// The ports its apply and write actions output to, in order.
    pub fn output_ports(&self) -> Vec<u32> {
        self.instructions
            .iter()
            .flat_map(|i| match i {
                Instruction::ApplyActions(a) | Instruction::WriteActions(a) => a.as_slice(),
                _ => &[],
            })
            .filter_map(|a| match a {
                openflow::Action::Output { port, .. } => Some(*port),
                _ => None,
            })
            .collect()
    }

    /// The table its goto-table instruction names.
    pub fn goto_table(&self) -> Option<u8> {
        self.instructions.iter().find_map(|i| match i {
            Instruction::GotoTable(t) => Some(*t),
            _ => None,
        })
    }
}
