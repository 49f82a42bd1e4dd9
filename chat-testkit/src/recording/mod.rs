//! Recorded sessions of the service in the Azure test-proxy JSON shape: reading and writing
//! them ([`format`](mod@format)), matching our requests against them ([`matching`]), scrubbing secrets
//! ([`scrub`], keeping tokens' shape with [`fake_token`]), sanitizing what clients generate
//! ([`client_values`]), recording our own sessions ([`recorder`]), routing recorded interactions to the
//! core's operations ([`route`](mod@route)) and checking whole folders of recordings ([`check`]).

use std::fmt;
use std::path::PathBuf;

pub mod check;
pub mod client_values;
pub mod compare;
pub mod fake_token;
pub mod format;
mod inputs;
pub mod matching;
pub mod recorder;
pub mod route;
pub mod scrub;

pub use check::{check_folder, CheckReport, Failure};
pub use client_values::sanitize_client_values;
pub use format::{Entry, Recording};
pub use matching::{ApiVersionMatch, Difference, MatchOptions, Matcher};
pub use recorder::Recorder;
pub use route::{route, Route, RouteError, RoutedOperation};

/// Why a recording could not be read, written or used.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RecordingError {
    /// The file could not be read or written.
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        message: String,
    },
    /// The text is not a test-proxy JSON recording.
    Json {
        /// The file, when read from one.
        path: Option<PathBuf>,
        /// What the parser said.
        message: String,
    },
    /// An entry cannot be turned into an HTTP message (bad method, URI, status or header).
    InvalidEntry {
        /// The entry's method.
        method: String,
        /// The entry's URI.
        uri: String,
        /// What was wrong.
        message: String,
    },
}

impl fmt::Display for RecordingError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Io { path, message } => write!(f, "cannot access {}: {message}", path.display()),
            Self::Json {
                path: Some(path),
                message,
            } => write!(f, "{} is not a recording: {message}", path.display()),
            Self::Json {
                path: None,
                message,
            } => write!(f, "not a recording: {message}"),
            Self::InvalidEntry {
                method,
                uri,
                message,
            } => write!(f, "invalid entry {method} {uri}: {message}"),
        }
    }
}

impl std::error::Error for RecordingError {}
