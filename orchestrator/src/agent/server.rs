//! The agent's control loop: one task per control connection; a `snapshot` streams its
//! events on its own connection while other connections carry `unpause`.

use super::protocol::{AgentEvent, Request};
use super::vm::{Agent, AgentError};
use crate::wire::{self, Conn, Frame, ServeLimits, WireError};
use serde_json::{json, Value};
use std::sync::Arc;
use tokio::io::AsyncReadExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Serves the control protocol on `listener`, authenticating every connection with the
/// agent's credentials.
pub async fn serve(
    listener: TcpListener,
    agent: Arc<Agent>,
    limits: ServeLimits,
) -> std::io::Result<()> {
    let creds = agent.credentials().clone();
    wire::serve_connections(listener, "agent", agent, creds, limits, connection).await
}

async fn connection(mut conn: Conn, agent: Arc<Agent>) -> Result<(), WireError> {
    loop {
        let req: Request = match conn.next_request().await? {
            None => return Ok(()),
            Some(Ok(r)) => r,
            Some(Err(why)) => {
                conn.send(&Frame::err(why)).await?;
                continue;
            }
        };
        let Conn { rd, wr, .. } = &mut conn;
        let frame = match req {
            Request::Snapshot {
                vm,
                target,
                ticket,
                mode,
            } => {
                let (tx, mut rx) = mpsc::unbounded_channel::<AgentEvent>();
                let a = agent.clone();
                let name = vm.clone();
                let task =
                    tokio::spawn(async move { a.snapshot(&vm, &target, &ticket, mode, tx).await });
                // Forward events; if the caller goes away, do not keep its guest paused.
                let mut probe = [0u8; 1];
                let mut caller_gone = false;
                loop {
                    tokio::select! {
                        ev = rx.recv() => match ev {
                            Some(ev) => {
                                if wire::write_json(wr, &Frame::event(serde_json::to_value(&ev)?)).await.is_err() {
                                    caller_gone = true;
                                }
                            }
                            None => break,
                        },
                        r = rd.read(&mut probe), if !caller_gone => {
                            if matches!(r, Ok(0) | Err(_)) {
                                caller_gone = true;
                            }
                        }
                    }
                    if caller_gone {
                        tracing::warn!(vm = %name, "snapshot caller disconnected: releasing the guest");
                        let _ = agent.unpause(&name).await;
                        let a = agent.clone();
                        let n = name.clone();
                        // Keep releasing until the snapshot ends (the pause may come later).
                        tokio::spawn(async move {
                            while !task.is_finished() {
                                let _ = a.unpause(&n).await;
                                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                            }
                        });
                        return Ok(());
                    }
                }
                match task.await {
                    Ok(Ok(report)) => Frame::ok(serde_json::to_value(report)?),
                    Ok(Err(e)) => Frame::err(e),
                    Err(e) => Frame::err(format!("snapshot task failed: {e}")),
                }
            }
            other => match handle(&agent, other).await {
                Ok(v) => Frame::ok(v),
                Err(e) => Frame::err(e),
            },
        };
        conn.send(&frame).await?;
    }
}

async fn handle(agent: &Agent, req: Request) -> Result<Value, AgentError> {
    let to_json = |v: Result<Value, serde_json::Error>| {
        v.map_err(|e| AgentError::Io(std::io::Error::other(e)))
    };
    match req {
        Request::Start(cfg) => to_json(serde_json::to_value(agent.start(cfg).await?)),
        Request::Unpause { vm } => agent.unpause(&vm).await.map(|_| Value::Null),
        Request::Restore { config, from } => {
            to_json(serde_json::to_value(agent.restore(config, from).await?))
        }
        Request::Cont { vm } => to_json(serde_json::to_value(agent.cont(&vm).await?)),
        Request::Stop { vm } => agent.stop(&vm).await.map(|_| Value::Null),
        Request::Status => to_json(serde_json::to_value(agent.status().await)),
        Request::Snapshot { .. } => Ok(json!(null)),
    }
}
