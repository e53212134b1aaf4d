//! Requests waiting for their reply, and a small ring of recently sent messages so that an
//! OFPT_ERROR can be traced back to the message that caused it.

use std::collections::VecDeque;
use std::time::Instant;

use bytes::Bytes;
use openflow::{ErrorMsg, Message};

/// What a pending xid is waiting for.
#[derive(Debug)]
pub enum PendingKind {
    /// A stats/multipart request from a caller: parts collected until one without "more";
    /// `bytes` counts their wire size against [`super::ConnConfig::max_reply_bytes`].
    Stats {
        parts: Vec<Message>,
        bytes: usize,
    },
    /// A barrier from a caller; the first error caused by an earlier message is kept.
    Barrier {
        first_error: Option<ErrorMsg>,
    },
    /// Handshake steps owned by the connection itself.
    Features,
    PortDesc {
        ports: Vec<openflow::PortInfo>,
    },
    HandshakeBarrier,
}

/// One pending request.
#[derive(Debug)]
pub struct Pending {
    pub xid: u32,
    /// Send sequence number: orders requests against the sent ring.
    pub seq: u64,
    pub deadline: Instant,
    pub kind: PendingKind,
}

/// Pending requests, in send order (the list is short: a linear scan beats hashing).
#[derive(Debug, Default)]
pub struct PendingTable {
    items: Vec<Pending>,
}

impl PendingTable {
    pub fn insert(&mut self, p: Pending) {
        self.items.push(p);
    }
    pub fn get_mut(&mut self, xid: u32) -> Option<&mut Pending> {
        self.items.iter_mut().find(|p| p.xid == xid)
    }
    pub fn contains(&self, xid: u32) -> bool {
        self.items.iter().any(|p| p.xid == xid)
    }
    pub fn remove(&mut self, xid: u32) -> Option<Pending> {
        let i = self.items.iter().position(|p| p.xid == xid)?;
        Some(self.items.remove(i))
    }
    /// Removes and returns every request whose deadline is at or before `now`.
    pub fn take_expired(&mut self, now: Instant, out: &mut Vec<Pending>) {
        let mut i = 0;
        while i < self.items.len() {
            if self.items.get(i).is_some_and(|p| p.deadline <= now) {
                out.push(self.items.remove(i));
            } else {
                i += 1;
            }
        }
    }
    /// Drops every request whose kind matches.
    pub fn remove_where(&mut self, f: impl Fn(&PendingKind) -> bool) {
        self.items.retain(|p| !f(&p.kind));
    }
    pub fn drain(&mut self) -> std::vec::Drain<'_, Pending> {
        self.items.drain(..)
    }
    pub fn next_deadline(&self) -> Option<Instant> {
        self.items.iter().map(|p| p.deadline).min()
    }
    /// The earliest caller barrier sent after the message with sequence `seq`.
    pub fn barrier_after(&mut self, seq: u64) -> Option<&mut Pending> {
        self.items
            .iter_mut()
            .filter(|p| p.seq > seq && matches!(p.kind, PendingKind::Barrier { .. }))
            .min_by_key(|p| p.seq)
    }
    pub fn len(&self) -> usize {
        self.items.len()
    }
}

/// A message we sent recently: its xid, sequence number and encoded frame.
#[derive(Debug)]
struct Sent {
    xid: u32,
    seq: u64,
    frame: Vec<u8>,
}

/// Fixed-capacity ring of recently sent frames. Slots (and their buffers) are reused, so
/// recording a send does not allocate once the ring is warm.
#[derive(Debug)]
pub struct SentRing {
    slots: VecDeque<Sent>,
    capacity: usize,
}

impl SentRing {
    pub fn new(capacity: usize) -> Self {
        SentRing {
            slots: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    pub fn record(&mut self, xid: u32, seq: u64, frame: &[u8]) {
        if self.capacity == 0 {
            return;
        }
        let mut slot = if self.slots.len() >= self.capacity {
            self.slots.pop_front().unwrap_or(Sent {
                xid,
                seq,
                frame: Vec::new(),
            })
        } else {
            Sent {
                xid,
                seq,
                frame: Vec::with_capacity(frame.len()),
            }
        };
        slot.xid = xid;
        slot.seq = seq;
        slot.frame.clear();
        slot.frame.extend_from_slice(frame);
        self.slots.push_back(slot);
    }

    /// The most recent message sent with `xid`: its sequence number and decoded form
    /// (`None` for the message if it no longer decodes, which only a codec bug would cause).
    pub fn find(&self, xid: u32) -> Option<(u64, Option<Message>)> {
        let s = self.slots.iter().rev().find(|s| s.xid == xid)?;
        let frame = Bytes::copy_from_slice(&s.frame);
        Some((s.seq, Message::decode(&frame).ok().map(|(_, m)| m)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ring_keeps_only_the_last_n() {
        let mut r = SentRing::new(2);
        for x in 1..=3u32 {
            r.record(x, x as u64, &[1, 0, 0, 8, 0, 0, 0, x as u8]);
        }
        assert!(r.find(1).is_none());
        assert_eq!(r.find(2).map(|f| f.0), Some(2));
        assert_eq!(r.find(3).map(|f| f.0), Some(3));
    }
}
