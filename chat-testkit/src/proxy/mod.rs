//! The recording proxy: a client in any language talks to it on 127.0.0.1 as if it were the
//! service; it forwards every request to the upstream (a real resource over HTTPS, or a
//! loopback emulator) and writes every exchange to a test-proxy JSON recording.
//!
//! ```no_run
//! use chat_testkit::proxy::{RecordingProxy, Upstream};
//!
//! let upstream = Upstream::parse("endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0")?;
//! let proxy = RecordingProxy::builder(upstream, "recordings/my_test.json").start()?;
//! println!("point your client at {}", proxy.endpoint());
//! // ... run the client ...
//! let report = proxy.stop()?;
//! println!("recorded {} exchanges", report.exchanges);
//! # Ok::<(), chat_testkit::proxy::ProxyError>(())
//! ```
//!
//! - **Nothing is lost.** The file is rewritten (to a temporary file, then renamed) after every
//!   exchange, when the proxy starts (empty) and when it stops: a proxy that is killed leaves
//!   every exchange it answered on disk.
//! - **No secret is written.** Each entry is scrubbed as the [`Recorder`] does (authorization,
//!   signatures, keys; tokens become stand-ins with the same expiry), and what the client made up
//!   (`repeatability-request-id`, times it read from its clock) is sanitized
//!   ([`crate::recording::client_values`]). The client itself gets the upstream's answer
//!   untouched, real tokens included: it must keep working against the real service.
//! - **HMAC through the proxy.** A client signs identity requests for the host it talks to,
//!   the proxy. With an upstream given as a connection string, the proxy signs them again for
//!   the upstream with its access key, so unmodified clients record. Without a key they are
//!   forwarded as they are (and the upstream will refuse them); [`RecordingProxyBuilder::on_event`]
//!   hears a warning.
//! - **Links stay on the proxy.** Absolute URLs of the upstream in answers (`nextLink`,
//!   `Location`) are rewritten to the proxy for the client; the recording keeps the upstream's.
//! - **Never hangs.** An upstream that cannot be reached, or takes longer than
//!   [`exchange::UPSTREAM_TIMEOUT`], gets the client a `502` whose message says why; nothing is
//!   recorded for it, and [`ProxyReport::failures`] lists it.

pub mod exchange;
mod upstream;

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use chat_core::http::{Request, Response};

pub use upstream::{Upstream, CONNECT_TIMEOUT};

use crate::loopback::LoopbackServer;
use crate::recording::{sanitize_client_values, Entry, Recorder, RecordingError};
use upstream::UpstreamClient;

/// Why a recording proxy could not be set up or could not write its recording.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyError {
    /// The upstream is neither an endpoint URL nor a connection string that can be used.
    Upstream(String),
    /// The proxy could not start: binding 127.0.0.1, its thread, or its TLS configuration.
    Start(String),
    /// The recording could not be written.
    Recording(RecordingError),
}

impl fmt::Display for ProxyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Upstream(reason) => write!(f, "invalid upstream: {reason}"),
            Self::Start(reason) => write!(f, "cannot start the recording proxy: {reason}"),
            Self::Recording(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for ProxyError {}

type Observer = Arc<dyn Fn(&str) + Send + Sync>;

/// Options of a [`RecordingProxy`].
#[must_use]
pub struct RecordingProxyBuilder {
    upstream: Upstream,
    out: PathBuf,
    port: u16,
    roots: Vec<Vec<u8>>,
    observer: Option<Observer>,
}

impl RecordingProxyBuilder {
    /// Listens on this port of 127.0.0.1 (default 0: any free port).
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Trusts this root certificate (DER) for the upstream instead of the webpki roots (a
    /// private CA or a test server; may be called more than once).
    pub fn add_root_certificate(mut self, der: impl AsRef<[u8]>) -> Self {
        self.roots.push(der.as_ref().to_vec());
        self
    }

    /// Calls `observer` with one line per exchange (`201 POST /chat/threads?...`), per failure
    /// and per warning, from the proxy's thread.
    pub fn on_event(mut self, observer: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.observer = Some(Arc::new(observer));
        self
    }

    /// Writes the (empty) recording, binds 127.0.0.1 and starts forwarding on a thread of its
    /// own; clients may connect as soon as this returns.
    pub fn start(self) -> Result<RecordingProxy, ProxyError> {
        let start_error = |e: std::io::Error| ProxyError::Start(e.to_string());
        if let Some(dir) = self.out.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| {
                ProxyError::Recording(RecordingError::Io {
                    path: dir.to_path_buf(),
                    message: e.to_string(),
                })
            })?;
        }
        let listener = LoopbackServer::bind(self.port).map_err(start_error)?;
        let addr = listener.local_addr().map_err(start_error)?;
        let shared = Arc::new(Shared {
            client: upstream::client(&self.roots)?,
            upstream: self.upstream,
            proxy_base: format!("http://{addr}"),
            out: self.out,
            recorder: Recorder::new(),
            state: Mutex::new(State::default()),
            observer: self.observer,
        });
        shared.save().map_err(ProxyError::Recording)?;
        let serving = Arc::clone(&shared);
        let server = LoopbackServer::start(listener, "chat-recording-proxy", move |request| {
            let shared = Arc::clone(&serving);
            async move { exchange::forward(&shared, request).await }
        })
        .map_err(start_error)?;
        Ok(RecordingProxy { server, shared })
    }
}

