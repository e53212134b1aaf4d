//! The pure logic without any switch: epochs, classes, limits, FIFO release, abort.

use std::time::{Duration, Instant};

use openflow::MacAddr;

use super::*;
use crate::config::{Limits, SnapshotConfig};
use crate::error::SnapshotError;

fn vm(n: u8) -> VmSpec {
    VmSpec {
        name: format!("h{n}"),
        mac: MacAddr([0, 0, 0, 0, 0, n]),
        ip: None,
        dpid: Dpid(1),
        port: n as u32,
    }
}

fn registry(policy: Policy, limits: Limits) -> Registry {
    let mut r = Registry::new(&SnapshotConfig::default());
    r.register("svc", policy, limits, false, vec![vm(1), vm(2), vm(3)])
        .unwrap();
    r
}

fn frame(tag: u8, len: usize) -> Vec<u8> {
    let mut f = vec![tag; len];
    f[0] = tag;
    f
}

/// Starts the next epoch and advances `who`.
fn snapshot_step(r: &mut Registry, who: &[VmIndex], now: Instant) -> u64 {
    let (s, _) = r.service_mut("svc").unwrap();
    let e = s.start_epoch(None, now).unwrap();
    for &i in who {
        s.advance(i, now).unwrap();
    }
    e
}

#[test]
fn classes_follow_epochs() {
    assert_eq!(classify(3, 3), Class::Type1);
    assert_eq!(classify(2, 3), Class::Type2);
    assert_eq!(classify(3, 2), Class::Type3);
    let t = Instant::now();
    let mut r = registry(Policy::Buffer, Limits::default());
    let (s, _) = r.service_mut("svc").unwrap();
    assert_eq!(s.status, Status::Idle);
    assert_eq!(s.class(0, 1), Class::Type1);
    assert_eq!(s.start_epoch(None, t).unwrap(), 1);
    assert_eq!(s.class(0, 1), Class::Type1, "both pre");
    s.advance(0, t).unwrap();
    assert_eq!(s.class(0, 1), Class::Type3, "post → pre");
    assert_eq!(s.class(1, 0), Class::Type2, "pre → post");
    let a = s.advance(1, t).unwrap();
    assert!(!a.complete);
    assert_eq!(s.class(0, 1), Class::Type1);
    assert!(s.advance(2, t).unwrap().complete);
    assert_eq!(s.status, Status::Complete);
}

#[test]
fn epochs_are_checked() {
    let t = Instant::now();
    let mut r = registry(Policy::Buffer, Limits::default());
    let (s, _) = r.service_mut("svc").unwrap();
    assert!(
        matches!(s.advance(0, t), Err(SnapshotError::Conflict(_))),
        "no epoch started"
    );
    assert_eq!(s.start_epoch(Some(5), t).unwrap(), 5);
    assert!(
        matches!(s.start_epoch(Some(6), t), Err(SnapshotError::Conflict(_))),
        "in progress"
    );
    for i in 0..3 {
        assert_eq!(s.advance(i, t).unwrap().epoch, 5);
    }
    assert!(
        matches!(s.start_epoch(Some(5), t), Err(SnapshotError::Conflict(_))),
        "not above"
    );
    assert_eq!(s.start_epoch(None, t).unwrap(), 6);
    assert!(matches!(
        s.advance(9, t),
        Err(SnapshotError::UnknownVm { .. })
    ));
}

