//! The four test modes and what can go wrong with a session.

use std::fmt;
use std::path::PathBuf;

use crate::recording::RecordingError;
use crate::replay::Mismatch;

/// The environment variable that picks the mode.
pub const MODE_VARIABLE: &str = "ACS_TEST_MODE";

/// The environment variable record and live modes read the resource's connection string from.
pub const CONNECTION_STRING_VARIABLE: &str = "ACS_CONNECTION_STRING";

/// Where a test's requests go, as `ACS_TEST_MODE` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TestMode {
    /// `playback` (the default): answers come from the test's recording, on 127.0.0.1. No
    /// network, no credentials.
    Playback,
    /// `record`: through a recording proxy to the resource in `ACS_CONNECTION_STRING`, writing
    /// the test's recording.
    Record,
    /// `live`: straight to the resource in `ACS_CONNECTION_STRING`; nothing is recorded.
    Live,
    /// `emulator`: the in-process emulator; nothing is recorded.
    Emulator,
}

impl TestMode {
    /// Reads a mode name (any case, spaces around ignored); unset or empty is playback.
    pub fn parse(value: Option<&str>) -> Result<Self, SessionError> {
        let value = value.map(str::trim).unwrap_or_default();
        match value.to_ascii_lowercase().as_str() {
            "" | "playback" => Ok(Self::Playback),
            "record" => Ok(Self::Record),
            "live" => Ok(Self::Live),
            "emulator" => Ok(Self::Emulator),
            _ => Err(SessionError::UnknownMode {
                value: value.to_owned(),
            }),
        }
    }

    /// The mode's name, as `ACS_TEST_MODE` spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Playback => "playback",
            Self::Record => "record",
            Self::Live => "live",
            Self::Emulator => "emulator",
        }
    }
}

impl fmt::Display for TestMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a test session could not start or did not end well. `Display` says what to do.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SessionError {
    /// `ACS_TEST_MODE` holds something else than `playback`, `record`, `live` or `emulator`.
    UnknownMode {
        /// What it holds.
        value: String,
    },
    /// A test name that cannot be a file name in the recordings folder.
    InvalidName {
        /// The name.
        name: String,
    },
    /// Record and live modes need `ACS_CONNECTION_STRING`.
    MissingConnectionString {
        /// The mode.
        mode: TestMode,
    },
    /// `ACS_CONNECTION_STRING` cannot be used (the reason never quotes the key).
    ConnectionString {
        /// Why.
        reason: String,
    },
    /// Playback found no recording for the test.
    MissingRecording {
        /// The test's name.
        test: String,
        /// Where its recording should be.
        path: PathBuf,
    },
    /// The recording could not be read or written.
    Recording(RecordingError),
    /// The replay server, recording proxy or emulator could not start.
    Start {
        /// Why.
        reason: String,
    },
    /// In playback, the test's requests did not follow its recording.
    Replay {
        /// The test's name.
        test: String,
        /// The recording.
        path: PathBuf,
        /// Requests that matched no recorded request.
        mismatches: Vec<Mismatch>,
        /// Recorded entries the test never requested.
        unused: Vec<usize>,
    },
    /// In record mode, requests the resource did not answer (they are not in the recording).
    Upstream {
        /// One line per request.
        failures: Vec<String>,
    },
}

impl fmt::Display for SessionError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::UnknownMode { value } => write!(
                f,
                "{MODE_VARIABLE}={value:?} is not a test mode: use playback (the default), \
                 record, live or emulator"
            ),
            Self::InvalidName { name } => write!(
                f,
                "{name:?} cannot name a recording: use letters, digits, `_`, `-` and `.`"
            ),
            Self::MissingConnectionString { mode } => write!(
                f,
                "{MODE_VARIABLE}={mode} needs {CONNECTION_STRING_VARIABLE}=\"endpoint=https://\
                 <resource>.communication.azure.com/;accesskey=<key>\""
            ),
            Self::ConnectionString { reason } => {
                write!(f, "{CONNECTION_STRING_VARIABLE} cannot be used: {reason}")
            }
            Self::MissingRecording { test, path } => write!(
                f,
                "no recording for test `{test}` at {}: record it once against your resource \
                 with {MODE_VARIABLE}=record {CONNECTION_STRING_VARIABLE}=\"endpoint=https://\
                 <resource>.communication.azure.com/;accesskey=<key>\" cargo test {test}, then \
                 commit the file",
                path.display()
            ),
            Self::Recording(e) => e.fmt(f),
            Self::Start { reason } => write!(f, "cannot start the test session: {reason}"),
            Self::Replay {
                test,
                path,
                mismatches,
                unused,
            } => {
                write!(
                    f,
                    "test `{test}` did not follow its recording {}",
                    path.display()
                )?;
                for mismatch in mismatches {
                    write!(f, "\n  {mismatch}")?;
                }
                if !unused.is_empty() {
                    write!(f, "\n  recorded entries {unused:?} were never requested")?;
                }
                write!(
                    f,
                    "\nif the test changed on purpose, record it again with {MODE_VARIABLE}=record"
                )
            }
            Self::Upstream { failures } => {
                f.write_str("the resource did not answer every request of the recorded test")?;
                failures.iter().try_for_each(|line| write!(f, "\n  {line}"))
            }
        }
    }
}

impl std::error::Error for SessionError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_read_as_documented() {
        assert_eq!(TestMode::parse(None).unwrap(), TestMode::Playback);
        assert_eq!(TestMode::parse(Some(" ")).unwrap(), TestMode::Playback);
        assert_eq!(TestMode::parse(Some("Record")).unwrap(), TestMode::Record);
        assert_eq!(TestMode::parse(Some("LIVE")).unwrap(), TestMode::Live);
        assert_eq!(
            TestMode::parse(Some("emulator")).unwrap(),
            TestMode::Emulator
        );
        let err = TestMode::parse(Some("replay")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "ACS_TEST_MODE=\"replay\" is not a test mode: use playback (the default), record, \
             live or emulator"
        );
    }
}
