//! An app that panics on one event loses that event, not the switch: the panic is caught
//! at the app's boundary, logged with the app's name and the event, and counted in
//! `viola_app_panics_total{app}`; the event goes on to the next app.
//!
//! Without it a panic unwinds through the switch's task, which ends without its cleanup
//! (the switch stays registered as connected while nobody serves it). Catching costs
//! nothing on the path that does not panic.

use std::panic::{catch_unwind, AssertUnwindSafe};

use prometheus::IntCounter;
use tower::Layer;

use crate::pipeline::Handler;
use crate::{Context, Event, Verdict};

#[derive(Clone, Copy)]
pub struct PanicGuardLayer {
    app: &'static str,
}

impl PanicGuardLayer {
    pub fn new(app: &'static str) -> Self {
        PanicGuardLayer { app }
    }
}

impl<S> Layer<S> for PanicGuardLayer {
    type Service = PanicGuard<S>;
    fn layer(&self, inner: S) -> PanicGuard<S> {
        PanicGuard {
            inner,
            app: self.app,
            panics: crate::metrics::metrics()
                .app_panics_total
                .with_label_values(&[self.app]),
        }
    }
}

/// The message a panic was raised with (`panic!("…")` gives a `&str` or a `String`).
pub fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a non-string panic".into())
}

/// A handler whose panics are caught and counted.
pub struct PanicGuard<S> {
    inner: S,
    app: &'static str,
    panics: IntCounter,
}

impl<S: Handler> Handler for PanicGuard<S> {
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        // The app's state is its own; what it queued on the context before panicking is
        // still sent, as if it had returned there.
        match catch_unwind(AssertUnwindSafe(|| self.inner.handle(event, cx))) {
            Ok(v) => v,
            Err(payload) => {
                self.panics.inc();
                let why = panic_message(payload.as_ref());
                tracing::error!(
                    app = self.app,
                    dpid = ?event.dpid(),
                    "app panicked on {}: {why}; the event goes on to the next app",
                    event.kind_name()
                );
                Verdict::Continue
            }
        }
    }
}
