//! The recorder: our own sessions, written in the test-proxy JSON shape with secrets scrubbed.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use chat_core::http::{Request, Response};

use super::format::{Entry, Recording};
use super::scrub::scrub_entry;
use super::RecordingError;

/// Collects request/response pairs and writes them as a recording.
///
/// Cloning gives another handle on the same list, so a recorder can be shared by the threads or
/// tasks of one session. Every entry is scrubbed ([`crate::recording::scrub`]) as it is
/// recorded: no token, key or signature is ever kept in memory by the recorder.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    entries: Arc<Mutex<Vec<Entry>>>,
}

impl Recorder {
    /// An empty recorder.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records one exchange.
    pub fn record(&self, request: &Request<Vec<u8>>, response: &Response<Vec<u8>>) {
        self.record_entry(Entry::from_exchange(request, response));
    }

    /// Records an entry built elsewhere (it is scrubbed too).
    pub fn record_entry(&self, mut entry: Entry) {
        scrub_entry(&mut entry);
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(entry);
    }

    /// How many exchanges were recorded.
    pub fn len(&self) -> usize {
        self.entries
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The session so far.
    pub fn recording(&self) -> Recording {
        Recording {
            entries: self
                .entries
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
            variables: Default::default(),
        }
    }

    /// Writes the session so far to `path`.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), RecordingError> {
        self.recording().save(path)
    }
}
