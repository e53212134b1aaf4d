//! Example app: a hub