#[test]
fn consecutive_snapshots_without_reset() {
    let t0 = Instant::now();
    let mut r = registry(Policy::Buffer, Limits::default());
    for expected in 1..=3u64 {
        let t = t0 + Duration::from_secs(expected);
        assert_eq!(snapshot_step(&mut r, &[0], t), expected);
        let (s, tot) = r.service_mut("svc").unwrap();
        assert_eq!(
            s.hold(tot, 1, 0, &frame(expected as u8, 60), t),
            HoldOutcome::Buffered
        );
        assert_eq!(s.class(1, 0), Class::Type2);
        // The receiver has not advanced: nothing may go.
        assert!(s.release(tot, 1).is_empty());
        s.advance(1, t).unwrap();
        s.advance(2, t).unwrap();
        assert_eq!(s.status, Status::Complete);
        let out = s.release(tot, 1);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].sender_epoch, expected);
        assert_eq!(out[0].data[0], expected as u8);
        assert!(s.vms().iter().all(|v| v.epoch == expected));
    }
    let s = r.service("svc").unwrap();
    assert_eq!(
        (s.counters.type3, s.counters.buffered, s.counters.reinjected),
        (3, 3, 3)
    );
    assert_eq!(s.buffered(), (0, 0));
    assert_eq!(r.totals.packets, 0);
}

#[test]
fn release_is_fifo_and_keeps_what_is_not_allowed_yet() {
    let t = Instant::now();
    let mut r = registry(Policy::Buffer, Limits::default());
    // Epoch 1: h1 advanced, h2 and h3 pre. h1 → h3 held (sender epoch 1).
    snapshot_step(&mut r, &[0], t);
    let (s, tot) = r.service_mut("svc").unwrap();
    for k in 0..3 {
        s.hold(tot, 2, 0, &frame(k, 64), t);
    }
    s.advance(1, t).unwrap();
    // h2 → h3 held as well (sender epoch 1).
    s.hold(tot, 2, 1, &frame(3, 64), t);
    s.advance(2, t).unwrap();
    // Epoch 2: h1 advanced again; h1 → h3 now carries sender epoch 2.
    s.start_epoch(None, t).unwrap();
    s.advance(0, t).unwrap();
    s.hold(tot, 2, 0, &frame(4, 64), t);
    s.hold(tot, 2, 0, &frame(5, 64), t);
    assert_eq!(s.buffered(), (6, 6 * 64));
    // h3 is at epoch 1: the four epoch-1 packets go, in arrival order; two stay.
    let out: Vec<u8> = s.release(tot, 2).iter().map(|h| h.data[0]).collect();
    assert_eq!(out, vec![0, 1, 2, 3]);
    assert_eq!(s.buffered(), (2, 128));
    s.advance(2, t).unwrap();
    let out: Vec<u8> = s.release(tot, 2).iter().map(|h| h.data[0]).collect();
    assert_eq!(out, vec![4, 5]);
    assert_eq!((tot.packets, tot.bytes), (0, 0));
}

#[test]
fn drop_policy_counts_and_holds_nothing() {
    let t = Instant::now();
    let mut r = registry(Policy::Drop, Limits::default());
    snapshot_step(&mut r, &[0], t);
    let (s, tot) = r.service_mut("svc").unwrap();
    assert_eq!(
        s.hold(tot, 1, 0, &frame(1, 100), t),
        HoldOutcome::DroppedByPolicy
    );
    assert_eq!(s.buffered(), (0, 0));
    assert_eq!((s.counters.type3, s.counters.dropped_policy), (1, 1));
}

#[test]
fn per_destination_caps_tail_drop() {
    let t = Instant::now();
    let limits = Limits {
        max_packets_per_vm: 2,
        max_bytes_per_vm: 1000,
        ..Limits::default()
    };
    let mut r = registry(Policy::Buffer, limits);
    snapshot_step(&mut r, &[0], t);
    let (s, tot) = r.service_mut("svc").unwrap();
    assert_eq!(s.hold(tot, 1, 0, &frame(1, 10), t), HoldOutcome::Buffered);
    assert_eq!(s.hold(tot, 1, 0, &frame(2, 10), t), HoldOutcome::Buffered);
    assert_eq!(
        s.hold(tot, 1, 0, &frame(3, 10), t),
        HoldOutcome::Overflow,
        "third packet to h2"
    );
    // Another destination has its own cap.
    assert_eq!(s.hold(tot, 2, 0, &frame(4, 10), t), HoldOutcome::Buffered);
    // Byte cap: 990 more bytes do not fit next to h3's 10.
    assert_eq!(s.hold(tot, 2, 0, &frame(5, 991), t), HoldOutcome::Overflow);
    assert_eq!(s.counters.dropped_overflow, 2);
    // Tail drop: the oldest packets are the ones kept.
    s.advance(1, t).unwrap();
    let kept: Vec<u8> = s.release(tot, 1).iter().map(|h| h.data[0]).collect();
    assert_eq!(kept, vec![1, 2]);
}

