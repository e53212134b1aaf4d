//! A tracing span per app call (free when the `trace` level is off).

use tower::Layer;

use crate::pipeline::Handler;
use crate::{Context, Event, Verdict};

#[derive(Clone, Copy)]
pub struct TracingLayer {
    app: &'static str,
}

impl TracingLayer {
    pub fn new(app: &'static str) -> Self {
        TracingLayer { app }
    }
}

impl<S> Layer<S> for TracingLayer {
    type Service = Traced<S>;
    fn layer(&self, inner: S) -> Traced<S> {
        Traced {
            inner,
            app: self.app,
        }
    }
}

/// A handler whose calls run in a `trace`-level span named after the app.
pub struct Traced<S> {
    inner: S,
    app: &'static str,
}

impl<S: Handler> Handler for Traced<S> {
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        let span = tracing::trace_span!("app", app = self.app, dpid = ?event.dpid());
        let _g = span.enter();
        let v = self.inner.handle(event, cx);
        tracing::trace!(?v, "handled");
        v
    }
}
