//! Viola topology discovery: LLDP, hosts, petgraph model
