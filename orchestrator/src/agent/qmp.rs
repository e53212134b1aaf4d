//! A QMP connection through the `qapi` crate: typed commands, events on a broadcast
//! channel, and raw (untyped) commands where QEMU 7.2 replies do not fit the crate's newer
//! schema (`query-migrate` statistics).

use qapi::futures::{QapiService, QmpStreamTokio};
use qapi::qmp;
use serde::Serialize;
use serde_json::Value;
use std::path::Path;
use std::time::Duration;
use tokio::io::WriteHalf;
use tokio::net::UnixStream;
use tokio::sync::broadcast;

type Service = QapiService<QmpStreamTokio<WriteHalf<UnixStream>>>;

/// QMP errors.
#[derive(Debug, thiserror::Error)]
pub enum QmpError {
    #[error("QMP socket {0}: {1}")]
    Connect(String, std::io::Error),
    #[error("QMP {command}: {detail}")]
    Command {
        command: &'static str,
        detail: String,
    },
    #[error("QMP {0}: no reply within {1:?}")]
    Timeout(&'static str, Duration),
}

/// An event as the agent uses it: name and data, decoded or not.
#[derive(Debug, Clone)]
pub struct QmpEvent {
    pub name: String,
    pub data: Value,
    /// QEMU's own timestamp of the event (wall clock, µs since the Unix epoch): when
    /// QEMU emitted it, not when the agent read it.
    pub at_us: Option<u64>,
}

/// QMP's event `timestamp` (`{"seconds", "microseconds"}`) as µs since the Unix epoch.
fn event_time_us(v: &Value) -> Option<u64> {
    let t = v.get("timestamp")?;
    let s = t.get("seconds")?.as_u64()?;
    let us = t.get("microseconds")?.as_u64()?;
    s.checked_mul(1_000_000)?.checked_add(us)
}

/// One negotiated QMP connection.
pub struct Qmp {
    service: Service,
    events: broadcast::Sender<QmpEvent>,
    timeout: Duration,
}

/// `query-migrate` sent untyped: its reply is read as JSON.
#[derive(Serialize)]
struct QueryMigrateRaw {}

impl qapi::Command for QueryMigrateRaw {
    type Ok = Value;
    const NAME: &'static str = "query-migrate";
    const ALLOW_OOB: bool = false;
}
impl qmp::QmpCommand for QueryMigrateRaw {}

/// Untyped commands whose arguments are a JSON object: the crate's typed `object-add`
/// follows a newer schema than QEMU 7.2's.
macro_rules! raw_command {
    ($ty:ident, $name:literal) => {
        #[derive(Serialize)]
        struct $ty(serde_json::Map<String, Value>);
        impl qapi::Command for $ty {
            type Ok = Value;
            const NAME: &'static str = $name;
            const ALLOW_OOB: bool = false;
        }
        impl qmp::QmpCommand for $ty {}
    };
}
raw_command!(ObjectAddRaw, "object-add");
raw_command!(ObjectDelRaw, "object-del");
raw_command!(QomSetRaw, "qom-set");

fn args(v: Value) -> serde_json::Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => serde_json::Map::new(),
    }
}

