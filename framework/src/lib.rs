//! # viola-framework — the controller runtime
#![forbid(unsafe_code)]

mod accept;
pub mod app;
pub mod claims;
pub mod config;
pub mod connection;
mod context;
mod controller;
pub mod declare;
mod dispatch;
mod driver;
mod error;
mod events;
pub mod layers;
pub mod metrics;
pub mod ofjson;
pub mod pipeline;
pub mod rest;
mod runtime;
mod settings;
mod tasks;
#[cfg(feature = "testing")]
pub mod testing;
pub mod tls;

pub use app::{App, Dpid, Event, SwitchInfo, Verdict};
pub use config::{Config, DuplicateDpid, ListenAddr};
pub use context::Context;
pub use controller::Controller;
pub use error::{RequestError, SendError, StartError};
pub use events::ControllerEvent;
pub use runtime::{ControllerBuilder, RunningController};
pub use tasks::Timer;
