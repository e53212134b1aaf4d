//! Viola snapshot app: in-network Mattern snapshots
