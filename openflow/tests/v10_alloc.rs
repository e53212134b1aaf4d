//! Decoding an OpenFlow 1.0 PACKET_IN (and lifting it to the neutral `PacketIn`) performs no
//! heap allocation when the frame comes out of a read buffer the way the runtime splits it.
//!
//! Counting allocations needs a `GlobalAlloc` wrapper, which is `unsafe` to implement; it
//! lives only in this test binary (the library itself forbids unsafe code).

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use bytes::BytesMut;
use openflow::Message;

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);
static COUNTING: AtomicBool = AtomicBool::new(false);

// SAFETY: forwards every call unchanged to the system allocator; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Ordering::Relaxed) {
            ALLOCS.fetch_add(1, Ordering::Relaxed);
        }
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn packet_in_decode_allocates_nothing() {
    // The cbench probe: 18-byte PACKET_IN header + a 64-byte frame.
    let mut wire = vec![
        0x01, 0x0a, 0x00, 0x52, 0, 0, 0, 9, 0, 0, 1, 0, 0, 0x40, 0, 1, 0, 0,
    ];
    wire.extend((0u8..64).map(|b| b.wrapping_mul(7)));
    // A read buffer holding two frames, split the way the runtime does it.
    let mut buf = BytesMut::with_capacity(4096);
    buf.extend_from_slice(&wire);
    buf.extend_from_slice(&wire);
    let first = buf.split_to(wire.len()).freeze();
    let second = buf.split_to(wire.len()).freeze();

    ALLOCS.store(0, Ordering::SeqCst);
    COUNTING.store(true, Ordering::SeqCst);
    let mut in_ports = 0u64;
    for frame in [&first, &second] {
        let (_, msg) = Message::decode(frame).expect("decodes");
        let pi = msg.packet_in().expect("is a packet-in");
        in_ports += u64::from(pi.in_port());
        let key = openflow::packet::peek_eth(&pi.data);
        assert!(key.is_some());
    }
    COUNTING.store(false, Ordering::SeqCst);
    let n = ALLOCS.load(Ordering::SeqCst);
    assert_eq!(in_ports, 2);
    assert_eq!(
        n, 0,
        "decoding and lifting two PACKET_INs allocated {n} times"
    );
}
