//! Test modes for your own app's tests: record a test once against your resource, replay it
//! offline forever, or run it live or against the emulator — one environment variable,
//! `ACS_TEST_MODE`, picks.
//!
//! A [`TestSession`] hands the test what it needs to build a client of either transport
//! (`chat-ureq` or `chat-hyper`): an [`endpoint`](TestSession::endpoint), a
//! [`connection string`](TestSession::connection_string) for the identity client and the
//! [`client options`](TestSession::client_options). The test creates its users and tokens
//! with the identity client, as an app does.
//!
//! | `ACS_TEST_MODE` | requests go to | reads | writes |
//! |---|---|---|---|
//! | `playback` (default) | a replay server on 127.0.0.1 answering from the recording | only `ACS_TEST_MODE` | nothing |
//! | `record` | a recording proxy on 127.0.0.1, then the resource | `ACS_CONNECTION_STRING` | the recording |
//! | `live` | the resource | `ACS_CONNECTION_STRING` | nothing |
//! | `emulator` | the in-process emulator | only `ACS_TEST_MODE` | nothing |
//!
//! Each test has its own recording, `recordings/<test name>.json` in the crate (`cargo test`
//! runs tests in the crate's folder; [`TestSessionBuilder::recordings_dir`] picks another
//! folder). In playback and record modes the identity client gets a stand-in access key: the
//! replay server does not check signatures, and the recording proxy signs identity requests
//! again with the real key, so the real key never reaches the test.
//!
//! Call [`TestSession::finish`] at the end of the test: in playback it fails when a request
//! matched nothing in the recording or a recorded request was never made, in record mode when
//! the resource did not answer a request.
//!
//! ```no_run
//! use chat_core::identity::TokenScope;
//! use chat_testkit::TestSession;
//! use chat_ureq::{ChatClient, CommunicationTokenCredential, IdentityClient};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Playback unless ACS_TEST_MODE says otherwise: answers from recordings/creates_a_thread.json.
//! let session = TestSession::start("creates_a_thread")?;
//! let identity = IdentityClient::from_connection_string_with_options(
//!     &session.connection_string(),
//!     session.client_options(),
//! )?;
//! let user = identity.create_user_and_token([TokenScope::Chat]).call()?;
//! let token = user.access_token.ok_or("the service sent no token")?;
//! let credential = CommunicationTokenCredential::new(token);
//! let chat = ChatClient::with_options(session.endpoint(), credential, session.client_options())?;
//! let created = chat.create_chat_thread("Lunch").call()?;
//! assert_eq!(created.thread.topic, "Lunch");
//! session.finish()?;
//! # Ok(()) }
//! ```

mod mode;

use std::fmt;
use std::path::{Path, PathBuf};

use chat_core::client::ClientOptions;
use chat_core::identity::ConnectionString;

pub use mode::{SessionError, TestMode, CONNECTION_STRING_VARIABLE, MODE_VARIABLE};

use crate::emulator::Emulator;
use crate::proxy::{ProxyError, RecordingProxy, Upstream};
use crate::recording::{Recording, RecordingError};
use crate::replay::ReplayServer;

/// The access key the identity client gets in playback and record modes (base64 of
/// `playback-access-key`).
pub const PLAYBACK_ACCESS_KEY: &str = "cGxheWJhY2stYWNjZXNzLWtleQ==";

/// The folder recordings are in by default, relative to the current directory.
pub const DEFAULT_RECORDINGS_DIR: &str = "recordings";

type Lookup = Box<dyn Fn(&str) -> Option<String>>;

/// Options of a [`TestSession`].
#[must_use]
pub struct TestSessionBuilder {
    name: String,
    dir: PathBuf,
    env: Lookup,
}

