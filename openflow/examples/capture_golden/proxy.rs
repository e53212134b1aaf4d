//! A recording TCP proxy for one connection: client (ovs-ofctl) ↔ switch (the bridge's
//! `ptcp:` listener). Bytes are forwarded unchanged; each direction is split into frames.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::record::{Log, Splitter};
use crate::Fail;

/// Label of frames the OVS tool sent.
pub const FROM_TOOL: &str = "ofctl->switch";
/// Label of frames the switch sent back to the OVS tool.
pub const FROM_SWITCH: &str = "switch->ofctl";

/// A listening proxy waiting for its one client.
pub struct Proxy {
    listener: TcpListener,
    upstream: SocketAddr,
}

impl Proxy {
    pub fn bind(upstream: SocketAddr) -> Result<Proxy, Fail> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("proxy bind: {e}"))?;
        Ok(Proxy { listener, upstream })
    }

    pub fn port(&self) -> Result<u16, Fail> {
        Ok(self
            .listener
            .local_addr()
            .map_err(|e| format!("proxy addr: {e}"))?
            .port())
    }

    /// Accepts clients until [`Session::finish`] (ovs-ofctl opens a new connection for
    /// some of the requests of one command); each is connected upstream and pumped in
    /// both directions. Frames are labelled with the connection's number.
    pub fn serve(self, log: Log) -> Result<Session, Fail> {
        self.listener
            .set_nonblocking(true)
            .map_err(|e| format!("nonblocking: {e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let st = stop.clone();
        let acceptor = thread::spawn(move || {
            let mut pumps = Vec::new();
            let mut n = 0usize;
            let mut errors = Vec::new();
            while !st.load(Ordering::SeqCst) {
                match self.listener.accept() {
                    Ok((client, _)) => {
                        n += 1;
                        match connect_pair(client, self.upstream, &log, n) {
                            Ok(p) => pumps.extend(p),
                            Err(e) => errors.push(e),
                        }
                    }
                    Err(_) => thread::sleep(Duration::from_millis(2)),
                }
            }
            let leftover: usize = pumps.into_iter().map(|h| h.join().unwrap_or(0)).sum();
            Outcome {
                connections: n,
                leftover,
                errors,
            }
        });
        Ok(Session { stop, acceptor })
    }
}

fn connect_pair(
    client: TcpStream,
    upstream: SocketAddr,
    log: &Log,
    n: usize,
) -> Result<[JoinHandle<usize>; 2], Fail> {
    client
        .set_nonblocking(false)
        .map_err(|e| format!("blocking: {e}"))?;
    let server = connect_retrying(upstream, Instant::now() + Duration::from_secs(10))?;
    let (c2, s2) = (
        client.try_clone().map_err(|e| e.to_string())?,
        server.try_clone().map_err(|e| e.to_string())?,
    );
    let up = pump(
        client,
        server,
        Splitter::new(format!("{FROM_TOOL} conn={n}"), log.clone()),
    );
    let down = pump(
        s2,
        c2,
        Splitter::new(format!("{FROM_SWITCH} conn={n}"), log.clone()),
    );
    Ok([up, down])
}

/// What a proxy saw.
pub struct Outcome {
    pub connections: usize,
    /// Bytes of incomplete frames left when streams ended.
    pub leftover: usize,
    pub errors: Vec<Fail>,
}

/// A proxy accepting and pumping connections.
pub struct Session {
    stop: Arc<AtomicBool>,
    acceptor: JoinHandle<Outcome>,
}

impl Session {
    /// Stops accepting and waits for every connection to end.
    pub fn finish(self) -> Outcome {
        self.stop.store(true, Ordering::SeqCst);
        self.acceptor.join().unwrap_or(Outcome {
            connections: 0,
            leftover: 0,
            errors: vec!["proxy thread panicked".into()],
        })
    }
}

/// Connects, retrying while the switch is still setting up its listener.
pub fn connect_retrying(addr: SocketAddr, deadline: Instant) -> Result<TcpStream, Fail> {
    loop {
        match TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            Ok(s) => return Ok(s),
            Err(e) if Instant::now() > deadline => return Err(format!("connect {addr}: {e}")),
            Err(_) => thread::sleep(Duration::from_millis(50)),
        }
    }
}

fn pump(mut from: TcpStream, mut to: TcpStream, mut split: Splitter) -> JoinHandle<usize> {
    thread::spawn(move || {
        let _ = from.set_read_timeout(Some(Duration::from_secs(20)));
        let mut buf = vec![0u8; 1 << 16];
        loop {
            match from.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => {
                    let Some(data) = buf.get(..n) else { break };
                    split.feed(data);
                    if to.write_all(data).is_err() {
                        break;
                    }
                }
            }
        }
        let _ = to.shutdown(Shutdown::Write);
        let _ = from.shutdown(Shutdown::Read);
        split.leftover()
    })
}
