//! The tokio driver of one switch connection: one task per switch that reads into a large
//! buffer, runs the state machine and the pipeline over every whole frame of the read, and
//! writes everything the batch produced with one write.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::BytesMut;
use openflow::{Message, Version};
use prometheus::IntCounter;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::{mpsc, oneshot, watch, Notify};

use crate::claims::Claims;
use crate::config::DuplicateDpid;
use crate::connection::{CloseReason, Connection, Encoder, Output};
use crate::context::LocalSwitch;
use crate::controller::{Backend, Published, SwitchEntry};
use crate::dispatch::{dispatch, flush_counts};
use crate::events::{port_reason_name, ControllerEvent};
use crate::{Controller, Dpid, Event, RequestError, SendError, SwitchInfo};

/// The reply channel of a request.
pub(crate) type Reply = oneshot::Sender<Result<Vec<Message>, RequestError>>;

/// What other tasks ask of a switch task.
pub(crate) enum Command {
    Send(Message),
    Request { msg: Message, reply: Reply },
    Barrier { reply: Reply },
}

/// Commands handled per wake-up before the batch is written (keeps reads flowing).
const MAX_COMMANDS_PER_BATCH: usize = 1024;
/// A write that makes no progress for this long closes the connection.
const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

struct Local<'c> {
    dpid: Dpid,
    conn: &'c mut Connection,
}

impl Local<'_> {
    /// Reports a send failure under this switch's dpid.
    fn own_error(&self, r: Result<u32, SendError>) -> Result<(), SendError> {
        r.map(|_| ()).map_err(|e| match e {
            SendError::NotConnected(_) => SendError::NotConnected(self.dpid),
            other => other,
        })
    }
}

impl LocalSwitch for Local<'_> {
    fn dpid(&self) -> Dpid {
        self.dpid
    }
    fn version(&self) -> Option<Version> {
        self.conn.version()
    }
    fn send_message(&mut self, msg: &Message) -> Result<(), SendError> {
        let r = self.conn.send(msg);
        self.own_error(r)
    }
    fn send_encoded(&mut self, encode: &mut Encoder<'_>) -> Result<(), SendError> {
        let r = self.conn.send_encoded(encode);
        self.own_error(r)
    }
}

/// Per-task state besides the state machine.
struct SwitchTask {
    ctl: Controller,
    conn_id: u64,
    addr: SocketAddr,
    dpid: Option<Dpid>,
    replies: HashMap<u32, Reply>,
    scratch: Vec<Published>,
    tx: mpsc::Sender<Command>,
    close: Arc<Notify>,
    packet_ins: Option<IntCounter>,
    /// PORT_STATUS ADDs ignored because the switch has `max_ports` ports already.
    ports_refused: u64,
    decode_errors_seen: u64,
    /// The datapath ids the peer's certificate names (for `duplicate_dpid = "pin"`).
    claims: Claims,
}

/// Runs one switch connection to its end. `io` is a TCP or TLS stream; `claims`, what its
/// certificate says it may be.
pub(crate) async fn run_switch<S>(
    ctl: Controller,
    mut io: S,
    addr: SocketAddr,
    claims: Claims,
    mut shutdown: watch::Receiver<bool>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send,
{
    let settings = ctl.settings().clone();
    let (tx, mut rx) = mpsc::channel(settings.queue_len.max(1));
    let mut task = SwitchTask {
        conn_id: ctl.next_conn_id(),
        ctl,
        addr,
        dpid: None,
        replies: HashMap::new(),
        scratch: Vec::new(),
        tx,
        close: Arc::new(Notify::new()),
        packet_ins: None,
        ports_refused: 0,
        decode_errors_seen: 0,
        claims,
    };
    let mut conn = Connection::new(settings.conn.clone(), Instant::now());
    let mut buf = BytesMut::with_capacity(settings.read_buffer * 2);
    let mut outputs: Vec<Output> = Vec::with_capacity(64);
    tracing::debug!(%addr, "switch connected");
    loop {
        if !conn.out_bytes().is_empty() {
            match tokio::time::timeout(WRITE_TIMEOUT, io.write_all(conn.out_bytes())).await {
                Ok(Ok(())) => conn.clear_out(),
                Ok(Err(e)) => {
                    conn.clear_out();
                    conn.close(CloseReason::Io(e.to_string()), &mut outputs);
                }
                Err(_) => {
                    conn.clear_out();
                    conn.close(CloseReason::Io("write timed out".into()), &mut outputs);
                }
            }
            task.process(&mut conn, &mut outputs);
        }
        if conn.is_closed() {
            break;
        }
        if buf.capacity() - buf.len() < settings.read_buffer {
            buf.reserve(settings.read_buffer);
        }
        let deadline = conn.next_deadline();
        let sleep_to = tokio::time::Instant::from_std(
            deadline.unwrap_or_else(|| Instant::now() + Duration::from_secs(3600)),
        );
        let close = task.close.clone();
        tokio::select! {
            r = io.read_buf(&mut buf) => match r {
                Ok(0) => conn.close(CloseReason::PeerClosed, &mut outputs),
                Ok(_) => conn.on_bytes(&mut buf, Instant::now(), &mut outputs),
                Err(e) => conn.close(CloseReason::Io(e.to_string()), &mut outputs),
            },
            Some(cmd) = rx.recv() => {
                let now = Instant::now();
                task.command(cmd, &mut conn, now);
                let mut n = 1;
                while n < MAX_COMMANDS_PER_BATCH {
                    let Ok(cmd) = rx.try_recv() else { break };
                    task.command(cmd, &mut conn, now);
                    n += 1;
                }
            }
            _ = tokio::time::sleep_until(sleep_to), if deadline.is_some() => {
                conn.on_tick(Instant::now(), &mut outputs);
            }
            _ = close.notified() => conn.close(CloseReason::Replaced, &mut outputs),
            _ = shutdown.changed() => conn.close(CloseReason::Shutdown, &mut outputs),
        }
        task.process(&mut conn, &mut outputs);
    }
    // Last words (an error for the peer, echo of a close) are best effort.
    if !conn.out_bytes().is_empty() {
        let _ = tokio::time::timeout(Duration::from_secs(1), io.write_all(conn.out_bytes())).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), io.shutdown()).await;
    rx.close();
    while let Ok(cmd) = rx.try_recv() {
        if let Command::Request { reply, .. } | Command::Barrier { reply } = cmd {
            let _ = reply.send(Err(RequestError::Disconnected));
        }
    }
    task.finish(&conn);
}

