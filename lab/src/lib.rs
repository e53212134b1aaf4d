//! Real Open vSwitch labs, Mininet-style: one OVS bridge per switch (userspace datapath, no
//! kernel module), veth pairs for links, a network namespace per host.
//!
//! What it does: finds running OVS daemons or starts private ones in a run directory; builds
//! bridges `vl-s1…` (`datapath_type=netdev`, `fail-mode=secure`, datapath id = the switch's
//! dpid, fixed OpenFlow port numbers, one controller); hosts `h1…` as namespaces `vl-h1…`
//! with `10.0.0.N/8` and MAC `00:00:00:00:00:NN`; records all of it in `RUNDIR/state.json`.
//! What it never does: touch anything whose name lacks its prefix (`vl-` by default), or stop
//! OVS daemons it did not start. Everything needs root.
//!
//! ```no_run
//! use std::time::Duration;
//! use viola_lab::{Lab, LabConfig};
//! use viola_topo_spec::Topology;
//!
//! let topo = Topology::parse("tree,2,2")?;
//! let lab = Lab::up(&topo, &LabConfig::default())?;
//! lab.wait_connected(Duration::from_secs(10))?;
//! let report = lab.pingall()?;
//! print!("{}", report.render());
//! lab.down()?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod command;
mod config;
mod daemons;
mod discover;
mod down;
mod error;
mod handle;
pub mod isolate;
mod names;
mod ovs;
mod ping;
mod state;
mod up;

pub use command::{have_tool, is_root};
pub use config::{controller_target, LabConfig, OfVersions, DEFAULT_CONTROLLER, DEFAULT_RUN_DIR};
pub use daemons::{default_run_dir, stop_private, DaemonPolicy, OvsDaemons};
pub use discover::{running_vswitchd, RunningVswitchd};
pub use down::{down, list_links, list_netns, DownReport};
pub use error::LabError;
pub use handle::Lab;
pub use names::{Names, DEFAULT_PREFIX, IFNAME_MAX};
pub use ovs::{Ovs, SYSTEM_RUN_DIR};
pub use ping::{PingReport, PingResult, PING_PARALLELISM};
pub use state::{HostState, LabState, SwitchState, STATE_FILE, STATE_FORMAT};
