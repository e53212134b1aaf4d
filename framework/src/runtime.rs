//! Starting and stopping the controller: listeners (TCP and TLS side by side), active
//! connections with backoff, the dispatcher of published app events, graceful shutdown.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openflow::Version;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;

use crate::accept::{accept, Retry};
use crate::claims::Claims;
use crate::config::{Config, ListenAddr};
use crate::controller::AppParts;
use crate::declare::{Apps, RoutesFn, Setup};
use crate::dispatch::dispatch;
use crate::driver::run_switch;
use crate::pipeline::Pipeline;
use crate::{App, Controller, Event, StartError};

/// Builds and starts a controller.
///
/// ```no_run
/// # async fn f() -> Result<(), viola_framework::StartError> {
/// use viola_framework::{ControllerBuilder, ListenAddr};
/// let running = ControllerBuilder::new()
///     .listen("127.0.0.1:6653".parse::<ListenAddr>().unwrap())
///     .start()
///     .await?;
/// println!("{:?}", running.local_addrs());
/// running.shutdown().await;
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct ControllerBuilder {
    apps: Vec<Arc<dyn App>>,
    listen: Vec<ListenAddr>,
    connect: Vec<String>,
    versions: Option<Vec<Version>>,
    config: Config,
    app_metrics: crate::metrics::AppMetrics,
    routes: Vec<RoutesFn>,
}

impl ControllerBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an app; pipeline order = call order.
    pub fn app(mut self, app: Arc<dyn App>) -> Self {
        self.apps.push(app);
        self
    }

    /// What declared apps are built with: this controller's metric registry.
    pub fn setup(&self) -> Setup {
        Setup::new(self.app_metrics.clone())
    }

    /// Adds a built pipeline (apps in order, with their REST routes). Build it with
    /// [`ControllerBuilder::setup`] so its metrics are served by this controller.
    pub fn apps(mut self, apps: &Apps) -> Self {
        for b in &apps.0 {
            self.apps.push(Arc::clone(&b.app));
            self.routes.extend(b.routes.clone());
        }
        self
    }

    /// Adds an OpenFlow listener (overrides the config file's `listen` list).
    pub fn listen(mut self, addr: ListenAddr) -> Self {
        self.listen.push(addr);
        self
    }

    /// Adds an active connection target `tcp:HOST:PORT` (overrides the config's `connect`).
    pub fn connect(mut self, target: String) -> Self {
        self.connect.push(target);
        self
    }

    /// Versions offered in HELLO (overrides the config's `of_versions`).
    pub fn versions(mut self, v: Vec<Version>) -> Self {
        self.versions = Some(v);
        self
    }

    pub fn config(mut self, c: Config) -> Self {
        self.config = c;
        self
    }

    /// Binds every listener, spawns the tasks and starts the apps.
    pub async fn start(self) -> Result<RunningController, StartError> {
        let mut settings = self
            .config
            .settings()
            .map_err(|e| StartError::Config(e.to_string()))?;
        if let Some(v) = self.versions {
            if v.is_empty() {
                return Err(StartError::Config("no OpenFlow version to offer".into()));
            }
            settings.conn.versions = v;
        }
        let listen = if self.listen.is_empty() {
            self.config
                .listen_addrs()
                .map_err(|e| StartError::Config(e.to_string()))?
        } else {
            self.listen
        };
        let connect = if self.connect.is_empty() {
            self.config.connect.clone()
        } else {
            self.connect
        };
        let targets = connect
            .iter()
            .map(|t| parse_target(t))
            .collect::<Result<Vec<_>, _>>()?;
        let of = &self.config.openflow;
        let burst = if of.packet_in_burst == 0 {
            of.packet_in_rate
        } else {
            of.packet_in_burst
        };
        let pipeline = Pipeline::new(&self.apps).with_rate_limit(of.packet_in_rate, burst);
        let parts = AppParts {
            app_metrics: self.app_metrics,
            routes: self.routes,
        };
        let ctl = Controller::new(self.apps.clone(), pipeline, settings, parts);

        let (shutdown_tx, shutdown_rx) = watch::channel(false);
        let (alive_tx, alive_rx) = mpsc::channel::<()>(1);
        let mut tasks = Vec::new();
        let mut addrs = Vec::new();
        let mut acceptor: Option<TlsAcceptor> = None;
        for l in &listen {
            let listener = TcpListener::bind(l.addr())
                .await
                .map_err(|error| StartError::Bind {
                    addr: l.to_string(),
                    error,
                })?;
            let local = listener.local_addr().map_err(|error| StartError::Bind {
                addr: l.to_string(),
                error,
            })?;
            let tls = match l {
                ListenAddr::Tcp(_) => None,
                ListenAddr::Tls(_) => {
                    if acceptor.is_none() {
                        acceptor = Some(TlsAcceptor::from(crate::tls::server_config(
                            &self.config.tls,
                        )?));
                    }
                    acceptor.clone()
                }
            };
            tracing::info!(addr = %local, tls = tls.is_some(), "OpenFlow listener");
            addrs.push(local);
            tasks.push(tokio::spawn(accept_loop(
                ctl.clone(),
                listener,
                tls,
                shutdown_rx.clone(),
                alive_tx.clone(),
            )));
        }
        for t in targets {
            tasks.push(tokio::spawn(connect_loop(
                ctl.clone(),
                t,
                shutdown_rx.clone(),
                alive_tx.clone(),
            )));
        }
        let publish_rx = ctl
            .inner
            .publish_rx
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(rx) = publish_rx {
            tasks.push(tokio::spawn(publish_loop(
                ctl.clone(),
                rx,
                shutdown_rx.clone(),
            )));
        }
        for a in &self.apps {
            a.clone().start(ctl.clone());
        }
        Ok(RunningController {
            ctl,
            addrs,
            shutdown_tx,
            alive_tx: Some(alive_tx),
            alive_rx,
            tasks,
        })
    }
}

