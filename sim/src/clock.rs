//! The simulated switches' clock: real time, or a manual clock tests advance by hand.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Time since the network started, real or driven.
#[derive(Debug, Clone)]
pub enum Clock {
    /// Wall time since this instant.
    Real(Instant),
    /// Nanoseconds set by [`Clock::advance`]; never moves on its own.
    Manual(Arc<AtomicU64>),
}

impl Clock {
    /// A clock following real time from now.
    pub fn real() -> Self {
        Clock::Real(Instant::now())
    }

    /// A clock at zero that only moves when advanced.
    pub fn manual() -> Self {
        Clock::Manual(Arc::new(AtomicU64::new(0)))
    }

    pub fn now(&self) -> Duration {
        match self {
            Clock::Real(t0) => t0.elapsed(),
            Clock::Manual(n) => Duration::from_nanos(n.load(Ordering::Relaxed)),
        }
    }

    /// Moves a manual clock forward (no effect on a real clock).
    pub fn advance(&self, d: Duration) {
        if let Clock::Manual(n) = self {
            n.fetch_add(d.as_nanos() as u64, Ordering::Relaxed);
        }
    }
}

impl Default for Clock {
    fn default() -> Self {
        Clock::real()
    }
}
