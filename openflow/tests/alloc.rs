//! Heap allocations on the hot path, counted with a global allocator: decoding a PACKET_IN
//! must not allocate (DESIGN.md: no per-message allocation on the PACKET_IN → FLOW_MOD
//! path), nor must lifting it to the neutral view, nor encoding a FLOW_MOD into a buffer
//! that already has room.
//!
//! Counting is per thread (tests run in parallel), armed only around the measured call.
//!
//! The frames' `Bytes` are cloned once before measuring: a `Bytes` made from a `Vec` moves
//! its buffer into a shared allocation on its first clone, which the runtime's read
//! buffer has long done by the time frames are decoded. That one-time cost is not a
//! per-message allocation.
#![deny(unsafe_code)]

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use bytes::Bytes;
use common::frames::{cbench_packet_in_v10, packet_in_v13};
use openflow::{Action, FlowMod, Match, Message, MessageKind, Neutral, Version};

/// Delegates to the system allocator and counts allocations of armed threads.
struct Counting;

thread_local! {
    static ARMED: Cell<bool> = const { Cell::new(false) };
    static COUNT: Cell<usize> = const { Cell::new(0) };
}

fn note() {
    let _ = ARMED.try_with(|armed| {
        if armed.get() {
            let _ = COUNT.try_with(|c| c.set(c.get() + 1));
        }
    });
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

/// Runs `f` and returns how many allocations this thread made meanwhile.
fn allocations<R>(f: impl FnOnce() -> R) -> (usize, R) {
    COUNT.with(|c| c.set(0));
    ARMED.with(|a| a.set(true));
    let r = f();
    ARMED.with(|a| a.set(false));
    (COUNT.with(|c| c.get()), r)
}

/// A frame as the runtime holds it: in an already shared buffer.
fn shared(bytes: &[u8]) -> Bytes {
    let b = Bytes::from(bytes.to_vec());
    let promoted = b.clone();
    drop(promoted);
    b
}

/// The first golden PACKET_IN of a version whose match (1.3) holds in_port only.
fn golden_packet_in(sub: &str) -> Vec<u8> {
    common::golden::load(sub)
        .into_iter()
        .map(|v| v.bytes)
        .find(|b| {
            b.get(1) == Some(&0x0a)
                && (b.first() == Some(&0x01)
                    // OXM match of length 12 (4-byte header + in_port) at offset 24.
                    || b.get(24..32) == Some(&[0x00, 0x01, 0x00, 0x0c, 0x80, 0x00, 0x00, 0x04][..]))
        })
        .unwrap_or_else(|| panic!("no suitable PACKET_IN among the {sub} golden vectors"))
}

fn assert_decode_allocates_nothing(what: &str, bytes: &[u8]) {
    let frame = shared(bytes);
    let (n, r) = allocations(|| Message::decode(&frame));
    let (_, msg) = r.unwrap_or_else(|e| panic!("{what}: decode failed: {e}"));
    assert_eq!(
        msg.kind(),
        MessageKind::PacketIn,
        "{what}: decoded as {:?}",
        msg.kind()
    );
    assert_eq!(
        n, 0,
        "{what}: decoding a PACKET_IN made {n} heap allocations"
    );
}

#[test]
fn packet_in_v10_decode_allocates_nothing() {
    assert_decode_allocates_nothing("cbench 1.0 PACKET_IN", &cbench_packet_in_v10());
    assert_decode_allocates_nothing("OVS 1.0 PACKET_IN", &golden_packet_in("of10"));
}

#[test]
fn packet_in_v13_in_port_only_decode_allocates_nothing() {
    assert_decode_allocates_nothing("hand-built 1.3 PACKET_IN", &packet_in_v13());
    assert_decode_allocates_nothing("OVS 1.3 PACKET_IN", &golden_packet_in("of13"));
}

#[test]
fn packet_in_lift_allocates_nothing() {
    for (what, bytes) in [("1.0", cbench_packet_in_v10()), ("1.3", packet_in_v13())] {
        let frame = shared(&bytes);
        let (_, msg) = Message::decode(&frame).unwrap_or_else(|e| panic!("{what}: {e}"));
        let (n, pin) = allocations(|| msg.packet_in());
        let pin = pin.unwrap_or_else(|| panic!("{what}: no neutral PACKET_IN"));
        assert_eq!(pin.in_port(), 1, "{what}");
        assert_eq!(pin.data.len(), 64, "{what}");
        assert_eq!(
            n, 0,
            "{what}: lifting a PACKET_IN made {n} heap allocations"
        );
    }
}

#[test]
fn flow_mod_encode_into_a_roomy_buffer_allocates_nothing() {
    let fm = FlowMod::add(
        Match::new()
            .in_port(1)
            .eth_dst("00:00:00:00:00:02".parse().unwrap()),
    )
    .priority(10)
    .idle_timeout(60)
    .actions(vec![Action::output(2)]);
    for v in Version::ALL {
        let msg = fm.to_message(v).unwrap_or_else(|e| panic!("{v}: {e}"));
        let mut out = Vec::with_capacity(4096);
        let (n, r) = allocations(|| msg.encode(9, &mut out));
        r.unwrap_or_else(|e| panic!("{v}: {e}"));
        assert!(!out.is_empty());
        assert_eq!(
            n, 0,
            "OpenFlow {v}: encoding a FLOW_MOD made {n} heap allocations"
        );
    }
}
