//! Times each call into `viola_app_handle_seconds{app}`.
//!
//! Observations go into a per-thread [`LocalHistogram`] and reach the shared histogram when
//! the switch task finishes a read batch ([`flush_thread`]). Observing the shared histogram
//! on every call made the worker threads fight over its atomics: 17 % of a PACKET_IN's cost
//! at full load on two cores.

use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use prometheus::local::LocalHistogram;
use prometheus::Histogram;
use tower::Layer;

use crate::pipeline::Handler;
use crate::{Context, Event, Verdict};

/// Observations a thread keeps before it flushes on its own, for callers that never call
/// [`flush_thread`].
const MAX_PENDING: u64 = 1024;

/// Gives every timing layer its own slot in the per-thread table. Slots are not reused:
/// a process builds its pipeline once (tests build a few hundred).
static NEXT_SLOT: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static LOCAL: RefCell<Vec<Option<LocalHistogram>>> = const { RefCell::new(Vec::new()) };
}

/// Publishes this thread's pending timings to the shared histograms.
pub fn flush_thread() {
    LOCAL.with(|l| {
        if let Ok(l) = l.try_borrow() {
            for h in l.iter().flatten() {
                h.flush();
            }
        }
    });
}

/// Adds timing to a handler; the labelled histogram is resolved once, here.
#[derive(Clone)]
pub struct TimingLayer {
    hist: Histogram,
    slot: usize,
}

impl TimingLayer {
    pub fn new(app: &str) -> Self {
        TimingLayer {
            hist: crate::metrics::metrics()
                .app_handle_seconds
                .with_label_values(&[app]),
            slot: NEXT_SLOT.fetch_add(1, Ordering::Relaxed),
        }
    }
}

impl<S> Layer<S> for TimingLayer {
    type Service = Timed<S>;
    fn layer(&self, inner: S) -> Timed<S> {
        Timed {
            inner,
            hist: self.hist.clone(),
            slot: self.slot,
        }
    }
}

/// A handler whose calls are timed.
pub struct Timed<S> {
    inner: S,
    hist: Histogram,
    slot: usize,
}

impl<S> Timed<S> {
    fn observe(&self, secs: f64) {
        let done = LOCAL.with(|l| {
            // Borrowed only here, so this does not fail; if it ever did, the shared
            // histogram takes the sample.
            let Ok(mut l) = l.try_borrow_mut() else {
                return false;
            };
            if l.len() <= self.slot {
                l.resize_with(self.slot + 1, || None);
            }
            let Some(h) = l.get_mut(self.slot) else {
                return false;
            };
            let h = h.get_or_insert_with(|| self.hist.local());
            h.observe(secs);
            if h.get_sample_count() >= MAX_PENDING {
                h.flush();
            }
            true
        });
        if !done {
            self.hist.observe(secs);
        }
    }
}

impl<S: Handler> Handler for Timed<S> {
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        let t = Instant::now();
        let v = self.inner.handle(event, cx);
        self.observe(t.elapsed().as_secs_f64());
        v
    }
}
