//! A controller slow to answer ADVANCE_EPOCH for one VM: that VM's post-snapshot life is
//! then long enough that a cut that is not strict shows on the wire in every run (a guest
//! that QEMU resumed would send for the whole delay), while a strict one holds everything.
//! Used as the [`Hooks`] of a [`super::hooked::Hooked`] cluster.

use super::hooked::Hooks;
use std::time::Duration;

pub struct SlowAdvance<'a> {
    pub vm: &'a str,
    pub delay: Duration,
}

impl Hooks for SlowAdvance<'_> {
    async fn before_advance(&self, vm: &str) {
        if vm == self.vm {
            tokio::time::sleep(self.delay).await;
        }
    }
}