impl Qmp {
    /// Connects to a QMP unix socket, retrying until `wait` has passed (QEMU creates the
    /// socket shortly after start).
    pub async fn connect(path: &Path, wait: Duration) -> Result<Self, QmpError> {
        let deadline = tokio::time::Instant::now() + wait;
        let negotiation = loop {
            match QmpStreamTokio::open_uds(path).await {
                Ok(n) => break n,
                Err(e) if tokio::time::Instant::now() >= deadline => {
                    return Err(QmpError::Connect(path.display().to_string(), e))
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        let stream = negotiation
            .negotiate()
            .await
            .map_err(|e| QmpError::Connect(path.display().to_string(), e))?;
        let (service, events) = stream.into_parts();
        let (tx, _) = broadcast::channel(256);
        let sender = tx.clone();
        tokio::spawn(async move {
            use futures::StreamExt;
            let mut events = Box::pin(events);
            while let Some(ev) = events.next().await {
                match ev {
                    Ok(ev) => {
                        let v = serde_json::to_value(&ev).unwrap_or(Value::Null);
                        let name = v
                            .get("event")
                            .and_then(Value::as_str)
                            .unwrap_or("?")
                            .to_string();
                        let data = v.get("data").cloned().unwrap_or(Value::Null);
                        let at_us = event_time_us(&v);
                        tracing::debug!(%name, %data, "QMP event");
                        let _ = sender.send(QmpEvent { name, data, at_us });
                    }
                    Err(e) => tracing::warn!("QMP event stream: {e}"),
                }
            }
            tracing::debug!("QMP event stream ended");
        });
        Ok(Qmp {
            service,
            events: tx,
            timeout: Duration::from_secs(30),
        })
    }

    /// A receiver of every event from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<QmpEvent> {
        self.events.subscribe()
    }

    async fn exec<C>(&self, command: C) -> Result<C::Ok, QmpError>
    where
        C: qmp::QmpCommand + 'static,
    {
        let name = C::NAME;
        match tokio::time::timeout(self.timeout, self.service.execute(command)).await {
            Err(_) => Err(QmpError::Timeout(name, self.timeout)),
            Ok(Err(e)) => Err(QmpError::Command {
                command: name,
                detail: e.to_string(),
            }),
            Ok(Ok(v)) => Ok(v),
        }
    }

    pub async fn set_capabilities(
        &self,
        caps: &[(qmp::MigrationCapability, bool)],
    ) -> Result<(), QmpError> {
        let capabilities = caps
            .iter()
            .map(|(c, on)| qmp::MigrationCapabilityStatus {
                capability: *c,
                state: *on,
            })
            .collect();
        self.exec(qmp::migrate_set_capabilities { capabilities })
            .await
            .map(|_| ())
    }

    pub async fn migrate(&self, uri: &str) -> Result<(), QmpError> {
        self.exec(qmp::migrate {
            uri: Some(uri.into()),
            channels: None,
            detach: None,
            resume: None,
        })
        .await
        .map(|_| ())
    }

    pub async fn migrate_incoming(&self, uri: &str) -> Result<(), QmpError> {
        self.exec(qmp::migrate_incoming {
            uri: Some(uri.into()),
            channels: None,
            exit_on_error: None,
        })
        .await
        .map(|_| ())
    }

    /// The run state name (`running`, `paused`, `postmigrate`, `inmigrate`, …).
    pub async fn status(&self) -> Result<String, QmpError> {
        let s = self.exec(qmp::query_status {}).await?;
        Ok(serde_json::to_value(s.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default())
    }

    /// `query-migrate` as JSON.
    pub async fn query_migrate(&self) -> Result<Value, QmpError> {
        self.exec(QueryMigrateRaw {}).await
    }

    /// `object-add` with QEMU 7.2's flat arguments (`qom-type`, `id`, properties).
    pub async fn object_add(&self, arguments: Value) -> Result<(), QmpError> {
        self.exec(ObjectAddRaw(args(arguments))).await.map(|_| ())
    }

    pub async fn object_del(&self, id: &str) -> Result<(), QmpError> {
        self.exec(ObjectDelRaw(args(serde_json::json!({ "id": id }))))
            .await
            .map(|_| ())
    }

    /// `qom-set` of one property.
    pub async fn qom_set(&self, path: &str, property: &str, value: Value) -> Result<(), QmpError> {
        self.exec(QomSetRaw(args(serde_json::json!({
            "path": path,
            "property": property,
            "value": value,
        }))))
        .await
        .map(|_| ())
    }

    pub async fn cont(&self) -> Result<(), QmpError> {
        self.exec(qmp::cont {}).await.map(|_| ())
    }

    pub async fn stop(&self) -> Result<(), QmpError> {
        self.exec(qmp::stop {}).await.map(|_| ())
    }

    pub async fn quit(&self) -> Result<(), QmpError> {
        self.exec(qmp::quit {}).await.map(|_| ())
    }

    /// `major.minor.micro` and the package string.
    pub async fn version(&self) -> Result<String, QmpError> {
        let v = self.exec(qmp::query_version {}).await?;
        Ok(format!(
            "{}.{}.{} {}",
            v.qemu.major, v.qemu.minor, v.qemu.micro, v.package
        )
        .trim()
        .to_string())
    }
}
