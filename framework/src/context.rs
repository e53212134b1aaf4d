//! [`Context`]: what an app gets with each event — the controller handle, the time, and a
//! way to send messages that go out in the same batched write as the rest of the read.

use std::any::Any;
use std::time::Instant;

use openflow::{Message, Neutral, Version};

use crate::connection::Encoder;
use crate::controller::Published;
use crate::{Controller, Dpid, SendError};

/// The switch whose event is being handled: messages to it skip the queue and go into the
/// current write batch.
pub(crate) trait LocalSwitch {
    fn dpid(&self) -> Dpid;
    fn version(&self) -> Option<Version>;
    fn send_message(&mut self, msg: &Message) -> Result<(), SendError>;
    fn send_encoded(&mut self, encode: &mut Encoder<'_>) -> Result<(), SendError>;
}

/// Passed to [`crate::App::handle`].
pub struct Context<'a> {
    ctl: &'a Controller,
    now: Instant,
    local: Option<&'a mut dyn LocalSwitch>,
    published: &'a mut Vec<Published>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(
        ctl: &'a Controller,
        now: Instant,
        local: Option<&'a mut dyn LocalSwitch>,
        published: &'a mut Vec<Published>,
    ) -> Self {
        Context {
            ctl,
            now,
            local,
            published,
        }
    }
}

impl Context<'_> {
    pub fn controller(&self) -> &Controller {
        self.ctl
    }

    /// The time of the event (the same for every app it passes through).
    pub fn now(&self) -> Instant {
        self.now
    }

    /// Version negotiated with a connected switch.
    pub fn version(&self, dpid: Dpid) -> Option<Version> {
        match &self.local {
            Some(l) if l.dpid() == dpid => l.version(),
            _ => self.ctl.version(dpid),
        }
    }

    /// Lowers a neutral value to the switch's version and queues it; messages to the switch
    /// whose event is being handled go into the same batched write as the rest of this read.
    pub fn send<T: Neutral>(&mut self, dpid: Dpid, msg: &T) -> Result<(), SendError> {
        match &mut self.local {
            Some(l) if l.dpid() == dpid => {
                // Encoded straight into the write batch: no per-version message is built.
                l.send_encoded(&mut |v, xid, out| msg.encode_as(v, xid, out))
            }
            _ => self.ctl.send(dpid, msg),
        }
    }

    /// Queues a message already in the switch's version.
    pub fn send_message(&mut self, dpid: Dpid, msg: Message) -> Result<(), SendError> {
        match &mut self.local {
            Some(l) if l.dpid() == dpid => l.send_message(&msg),
            _ => self.ctl.send_message(dpid, msg),
        }
    }

    /// [`Controller::every`]: `tick` every `period`, until cancelled or the controller
    /// stops.
    pub fn every<F, Fut>(&self, period: std::time::Duration, tick: F) -> crate::Timer
    where
        F: FnMut(Controller) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.ctl.every(period, tick)
    }

    /// [`Controller::after`]: `once` after `delay`.
    pub fn after<F, Fut>(&self, delay: std::time::Duration, once: F) -> crate::Timer
    where
        F: FnOnce(Controller) -> Fut + Send + 'static,
        Fut: std::future::Future<Output = ()> + Send + 'static,
    {
        self.ctl.after(delay, once)
    }

    /// Delivers a typed event (as [`crate::Event::App`]) to every app, after the current
    /// event.
    pub fn publish<E: Any + Send + Sync>(&mut self, event: E) {
        self.published.push(Box::new(event));
    }
}
