//! Viola orchestrator: transaction controller, VM agent, snapshot server
