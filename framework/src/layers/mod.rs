//! tower layers around [`crate::pipeline::Handler`]s: timing into Prometheus, tracing
//! spans, and a per-switch PACKET_IN rate limit.

mod rate_limit;
mod timing;
mod tracing_layer;

pub use rate_limit::{RateLimit, RateLimitLayer};
pub use timing::{flush_thread, Timed, TimingLayer};
pub use tracing_layer::{Traced, TracingLayer};