#[test]
fn service_and_total_caps() {
    let t = Instant::now();
    let limits = Limits {
        max_packets: 3,
        max_bytes: 10_000,
        ..Limits::default()
    };
    let mut r = registry(Policy::Buffer, limits);
    snapshot_step(&mut r, &[0], t);
    {
        let (s, tot) = r.service_mut("svc").unwrap();
        for k in 0..3 {
            assert_eq!(
                s.hold(tot, 1 + (k as usize % 2), 0, &frame(k, 10), t),
                HoldOutcome::Buffered
            );
        }
        assert_eq!(
            s.hold(tot, 2, 0, &frame(9, 10), t),
            HoldOutcome::Overflow,
            "service packet cap"
        );
    }
    // Totals across services.
    let cfg = SnapshotConfig {
        max_total_bytes: 150,
        ..SnapshotConfig::default()
    };
    let mut r = Registry::new(&cfg);
    r.register(
        "a",
        Policy::Buffer,
        Limits::default(),
        false,
        vec![vm(1), vm(2)],
    )
    .unwrap();
    let mut b2 = vm(2);
    b2.dpid = Dpid(2);
    let mut b1 = vm(1);
    b1.dpid = Dpid(2);
    r.register("b", Policy::Buffer, Limits::default(), false, vec![b1, b2])
        .unwrap();
    for name in ["a", "b"] {
        let (s, _) = r.service_mut(name).unwrap();
        s.start_epoch(None, t).unwrap();
        s.advance(0, t).unwrap();
    }
    let (a, tot) = r.service_mut("a").unwrap();
    assert_eq!(a.hold(tot, 1, 0, &frame(1, 100), t), HoldOutcome::Buffered);
    let (b, tot) = r.service_mut("b").unwrap();
    assert_eq!(
        b.hold(tot, 1, 0, &frame(1, 51), t),
        HoldOutcome::Overflow,
        "151 bytes > total cap"
    );
    assert_eq!(b.hold(tot, 1, 0, &frame(1, 50), t), HoldOutcome::Buffered);
    assert_eq!((r.totals.packets, r.totals.bytes), (2, 150));
    r.unregister("a").unwrap();
    assert_eq!((r.totals.packets, r.totals.bytes), (1, 50));
}

#[test]
fn hold_time_expires_on_sweep_and_on_arrival() {
    let t0 = Instant::now();
    let limits = Limits {
        max_hold_ms: 1000,
        ..Limits::default()
    };
    let mut r = registry(Policy::Buffer, limits);
    snapshot_step(&mut r, &[0], t0);
    {
        let (s, tot) = r.service_mut("svc").unwrap();
        s.hold(tot, 1, 0, &frame(1, 10), t0);
        s.hold(tot, 1, 0, &frame(2, 10), t0 + Duration::from_millis(600));
        s.hold(tot, 2, 0, &frame(3, 10), t0 + Duration::from_millis(700));
    }
    assert!(r.sweep(t0 + Duration::from_millis(999)).is_empty());
    let swept = r.sweep(t0 + Duration::from_millis(1000));
    assert_eq!(swept.len(), 1);
    assert_eq!(swept[0].1, 1);
    // A new arrival also drops the expired head of its destination first.
    let (s, tot) = r.service_mut("svc").unwrap();
    s.hold(tot, 1, 0, &frame(4, 10), t0 + Duration::from_millis(1700));
    assert_eq!(s.counters.dropped_expired, 2);
    assert_eq!(s.buffered(), (2, 20));
    s.advance(1, t0).unwrap();
    let kept: Vec<u8> = s.release(tot, 1).iter().map(|h| h.data[0]).collect();
    assert_eq!(kept, vec![4]);
}

