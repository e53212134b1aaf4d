//! Nicira / Open vSwitch extensions, typed: match fields ([`field`]) and actions
//! ([`action`]). On the wire and in the version-neutral [`crate::Match`] and
//! [`crate::Action`] they are the experimenter forms every codec already keeps byte for
//! byte (`OxmField::Other`, `Action::Experimenter` with id 0x00002320); these types read
//! and build them, and print them in `ovs-ofctl` syntax.

pub mod action;
pub mod field;

pub use action::{Conntrack, NxAction, Subfield};
pub use field::{NxField, NxMatch, NxMatchExt};
