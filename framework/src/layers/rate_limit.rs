//! A token bucket per switch for PACKET_INs: beyond the rate, packet-ins are dropped
//! before any app sees them (other events always pass).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

use tower::Layer;

use crate::pipeline::Handler;
use crate::{Context, Dpid, Event, Verdict};

const SHARDS: usize = 16;

#[derive(Clone, Copy)]
pub struct RateLimitLayer {
    per_second: u32,
    burst: u32,
}

impl RateLimitLayer {
    /// `per_second` packet-ins per switch on average, up to `burst` at once.
    pub fn new(per_second: u32, burst: u32) -> Self {
        RateLimitLayer {
            per_second,
            burst: burst.max(1),
        }
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;
    fn layer(&self, inner: S) -> RateLimit<S> {
        RateLimit {
            inner,
            rate: self.per_second as f64,
            burst: self.burst as f64,
            shards: std::array::from_fn(|_| Mutex::new(HashMap::new())),
        }
    }
}

#[derive(Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// The rate-limited handler. Buckets are sharded by dpid, so switch tasks rarely contend.
pub struct RateLimit<S> {
    inner: S,
    rate: f64,
    burst: f64,
    shards: [Mutex<HashMap<Dpid, Bucket>>; SHARDS],
}

impl<S> RateLimit<S> {
    fn admit(&self, dpid: Dpid, now: Instant) -> bool {
        let Some(shard) = self.shards.get((dpid.get() as usize) % SHARDS) else {
            return true;
        };
        let mut map = shard.lock().unwrap_or_else(|e| e.into_inner());
        let b = map.entry(dpid).or_insert(Bucket {
            tokens: self.burst,
            at: now,
        });
        let dt = now.saturating_duration_since(b.at).as_secs_f64();
        b.tokens = (b.tokens + dt * self.rate).min(self.burst);
        b.at = now;
        if b.tokens >= 1.0 {
            b.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

impl<S: Handler> Handler for RateLimit<S> {
    fn handle(&self, event: &Event<'_>, cx: &mut Context<'_>) -> Verdict {
        if let Event::PacketIn { dpid, .. } = event {
            if !self.admit(*dpid, cx.now()) {
                tracing::trace!(%dpid, "packet-in over the rate limit dropped");
                return Verdict::Stop;
            }
        }
        if let Event::SwitchDown(dpid) = event {
            if let Some(shard) = self.shards.get((dpid.get() as usize) % SHARDS) {
                shard.lock().unwrap_or_else(|e| e.into_inner()).remove(dpid);
            }
        }
        self.inner.handle(event, cx)
    }
}