impl SwitchTask {
    fn command(&mut self, cmd: Command, conn: &mut Connection, now: Instant) {
        match cmd {
            Command::Send(m) => {
                if let Err(e) = conn.send(&m) {
                    tracing::debug!(dpid = ?self.dpid, "dropped a queued message: {e}");
                }
            }
            Command::Request { msg, reply } => match conn.request(&msg, now) {
                Ok(xid) => {
                    self.replies.insert(xid, reply);
                }
                Err(e) => {
                    let _ = reply.send(Err(match e {
                        SendError::Unsupported(u) => RequestError::Unsupported(u),
                        _ => RequestError::Disconnected,
                    }));
                }
            },
            Command::Barrier { reply } => match conn.barrier(now) {
                Ok(xid) => {
                    self.replies.insert(xid, reply);
                }
                Err(_) => {
                    let _ = reply.send(Err(RequestError::Disconnected));
                }
            },
        }
    }

    fn run(&mut self, event: &Event<'_>, conn: &mut Connection, now: Instant) {
        let Some(dpid) = self.dpid else { return };
        let mut local = Local { dpid, conn };
        dispatch(&self.ctl, event, now, Some(&mut local), &mut self.scratch);
    }

    /// Handles what the state machine produced: events through the pipeline, replies to
    /// their waiters, metrics.
    fn process(&mut self, conn: &mut Connection, outputs: &mut Vec<Output>) {
        let now = Instant::now();
        for o in outputs.drain(..) {
            match o {
                Output::SwitchUp(hs) => {
                    let dpid = hs.features.datapath_id;
                    let info = SwitchInfo {
                        dpid,
                        version: hs.version,
                        addr: self.addr,
                        n_tables: hs.features.n_tables,
                        n_buffers: hs.features.n_buffers,
                        capabilities: hs.features.capabilities,
                        ports: hs.ports,
                        connected_at: SystemTime::now(),
                    };
                    let entry = SwitchEntry {
                        info: info.clone(),
                        conn_id: self.conn_id,
                        backend: Backend {
                            tx: self.tx.clone(),
                            close: self.close.clone(),
                        },
                    };
                    let policy = self.ctl.settings().duplicate_dpid;
                    if policy == DuplicateDpid::Pin && !self.claims.allows(dpid) {
                        tracing::warn!(dpid = %dpid, refused = %self.addr,
                            "switch refused (duplicate_dpid = pin): {}", self.claims.refusal(dpid));
                        self.close.notify_one();
                        continue;
                    }
                    let old = match self.ctl.register(entry, policy != DuplicateDpid::Refuse) {
                        Ok(old) => old,
                        Err(holder) => {
                            tracing::warn!(dpid = %dpid, holder = %holder, refused = %self.addr,
                                "second connection for a datapath id refused (duplicate_dpid = refuse)");
                            self.close.notify_one();
                            continue;
                        }
                    };
                    self.dpid = Some(dpid);
                    self.packet_ins = Some(
                        crate::metrics::metrics()
                            .packet_in_total
                            .with_label_values(&[&dpid.to_string()]),
                    );
                    if let Some(old) = old {
                        // Same dpid on a new connection: the new one wins (see docs).
                        tracing::warn!(dpid = %dpid, old = %old.info.addr, new = %self.addr,
                            "second connection for a datapath id: replacing the old one");
                        old.backend.close.notify_one();
                        self.run(&Event::SwitchDown(dpid), conn, now);
                        self.ctl.emit_event(ControllerEvent::SwitchDown { dpid });
                    }
                    tracing::info!(dpid = %dpid, version = %info.version, addr = %self.addr,
                        ports = info.ports.len(), "switch up");
                    self.run(&Event::SwitchUp(&info), conn, now);
                    self.ctl.emit_event(ControllerEvent::SwitchUp {
                        dpid,
                        version: info.version,
                        addr: self.addr,
                    });
                }
                Output::PacketIn(p) => {
                    if let Some(c) = &self.packet_ins {
                        c.inc();
                    }
                    if let Some(dpid) = self.dpid {
                        self.run(
                            &Event::PacketIn {
                                dpid,
                                packet_in: &p,
                            },
                            conn,
                            now,
                        );
                    }
                }
                Output::PortStatus(s) => {
                    if let Some(dpid) = self.dpid {
                        let max_ports = self.ctl.settings().conn.max_ports;
                        if !self.ctl.update_port(dpid, &s, max_ports) {
                            self.ports_refused += 1;
                            if self.ports_refused == 1 {
                                tracing::warn!(dpid = %dpid,
                                    "switch announces more than {max_ports} ports; ignoring new ones");
                            }
                            continue;
                        }
                        self.run(&Event::PortStatus { dpid, status: &s }, conn, now);
                        self.ctl.emit_event(ControllerEvent::PortStatus {
                            dpid,
                            reason: port_reason_name(s.reason),
                            port: s.port.clone(),
                        });
                    }
                }
                Output::FlowRemoved(r) => {
                    if let Some(dpid) = self.dpid {
                        self.run(&Event::FlowRemoved { dpid, removed: &r }, conn, now);
                    }
                }
                Output::Error { error, request } => {
                    if let Some(dpid) = self.dpid {
                        tracing::debug!(dpid = %dpid, err_type = error.err_type, code = error.code,
                            request = ?request.as_ref().map(|m| m.kind().name()), "switch reported an error");
                        self.run(
                            &Event::Error {
                                dpid,
                                error: &error,
                                request: request.as_ref(),
                            },
                            conn,
                            now,
                        );
                    }
                }
                Output::Reply { xid, result } => {
                    if let Some(r) = self.replies.remove(&xid) {
                        let _ = r.send(result);
                    }
                }
                Output::EchoRtt(d) => crate::metrics::metrics()
                    .echo_rtt_seconds
                    .observe(d.as_secs_f64()),
                Output::Closed(reason) => match &reason {
                    CloseReason::PeerClosed | CloseReason::Shutdown | CloseReason::Replaced => {
                        tracing::info!(dpid = ?self.dpid, addr = %self.addr, "connection closed: {reason}")
                    }
                    _ => {
                        tracing::warn!(dpid = ?self.dpid, addr = %self.addr, "connection closed: {reason}")
                    }
                },
            }
        }
        flush_counts(&mut conn.rx_counts, &mut conn.tx_counts);
        crate::layers::flush_thread();
        if conn.decode_errors > self.decode_errors_seen {
            crate::metrics::metrics()
                .decode_errors_total
                .inc_by(conn.decode_errors - self.decode_errors_seen);
            self.decode_errors_seen = conn.decode_errors;
        }
    }

    /// Unregisters the switch (if this connection still owns it) and delivers SwitchDown.
    fn finish(mut self, conn: &Connection) {
        for (_, r) in self.replies.drain() {
            let _ = r.send(Err(RequestError::Disconnected));
        }
        let Some(dpid) = self.dpid else { return };
        if self.ctl.unregister(dpid, self.conn_id) {
            tracing::info!(dpid = %dpid, reason = ?conn.close_reason(), "switch down");
            // Per-switch series go with the switch, so a churn of datapath ids does not
            // grow the registry.
            self.packet_ins = None;
            let _ = crate::metrics::metrics()
                .packet_in_total
                .remove_label_values(&[&dpid.to_string()]);
            dispatch(
                &self.ctl,
                &Event::SwitchDown(dpid),
                Instant::now(),
                None,
                &mut self.scratch,
            );
            crate::layers::flush_thread();
            self.ctl.emit_event(ControllerEvent::SwitchDown { dpid });
        }
    }
}
