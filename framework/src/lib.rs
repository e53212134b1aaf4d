//! Viola controller runtime: connections, app pipeline, REST API, metrics, TLS
