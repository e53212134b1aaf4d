//! A simulated switch as a tokio task: a [`SwitchCore`] connected to a controller over TCP
//! (reconnecting when the connection drops), ports wired to in-memory links, and a timer
//! that expires flows.

use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use bytes::Bytes;
use openflow::header::{self, MAX_MESSAGE_LEN};
use openflow::{Dpid, Version};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use super::core::{Effects, SwitchCore, SwitchCounters, SwitchOptions};
use super::flow_table::FlowEntry;
use super::link::{Input, LoopGuard, NetStats, Peer, Tag};
use super::Clock;

/// How often the switch looks for expired flows.
const TICK: Duration = Duration::from_millis(100);
/// Wait between connection attempts to the controller.
const RECONNECT: Duration = Duration::from_millis(200);
/// Recently received frames remembered to carry the loop guard across the controller.
const RECENT: usize = 256;

/// A running simulated switch.
#[derive(Debug)]
pub struct Switch {
    name: String,
    dpid: Dpid,
    core: Arc<Mutex<SwitchCore>>,
    tx: mpsc::UnboundedSender<Input>,
    unwired: Arc<Mutex<Vec<(u32, Bytes)>>>,
    /// `None` once stopped; dropping the handle aborts the task.
    task: Option<JoinHandle<()>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Everything the switch task needs.
pub(crate) struct Wiring {
    pub(crate) controller: Option<SocketAddr>,
    pub(crate) peers: HashMap<u32, Peer>,
    pub(crate) stats: Arc<NetStats>,
    pub(crate) guard: LoopGuard,
}

impl Switch {
    /// Starts a lone switch (ports not wired to anything: what it sends out of them is
    /// kept, see [`Switch::unwired_output`]) connecting to `controller` if given.
    pub fn spawn(opts: SwitchOptions, controller: Option<SocketAddr>, clock: Clock) -> Switch {
        let (tx, rx) = mpsc::unbounded_channel();
        let wiring = Wiring {
            controller,
            peers: HashMap::new(),
            stats: Arc::new(NetStats::default()),
            guard: LoopGuard::default(),
        };
        Self::spawn_wired(opts, clock, tx, rx, wiring)
    }

