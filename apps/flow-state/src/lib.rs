//! Viola flow-state app: save and restore flow tables
