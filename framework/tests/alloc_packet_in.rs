//! Heap allocations per PACKET_IN through the whole runtime — socket read, framing,
//! decode, lift, pipeline, FLOW_MOD + PACKET_OUT encoded into the write batch, socket
//! write — counted with a global allocator over every thread of the process.
//!
//! The app answers from message templates it keeps (so the app itself allocates
//! nothing); whatever is counted is the framework's. The switch side is a plain thread
//! with blocking socket calls and fixed buffers, which allocate nothing either.
#![deny(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openflow::{Action, FlowMod, Match, PacketOut, Version};
use viola_framework::testing::{frames, ScriptedSwitch};
use viola_framework::{App, Context, ControllerBuilder, Event, ListenAddr, Verdict};

struct Counting;

static ARMED: AtomicBool = AtomicBool::new(false);
static COUNT: AtomicU64 = AtomicU64::new(0);

fn note() {
    if ARMED.load(Ordering::Relaxed) {
        COUNT.fetch_add(1, Ordering::Relaxed);
    }
}

// A global allocator can only be written with `unsafe`: this one adds a counter and
// forwards every call unchanged to `System`, so it upholds `System`'s contract.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Answers every PACKET_IN with a FLOW_MOD and a PACKET_OUT, from templates.
struct Responder {
    templates: Mutex<(FlowMod, PacketOut)>,
}

impl Responder {
    fn new() -> Self {
        let fm = FlowMod::add(Match::new())
            .priority(10)
            .idle_timeout(60)
            .actions(vec![Action::output(2)]);
        let po = PacketOut::new(0, vec![Action::output(2)], bytes::Bytes::new());
        Responder {
            templates: Mutex::new((fm, po)),
        }
    }
}

impl App for Responder {
    fn name(&self) -> &'static str {
        "responder"
    }
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        let Event::PacketIn { dpid, packet_in } = event else {
            return Verdict::Continue;
        };
        let Ok(mut t) = self.templates.lock() else {
            return Verdict::Stop;
        };
        let (fm, po) = &mut *t;
        fm.match_ = Match::new().in_port(packet_in.in_port());
        po.in_port = packet_in.in_port();
        po.data = packet_in.data.clone();
        cx.send(*dpid, fm).expect("flow mod sent");
        cx.send(*dpid, po).expect("packet out sent");
        Verdict::Stop
    }
}

/// Counts PACKET_OUT frames in a byte stream fed in pieces, with a fixed header buffer.
struct FrameCounter {
    header: [u8; 8],
    have: usize,
    skip: usize,
    packet_outs: u64,
}

impl FrameCounter {
    fn feed(&mut self, mut b: &[u8]) {
        while !b.is_empty() {
            if self.skip > 0 {
                let n = self.skip.min(b.len());
                self.skip -= n;
                b = &b[n..];
                continue;
            }
            let n = (8 - self.have).min(b.len());
            self.header[self.have..self.have + n].copy_from_slice(&b[..n]);
            self.have += n;
            b = &b[n..];
            if self.have == 8 {
                self.have = 0;
                let len = u16::from_be_bytes([self.header[2], self.header[3]]) as usize;
                self.skip = len.saturating_sub(8);
                if self.header[1] == 0x0d {
                    self.packet_outs += 1;
                }
            }
        }
    }
}

/// Sends `n` copies of `probe` and reads until `n` PACKET_OUTs came back.
fn exchange(stream: &mut std::net::TcpStream, probe: &[u8], n: u64, counter: &mut FrameCounter) {
    let target = counter.packet_outs + n;
    let mut buf = [0u8; 65536];
    let mut batch = [0u8; 32 * 1024];
    let per_batch = batch.len() / probe.len();
    for (i, chunk) in batch.chunks_exact_mut(probe.len()).enumerate() {
        if i < per_batch {
            chunk.copy_from_slice(probe);
        }
    }
    let mut sent = 0u64;
    let deadline = Instant::now() + Duration::from_secs(60);
    while counter.packet_outs < target {
        assert!(Instant::now() < deadline, "responses stopped at {}", counter.packet_outs);
        // Keep at most a few batches in flight.
        if sent < n && sent - (counter.packet_outs + n - target) < 4 * per_batch as u64 {
            let k = (n - sent).min(per_batch as u64) as usize;
            stream.write_all(&batch[..k * probe.len()]).expect("write probes");
            sent += k as u64;
        }
        let got = stream.read(&mut buf).expect("read responses");
        assert!(got > 0, "controller closed the connection");
        counter.feed(&buf[..got]);
    }
}

fn allocations_per_packet_in(v: Version) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (running, mut stream) = rt.block_on(async {
        let running = ControllerBuilder::new()
            .app(Arc::new(Responder::new()))
            .listen(ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()))
            .start()
            .await
            .expect("controller starts");
        let addr = running.local_addrs()[0];
        let mut sw = ScriptedSwitch::connect(addr).await.expect("connect");
        sw.handshake(v, 1).await.expect("handshake");
        let ctl = running.handle();
        let t = Instant::now();
        while ctl.switches().is_empty() {
            assert!(t.elapsed() < Duration::from_secs(5), "switch never came up");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        let std = sw.into_inner().into_std().expect("std stream");
        std.set_nonblocking(false).expect("blocking");
        (running, std)
    });
    let frame = [0x5au8; 64];
    let probe = match v {
        Version::V1_0 => frames::packet_in_v10(7, 1, &frame),
        Version::V1_3 => frames::packet_in_v13(7, 1, &frame),
    };
    let mut counter = FrameCounter {
        header: [0; 8],
        have: 0,
        skip: 0,
        packet_outs: 0,
    };
    // Warm up: buffers grow to their working size, lazily built metrics appear.
    exchange(&mut stream, &probe, 5_000, &mut counter);
    const N: u64 = 50_000;
    COUNT.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::Relaxed);
    exchange(&mut stream, &probe, N, &mut counter);
    ARMED.store(false, Ordering::Relaxed);
    let count = COUNT.load(Ordering::Relaxed);
    drop(stream);
    rt.block_on(running.shutdown());
    count as f64 / N as f64
}

#[test]
fn the_runtime_allocates_nothing_per_packet_in() {
    for v in Version::ALL {
        let per = allocations_per_packet_in(v);
        eprintln!("OpenFlow {v}: {per:.4} allocations per PACKET_IN");
        // Timers, wake-ups and the odd buffer growth allocate now and then; anything
        // done for every message would show as 1 or more.
        assert!(per < 0.05, "OpenFlow {v}: {per:.4} allocations per PACKET_IN");
    }
}