    pub(crate) fn spawn_wired(
        opts: SwitchOptions,
        clock: Clock,
        tx: mpsc::UnboundedSender<Input>,
        rx: mpsc::UnboundedReceiver<Input>,
        wiring: Wiring,
    ) -> Switch {
        let name = opts.name.clone();
        let dpid = opts.dpid;
        let core = Arc::new(Mutex::new(SwitchCore::new(opts, clock)));
        let unwired = Arc::new(Mutex::new(Vec::new()));
        let task = tokio::spawn(run(core.clone(), rx, wiring, unwired.clone()));
        Switch {
            name,
            dpid,
            core,
            tx,
            unwired,
            task: Some(task),
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn dpid(&self) -> Dpid {
        self.dpid
    }

    /// The version negotiated with the controller (None while not connected).
    pub fn version(&self) -> Option<Version> {
        lock(&self.core).version()
    }

    /// A snapshot of every flow entry.
    pub fn flows(&self) -> Vec<FlowEntry> {
        lock(&self.core).table().flows().cloned().collect()
    }

    pub fn counters(&self) -> SwitchCounters {
        lock(&self.core).counters()
    }

    /// Runs `f` on the switch's state (e.g. to install flows without a controller).
    /// Effects of direct changes are not sent anywhere.
    pub fn with_core<R>(&self, f: impl FnOnce(&mut SwitchCore) -> R) -> R {
        f(&mut lock(&self.core))
    }

    /// Injects a frame as if it arrived on `port`.
    pub fn inject(&self, port: u32, frame: Bytes) {
        let _ = self.tx.send(Input::Frame {
            port,
            frame,
            tag: Tag::fresh(),
        });
    }

    /// Sets a port's link state; the switch sends PORT_STATUS to the controller.
    pub fn set_port(&self, port: u32, up: bool) {
        let _ = self.tx.send(Input::SetLink { port, up });
    }

    /// Frames sent out of ports that are not wired to a link (lone switches).
    pub fn unwired_output(&self) -> Vec<(u32, Bytes)> {
        std::mem::take(&mut *lock(&self.unwired))
    }

    /// Stops the task (the controller sees the connection close).
    pub async fn stop(mut self) {
        let _ = self.tx.send(Input::Stop);
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

async fn read_from(conn: &mut Option<TcpStream>, buf: &mut Vec<u8>) -> std::io::Result<usize> {
    match conn {
        Some(c) => c.read_buf(buf).await,
        None => std::future::pending().await,
    }
}

fn frame_hash(f: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    f.hash(&mut h);
    h.finish()
}

struct Task {
    core: Arc<Mutex<SwitchCore>>,
    w: Wiring,
    unwired: Arc<Mutex<Vec<(u32, Bytes)>>>,
    conn: Option<TcpStream>,
    recent: VecDeque<(u64, Tag)>,
}

impl Task {
    /// Writes controller-bound bytes and hands frames to links.
    async fn apply(&mut self, fx: Effects, tag: Option<&Tag>) {
        for (port, frame) in fx.frames {
            let t = match tag {
                Some(t) => t.clone(),
                None => {
                    // From the controller (PACKET_OUT): continue the family of the frame
                    // it came from, if this switch sent it up recently.
                    let h = frame_hash(&frame);
                    self.recent
                        .iter()
                        .rev()
                        .find(|(x, _)| *x == h)
                        .map(|(_, t)| t.clone())
                        .unwrap_or_else(Tag::fresh)
                }
            };
            match self.w.peers.get(&port) {
                Some(peer) => self.w.stats.deliver(peer, frame, &t, self.w.guard),
                None => lock(&self.unwired).push((port, frame)),
            }
        }
        if !fx.to_controller.is_empty() {
            if let Some(c) = self.conn.as_mut() {
                if c.write_all(&fx.to_controller).await.is_err() {
                    self.drop_conn();
                }
            }
        }
        if let Some(reason) = fx.close {
            tracing::debug!("switch closes its controller connection: {reason}");
            self.drop_conn();
        }
    }

    fn drop_conn(&mut self) {
        self.conn = None;
        lock(&self.core).disconnected();
    }

    async fn connect(&mut self) {
        let Some(addr) = self.w.controller else {
            return;
        };
        let Ok(Ok(mut s)) =
            tokio::time::timeout(Duration::from_secs(1), TcpStream::connect(addr)).await
        else {
            return;
        };
        let _ = s.set_nodelay(true);
        let hello = lock(&self.core).hello();
        if s.write_all(&hello).await.is_ok() {
            self.conn = Some(s);
        }
    }
}

async fn run(
    core: Arc<Mutex<SwitchCore>>,
    mut rx: mpsc::UnboundedReceiver<Input>,
    w: Wiring,
    unwired: Arc<Mutex<Vec<(u32, Bytes)>>>,
) {
    let mut t = Task {
        core,
        w,
        unwired,
        conn: None,
        recent: VecDeque::with_capacity(RECENT),
    };
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut tick = tokio::time::interval(TICK);
    let mut next_connect = tokio::time::Instant::now();
    loop {
        if t.conn.is_none()
            && t.w.controller.is_some()
            && tokio::time::Instant::now() >= next_connect
        {
            buf.clear();
            t.connect().await;
            next_connect = tokio::time::Instant::now() + RECONNECT;
        }
        tokio::select! {
            r = read_from(&mut t.conn, &mut buf) => match r {
                Ok(0) | Err(_) => t.drop_conn(),
                Ok(_) => {
                    let mut fx = Effects::default();
                    let mut it = header::frames(&buf, MAX_MESSAGE_LEN);
                    let mut bad = false;
                    {
                        let mut core = lock(&t.core);
                        for f in it.by_ref() {
                            match f {
                                Ok(frame) => {
                                    let e = core.handle_frame(frame);
                                    fx.to_controller.extend_from_slice(&e.to_controller);
                                    fx.frames.extend(e.frames);
                                    if e.close.is_some() {
                                        fx.close = e.close;
                                        break;
                                    }
                                }
                                Err(_) => {
                                    bad = true;
                                    break;
                                }
                            }
                        }
                    }
                    let used = it.consumed();
                    buf.drain(..used);
                    if bad {
                        fx.close = Some("framing error".into());
                    }
                    t.apply(fx, None).await;
                }
            },
            inp = rx.recv() => match inp {
                None | Some(Input::Stop) => break,
                Some(Input::Frame { port, frame, tag }) => {
                    if t.recent.len() == RECENT {
                        t.recent.pop_front();
                    }
                    t.recent.push_back((frame_hash(&frame), tag.clone()));
                    let fx = lock(&t.core).receive(port, &frame);
                    t.apply(fx, Some(&tag)).await;
                }
                Some(Input::SetLink { port, up }) => {
                    let fx = lock(&t.core).set_link(port, up);
                    t.apply(fx, None).await;
                }
            },
            _ = tick.tick() => {
                let fx = lock(&t.core).tick();
                t.apply(fx, None).await;
            }
        }
    }
    if let Some(mut c) = t.conn.take() {
        let _ = c.shutdown().await;
    }
}

impl Drop for Switch {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
        }
    }
}
