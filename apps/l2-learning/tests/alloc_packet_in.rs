//! Heap allocations per PACKET_IN through the whole runtime — socket read, framing,
//! decode, lift, pipeline, FLOW_MOD + PACKET_OUT encoded into the write batch, socket
//! write — counted with a global allocator over every thread of the process, first with a
//! minimal app answering from message templates (what is counted is the framework's),
//! then with l2-learning under a cbench-like load. The switch side is the test thread
//! with blocking socket calls and fixed buffers, which allocate nothing.
#![deny(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use viola_framework::Dpid;

use openflow::packet::build::ethernet;
use openflow::{Action, FlowMod, MacAddr, Match, PacketOut, Version};
use viola_framework::testing::{frames, ScriptedSwitch};
use viola_framework::{App, Context, ControllerBuilder, Event, ListenAddr, Verdict};
use viola_l2_learning::L2Learning;

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
        // Holding on to the frame would keep the read buffer's memory from being reused.
        po.data = bytes::Bytes::new();
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

/// Sends `n` probes, cycling through `probes` (frames of one length), and reads until `n`
/// PACKET_OUTs came back.
fn exchange(
    stream: &mut std::net::TcpStream,
    probes: &[Vec<u8>],
    n: u64,
    counter: &mut FrameCounter,
) {
    let len = probes[0].len();
    let mut batch = [0u8; 32 * 1024];
    let per_batch = (batch.len() / len).min(probes.len());
    for (chunk, probe) in batch.chunks_exact_mut(len).zip(probes.iter()) {
        chunk.copy_from_slice(probe);
    }
    let start = counter.packet_outs;
    let mut buf = [0u8; 65536];
    let mut sent = 0u64;
    let deadline = Instant::now() + Duration::from_secs(60);
    while counter.packet_outs < start + n {
        assert!(
            Instant::now() < deadline,
            "responses stopped at {}",
            counter.packet_outs
        );
        // Keep at most a few batches in flight.
        let answered = counter.packet_outs - start;
        if sent < n && sent - answered < 4 * per_batch as u64 {
            let k = (n - sent).min(per_batch as u64) as usize;
            stream.write_all(&batch[..k * len]).expect("write probes");
            sent += k as u64;
        }
        let got = stream.read(&mut buf).expect("read responses");
        assert!(got > 0, "controller closed the connection");
        counter.feed(&buf[..got]);
    }
}

fn packet_in(v: Version, in_port: u16, frame: &[u8]) -> Vec<u8> {
    match v {
        Version::V1_0 => frames::packet_in_v10(7, in_port, frame),
        Version::V1_3 => frames::packet_in_v13(7, u32::from(in_port), frame),
        // This test runs over `Version::ALL`, the versions the controller offers.
        other => panic!("no PACKET_IN builder for OpenFlow {other}"),
    }
}

fn mac(n: u16) -> MacAddr {
    let [a, b] = n.to_be_bytes();
    MacAddr([2, 0, 0, 0, a, b])
}

/// cbench's load: the destination announces itself on port 2, then frames to it enter on
/// port 1 from `sources` different addresses.
fn cbench_probes(v: Version, sources: u16) -> (Vec<u8>, Vec<Vec<u8>>) {
    let dst = mac(0xffff);
    let announce = packet_in(v, 2, &ethernet(MacAddr::BROADCAST, dst, 0x0806, &[0; 46]));
    let probes = (1..=sources)
        .map(|s| packet_in(v, 1, &ethernet(dst, mac(s), 0x0800, &[0; 50])))
        .collect();
    (announce, probes)
}

fn allocations_per_packet_in(app: Arc<dyn App>, v: Version) -> f64 {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (running, mut stream) = rt.block_on(async {
        let running = ControllerBuilder::new()
            .app(app)
            .listen(ListenAddr::Tcp("127.0.0.1:0".parse().unwrap()))
            .start()
            .await
            .expect("controller starts");
        let addr = running.local_addrs()[0];
        let mut sw = ScriptedSwitch::connect(addr).await.expect("connect");
        sw.handshake(v, Dpid(1)).await.expect("handshake");
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
    let (announce, probes) = cbench_probes(v, 200);
    let mut counter = FrameCounter {
        header: [0; 8],
        have: 0,
        skip: 0,
        packet_outs: 0,
    };
    exchange(&mut stream, &[announce], 1, &mut counter);
    // Warm up: every source learned, buffers grown to their working size, lazily built
    // metrics there.
    exchange(&mut stream, &probes, 5_000, &mut counter);
    const N: u64 = 50_000;
    COUNT.store(0, Ordering::Relaxed);
    ARMED.store(true, Ordering::Relaxed);
    exchange(&mut stream, &probes, N, &mut counter);
    ARMED.store(false, Ordering::Relaxed);
    let count = COUNT.load(Ordering::Relaxed);
    drop(stream);
    rt.block_on(running.shutdown());
    count as f64 / N as f64
}

#[test]
fn no_allocation_per_packet_in() {
    type MakeApp = fn() -> Arc<dyn App>;
    let apps: [(&str, MakeApp); 2] = [
        ("templates", || Arc::new(Responder::new())),
        ("l2-learning", || Arc::new(L2Learning::default())),
    ];
    for (name, app) in apps {
        for v in Version::ALL {
            let per = allocations_per_packet_in(app(), v);
            eprintln!("{name}, OpenFlow {v}: {per:.4} allocations per PACKET_IN");
            // Timers, wake-ups and the odd buffer growth allocate now and then; anything
            // done for every message would show as 1 or more.
            assert!(
                per < 0.05,
                "{name}, OpenFlow {v}: {per:.4} allocations per PACKET_IN"
            );
        }
    }
}
