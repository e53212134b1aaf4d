//! Running the pipeline for one event, then for the app events it published.

use std::sync::OnceLock;
use std::time::Instant;

use prometheus::IntCounter;

use crate::connection::Counts;
use crate::context::LocalSwitch;
use crate::controller::Published;
use crate::{Context, Controller, Event};
use openflow::MessageKind;

/// Runs `event` through the pipeline, then every event published meanwhile (as
/// [`Event::App`]), for a bounded number of rounds. `scratch` is reused between calls.
pub(crate) fn dispatch(
    ctl: &Controller,
    event: &Event<'_>,
    now: Instant,
    mut local: Option<&mut dyn LocalSwitch>,
    scratch: &mut Vec<Published>,
) {
    {
        let mut cx = Context::new(ctl, now, reborrow(&mut local), scratch);
        ctl.pipeline().handle(event, &mut cx);
    }
    let mut rounds = 0;
    while !scratch.is_empty() {
        rounds += 1;
        if rounds > ctl.settings().max_publish_rounds {
            tracing::warn!(
                dropped = scratch.len(),
                "apps keep publishing events in a loop; dropping"
            );
            scratch.clear();
            break;
        }
        let batch = std::mem::take(scratch);
        for p in &batch {
            let ev = Event::App(p.as_ref());
            let mut cx = Context::new(ctl, now, reborrow(&mut local), scratch);
            ctl.pipeline().handle(&ev, &mut cx);
        }
    }
}

/// Reborrows the local switch for one context (shortening the trait object's lifetime).
fn reborrow<'s>(l: &'s mut Option<&mut dyn LocalSwitch>) -> Option<&'s mut dyn LocalSwitch> {
    match l {
        Some(x) => Some(&mut **x),
        None => None,
    }
}

/// Counters per message kind, resolved on first use (so only kinds seen are exposed).
struct KindCounters {
    rx: [OnceLock<IntCounter>; MessageKind::ALL.len()],
    tx: [OnceLock<IntCounter>; MessageKind::ALL.len()],
}

fn kind_counters() -> &'static KindCounters {
    static C: OnceLock<KindCounters> = OnceLock::new();
    C.get_or_init(|| KindCounters {
        rx: std::array::from_fn(|_| OnceLock::new()),
        tx: std::array::from_fn(|_| OnceLock::new()),
    })
}

/// Adds a connection's message counts to the Prometheus counters and resets them.
pub(crate) fn flush_counts(rx: &mut Counts, tx: &mut Counts) {
    let c = kind_counters();
    let m = crate::metrics::metrics();
    rx.drain(|k, n| {
        if let Some(slot) = c.rx.get(k as usize) {
            slot.get_or_init(|| m.messages_received_total.with_label_values(&[k.name()]))
                .inc_by(n);
        }
    });
    tx.drain(|k, n| {
        if let Some(slot) = c.tx.get(k as usize) {
            slot.get_or_init(|| m.messages_sent_total.with_label_values(&[k.name()]))
                .inc_by(n);
        }
    });
}