/// A started controller. Dropping it without [`RunningController::shutdown`] still stops
/// the listeners and closes the connections, without waiting.
pub struct RunningController {
    ctl: Controller,
    addrs: Vec<SocketAddr>,
    shutdown_tx: watch::Sender<bool>,
    alive_tx: Option<mpsc::Sender<()>>,
    alive_rx: mpsc::Receiver<()>,
    tasks: Vec<JoinHandle<()>>,
}

impl RunningController {
    pub fn handle(&self) -> Controller {
        self.ctl.clone()
    }

    /// Bound OpenFlow addresses, in the order the listeners were given.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        self.addrs.clone()
    }

    /// Stops accepting, closes every switch connection (apps see SwitchDown) and waits up
    /// to 5 s for the connection tasks to finish.
    pub async fn shutdown(mut self) {
        self.ctl.stop_apps();
        let _ = self.shutdown_tx.send(true);
        self.alive_tx = None;
        if tokio::time::timeout(Duration::from_secs(5), self.alive_rx.recv())
            .await
            .is_err()
        {
            tracing::warn!("some switch connections did not close within 5 s");
        }
    }
}

impl Drop for RunningController {
    fn drop(&mut self) {
        self.ctl.stop_apps();
        let _ = self.shutdown_tx.send(true);
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

/// EMFILE and friends: a fixed pause instead of spinning.
const OPENFLOW_ACCEPT_RETRY: Retry = Retry {
    first: Duration::from_millis(100),
    max: Duration::from_millis(100),
};

async fn accept_loop(
    ctl: Controller,
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    mut shutdown: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
) {
    loop {
        let (tcp, peer) = tokio::select! {
            r = accept(&listener, "OpenFlow listener", OPENFLOW_ACCEPT_RETRY) => r,
            _ = shutdown.changed() => return,
        };
        let _ = tcp.set_nodelay(true);
        let (ctl, shutdown, alive) = (ctl.clone(), shutdown.clone(), alive.clone());
        match &tls {
            None => {
                tokio::spawn(async move {
                    run_switch(ctl, tcp, peer, Claims::none(), shutdown).await;
                    drop(alive);
                });
            }
            Some(acc) => {
                let acc = acc.clone();
                tokio::spawn(async move {
                    let timeout = ctl.settings().tls_handshake_timeout;
                    match tokio::time::timeout(timeout, acc.accept(tcp)).await {
                        Ok(Ok(stream)) => {
                            let claims = stream
                                .get_ref()
                                .1
                                .peer_certificates()
                                .and_then(|c| c.first())
                                .map_or_else(Claims::none, |c| Claims::from_certificate(c));
                            run_switch(ctl, stream, peer, claims, shutdown).await
                        }
                        Ok(Err(e)) => tracing::warn!(%peer, "TLS handshake failed: {e}"),
                        Err(_) => tracing::warn!(%peer, "TLS handshake timed out"),
                    }
                    drop(alive);
                });
            }
        }
    }
}

/// `tcp:HOST:PORT` (or `tcp://HOST:PORT`) → `HOST:PORT`.
fn parse_target(t: &str) -> Result<String, StartError> {
    let rest = t.strip_prefix("tcp://").or_else(|| t.strip_prefix("tcp:"));
    match rest {
        Some(r)
            if r.rsplit_once(':')
                .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok()) =>
        {
            Ok(r.to_string())
        }
        _ => Err(StartError::Config(format!(
            "connect target `{t}` is not tcp:HOST:PORT"
        ))),
    }
}

/// Connects to a switch that listens (`ptcp:`), reconnecting with exponential backoff
/// (0.25 s doubling to 30 s; reset after a connection that lasted 10 s).
async fn connect_loop(
    ctl: Controller,
    target: String,
    mut shutdown: watch::Receiver<bool>,
    alive: mpsc::Sender<()>,
) {
    let _alive = alive;
    const MIN: Duration = Duration::from_millis(250);
    const MAX: Duration = Duration::from_secs(30);
    let mut backoff = MIN;
    loop {
        let r = tokio::select! {
            r = TcpStream::connect(&target) => r,
            _ = shutdown.changed() => return,
        };
        match r {
            Ok(tcp) => {
                let _ = tcp.set_nodelay(true);
                let peer = tcp
                    .peer_addr()
                    .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)));
                let started = Instant::now();
                run_switch(ctl.clone(), tcp, peer, Claims::none(), shutdown.clone()).await;
                if started.elapsed() >= Duration::from_secs(10) {
                    backoff = MIN;
                }
            }
            Err(e) => tracing::debug!(%target, "connect failed: {e}; retrying in {backoff:?}"),
        }
        if *shutdown.borrow() {
            return;
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => return,
        }
        backoff = (backoff * 2).min(MAX);
    }
}

/// Delivers events published through [`Controller::publish`] to the apps.
async fn publish_loop(
    ctl: Controller,
    mut rx: mpsc::UnboundedReceiver<crate::controller::Published>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut scratch = Vec::new();
    loop {
        let p = tokio::select! {
            p = rx.recv() => p,
            _ = shutdown.changed() => return,
        };
        let Some(p) = p else { return };
        dispatch(
            &ctl,
            &Event::App(p.as_ref()),
            Instant::now(),
            None,
            &mut scratch,
        );
        crate::layers::flush_thread();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            parse_target("tcp:127.0.0.1:6640").unwrap(),
            "127.0.0.1:6640"
        );
        assert_eq!(parse_target("tcp://sw1:6640").unwrap(), "sw1:6640");
        assert!(parse_target("127.0.0.1:6640").is_err());
        assert!(parse_target("tcp:host").is_err());
    }
}
