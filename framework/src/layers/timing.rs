//! Times each call into `viola_app_handle_seconds{app}`.

use std::time::Instant;

use prometheus::Histogram;
use tower::Layer;

use crate::pipeline::Handler;
use crate::{Context, Event, Verdict};

/// Adds timing to a handler; the labelled histogram is resolved once, here.
#[derive(Clone)]
pub struct TimingLayer {
    hist: Histogram,
}

impl TimingLayer {
    pub fn new(app: &str) -> Self {
        TimingLayer {
            hist: crate::metrics::metrics()
                .app_handle_seconds
                .with_label_values(&[app]),
        }
    }
}

impl<S> Layer<S> for TimingLayer {
    type Service = Timed<S>;
    fn layer(&self, inner: S) -> Timed<S> {
        Timed {
            inner,
            hist: self.hist.clone(),
        }
    }
}

/// A handler whose calls are timed.
pub struct Timed<S> {
    inner: S,
    hist: Histogram,
}

impl<S: Handler> Handler for Timed<S> {
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        let t = Instant::now();
        let v = self.inner.handle(event, cx);
        self.hist.observe(t.elapsed().as_secs_f64());
        v
    }
}
