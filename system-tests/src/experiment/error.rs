//! [`ExperimentError`].

use viola_lab::LabError;

/// Why an experiment step failed.
#[derive(Debug, thiserror::Error)]
pub enum ExperimentError {
    #[error(transparent)]
    Lab(#[from] LabError),
    #[error("{what}: {source}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
    #[error("controller: {0}")]
    Controller(String),
    #[error("REST {method} {path}: HTTP {status}: {body}")]
    Http {
        method: String,
        path: String,
        status: u16,
        body: String,
    },
    #[error("{0}")]
    Timeout(String),
    #[error("pcap {path}: {reason}")]
    Pcap { path: String, reason: String },
    #[error("plot: {0}")]
    Plot(String),
    #[error("{0}")]
    Other(String),
}

impl ExperimentError {
    pub(crate) fn io(what: impl Into<String>, source: std::io::Error) -> Self {
        ExperimentError::Io {
            what: what.into(),
            source,
        }
    }
}