impl TestSessionBuilder {
    /// Keeps recordings in `dir` instead of `recordings/` in the current directory, e.g.
    /// `concat!(env!("CARGO_MANIFEST_DIR"), "/recordings")`.
    pub fn recordings_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.dir = dir.into();
        self
    }

    /// Reads `ACS_TEST_MODE` and `ACS_CONNECTION_STRING` through `lookup` instead of the
    /// process environment (a test can then see exactly what was read).
    pub fn env(mut self, lookup: impl Fn(&str) -> Option<String> + 'static) -> Self {
        self.env = Box::new(lookup);
        self
    }

    /// Starts the session in the mode `ACS_TEST_MODE` says.
    pub fn start(self) -> Result<TestSession, SessionError> {
        let valid = !self.name.is_empty()
            && !self.name.starts_with('.')
            && self
                .name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'));
        if !valid {
            return Err(SessionError::InvalidName { name: self.name });
        }
        let mode = TestMode::parse((self.env)(MODE_VARIABLE).as_deref())?;
        let path = self.dir.join(format!("{}.json", self.name));
        let connection_string = || {
            (self.env)(CONNECTION_STRING_VARIABLE)
                .filter(|cs| !cs.trim().is_empty())
                .ok_or(SessionError::MissingConnectionString { mode })
        };
        let start = |e: std::io::Error| SessionError::Start {
            reason: e.to_string(),
        };
        let (target, endpoint) = match mode {
            TestMode::Playback => {
                let recording = Recording::load(&path).map_err(|e| match e {
                    RecordingError::Io { .. } if !path.exists() => SessionError::MissingRecording {
                        test: self.name.clone(),
                        path: path.clone(),
                    },
                    other => SessionError::Recording(other),
                })?;
                let server = ReplayServer::for_clients(0, &recording).map_err(start)?;
                let endpoint = server.endpoint();
                (Target::Replay(server), endpoint)
            }
            TestMode::Record => {
                let upstream = Upstream::parse(&connection_string()?)
                    .ok()
                    .filter(|u| u.access_key().is_some())
                    .ok_or_else(|| SessionError::ConnectionString {
                        reason: "it is not `endpoint=...;accesskey=...` with an https:// \
                                 endpoint (or http:// to a loopback emulator)"
                            .into(),
                    })?;
                let proxy = RecordingProxy::builder(upstream, &path)
                    .start()
                    .map_err(|e| SessionError::Start {
                        reason: e.to_string(),
                    })?;
                let endpoint = proxy.endpoint();
                (Target::Record(proxy), endpoint)
            }
            TestMode::Live => {
                let cs = connection_string()?;
                let parsed = ConnectionString::parse_allowing_loopback_http(&cs).map_err(|e| {
                    SessionError::ConnectionString {
                        reason: e.to_string(),
                    }
                })?;
                let endpoint = parsed.endpoint().as_str().to_owned();
                (Target::Live(cs), endpoint)
            }
            TestMode::Emulator => {
                let emulator = Emulator::builder().start().map_err(start)?;
                let endpoint = emulator.endpoint();
                (Target::Emulator(Box::new(emulator)), endpoint)
            }
        };
        Ok(TestSession {
            name: self.name,
            mode,
            path,
            endpoint,
            target,
        })
    }
}

impl fmt::Debug for TestSessionBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestSessionBuilder")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .finish_non_exhaustive()
    }
}

/// One test's session with the service, in the mode `ACS_TEST_MODE` picks (see the module
/// doc). Dropping it stops what it started; [`TestSession::finish`] also says whether the
/// session went as recorded.
pub struct TestSession {
    name: String,
    mode: TestMode,
    path: PathBuf,
    endpoint: String,
    target: Target,
}

enum Target {
    Replay(ReplayServer),
    Record(RecordingProxy),
    /// The resource's connection string.
    Live(String),
    Emulator(Box<Emulator>),
}

impl TestSession {
    /// Starts the session of the test `name` (its recording is `recordings/<name>.json`), in
    /// the mode the environment says.
    pub fn start(name: &str) -> Result<Self, SessionError> {
        Self::builder(name).start()
    }

    /// Options for the session of the test `name`.
    pub fn builder(name: &str) -> TestSessionBuilder {
        TestSessionBuilder {
            name: name.to_owned(),
            dir: PathBuf::from(DEFAULT_RECORDINGS_DIR),
            env: Box::new(|name| std::env::var(name).ok()),
        }
    }

    /// The mode.
    pub fn mode(&self) -> TestMode {
        self.mode
    }

    /// The test's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The test's recording (read in playback, written in record mode).
    pub fn recording_path(&self) -> &Path {
        &self.path
    }

    /// The endpoint for chat clients: `http://127.0.0.1:<port>` in playback, record and
    /// emulator modes, the resource's in live mode.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The connection string for the identity client: the endpoint with a stand-in key in
    /// playback and record modes, the emulator's, or the resource's in live mode.
    pub fn connection_string(&self) -> String {
        match &self.target {
            Target::Live(cs) => cs.clone(),
            Target::Emulator(emulator) => emulator.connection_string(),
            Target::Replay(_) | Target::Record(_) => {
                format!(
                    "endpoint={}/;accesskey={PLAYBACK_ACCESS_KEY}",
                    self.endpoint
                )
            }
        }
    }

    /// Client options for either transport: the defaults, with `http://` allowed for the
    /// loopback endpoints of playback, record and emulator modes.
    pub fn client_options(&self) -> ClientOptions {
        ClientOptions::default().allow_loopback_http(true)
    }

    /// Ends the session: stops what it started, and fails in playback when the test's requests
    /// did not follow the recording, in record mode when the resource did not answer them all
    /// or the recording could not be written.
    pub fn finish(self) -> Result<(), SessionError> {
        match self.target {
            Target::Replay(server) => {
                let mismatches = server.mismatches();
                let unused = server.remaining();
                if mismatches.is_empty() && unused.is_empty() {
                    Ok(())
                } else {
                    Err(SessionError::Replay {
                        test: self.name,
                        path: self.path,
                        mismatches,
                        unused,
                    })
                }
            }
            Target::Record(proxy) => {
                let report = proxy.stop().map_err(|e| match e {
                    ProxyError::Recording(e) => SessionError::Recording(e),
                    other => SessionError::Start {
                        reason: other.to_string(),
                    },
                })?;
                if report.failures.is_empty() {
                    Ok(())
                } else {
                    Err(SessionError::Upstream {
                        failures: report.failures,
                    })
                }
            }
            Target::Live(_) | Target::Emulator(_) => Ok(()),
        }
    }
}

impl fmt::Debug for TestSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestSession")
            .field("name", &self.name)
            .field("mode", &self.mode)
            .field("endpoint", &self.endpoint)
            .field("recording", &self.path)
            .finish_non_exhaustive()
    }
}
