//! [`Controller`]: the cheap, cloneable handle to a running controller that apps, the REST
//! API and tools use to see switches and talk to them from any task.

use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock};

use openflow::{Message, Neutral, StatsReply, StatsRequest, Version};
use tokio::sync::{broadcast, mpsc, oneshot, Notify};

use crate::declare::RoutesFn;
use crate::driver::Command;
use crate::events::ControllerEvent;
use crate::pipeline::Handler;
use crate::settings::Settings;
use crate::{App, Dpid, RequestError, SendError, SwitchInfo};

/// How commands reach a switch: the bounded queue its connection task (or, in tests, the
/// harness's fake switch) drains, and a way to close it.
#[derive(Clone)]
pub(crate) struct Backend {
    pub tx: mpsc::Sender<Command>,
    pub close: Arc<Notify>,
}

/// A registered switch.
#[derive(Clone)]
pub(crate) struct SwitchEntry {
    pub info: SwitchInfo,
    pub conn_id: u64,
    pub backend: Backend,
}

/// An event published by an app, delivered to every app as [`crate::Event::App`].
pub(crate) type Published = Box<dyn Any + Send + Sync>;

pub(crate) struct Inner {
    pub switches: RwLock<HashMap<Dpid, SwitchEntry>>,
    pub apps: Vec<Arc<dyn App>>,
    pub pipeline: Box<dyn Handler>,
    pub events: broadcast::Sender<ControllerEvent>,
    pub publish_tx: mpsc::UnboundedSender<Published>,
    pub publish_rx: Mutex<Option<mpsc::UnboundedReceiver<Published>>>,
    pub next_conn: AtomicU64,
    pub settings: Settings,
    /// Metrics the apps declared (served at `/metrics` beside the framework's own).
    pub app_metrics: crate::metrics::AppMetrics,
    /// Routes the apps declared (mounted by the REST API).
    pub routes: Vec<RoutesFn>,
    /// Cancelled when the controller stops: apps' tasks and timers end with it.
    pub stop: tokio_util::sync::CancellationToken,
    /// Path prefixes whose mutating routes take any Content-Type (see
    /// [`Controller::accept_any_content_type_under`]).
    pub any_content_type: Mutex<Vec<String>>,
}

/// What the apps of a controller brought besides themselves.
#[derive(Default)]
pub(crate) struct AppParts {
    pub app_metrics: crate::metrics::AppMetrics,
    pub routes: Vec<RoutesFn>,
}

/// A handle to the running controller (an `Arc` inside: clone freely).
#[derive(Clone)]
pub struct Controller {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Controller {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Controller")
            .field("switches", &self.switches().len())
            .finish()
    }
}

impl Controller {
    pub(crate) fn new(
        apps: Vec<Arc<dyn App>>,
        pipeline: Box<dyn Handler>,
        settings: Settings,
        parts: AppParts,
    ) -> Self {
        let (events, _) = broadcast::channel(1024);
        let (publish_tx, publish_rx) = mpsc::unbounded_channel();
        Controller {
            inner: Arc::new(Inner {
                switches: RwLock::new(HashMap::new()),
                apps,
                pipeline,
                events,
                publish_tx,
                publish_rx: Mutex::new(Some(publish_rx)),
                next_conn: AtomicU64::new(1),
                settings,
                app_metrics: parts.app_metrics,
                routes: parts.routes,
                stop: tokio_util::sync::CancellationToken::new(),
                any_content_type: Mutex::new(Vec::new()),
            }),
        }
    }

    pub(crate) fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    pub(crate) fn pipeline(&self) -> &dyn Handler {
        self.inner.pipeline.as_ref()
    }

