//! A tiny in-test OpenFlow controller for the simulator's tests: handshake, then a hub or
//! a MAC-learning switch, with a log of every message received. Independent of the
//! framework on purpose, so switch behaviour is tested on its own.
#![allow(dead_code)]

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use openflow::header::{frames, MAX_MESSAGE_LEN};
use openflow::{
    hello, port, Action, Control, FlowMod, MacAddr, Match, Message, Neutral, PacketOut, Version,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the controller does with packet-ins.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Nothing (tests drive the switch by hand).
    Passive,
    /// Flood every packet-in.
    Hub,
    /// Learn source MACs; install eth_dst flows once the destination is known.
    Learning,
}

/// One connected switch as the test sees it.
pub struct Conn {
    pub version: Version,
    stream: TcpStream,
    buf: Vec<u8>,
    xid: u32,
}

impl Conn {
    pub async fn send<T: Neutral>(&mut self, msg: &T) -> u32 {
        self.xid += 1;
        let m = msg.to_message(self.version).expect("expressible");
        let bytes = m.to_bytes(self.xid).expect("encodable");
        self.stream.write_all(&bytes).await.expect("write");
        self.xid
    }

    pub async fn send_message(&mut self, m: Message) -> u32 {
        self.xid += 1;
        let bytes = m.to_bytes(self.xid).expect("encodable");
        self.stream.write_all(&bytes).await.expect("write");
        self.xid
    }

    /// The next message from the switch (panics after 5 s).
    pub async fn recv(&mut self) -> (u32, Message) {
        tokio::time::timeout(Duration::from_secs(5), self.recv_inner())
            .await
            .expect("a message within 5 s")
    }

    async fn recv_inner(&mut self) -> (u32, Message) {
        loop {
            let mut it = frames(&self.buf, MAX_MESSAGE_LEN);
            if let Some(f) = it.next() {
                let f = Bytes::copy_from_slice(f.expect("framing"));
                let n = f.len();
                self.buf.drain(..n);
                return Message::decode(&f).expect("decodable message from the switch");
            }
            let n = self.stream.read_buf(&mut self.buf).await.expect("read");
            assert!(n > 0, "switch closed the connection");
        }
    }

    /// Receives until a message with this xid arrives; returns it (and skips others).
    pub async fn reply_to(&mut self, xid: u32) -> Message {
        loop {
            let (x, m) = self.recv().await;
            if x == xid {
                return m;
            }
        }
    }
}

/// Accepts one switch and completes HELLO with `versions`.
pub async fn accept(l: &TcpListener, versions: &[Version]) -> Result<Conn, String> {
    let (mut stream, _) = tokio::time::timeout(Duration::from_secs(5), l.accept())
        .await
        .map_err(|_| "no switch connected within 5 s".to_string())?
        .map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    hello::encode_hello(versions, 1, &mut out);
    stream.write_all(&out).await.map_err(|e| e.to_string())?;
    let mut buf = Vec::new();
    let hello_len = loop {
        if let Some(Ok(f)) = frames(&buf, MAX_MESSAGE_LEN).next() {
            break f.len();
        }
        let n = stream.read_buf(&mut buf).await.map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("closed before HELLO".into());
        }
    };
    let info = hello::peek_hello(&buf[..hello_len]).map_err(|e| e.to_string())?;
    let version = hello::negotiate(versions, &info).ok_or("no common version")?;
    buf.drain(..hello_len);
    Ok(Conn {
        version,
        stream,
        buf,
        xid: 100,
    })
}

/// Everything the running mini controller saw.
#[derive(Default)]
pub struct Log {
    pub packet_ins: u64,
    pub port_status: u64,
    pub switches: Vec<u64>,
}

/// A mini controller serving every switch that connects, in `mode`.
pub struct MiniController {
    pub addr: SocketAddr,
    pub log: Arc<Mutex<Log>>,
}

pub async fn start(mode: Mode, versions: Vec<Version>) -> MiniController {
    let l = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = l.local_addr().expect("addr");
    let log = Arc::new(Mutex::new(Log::default()));
    let log2 = log.clone();
    tokio::spawn(async move {
        loop {
            let Ok(c) = accept(&l, &versions).await else {
                continue;
            };
            tokio::spawn(serve(c, mode, log2.clone()));
        }
    });
    MiniController { addr, log }
}

async fn serve(mut c: Conn, mode: Mode, log: Arc<Mutex<Log>>) {
    let fx = c.send(&Control::FeaturesRequest).await;
    let dpid = c
        .reply_to(fx)
        .await
        .features_reply()
        .expect("features")
        .datapath_id
        .get();
    log.lock().unwrap().switches.push(dpid);
    if c.version == Version::V1_3 && mode != Mode::Passive {
        // Table-miss flow: everything unknown comes to the controller.
        c.send(
            &FlowMod::add(Match::new())
                .priority(0)
                .actions(vec![Action::output(port::CONTROLLER)]),
        )
        .await;
    }
    let mut macs: HashMap<MacAddr, u32> = HashMap::new();
    loop {
        let (_, m) = match tokio::time::timeout(Duration::from_secs(3600), c.recv_inner()).await {
            Ok(x) => x,
            Err(_) => return,
        };
        if m.port_status().is_some() {
            log.lock().unwrap().port_status += 1;
        }
        if let Some(Control::EchoRequest(d)) = m.control() {
            c.send(&Control::EchoReply(d)).await;
        }
        let Some(pi) = m.packet_in() else { continue };
        log.lock().unwrap().packet_ins += 1;
        let in_port = pi.in_port();
        let (Some(dst), Some(src)) = (pi.data.get(..6), pi.data.get(6..12)) else {
            continue;
        };
        let dst = MacAddr(dst.try_into().unwrap());
        let src = MacAddr(src.try_into().unwrap());
        let out = match mode {
            Mode::Passive => continue,
            Mode::Hub => port::FLOOD,
            Mode::Learning => {
                macs.insert(src, in_port);
                match macs.get(&dst) {
                    Some(p) if !dst.is_multicast() => {
                        let fm = FlowMod::add(Match::new().in_port(in_port).eth_dst(dst))
                            .priority(10)
                            .actions(vec![Action::output(*p)]);
                        c.send(&fm).await;
                        *p
                    }
                    _ => port::FLOOD,
                }
            }
        };
        c.send(&PacketOut::new(
            in_port,
            vec![Action::output(out)],
            pi.data.clone(),
        ))
        .await;
    }
}
