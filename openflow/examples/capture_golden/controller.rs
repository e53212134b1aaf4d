//! A minimal recording controller: the bridge connects to it as its primary controller, so
//! it sees what OVS sends asynchronously (FEATURES_REPLY, PACKET_IN, FLOW_REMOVED,
//! PORT_STATUS) and the replies to the few requests this tool writes itself (role, async
//! config, an undefined type that must draw an ERROR).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use openflow::header::{frames, Header, MAX_MESSAGE_LEN};

use crate::record::Log;
use crate::Fail;

/// Frames the switch sent to the recording controller.
pub const FROM_SWITCH: &str = "switch->controller";
/// Frames this tool wrote as the controller (hand-built; not OVS output).
pub const FROM_TOOL: &str = "capture-tool->switch";

const ECHO_REQUEST: u8 = 0x02;
const ECHO_REPLY: u8 = 0x03;
const FEATURES_REPLY: u8 = 0x06;

/// Builds a message with a computed length.
pub fn msg(version: u8, msg_type: u8, xid: u32, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + body.len());
    let len = u16::try_from(8 + body.len()).unwrap_or(u16::MAX);
    Header {
        version,
        msg_type,
        length: len,
        xid,
    }
    .write(&mut out);
    out.extend_from_slice(body);
    out
}

/// A controller connection being recorded.
pub struct Controller {
    stream: Arc<Mutex<Option<TcpStream>>>,
    stop: Arc<AtomicBool>,
    got_features: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
    log: Log,
    version: u8,
}

impl Controller {
    /// Listens on `listener`; on connection sends HELLO (only `version`, so the switch
    /// negotiates exactly it) and FEATURES_REQUEST.
    pub fn start(listener: TcpListener, version: u8, log: Log) -> Controller {
        let stream: Arc<Mutex<Option<TcpStream>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let got_features = Arc::new(AtomicBool::new(false));
        let (s, st, gf, lg) = (
            stream.clone(),
            stop.clone(),
            got_features.clone(),
            log.clone(),
        );
        let reader = thread::spawn(move || serve(listener, version, s, st, gf, lg));
        Controller {
            stream,
            stop,
            got_features,
            reader: Some(reader),
            log,
            version,
        }
    }

    /// Waits until the switch answered FEATURES_REQUEST.
    pub fn wait_ready(&self, timeout: Duration) -> Result<(), Fail> {
        let deadline = Instant::now() + timeout;
        while !self.got_features.load(Ordering::SeqCst) {
            if Instant::now() > deadline {
                return Err("the bridge never connected to the recording controller".into());
            }
            thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// Writes a hand-built message of this connection's version and records it.
    pub fn send(&self, msg_type: u8, xid: u32, body: &[u8]) -> Result<(), Fail> {
        let m = msg(self.version, msg_type, xid, body);
        write_recorded(&self.stream, &self.log, m)
    }

    /// Stops reading and closes the connection.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
    }
}

fn write_recorded(stream: &Mutex<Option<TcpStream>>, log: &Log, m: Vec<u8>) -> Result<(), Fail> {
    let mut guard = stream
        .lock()
        .map_err(|_| "controller lock poisoned".to_string())?;
    let s = guard.as_mut().ok_or("controller not connected")?;
    s.write_all(&m)
        .map_err(|e| format!("controller write: {e}"))?;
    log.push(FROM_TOOL, m);
    Ok(())
}

fn serve(
    listener: TcpListener,
    version: u8,
    slot: Arc<Mutex<Option<TcpStream>>>,
    stop: Arc<AtomicBool>,
    got_features: Arc<AtomicBool>,
    log: Log,
) {
    let _ = listener.set_nonblocking(true);
    let mut conn = loop {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        match listener.accept() {
            Ok((s, _)) => break s,
            Err(_) => thread::sleep(Duration::from_millis(20)),
        }
    };
    let _ = conn.set_nonblocking(false);
    let _ = conn.set_read_timeout(Some(Duration::from_millis(100)));
    let Ok(writer) = conn.try_clone() else { return };
    if let Ok(mut g) = slot.lock() {
        *g = Some(writer);
    }
    let hello_body: Vec<u8> = if version >= 4 {
        // One version-bitmap element: type 1, length 8, bitmap with only our version.
        let mut b = vec![0x00, 0x01, 0x00, 0x08];
        b.extend_from_slice(&(1u32 << version).to_be_bytes());
        b
    } else {
        Vec::new()
    };
    let _ = write_recorded(&slot, &log, msg(version, 0x00, 1, &hello_body));
    let _ = write_recorded(&slot, &log, msg(version, 0x05, 2, &[]));
    let mut pending = Vec::new();
    let mut buf = vec![0u8; 1 << 16];
    while !stop.load(Ordering::SeqCst) {
        let n = match conn.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                continue
            }
            Err(_) => break,
        };
        pending.extend_from_slice(buf.get(..n).unwrap_or(&[]));
        let mut it = frames(&pending, MAX_MESSAGE_LEN);
        let mut whole = Vec::new();
        for f in it.by_ref() {
            match f {
                Ok(f) => whole.push(f.to_vec()),
                Err(e) => {
                    eprintln!("controller: framing error from switch: {e}");
                    return;
                }
            }
        }
        let used = it.consumed();
        pending.drain(..used);
        for f in whole {
            let Some(h) = Header::parse(&f) else { continue };
            log.push(FROM_SWITCH, f.clone());
            match h.msg_type {
                ECHO_REQUEST => {
                    let body = f.get(8..).unwrap_or(&[]);
                    let _ = write_recorded(&slot, &log, msg(h.version, ECHO_REPLY, h.xid, body));
                }
                FEATURES_REPLY => got_features.store(true, Ordering::SeqCst),
                _ => {}
            }
        }
    }
    if let Ok(mut g) = slot.lock() {
        if let Some(s) = g.take() {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}
