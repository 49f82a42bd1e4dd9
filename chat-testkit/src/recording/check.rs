//! The checker: routes every recorded chat or identity interaction in a folder of recordings
//! to the core's parser for its operation, and counts what passes.
//!
//! An entry passes when it routes to an operation ([`route`](fn@super::route::route)) and the operation's parser
//! accepts the recorded response: for a success status, the parse succeeds; for an error
//! status, the parser reports a service error with that status. Everything else fails with a
//! reason — an unknown operation (`no operation matches`, whatever the host: non-ACS entries
//! count too), inputs that cannot be read, a parse error, a file that is not a recording.

use std::fmt;
use std::path::{Path, PathBuf};

use chat_core::Error;

use super::format::{Entry, Recording};
use super::route::route;
use super::scrub::restored_response_body;
use super::RecordingError;

/// One entry that did not pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// The recording file.
    pub file: PathBuf,
    /// The entry's index in the file, or `None` when the whole file could not be read.
    pub entry: Option<usize>,
    /// The recorded method.
    pub method: String,
    /// The recorded path (without the query).
    pub path: String,
    /// Why it failed.
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.entry {
            Some(i) => write!(
                f,
                "FAIL {} entry {i}: {} {}: {}",
                self.file.display(),
                self.method,
                self.path,
                self.reason
            ),
            None => write!(f, "FAIL {}: {}", self.file.display(), self.reason),
        }
    }
}

/// The outcome of checking recordings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CheckReport {
    /// Entries that passed.
    pub passed: usize,
    /// Entries (or files) that failed, in the order met.
    pub failures: Vec<Failure>,
}

impl CheckReport {
    /// How many failed.
    pub fn failed(&self) -> usize {
        self.failures.len()
    }

    /// The last line the checker prints: `N passed, M failed`.
    pub fn summary(&self) -> String {
        format!("{} passed, {} failed", self.passed, self.failed())
    }
}

/// Checks every `*.json` file under `folder` (recursively, in path order).
pub fn check_folder(folder: impl AsRef<Path>) -> Result<CheckReport, RecordingError> {
    let mut files = Vec::new();
    collect_json(folder.as_ref(), &mut files)?;
    files.sort();
    let mut report = CheckReport::default();
    for file in files {
        match Recording::load(&file) {
            Ok(recording) => check_recording(&file, &recording, &mut report),
            Err(e) => report.failures.push(Failure {
                file,
                entry: None,
                method: String::new(),
                path: String::new(),
                reason: e.to_string(),
            }),
        }
    }
    Ok(report)
}

/// Checks every entry of one recording into `report`.
pub fn check_recording(file: &Path, recording: &Recording, report: &mut CheckReport) {
    for (index, entry) in recording.entries.iter().enumerate() {
        match check_entry(&recording.entries, index) {
            Ok(_) => report.passed += 1,
            Err(reason) => report.failures.push(Failure {
                file: file.to_path_buf(),
                entry: Some(index),
                method: entry.request_method.clone(),
                path: entry.path().to_owned(),
                reason,
            }),
        }
    }
}

/// Checks `entries[index]`: returns the operation's name, or why it failed.
pub fn check_entry(entries: &[Entry], index: usize) -> Result<&'static str, String> {
    let entry = entries.get(index).ok_or("no such entry")?;
    let route = route(entry).map_err(|e| e.to_string())?;
    let body = restored_response_body(entries, index).unwrap_or_default();
    let response = entry.response_with_body(body).map_err(|e| e.to_string())?;
    let status = entry.status_code;
    let result = route.parse(response);
    let name = route.name();
    match (status, result) {
        (200..=299, Ok(())) => Ok(name),
        (200..=299, Err(e)) => Err(format!("{name}: status {status}: {e}")),
        (_, Err(Error::Service(e) | Error::Authentication(e))) if e.status == status => Ok(name),
        (_, Err(e)) => Err(format!("{name}: status {status}: {e}")),
        (_, Ok(())) => Err(format!("{name}: error status {status} parsed as a success")),
    }
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), RecordingError> {
    let io = |e: std::io::Error| RecordingError::Io {
        path: dir.to_path_buf(),
        message: e.to_string(),
    };
    for item in std::fs::read_dir(dir).map_err(io)? {
        let path = item.map_err(io)?.path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            out.push(path);
        }
    }
    Ok(())
}
