//! Runtime settings, resolved from [`crate::Config`] by the builder.

use std::time::Duration;

use crate::config::DuplicateDpid;
use crate::connection::ConnConfig;

#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub conn: ConnConfig,
    /// Capacity of each switch's queue for messages sent from other tasks.
    pub queue_len: usize,
    /// Minimum free space of the read buffer before each read.
    pub read_buffer: usize,
    pub tls_handshake_timeout: Duration,
    /// Rounds of app events published while handling one event (guards against loops).
    pub max_publish_rounds: usize,
    /// What a second claimant of a connected datapath id gets.
    pub duplicate_dpid: DuplicateDpid,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            conn: ConnConfig::default(),
            queue_len: 4096,
            read_buffer: 64 * 1024,
            tls_handshake_timeout: Duration::from_secs(10),
            max_publish_rounds: 16,
            duplicate_dpid: DuplicateDpid::Replace,
        }
    }
}
