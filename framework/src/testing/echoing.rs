//! A fake switch that keeps its connection healthy while a test writes whatever it likes:
//! after the handshake a task reads everything the controller sends, answers echo
//! requests and reports each message's type and xid. (A switch that stops reading is
//! rightly dropped by the controller, so floods from a [`ScriptedSwitch`] alone end early.)

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use openflow::Version;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::sync::{mpsc, Mutex};

use super::{frames, ScriptedSwitch};
use crate::connection::wire;
use crate::Dpid;

/// See the module docs.
pub struct EchoingSwitch {
    wr: Arc<Mutex<OwnedWriteHalf>>,
    seen: mpsc::UnboundedReceiver<(u8, u32)>,
}

impl EchoingSwitch {
    /// Connects to `addr`, completes the handshake as `dpid` and starts the reader.
    pub async fn connect(addr: SocketAddr, v: Version, dpid: Dpid) -> std::io::Result<Self> {
        let mut s = ScriptedSwitch::connect(addr).await?;
        s.handshake(v, dpid).await?;
        let (mut rd, wr) = s.into_inner().into_split();
        let wr = Arc::new(Mutex::new(wr));
        let (tx, seen) = mpsc::unbounded_channel();
        let echo = Arc::clone(&wr);
        tokio::spawn(async move {
            let mut head = [0u8; 8];
            while rd.read_exact(&mut head).await.is_ok() {
                let len = usize::from(u16::from_be_bytes([head[2], head[3]]));
                let mut body = vec![0u8; len.saturating_sub(8)];
                if rd.read_exact(&mut body).await.is_err() {
                    break;
                }
                let xid = u32::from_be_bytes([head[4], head[5], head[6], head[7]]);
                if head[1] == wire::OFPT_ECHO_REQUEST {
                    let reply = frames::echo_reply(v, xid, &body);
                    let _ = echo.lock().await.write_all(&reply).await;
                }
                let _ = tx.send((head[1], xid));
            }
        });
        Ok(EchoingSwitch { wr, seen })
    }

    /// Writes `bytes` (whole frames; echo replies go in between calls).
    pub async fn send(&self, bytes: &[u8]) -> std::io::Result<()> {
        self.wr.lock().await.write_all(bytes).await
    }

    /// Writes `stream` (frames of `frame_len` bytes back to back) in chunks of whole
    /// frames, so echo replies can go in between.
    pub async fn send_frames(&self, stream: &[u8], frame_len: usize) -> std::io::Result<()> {
        for chunk in stream.chunks(frame_len.max(1) * 8192) {
            self.send(chunk).await?;
        }
        Ok(())
    }

    /// Answers multipart request `xid` (1.3) with 60 kB parts that all say "more", in
    /// batches of 64, until `done()` or `max_parts` were sent; returns how many were.
    pub async fn endless_reply(
        &self,
        xid: u32,
        done: impl Fn() -> bool,
        max_parts: usize,
    ) -> std::io::Result<usize> {
        let part = frames::stats_reply(Version::V1_3, xid, 0xffff, true, &[0x5a; 60_000]);
        let mut sent = 0;
        while sent < max_parts && !done() {
            for _ in 0..64 {
                self.send(&part).await?;
                sent += 1;
            }
        }
        Ok(sent)
    }

    /// The xid of the next message of type `msg_type` from the controller, within
    /// `timeout`; `None` if the controller closed the connection or time ran out.
    pub async fn next(&mut self, msg_type: u8, timeout: Duration) -> Option<u32> {
        let wait = async {
            while let Some((t, xid)) = self.seen.recv().await {
                if t == msg_type {
                    return Some(xid);
                }
            }
            None
        };
        tokio::time::timeout(timeout, wait).await.ok().flatten()
    }
}
