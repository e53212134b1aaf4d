//! The snapshot server's control loop: one task per control connection.

use super::client::SnapshotServerClient;
use super::protocol::{Manifest, Request};
use super::store::{Store, StoreError};
use crate::wire::{self, Frame, WireError};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::io::{AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Errors of one request.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Wire(#[from] WireError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Serves the control protocol on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, store: Arc<Store>) -> std::io::Result<()> {
    wire::serve_connections(listener, "snapshot server", store, connection).await
}

async fn connection(stream: TcpStream, store: Arc<Store>) -> Result<(), WireError> {
    stream.set_nodelay(true)?;
    let (rd, mut wr) = stream.into_split();
    let mut rd = BufReader::new(rd);
    loop {
        let req: Value = match wire::read_json(&mut rd).await? {
            Some(v) => v,
            None => return Ok(()),
        };
        let frame = match serde_json::from_value::<Request>(req) {
            Err(e) => Frame::err(format!("bad request: {e}")),
            Ok(req) => match handle(&store, req).await {
                Ok(v) => Frame::ok(v),
                Err(e) => Frame::err(e),
            },
        };
        wire::write_json(&mut wr, &frame).await?;
    }
}

async fn handle(store: &Arc<Store>, req: Request) -> Result<Value, ServerError> {
    Ok(match req {
        Request::Prepare { snapshot_id, vm } => {
            json!({ "port": store.prepare(&snapshot_id, &vm).await? })
        }
        Request::Commit {
            snapshot_id,
            meta,
            expect,
        } => serde_json::to_value(store.commit(&snapshot_id, meta, &expect).await?)
            .map_err(WireError::from)?,
        Request::Abort { snapshot_id } => {
            store.abort(&snapshot_id).await?;
            Value::Null
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
        } => {
            let path = store.verified_image_path(&snapshot_id, &vm).await?;
            json!({ "bytes": send_file(&path, &to).await? })
        }
        Request::Manifest { snapshot_id } => {
            serde_json::to_value(store.manifest(&snapshot_id)?).map_err(WireError::from)?
        }
        Request::List => serde_json::to_value(store.list()?).map_err(WireError::from)?,
    })
}

/// Writes a file to a TCP peer and closes the connection; returns the bytes sent.
pub async fn send_file(path: &std::path::Path, to: &str) -> Result<u64, ServerError> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut sock = TcpStream::connect(to).await?;
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
    let remote = SnapshotServerClient::new(to);
    let result = async {
        for vm in manifest.images.keys() {
            let port = remote.prepare(remote_id, vm).await?;
            send_file(&store.image_path(id, vm)?, &remote.data_addr(port)).await?;
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
