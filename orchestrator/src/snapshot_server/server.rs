//! The snapshot server's control loop: one task per control connection.

use super::client::SnapshotServerClient;
use super::protocol::{Manifest, Request};
use super::store::{Store, StoreError};
use crate::auth::{data, AuthError, Credentials};
use crate::wire::{self, Conn, Frame, ServeLimits, WireError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;

/// Errors of one request.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("data connection: {0}")]
    Data(#[from] AuthError),
}

/// Serves the control protocol on `listener` until the task is dropped, authenticating
/// every connection with the store's credentials; pending snapshots older than the
/// store's `pending_ttl` are aborted meanwhile.
pub async fn serve(
    listener: TcpListener,
    store: Arc<Store>,
    limits: ServeLimits,
) -> std::io::Result<()> {
    let creds = store.credentials().clone();
    let expiry = store.clone().expire_pending_forever();
    let serving = wire::serve_connections(
        listener,
        "snapshot server",
        store,
        creds,
        limits,
        connection,
    );
    tokio::select! {
        r = serving => r,
        () = expiry => Ok(()),
    }
}

async fn connection(mut conn: Conn, store: Arc<Store>) -> Result<(), WireError> {
    loop {
        let frame = match conn.next_request::<Request>().await? {
            None => return Ok(()),
            Some(Err(why)) => Frame::err(why),
            Some(Ok(req)) => match handle(&store, req).await {
                Ok(v) => Frame::ok(v),
                Err(e) => Frame::err(e),
            },
        };
        conn.send(&frame).await?;
    }
}

async fn handle(store: &Arc<Store>, req: Request) -> Result<Value, ServerError> {
    Ok(match req {
        Request::Prepare { snapshot_id, vm } => {
            serde_json::to_value(store.prepare(&snapshot_id, &vm).await?)
                .map_err(WireError::from)?
        }
        Request::Commit {
            snapshot_id,
            meta,
            expect,
        } => serde_json::to_value(store.commit(&snapshot_id, meta, &expect).await?)
            .map_err(WireError::from)?,
        Request::Vote {
            snapshot_id,
            meta,
            expect,
        } => serde_json::to_value(store.vote(&snapshot_id, meta, &expect).await?)
            .map_err(WireError::from)?,
        Request::Abort { snapshot_id } => {
            store.abort(&snapshot_id).await?;
            Value::Null
        }
        Request::Delete { snapshot_id } => {
            json!({ "deleted": store.delete(&snapshot_id).await? })
        }
        Request::Copy {
            snapshot_id,
            to,
            as_id,
        } => {
            let remote_id = as_id.unwrap_or_else(|| snapshot_id.clone());
            serde_json::to_value(copy_to(store, &snapshot_id, &to, &remote_id).await?)
                .map_err(WireError::from)?
        }
        Request::Serve {
            snapshot_id,
            vm,
            to,
            ticket,
        } => {
            let path = store.verified_image_path(&snapshot_id, &vm).await?;
            json!({ "bytes": send_file(&path, &to, store.credentials(), &ticket).await? })
        }
        Request::Manifest { snapshot_id } => {
            serde_json::to_value(store.manifest(&snapshot_id)?).map_err(WireError::from)?
        }
        Request::List => serde_json::to_value(store.list()?).map_err(WireError::from)?,
    })
}

/// Writes a file to the data port `to` (after the handshake and `ticket`) and closes
/// the connection; returns the bytes sent.
pub async fn send_file(
    path: &std::path::Path,
    to: &str,
    creds: &Credentials,
    ticket: &str,
) -> Result<u64, ServerError> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut sock = data::connect(to, creds, ticket).await?;
    let n = tokio::io::copy(&mut file, &mut sock).await?;
    sock.shutdown().await?;
    Ok(n)
}

/// Pushes committed snapshot `id` to the server at `to` (as `remote_id`): prepare + stream
/// every image, then commit there with the expected hashes; aborts there on any failure.
async fn copy_to(
    store: &Arc<Store>,
    id: &str,
    to: &str,
    remote_id: &str,
) -> Result<Manifest, ServerError> {
    let manifest = store.manifest(id)?;
    let remote = SnapshotServerClient::new(to, store.credentials().clone());
    let result = async {
        for vm in manifest.images.keys() {
            let prepared = remote.prepare(remote_id, vm).await?;
            send_file(
                &store.image_path(id, vm)?,
                &remote.data_addr(prepared.port),
                store.credentials(),
                &prepared.ticket,
            )
            .await?;
        }
        let expect: BTreeMap<String, String> = manifest
            .images
            .iter()
            .map(|(k, v)| (k.clone(), v.sha256.clone()))
            .collect();
        Ok::<_, ServerError>(
            remote
                .commit(remote_id, manifest.meta.clone(), expect)
                .await?,
        )
    }
    .await;
    if result.is_err() {
        let _ = remote.abort(remote_id).await;
    }
    result
}
