//! tower layers around [`crate::pipeline::Handler`]s: timing into Prometheus, tracing
//! spans, a guard that keeps an app's panic from taking the switch down, and a per-switch
//! PACKET_IN rate limit.

mod panic_guard;
mod rate_limit;
mod timing;
mod tracing_layer;

pub use panic_guard::{panic_message, PanicGuard, PanicGuardLayer};
pub use rate_limit::{RateLimit, RateLimitLayer};
pub use timing::{flush_thread, Timed, TimingLayer};
pub use tracing_layer::{Traced, TracingLayer};
