//! Viola testbed: simulated switches and hosts, OVS labs, load generator