#[test]
fn abort_releases_or_drops_and_equalises_epochs() {
    for release in [true, false] {
        let t = Instant::now();
        let mut r = registry(Policy::Buffer, Limits::default());
        snapshot_step(&mut r, &[0], t);
        let (s, tot) = r.service_mut("svc").unwrap();
        s.hold(tot, 1, 0, &frame(1, 10), t);
        s.hold(tot, 2, 0, &frame(2, 10), t);
        s.hold(tot, 1, 0, &frame(3, 10), t);
        let out = s.abort(tot, release);
        assert_eq!(out.epoch, 1);
        assert_eq!(s.status, Status::Aborted);
        assert!(s.vms().iter().all(|v| v.epoch == 1));
        for a in 0..3 {
            for b in 0..3 {
                assert_ne!(s.class(a, b), Class::Type3);
            }
        }
        assert_eq!(s.buffered(), (0, 0));
        assert_eq!((tot.packets, tot.bytes), (0, 0));
        if release {
            let order: Vec<(usize, u8)> =
                out.released.iter().map(|(i, h)| (*i, h.data[0])).collect();
            assert_eq!(order, vec![(1, 1), (1, 3), (2, 2)]);
            assert_eq!(s.counters.released_abort, 3);
        } else {
            assert!(out.released.is_empty());
            assert_eq!((out.dropped, s.counters.dropped_abort), (3, 3));
        }
        // After an abort the next snapshot starts above.
        assert_eq!(s.start_epoch(None, t).unwrap(), 2);
        assert!(matches!(s.advance(0, t), Ok(Advanced { epoch: 2, .. })));
    }
}

#[test]
fn pair_tracking_is_bounded_and_taken_on_advance() {
    let t = Instant::now();
    let mut r = registry(Policy::Buffer, Limits::default());
    let (s, _) = r.service_mut("svc").unwrap();
    let mac = |n| MacAddr([0, 0, 0, 0, 0, n]);
    assert!(s.track_pair(
        0,
        PairRule {
            dst: mac(2),
            out_port: 2
        },
        2
    ));
    assert!(
        s.track_pair(
            0,
            PairRule {
                dst: mac(2),
                out_port: 5
            },
            2
        ),
        "replaces"
    );
    assert!(s.track_pair(
        0,
        PairRule {
            dst: mac(3),
            out_port: 3
        },
        2
    ));
    assert!(
        !s.track_pair(
            0,
            PairRule {
                dst: mac(9),
                out_port: 3
            },
            2
        ),
        "cap"
    );
    s.start_epoch(None, t).unwrap();
    let a = s.advance(0, t).unwrap();
    assert_eq!(
        a.pairs,
        vec![
            PairRule {
                dst: mac(2),
                out_port: 5
            },
            PairRule {
                dst: mac(3),
                out_port: 3
            }
        ]
    );
    assert!(s.vm(0).unwrap().pairs.is_empty());
}