impl fmt::Debug for RecordingProxyBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingProxyBuilder")
            .field("upstream", &self.upstream)
            .field("out", &self.out)
            .field("port", &self.port)
            .finish_non_exhaustive()
    }
}

/// What a recording proxy did, when it stopped.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxyReport {
    /// The recording file.
    pub path: PathBuf,
    /// Exchanges recorded.
    pub exchanges: usize,
    /// Requests the upstream did not answer (each got a `502`), one line each.
    pub failures: Vec<String>,
}

/// A running recording proxy on 127.0.0.1 (see the module doc). Dropping it stops it and writes
/// the recording; [`RecordingProxy::stop`] does the same and says how it went.
pub struct RecordingProxy {
    server: LoopbackServer,
    shared: Arc<Shared>,
}

impl RecordingProxy {
    /// A proxy to `upstream` that records to `out` (a file; its folder is created if needed).
    pub fn builder(upstream: Upstream, out: impl Into<PathBuf>) -> RecordingProxyBuilder {
        RecordingProxyBuilder {
            upstream,
            out: out.into(),
            port: 0,
            roots: Vec::new(),
            observer: None,
        }
    }

    /// The endpoint to give a client: `http://127.0.0.1:<port>`.
    pub fn endpoint(&self) -> String {
        self.shared.proxy_base.clone()
    }

    /// The socket address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.server.addr()
    }

    /// The recording file.
    pub fn path(&self) -> &Path {
        &self.shared.out
    }

    /// Exchanges recorded so far.
    pub fn exchanges(&self) -> usize {
        self.shared.recorder.len()
    }

    /// Stops forwarding, writes the recording a last time and reports.
    pub fn stop(mut self) -> Result<ProxyReport, ProxyError> {
        self.server.stop();
        self.shared.save().map_err(ProxyError::Recording)?;
        Ok(ProxyReport {
            path: self.shared.out.clone(),
            exchanges: self.shared.recorder.len(),
            failures: self.shared.lock().failures.clone(),
        })
    }
}

impl fmt::Debug for RecordingProxy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingProxy")
            .field("endpoint", &self.shared.proxy_base)
            .field("upstream", &self.shared.upstream)
            .field("out", &self.shared.out)
            .finish_non_exhaustive()
    }
}

impl Drop for RecordingProxy {
    fn drop(&mut self) {
        if self.server.is_running() {
            self.server.stop();
            // Every exchange was written when it happened; this only makes sure of it.
            let _ = self.shared.save();
        }
    }
}

/// What every connection of one proxy shares.
pub(crate) struct Shared {
    pub(crate) upstream: Upstream,
    pub(crate) proxy_base: String,
    pub(crate) client: UpstreamClient,
    out: PathBuf,
    recorder: Recorder,
    state: Mutex<State>,
    observer: Option<Observer>,
}

#[derive(Debug, Default)]
struct State {
    failures: Vec<String>,
    warned_unsigned: bool,
}

impl Shared {
    /// Records one exchange (scrubbed, client values sanitized) and writes the file.
    pub(crate) fn record(&self, request: &Request<Vec<u8>>, response: &Response<Vec<u8>>) {
        let mut entry = Entry::from_exchange(request, response);
        sanitize_client_values(&mut entry);
        // Scrubbed by the recorder before it is kept.
        self.recorder.record_entry(entry);
        if let Err(e) = self.save() {
            self.failed(format!("cannot write the recording: {e}"));
        }
    }

    /// Writes the recording so far. One writer at a time, each with the latest entries.
    fn save(&self) -> Result<(), RecordingError> {
        let _state = self.lock();
        self.recorder.save(&self.out)
    }

    pub(crate) fn failed(&self, message: String) {
        self.note(&message);
        self.lock().failures.push(message);
    }

    pub(crate) fn warn_unsigned(&self) {
        let first = !std::mem::replace(&mut self.lock().warned_unsigned, true);
        if first {
            self.note(
                "warning: an identity request is HMAC-signed for the proxy and the upstream has \
                 no access key to sign it again; give the upstream as a connection string",
            );
        }
    }

    pub(crate) fn note(&self, line: &str) {
        if let Some(observer) = &self.observer {
            observer(line);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
