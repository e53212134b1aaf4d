//! [`ScriptedSwitch`]: a switch played by a test over a real socket (TCP or TLS), frame by
//! frame, with hand-built frames from [`super::frames`].

use std::io;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use openflow::header::{frame_len, Header, MAX_MESSAGE_LEN};
use openflow::Version;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

use super::frames;
use crate::connection::wire;

/// How long [`ScriptedSwitch::recv`] waits for a frame.
pub const RECV_TIMEOUT: Duration = Duration::from_secs(5);

/// A scripted switch over any byte stream.
pub struct ScriptedSwitch<S> {
    io: S,
    buf: BytesMut,
    /// The version the handshake negotiated (or that [`ScriptedSwitch::handshake`] used).
    pub version: Version,
}

impl ScriptedSwitch<TcpStream> {
    /// Connects to a controller listening on `addr`.
    pub async fn connect(addr: std::net::SocketAddr) -> io::Result<Self> {
        Ok(Self::new(TcpStream::connect(addr).await?))
    }
}

fn timeout_err() -> io::Error {
    io::Error::new(
        io::ErrorKind::TimedOut,
        "no frame from the controller in time",
    )
}

impl<S: AsyncRead + AsyncWrite + Unpin> ScriptedSwitch<S> {
    pub fn new(io: S) -> Self {
        ScriptedSwitch {
            io,
            buf: BytesMut::with_capacity(65_536),
            version: Version::V1_3,
        }
    }

    /// Writes raw bytes.
    pub async fn send(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.io.write_all(bytes).await?;
        self.io.flush().await
    }

    /// The next frame from the controller (`UnexpectedEof` when it closed).
    pub async fn recv(&mut self) -> io::Result<(Header, Bytes)> {
        loop {
            if let Some(len) = frame_len(&self.buf, MAX_MESSAGE_LEN)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?
            {
                let f = self.buf.split_to(len).freeze();
                let h = Header::parse(&f)
                    .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "short frame"))?;
                return Ok((h, f));
            }
            let n = tokio::time::timeout(RECV_TIMEOUT, self.io.read_buf(&mut self.buf))
                .await
                .map_err(|_| timeout_err())??;
            if n == 0 {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "controller closed the connection",
                ));
            }
        }
    }

    /// The next frame of type `msg_type`; echo requests met on the way are answered and
    /// other frames skipped.
    pub async fn recv_type(&mut self, msg_type: u8) -> io::Result<(Header, Bytes)> {
        loop {
            let (h, f) = self.recv().await?;
            if h.msg_type == msg_type {
                return Ok((h, f));
            }
            if h.msg_type == wire::OFPT_ECHO_REQUEST {
                let v = Version::from_wire(h.version).unwrap_or(self.version);
                self.send(&frames::echo_reply(v, h.xid, f.get(8..).unwrap_or(&[])))
                    .await?;
            }
        }
    }

    /// Reads until the controller closes; returns the frames it sent meanwhile.
    pub async fn until_closed(&mut self) -> io::Result<Vec<(Header, Bytes)>> {
        let mut v = Vec::new();
        loop {
            match self.recv().await {
                Ok(x) => v.push(x),
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => return Ok(v),
                Err(e) if e.kind() == io::ErrorKind::ConnectionReset => return Ok(v),
                Err(e) => return Err(e),
            }
        }
    }

    /// Plays the switch side of the handshake: HELLO for `v` (with a bitmap for 1.3),
    /// FEATURES_REPLY with `dpid`, an empty PORT_DESC reply (1.3), BARRIER_REPLY.
    pub async fn handshake(&mut self, v: Version, dpid: crate::Dpid) -> io::Result<()> {
        self.version = v;
        let bitmap = (v == Version::V1_3).then_some(1u32 << 4);
        self.send(&frames::hello(v.wire(), bitmap, 1)).await?;
        let (h, _) = self.recv_type(wire::OFPT_HELLO).await?;
        if h.version < v.wire() && bitmap.is_none() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "controller offered an older version",
            ));
        }
        let (h, _) = self.recv_type(wire::OFPT_FEATURES_REQUEST).await?;
        self.send(&frames::features_reply(v, h.xid, dpid, 254))
            .await?;
        let t = wire::types(v);
        loop {
            let (h, _) = self.recv().await?;
            if h.msg_type == t.stats_request {
                self.send(&frames::stats_reply(
                    v,
                    h.xid,
                    wire::OFPMP_PORT_DESC,
                    false,
                    &[],
                ))
                .await?;
            } else if h.msg_type == t.barrier_request {
                self.send(&frames::barrier_reply(v, h.xid)).await?;
                return Ok(());
            }
        }
    }

    /// Gives the stream back.
    pub fn into_inner(self) -> S {
        self.io
    }
}