#[test]
fn a_pair_rule_is_not_resent_within_the_holdoff() {
    let t = Instant::now();
    let ms = Duration::from_millis;
    let mut r = registry(Policy::Buffer, Limits::default());
    let (s, _) = r.service_mut("svc").unwrap();
    let rule = |port| PairRule {
        dst: MacAddr([0, 0, 0, 0, 0, 2]),
        out_port: port,
    };
    assert!(s.install_pair(0, rule(2), 8, t, ms(200)), "first packet-in");
    assert!(
        !s.install_pair(0, rule(2), 8, t + ms(5), ms(200)),
        "in flight"
    );
    assert!(
        s.install_pair(0, rule(7), 8, t + ms(6), ms(200)),
        "new next hop"
    );
    assert!(
        s.install_pair(0, rule(7), 8, t + ms(300), ms(200)),
        "maybe expired"
    );
    assert_eq!(s.vm(0).unwrap().pairs, vec![rule(7)]);
    s.start_epoch(None, t).unwrap();
    s.advance(0, t + ms(301)).unwrap();
    assert!(
        s.install_pair(0, rule(7), 8, t + ms(302), ms(200)),
        "ADVANCE deleted it: sent again at once"
    );
    s.take_pairs(0);
    assert!(s.install_pair(0, rule(7), 8, t + ms(303), ms(200)));
    assert!(!s.install_pair(1, rule(7), 0, t, ms(200)), "cap of 0");
}

#[test]
fn registration_is_validated() {
    let mut r = registry(Policy::Buffer, Limits::default());
    let l = Limits::default();
    let bad = |r: &mut Registry, name: &str, vms: Vec<VmSpec>| {
        r.register(name, Policy::Buffer, l, false, vms)
    };
    assert!(
        matches!(
            bad(&mut r, "svc", vec![vm(9)]),
            Err(SnapshotError::Conflict(_))
        ),
        "same name"
    );
    assert!(
        matches!(
            bad(&mut r, "other", vec![vm(1)]),
            Err(SnapshotError::Conflict(_))
        ),
        "port taken"
    );
    assert!(matches!(
        bad(&mut r, "a b", vec![vm(9)]),
        Err(SnapshotError::Invalid(_))
    ));
    assert!(matches!(
        bad(&mut r, "services", vec![vm(9)]),
        Err(SnapshotError::Invalid(_))
    ));
    assert!(matches!(
        bad(&mut r, "x", vec![]),
        Err(SnapshotError::Invalid(_))
    ));
    assert!(matches!(
        bad(&mut r, "x", vec![vm(8), vm(8)]),
        Err(SnapshotError::Invalid(_))
    ));
    let mut bcast = vm(7);
    bcast.mac = MacAddr::BROADCAST;
    assert!(matches!(
        bad(&mut r, "x", vec![bcast]),
        Err(SnapshotError::Invalid(_))
    ));
    assert_eq!(r.member_at(Dpid(1), 2), Some(Member { service: 1, vm: 1 }));
    assert_eq!(r.members_at_switch(Dpid(1)).len(), 3);
    r.unregister("svc").unwrap();
    assert_eq!(r.member_at(Dpid(1), 2), None);
    assert!(matches!(
        r.unregister("svc"),
        Err(SnapshotError::UnknownService(_))
    ));
    // The port is free again.
    assert!(bad(&mut r, "other", vec![vm(1)]).is_ok());
}

#[test]
fn deliverable_packets_queue_behind_held_ones_of_the_same_sender() {
    let t = Instant::now();
    let mut r = registry(Policy::Buffer, Limits::default());
    snapshot_step(&mut r, &[0], t);
    let (s, totals) = r.service_mut("svc").unwrap();
    assert_eq!(
        s.hold(totals, 1, 0, &frame(1, 60), t),
        HoldOutcome::Buffered
    );
    assert!(s.holds_from(1, 0));
    assert!(!s.holds_from(1, 2), "other senders are not held up");
    s.advance(1, t).unwrap();
    // h1 → h2 is Type-1 now, but the older packet still waits for REINJECT.
    assert_eq!(s.class(0, 1), Class::Type1);
    assert_eq!(
        s.hold_behind(totals, 1, 0, &frame(2, 60), t),
        HoldOutcome::Buffered
    );
    let out = s.release(totals, 1);
    let tags: Vec<u8> = out.iter().map(|h| h.data[0]).collect();
    assert_eq!(tags, vec![1, 2], "released in the order sent");
    assert!(!s.holds_from(1, 0));
    assert_eq!(s.buffered(), (0, 0));
}
