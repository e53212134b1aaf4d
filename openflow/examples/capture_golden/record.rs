//! Recording of OpenFlow frames in the order they crossed the wire.

use std::sync::{Arc, Mutex};

use openflow::header::{frames, MAX_MESSAGE_LEN};

/// One whole OpenFlow message and who sent it.
#[derive(Clone)]
pub struct Frame {
    pub direction: String,
    pub bytes: Vec<u8>,
}

/// The frames of one capture, shared by the threads that see them.
#[derive(Clone, Default)]
pub struct Log(Arc<Mutex<Vec<Frame>>>);

impl Log {
    pub fn push(&self, direction: impl Into<String>, bytes: Vec<u8>) {
        let direction = direction.into();
        if let Ok(mut v) = self.0.lock() {
            v.push(Frame { direction, bytes });
        }
    }

    /// Takes every frame recorded so far.
    pub fn take(&self) -> Vec<Frame> {
        self.0
            .lock()
            .map(|mut v| std::mem::take(&mut *v))
            .unwrap_or_default()
    }
}

/// Splits one direction of a TCP stream into frames as bytes arrive.
pub struct Splitter {
    direction: String,
    pending: Vec<u8>,
    log: Log,
}

impl Splitter {
    pub fn new(direction: String, log: Log) -> Self {
        Splitter {
            direction,
            pending: Vec::new(),
            log,
        }
    }

    /// Adds bytes read from the stream; records every frame they complete. A framing error
    /// means the peer is not speaking OpenFlow: the rest is recorded as it is.
    pub fn feed(&mut self, data: &[u8]) {
        self.pending.extend_from_slice(data);
        let mut it = frames(&self.pending, MAX_MESSAGE_LEN);
        let mut whole = Vec::new();
        let mut broken = false;
        for f in it.by_ref() {
            match f {
                Ok(frame) => whole.push(frame.to_vec()),
                Err(_) => broken = true,
            }
        }
        let used = it.consumed();
        for f in whole {
            self.log.push(self.direction.clone(), f);
        }
        if broken {
            eprintln!(
                "warning: {} sent bytes that do not frame as OpenFlow",
                self.direction
            );
            self.pending.clear();
        } else {
            self.pending.drain(..used);
        }
    }

    /// Bytes of an incomplete frame left at the end of the stream.
    pub fn leftover(&self) -> usize {
        self.pending.len()
    }
}
