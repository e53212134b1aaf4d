//! Background work of apps: tasks that end when the controller stops, and timers
//! (`every`/`after`) — what Ryu apps do with `hub.spawn` and a `hub.sleep` loop.
//!
//! Everything here watches the controller's stop signal, so an app's tasks end with
//! [`crate::RunningController::shutdown`] instead of outliving it. A panic in a timer's
//! callback is logged and the timer goes on: one bad tick does not end a periodic job.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures::FutureExt as _;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::layers::panic_message;
use crate::Controller;

/// A running timer. Dropping it leaves the timer running; [`Timer::cancel`] stops it.
#[derive(Debug, Clone)]
pub struct Timer {
    token: CancellationToken,
}

impl Timer {
    /// Stops the timer: no callback starts after this returns (one already running
    /// finishes).
    pub fn cancel(&self) {
        self.token.cancel();
    }

    pub fn is_cancelled(&self) -> bool {
        self.token.is_cancelled()
    }
}

impl Controller {
    /// Resolves when the controller begins to stop. Select on it in a long-running task.
    pub async fn stopped(&self) {
        self.inner.stop.cancelled().await
    }

    /// Whether the controller is stopping.
    pub fn is_stopping(&self) -> bool {
        self.inner.stop.is_cancelled()
    }

    /// Spawns `task` on the runtime; it is dropped (at its next `.await`) when the
    /// controller stops.
    pub fn spawn<F>(&self, task: F) -> JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let stop = self.inner.stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = task => {}
            }
        })
    }

    /// Calls `tick` every `period`, the first time one period from now. A tick that runs
    /// long delays the next one (ticks never overlap).
    pub fn every<F, Fut>(&self, period: Duration, mut tick: F) -> Timer
    where
        F: FnMut(Controller) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let period = period.max(Duration::from_millis(1));
        let ctl = self.clone();
        self.timer(async move {
            let start = tokio::time::Instant::now() + period;
            let mut interval = tokio::time::interval_at(start, period);
            interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                interval.tick().await;
                run_tick(tick(ctl.clone())).await;
            }
        })
    }

    /// Calls `once` after `delay`, unless cancelled or the controller stops first.
    pub fn after<F, Fut>(&self, delay: Duration, once: F) -> Timer
    where
        F: FnOnce(Controller) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let ctl = self.clone();
        self.timer(async move {
            tokio::time::sleep(delay).await;
            run_tick(once(ctl)).await;
        })
    }

    fn timer(&self, body: impl Future<Output = ()> + Send + 'static) -> Timer {
        let token = self.inner.stop.child_token();
        let cancelled = token.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = cancelled.cancelled() => {}
                _ = body => {}
            }
        });
        Timer { token }
    }
}

async fn run_tick(tick: impl Future<Output = ()>) {
    if let Err(panic) = AssertUnwindSafe(tick).catch_unwind().await {
        tracing::error!("timer callback panicked: {}", panic_message(&*panic));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use super::*;
    use crate::testing::Harness;

    fn counter() -> (Arc<AtomicU32>, impl Fn() -> Arc<AtomicU32>) {
        let n = Arc::new(AtomicU32::new(0));
        let m = n.clone();
        (n, move || m.clone())
    }

    #[tokio::test(start_paused = true)]
    async fn every_ticks_each_period_until_cancelled() {
        let h = Harness::new(vec![]);
        let (n, n2) = counter();
        let t = h.controller().every(Duration::from_secs(10), move |_| {
            let n = n2();
            async move {
                n.fetch_add(1, Ordering::SeqCst);
            }
        });
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(
            n.load(Ordering::SeqCst),
            0,
            "first tick one period from now"
        );
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(n.load(Ordering::SeqCst), 3);
        t.cancel();
        tokio::time::sleep(Duration::from_secs(30)).await;
        assert_eq!(n.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn a_panicking_tick_does_not_end_the_timer() {
        let h = Harness::new(vec![]);
        let (n, n2) = counter();
        h.controller().every(Duration::from_secs(1), move |_| {
            let n = n2();
            async move {
                if n.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("first tick fails");
                }
            }
        });
        tokio::time::sleep(Duration::from_millis(3500)).await;
        assert_eq!(n.load(Ordering::SeqCst), 3);
    }

    #[tokio::test(start_paused = true)]
    async fn after_fires_once_and_stop_ends_timers_and_tasks() {
        let h = Harness::new(vec![]);
        let ctl = h.controller();
        let (n, n2) = counter();
        let n3 = n2();
        ctl.after(Duration::from_secs(2), move |_| async move {
            n3.fetch_add(1, Ordering::SeqCst);
        });
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert_eq!(n.load(Ordering::SeqCst), 1);

        let n4 = n2();
        ctl.every(Duration::from_secs(1), move |_| {
            let n = n4.clone();
            async move {
                n.fetch_add(10, Ordering::SeqCst);
            }
        });
        let task = ctl.spawn(std::future::pending());
        assert!(!ctl.is_stopping());
        h.stop();
        assert!(ctl.is_stopping());
        ctl.stopped().await;
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(n.load(Ordering::SeqCst), 1, "no tick after stop");
        tokio::time::timeout(Duration::from_secs(1), task)
            .await
            .expect("a spawned task ends when the controller stops")
            .unwrap();
    }
}
