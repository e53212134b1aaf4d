//! In-memory links between simulated nodes, and the loop guard.
//!
//! Every frame carries a [`Tag`]: how many switch hops it has made and a counter shared by
//! every copy descended from the same original frame. A frame that exceeds the hop limit,
//! or whose family exceeds the copy limit (a broadcast storm), is dropped and counted in
//! [`NetStats::loop_drops`] instead of circulating forever.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

/// Limits of the loop guard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LoopGuard {
    /// Switch-to-switch hops a frame may make.
    pub max_hops: u16,
    /// Copies all descendants of one original frame may make in total.
    pub max_copies: u32,
}

impl Default for LoopGuard {
    fn default() -> Self {
        LoopGuard {
            max_hops: 64,
            max_copies: 4096,
        }
    }
}

/// Provenance of a frame in flight.
#[derive(Debug, Clone)]
pub struct Tag {
    pub(crate) hops: u16,
    pub(crate) family: Arc<AtomicU32>,
}

impl Tag {
    /// A frame a host (or the controller) originates.
    pub fn fresh() -> Self {
        Tag {
            hops: 0,
            family: Arc::new(AtomicU32::new(0)),
        }
    }

    /// The tag of a copy forwarded one hop further, or `None` when the guard trips.
    pub(crate) fn forward(&self, guard: LoopGuard) -> Option<Tag> {
        let copies = self.family.fetch_add(1, Ordering::Relaxed) + 1;
        if self.hops >= guard.max_hops || copies > guard.max_copies {
            return None;
        }
        Some(Tag {
            hops: self.hops + 1,
            family: self.family.clone(),
        })
    }
}

/// What a node's inbox carries.
#[derive(Debug)]
pub(crate) enum Input {
    Frame { port: u32, frame: Bytes, tag: Tag },
    SetLink { port: u32, up: bool },
    Stop,
}

/// The far end of a port.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub(crate) tx: mpsc::UnboundedSender<Input>,
    /// Port number at the far end (0 for a host).
    pub(crate) port: u32,
    /// Shared by both ends: false while the link is cut.
    pub(crate) up: Arc<AtomicBool>,
}

/// Network-wide counters.
#[derive(Debug, Default)]
pub struct NetStats {
    /// Frames handed from a node to a link.
    pub frames_forwarded: AtomicU64,
    /// Frames dropped by the loop guard.
    pub loop_drops: AtomicU64,
    /// Frames dropped because the link was down.
    pub link_drops: AtomicU64,
}

impl NetStats {
    /// Sends `frame` to `peer` if the link is up and the guard allows; counts either way.
    pub(crate) fn deliver(&self, peer: &Peer, frame: Bytes, tag: &Tag, guard: LoopGuard) {
        if !peer.up.load(Ordering::Relaxed) {
            self.link_drops.fetch_add(1, Ordering::Relaxed);
            return;
        }
        match tag.forward(guard) {
            Some(t) => {
                self.frames_forwarded.fetch_add(1, Ordering::Relaxed);
                let _ = peer.tx.send(Input::Frame {
                    port: peer.port,
                    frame,
                    tag: t,
                });
            }
            None => {
                self.loop_drops.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
