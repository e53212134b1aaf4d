//! The properties, one file each.

mod connection;
mod frames;
mod json;

pub use connection::connection;
pub use frames::{frames, hello};
pub use json::json;
