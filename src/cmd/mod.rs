//! One module per subcommand: its arguments and its entry point.

pub mod bench;
pub mod certs;
pub mod daemon_auth;
pub mod demo;
pub mod flows;
pub mod lab;
pub mod new;
pub mod run;
pub mod snapshot_server;
pub mod tc;
pub mod tc_progress;
pub mod tc_report;
pub mod tc_schedule;
pub mod topo;
pub mod vm_agent;