    pub(crate) fn next_conn_id(&self) -> u64 {
        self.inner.next_conn.fetch_add(1, Ordering::Relaxed)
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, HashMap<Dpid, SwitchEntry>> {
        self.inner
            .switches
            .read()
            .unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<Dpid, SwitchEntry>> {
        self.inner
            .switches
            .write()
            .unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a switch; returns the entry it replaced (same dpid, older connection).
    /// With `replace` false a connected dpid is left to its holder, whose address is the
    /// error; the check and the insert are one step under the lock, so two claimants that
    /// finish their handshakes at once cannot both get in.
    pub(crate) fn register(
        &self,
        entry: SwitchEntry,
        replace: bool,
    ) -> Result<Option<SwitchEntry>, std::net::SocketAddr> {
        let mut map = self.write();
        if let Some(holder) = map.get(&entry.info.dpid).filter(|_| !replace) {
            return Err(holder.info.addr);
        }
        let old = map.insert(entry.info.dpid, entry);
        if old.is_none() {
            crate::metrics::metrics().switches_connected.inc();
        }
        Ok(old)
    }

    /// Removes the switch if it still belongs to connection `conn_id`.
    pub(crate) fn unregister(&self, dpid: Dpid, conn_id: u64) -> bool {
        let mut map = self.write();
        if map.get(&dpid).is_some_and(|e| e.conn_id == conn_id) {
            map.remove(&dpid);
            crate::metrics::metrics().switches_connected.dec();
            true
        } else {
            false
        }
    }

    /// Applies a port change to the stored switch info. A new port beyond `max_ports` is
    /// not stored (returns false): a switch cannot grow the controller's memory without
    /// bound by announcing ports.
    pub(crate) fn update_port(
        &self,
        dpid: Dpid,
        status: &openflow::PortStatus,
        max_ports: usize,
    ) -> bool {
        let mut map = self.write();
        let Some(e) = map.get_mut(&dpid) else {
            return true;
        };
        let ports = &mut e.info.ports;
        let known = ports.iter().position(|p| p.port_no == status.port.port_no);
        if status.reason == openflow::port_reason::DELETE {
            if let Some(i) = known {
                ports.remove(i);
            }
            return true;
        }
        match known {
            Some(i) => {
                if let Some(p) = ports.get_mut(i) {
                    *p = status.port.clone();
                }
            }
            None if ports.len() >= max_ports => return false,
            None => {
                let at = ports.partition_point(|p| p.port_no < status.port.port_no);
                ports.insert(at, status.port.clone());
            }
        }
        true
    }

    fn entry(&self, dpid: Dpid) -> Option<(Version, Backend)> {
        self.read()
            .get(&dpid)
            .map(|e| (e.info.version, e.backend.clone()))
    }

    /// Connected switches, ordered by datapath id.
    pub fn switches(&self) -> Vec<SwitchInfo> {
        let mut v: Vec<SwitchInfo> = self.read().values().map(|e| e.info.clone()).collect();
        v.sort_by_key(|s| s.dpid);
        v
    }

    pub fn switch(&self, dpid: Dpid) -> Option<SwitchInfo> {
        self.read().get(&dpid).map(|e| e.info.clone())
    }

    /// The version negotiated with a switch.
    pub fn version(&self, dpid: Dpid) -> Option<Version> {
        self.read().get(&dpid).map(|e| e.info.version)
    }

    /// Lowers `msg` to the switch's version and queues it (never waits: a full queue is
    /// [`SendError::QueueFull`]).
    pub fn send<T: Neutral>(&self, dpid: Dpid, msg: &T) -> Result<(), SendError> {
        let (v, backend) = self.entry(dpid).ok_or(SendError::NotConnected(dpid))?;
        let m = msg.to_message(v)?;
        Self::send_on(dpid, backend, m)
    }

    /// Queues a message already in the switch's version.
    pub fn send_message(&self, dpid: Dpid, msg: Message) -> Result<(), SendError> {
        let (v, backend) = self.entry(dpid).ok_or(SendError::NotConnected(dpid))?;
        if msg.version() != v {
            return Err(SendError::Unsupported(openflow::Unsupported::new(
                v,
                format!("a message of version {}", msg.version()),
            )));
        }
        Self::send_on(dpid, backend, msg)
    }

    fn send_on(dpid: Dpid, backend: Backend, msg: Message) -> Result<(), SendError> {
        backend
            .tx
            .try_send(Command::Send(msg))
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => SendError::QueueFull(dpid),
                mpsc::error::TrySendError::Closed(_) => SendError::NotConnected(dpid),
            })
    }

    /// Stats/multipart request; all parts reassembled; fails on OFPT_ERROR, timeout or
    /// disconnect.
    pub async fn request(
        &self,
        dpid: Dpid,
        req: &StatsRequest,
    ) -> Result<Vec<StatsReply>, RequestError> {
        let v = self.version(dpid).ok_or(RequestError::NotConnected(dpid))?;
        let parts = self.request_message(dpid, req.to_message(v)?).await?;
        Ok(parts.iter().filter_map(Message::stats_reply).collect())
    }

    /// A request already in the switch's version, for replies without a neutral form
    /// (1.3 group, meter, queue and role replies): every part of the answer as decoded.
    /// Fails like [`Controller::request`].
    pub async fn request_message(
        &self,
        dpid: Dpid,
        msg: Message,
    ) -> Result<Vec<Message>, RequestError> {
        let (v, backend) = self.entry(dpid).ok_or(RequestError::NotConnected(dpid))?;
        if msg.version() != v {
            return Err(RequestError::Unsupported(openflow::Unsupported::new(
                v,
                format!("a message of version {}", msg.version()),
            )));
        }
        let (reply, rx) = oneshot::channel();
        backend
            .tx
            .send(Command::Request { msg, reply })
            .await
            .map_err(|_| RequestError::Disconnected)?;
        rx.await.map_err(|_| RequestError::Disconnected)?
    }

    /// Barrier: resolves when the switch has processed everything sent before; any
    /// OFPT_ERROR caused by those messages is returned as [`RequestError::Switch`].
    pub async fn barrier(&self, dpid: Dpid) -> Result<(), RequestError> {
        let (_, backend) = self.entry(dpid).ok_or(RequestError::NotConnected(dpid))?;
        let (reply, rx) = oneshot::channel();
        backend
            .tx
            .send(Command::Barrier { reply })
            .await
            .map_err(|_| RequestError::Disconnected)?;
        rx.await
            .map_err(|_| RequestError::Disconnected)?
            .map(|_| ())
    }

    /// Delivers a typed event (as [`crate::Event::App`]) to every app, from the controller's
    /// dispatcher task.
    pub fn publish<E: Any + Send + Sync>(&self, event: E) {
        if self.inner.publish_tx.send(Box::new(event)).is_err() {
            tracing::debug!("published event dropped: the controller is stopping");
        }
    }

    /// Typed handle to another app of this controller (e.g. the topology app).
    pub fn app<T: App>(&self) -> Option<Arc<T>> {
        self.inner.apps.iter().find_map(|a| {
            let any: Arc<dyn Any + Send + Sync> = a.clone();
            any.downcast::<T>().ok()
        })
    }

    /// The apps' REST routers (what [`crate::declare::Declare::routes`] returned).
    pub fn app_routers(&self) -> Vec<axum::Router> {
        self.inner
            .routes
            .iter()
            .filter_map(|r| r(self.clone()))
            .collect()
    }

    /// Lifts the REST API's Content-Type rule (`rest/content_type.rs`) for paths under
    /// `prefix`: an app calls it from its `routes` when its operator turned on a
    /// compatibility switch for clients that cannot send `Content-Type: application/json`
    /// (Ryu's ofctl_rest scripts). Those routes lose the rule's protection against
    /// cross-site requests, which is why it is never the default. Takes effect for routers
    /// built afterwards.
    pub fn accept_any_content_type_under(&self, prefix: &str) {
        let mut list = self
            .inner
            .any_content_type
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        if !list.iter().any(|p| p == prefix) {
            list.push(prefix.to_string());
        }
    }

    /// The prefixes given to [`Controller::accept_any_content_type_under`].
    pub fn any_content_type_prefixes(&self) -> Vec<String> {
        self.inner
            .any_content_type
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// The registry the apps' metrics are in (see [`crate::declare::Setup`]).
    pub fn app_registry(&self) -> &prometheus::Registry {
        self.inner.app_metrics.registry()
    }

    /// The apps' metrics, as `GET /metrics` serves them after the framework's.
    pub fn app_metrics(&self) -> &crate::metrics::AppMetrics {
        &self.inner.app_metrics
    }

    /// Stops apps' tasks and timers and calls every app's `stop` hook (once).
    pub(crate) fn stop_apps(&self) {
        if self.inner.stop.is_cancelled() {
            return;
        }
        self.inner.stop.cancel();
        for a in &self.inner.apps {
            a.stop(self);
        }
    }

    /// Names of the apps, in pipeline order.
    pub fn app_names(&self) -> Vec<&'static str> {
        self.inner.apps.iter().map(|a| a.name()).collect()
    }

    /// Subscribe to controller events (switch up/down, port status, app events as JSON) —
    /// what `GET /api/v1/events` streams. Slow subscribers miss events (`Lagged`).
    pub fn subscribe(&self) -> broadcast::Receiver<ControllerEvent> {
        self.inner.events.subscribe()
    }

    /// Sends an app event to the event stream (and nowhere else): `app` and `kind` name it,
    /// `data` is its JSON body.
    pub fn emit(&self, app: &str, kind: &str, data: serde_json::Value) {
        self.emit_event(ControllerEvent::App {
            app: app.to_string(),
            kind: kind.to_string(),
            data,
        });
    }

    pub(crate) fn emit_event(&self, e: ControllerEvent) {
        // No subscriber is not an error.
        let _ = self.inner.events.send(e);
    }

    /// Closes the connection of a switch (it may reconnect).
    pub fn disconnect(&self, dpid: Dpid) -> bool {
        match self.entry(dpid) {
            Some((_, backend)) => {
                backend.close.notify_one();
                true
            }
            None => false,
        }
    }
}
