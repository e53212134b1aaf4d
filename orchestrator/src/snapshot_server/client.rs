//! Client of the snapshot server's control protocol.

use super::protocol::{Listing, Manifest, Prepared, Request};
use crate::auth::Credentials;
use crate::wire::{self, WireError};
use serde_json::Value;
use std::collections::BTreeMap;
use std::time::Duration;

/// A snapshot server reached at its control address (`HOST:PORT`).
#[derive(Debug, Clone)]
pub struct SnapshotServerClient {
    pub addr: String,
    pub credentials: Credentials,
    /// Per-request timeout (commit and copy wait for streams: give them room).
    pub timeout: Duration,
}

#[derive(serde::Deserialize)]
struct BytesReply {
    bytes: u64,
}

impl SnapshotServerClient {
    pub fn new(addr: impl Into<String>, credentials: Credentials) -> Self {
        SnapshotServerClient {
            addr: addr.into(),
            credentials,
            timeout: Duration::from_secs(300),
        }
    }

    /// The host part of the control address (where data ports are reached too).
    pub fn host(&self) -> &str {
        host_of(&self.addr)
    }

    /// `HOST:PORT` of a data port returned by [`Self::prepare`].
    pub fn data_addr(&self, port: u16) -> String {
        format!("{}:{port}", self.host())
    }

    /// Opens a data port for one image: its port and one-time ticket.
    pub async fn prepare(&self, snapshot_id: &str, vm: &str) -> Result<Prepared, WireError> {
        let req = Request::Prepare {
            snapshot_id: snapshot_id.into(),
            vm: vm.into(),
        };
        wire::call(&self.addr, &self.credentials, &req, self.timeout).await
    }

    pub async fn commit(
        &self,
        snapshot_id: &str,
        meta: Value,
        expect: BTreeMap<String, String>,
    ) -> Result<Manifest, WireError> {
        let req = Request::Commit {
            snapshot_id: snapshot_id.into(),
            meta,
            expect,
        };
        wire::call(&self.addr, &self.credentials, &req, self.timeout).await
    }

    /// Phase one of a two-phase commit (see [`Request::Vote`]).
    pub async fn vote(
        &self,
        snapshot_id: &str,
        meta: Value,
        expect: BTreeMap<String, String>,
    ) -> Result<Manifest, WireError> {
        let req = Request::Vote {
            snapshot_id: snapshot_id.into(),
            meta,
            expect,
        };
        wire::call(&self.addr, &self.credentials, &req, self.timeout).await
    }

    /// Deletes a committed snapshot; whether there was one.
    pub async fn delete(&self, snapshot_id: &str) -> Result<bool, WireError> {
        #[derive(serde::Deserialize)]
        struct Deleted {
            deleted: bool,
        }
        let req = Request::Delete {
            snapshot_id: snapshot_id.into(),
        };
        let r: Deleted = wire::call(&self.addr, &self.credentials, &req, self.timeout).await?;
        Ok(r.deleted)
    }

    pub async fn abort(&self, snapshot_id: &str) -> Result<(), WireError> {
        let req = Request::Abort {
            snapshot_id: snapshot_id.into(),
        };
        let _: Value = wire::call(&self.addr, &self.credentials, &req, self.timeout).await?;
        Ok(())
    }

    /// Copies committed `snapshot_id` to the server at control address `to`, stored there
    /// as `as_id` (default: the same id).
    pub async fn copy(
        &self,
        snapshot_id: &str,
        to: &str,
        as_id: Option<&str>,
    ) -> Result<Manifest, WireError> {
        let req = Request::Copy {
            snapshot_id: snapshot_id.into(),
            to: to.into(),
            as_id: as_id.map(str::to_string),
        };
        wire::call(&self.addr, &self.credentials, &req, self.timeout).await
    }

    /// Has the server stream image `vm` to the data port `to`, presenting `ticket`.
    pub async fn serve(
        &self,
        snapshot_id: &str,
        vm: &str,
        to: &str,
        ticket: &str,
    ) -> Result<u64, WireError> {
        let req = Request::Serve {
            snapshot_id: snapshot_id.into(),
            vm: vm.into(),
            to: to.into(),
            ticket: ticket.into(),
        };
        let r: BytesReply = wire::call(&self.addr, &self.credentials, &req, self.timeout).await?;
        Ok(r.bytes)
    }

    pub async fn manifest(&self, snapshot_id: &str) -> Result<Manifest, WireError> {
        let req = Request::Manifest {
            snapshot_id: snapshot_id.into(),
        };
        wire::call(&self.addr, &self.credentials, &req, self.timeout).await
    }

    pub async fn list(&self) -> Result<Listing, WireError> {
        wire::call(&self.addr, &self.credentials, &Request::List, self.timeout).await
    }
}

/// `"1.2.3.4:5"` → `"1.2.3.4"`, `"[::1]:5"` → `"[::1]"`, `"host"` → `"host"`.
pub fn host_of(addr: &str) -> &str {
    match addr.rfind(':') {
        Some(i) if !addr[i..].contains(']') => &addr[..i],
        _ => addr,
    }
}
