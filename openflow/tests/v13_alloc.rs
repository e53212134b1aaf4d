//! Decoding a PACKET_IN (1.3, and 1.4/1.5 which keep its body) whose match has at most
//! four fields allocates nothing: the match lives inline (SmallVec) and the packet is a
//! view of the frame.
//!
//! This file holds one test on purpose: the counting allocator is process-wide.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

use bytes::Bytes;
use openflow::{Match, Message, Neutral, PacketIn, Version};

struct Counting;
static ALLOCS: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    /// Only this test's thread counts: the harness's own threads allocate at start-up.
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn count() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count();
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        count();
        unsafe { System.realloc(ptr, layout, new) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[test]
fn packet_in_decode_does_not_allocate() {
    let pi = PacketIn {
        buffer_id: None,
        total_len: 64,
        reason: 0,
        table_id: 0,
        cookie: 0,
        match_: Match::new()
            .in_port(3)
            .metadata(1)
            .tunnel_id(2)
            .in_phy_port(3),
        data: Bytes::from(vec![0xab; 64]),
    };
    for v in [Version::V1_3, Version::V1_4, Version::V1_5] {
        let wire = Bytes::from(pi.to_message(v).unwrap().to_bytes(1).unwrap());
        // A `Bytes` made from a Vec allocates its shared header on the first clone; the
        // runtime's read buffer is already shared, so do that before counting.
        let _shared = wire.clone();
        COUNTING.with(|c| c.set(true));
        let before = ALLOCS.load(Ordering::SeqCst);
        let mut ok = 0;
        for _ in 0..100 {
            let (_, m) = Message::decode(&wire).unwrap();
            assert_eq!(m.version(), v);
            if let Ok(p) = m.into_packet_in() {
                ok += usize::from(p.data.len() == 64 && p.match_.fields().len() == 4);
            }
        }
        let after = ALLOCS.load(Ordering::SeqCst);
        COUNTING.with(|c| c.set(false));
        assert_eq!(ok, 100, "{v}");
        assert_eq!(
            after - before,
            0,
            "{v}: decoding 100 PACKET_INs allocated {} times",
            after - before
        );
    }
}
