//! A test HTTP proxy on 127.0.0.1: `CONNECT host:port` tunnels (what a client does for
//! `https://` through a proxy), plain-HTTP requests in absolute form (`GET http://host/...`),
//! optional Basic credentials, and refusals on demand. It records what it saw: each request
//! line and headers, what it answered, and the bytes it relayed each way, so a test can check
//! that only ciphertext went through a tunnel.
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::TcpStream;
//!
//! use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
//!
//! let proxy = ConnectProxy::builder().basic_auth("user", "secret").start().unwrap();
//! assert!(proxy.url_with_credentials().unwrap().starts_with("http://user:secret@127.0.0.1:"));
//!
//! // Without credentials the proxy asks for them.
//! let mut client = TcpStream::connect(proxy.local_addr()).unwrap();
//! client.write_all(b"CONNECT example.invalid:443 HTTP/1.1\r\nHost: example.invalid:443\r\n\r\n").unwrap();
//! let mut answer = String::new();
//! client.read_to_string(&mut answer).unwrap();
//! assert!(answer.starts_with("HTTP/1.1 407 "));
//! assert_eq!(proxy.requests()[0].request_line, "CONNECT example.invalid:443 HTTP/1.1");
//!
//! proxy.set_behaviour(ProxyBehaviour::Refuse(502)); // every later request gets a 502
//! ```
//!
//! [`ConnectProxyBuilder::resolve`] gives a host name an address that only the proxy knows, as
//! curl's `--resolve` does: a client then reaches a loopback server under a name that is not
//! loopback (e.g. `emulator.test`, a reserved top-level domain that never resolves), which is
//! how a test sends a proxy from the environment traffic for a local emulator (the clients never
//! take a proxy from the environment for a loopback host):
//!
//! ```
//! use std::io::{Read, Write};
//! use std::net::{TcpListener, TcpStream};
//!
//! use chat_testkit::http_proxy::ConnectProxy;
//!
//! let origin = TcpListener::bind("127.0.0.1:0").unwrap();
//! let port = origin.local_addr().unwrap().port();
//! let proxy = ConnectProxy::builder()
//!     .resolve("emulator.test", origin.local_addr().unwrap())
//!     .start()
//!     .unwrap();
//! let mut client = TcpStream::connect(proxy.local_addr()).unwrap();
//! write!(client, "CONNECT emulator.test:{port} HTTP/1.1\r\nHost: emulator.test:{port}\r\n\r\n").unwrap();
//! let mut answer = [0u8; 12];
//! client.read_exact(&mut answer).unwrap();
//! assert_eq!(&answer, b"HTTP/1.1 200");
//! let _tunnelled = origin.accept().unwrap(); // the origin's end of the tunnel
//! ```
//!
//! A plain-HTTP request opens a connection to its origin and the proxy then relays the client's
//! connection to that origin as it is: later requests on the same client connection go to the
//! same origin, unrewritten (HTTP/1.1 servers accept the absolute form). That is what clients
//! do in practice (one proxied connection per origin), and it keeps the proxy small.

mod relay;

use std::collections::HashMap;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

/// The most relayed bytes recorded per request and direction; later bytes are counted only.
pub const MAX_RECORDED_BYTES: usize = 1 << 20;

/// What the proxy does with each request (after checking credentials, when it requires them).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProxyBehaviour {
    /// Opens the tunnel (or forwards the plain request) and relays bytes both ways; 502 when
    /// the origin cannot be reached.
    Tunnel,
    /// Answers with this status (e.g. 407, 502) and closes.
    Refuse(u16),
    /// Closes the connection without answering.
    Close,
}

/// One request the proxy received, as it stands (byte counts grow while a tunnel is open).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProxiedRequest {
    /// `CONNECT host:port HTTP/1.1`, or `GET http://host/path HTTP/1.1`.
    pub request_line: String,
    /// The method.
    pub method: String,
    /// The request target: `host:port` for CONNECT, the absolute URI otherwise.
    pub target: String,
    /// The headers, names in lower case, in the order received.
    pub headers: Vec<(String, String)>,
    /// What the proxy itself answered: 200 for an open tunnel, or its refusal. `None` when it
    /// closed without answering or forwarded a plain request (the origin answered).
    pub status: Option<u16>,
    /// Bytes relayed from the client to the origin (after the CONNECT head; the whole request
    /// for a plain one).
    pub bytes_to_origin: u64,
    /// Bytes relayed from the origin to the client.
    pub bytes_from_origin: u64,
    /// The first [`MAX_RECORDED_BYTES`] relayed to the origin.
    pub to_origin: Vec<u8>,
    /// The first [`MAX_RECORDED_BYTES`] relayed to the client.
    pub from_origin: Vec<u8>,
}

impl ProxiedRequest {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Options for a [`ConnectProxy`].
#[derive(Clone, Debug)]
pub struct ConnectProxyBuilder {
    credentials: Option<(String, String)>,
    behaviour: ProxyBehaviour,
    aliases: HashMap<(String, u16), SocketAddr>,
}

impl ConnectProxyBuilder {
    /// Requires `Proxy-Authorization: Basic` with these credentials; a request without them
    /// gets 407 with `Proxy-Authenticate: Basic`.
    #[must_use]
    pub fn basic_auth(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.credentials = Some((user.into(), password.into()));
        self
    }

    /// Connects requests for `host` (any letter case) at `addr`'s port to `addr` instead of
    /// resolving `host`, as curl's `--resolve host:port:address` does: `CONNECT
    /// emulator.test:PORT` (or a plain `GET http://emulator.test:PORT/...`) reaches a server on
    /// `127.0.0.1:PORT`. Other hosts, and other ports of `host`, are resolved as usual. Use a
    /// name under `.test` (RFC 2606), which never resolves anywhere else: a client that
    /// bypasses the proxy then fails to connect rather than reaching something.
    #[must_use]
    pub fn resolve(mut self, host: &str, addr: SocketAddr) -> Self {
        self.aliases
            .insert((host.to_ascii_lowercase(), addr.port()), addr);
        self
    }

    /// What to do with requests (default [`ProxyBehaviour::Tunnel`]).
    #[must_use]
    pub fn behaviour(mut self, behaviour: ProxyBehaviour) -> Self {
        self.behaviour = behaviour;
        self
    }

    /// Binds 127.0.0.1 on a free port and serves on threads of its own.
    pub fn start(self) -> io::Result<ConnectProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let expected = self
            .credentials
            .as_ref()
            .map(|(u, p)| format!("Basic {}", STANDARD.encode(format!("{u}:{p}"))));
        let state = Arc::new(State {
            behaviour: Mutex::new(self.behaviour),
            expected_authorization: expected,
            aliases: self.aliases,
            log: Mutex::new(Vec::new()),
            streams: Mutex::new(Vec::new()),
            stop: Arc::new(AtomicBool::new(false)),
        });
        let serving = Arc::clone(&state);
        crate::net::accept_loop(
            listener,
            format!("connect-proxy-{}", addr.port()),
            Arc::clone(&state.stop),
            move |stream| relay::serve(stream, &serving),
        )?;
        Ok(ConnectProxy {
            handle: Arc::new(Handle {
                addr,
                credentials: self.credentials,
                state,
            }),
        })
    }
}

/// A running test proxy. Clones share it; it stops (and cuts its tunnels) when the last clone
/// is dropped. `Debug` shows its address, not its credentials.
#[derive(Clone)]
pub struct ConnectProxy {
    handle: Arc<Handle>,
}

struct Handle {
    addr: SocketAddr,
    credentials: Option<(String, String)>,
    state: Arc<State>,
}

/// What the serving threads share.
#[derive(Debug)]
struct State {
    behaviour: Mutex<ProxyBehaviour>,
    /// The whole `Proxy-Authorization` value required, if any.
    expected_authorization: Option<String>,
    /// (host in lower case, port) → where to connect instead of resolving the host.
    aliases: HashMap<(String, u16), SocketAddr>,
    log: Mutex<Vec<Arc<Mutex<ProxiedRequest>>>>,
    /// Every socket opened (client and origin sides), to cut them at the end.
    streams: Mutex<Vec<TcpStream>>,
    stop: Arc<AtomicBool>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl ConnectProxy {
    /// A tunnelling proxy without credentials.
    ///
    /// # Panics
    ///
    /// If 127.0.0.1 cannot be bound; use [`ConnectProxy::builder`] to handle that.
    pub fn start() -> Self {
        match Self::builder().start() {
            Ok(proxy) => proxy,
            Err(e) => panic!("cannot start the test proxy: {e}"),
        }
    }

    /// Options for a new proxy.
    pub fn builder() -> ConnectProxyBuilder {
        ConnectProxyBuilder {
            credentials: None,
            behaviour: ProxyBehaviour::Tunnel,
            aliases: HashMap::new(),
        }
    }

    /// `http://127.0.0.1:PORT`: the proxy URL, as `HTTPS_PROXY` takes it.
    pub fn url(&self) -> String {
        format!("http://{}", self.handle.addr)
    }

    /// `http://user:password@127.0.0.1:PORT` (percent-encoded) when it requires credentials.
    pub fn url_with_credentials(&self) -> Option<String> {
        let (user, password) = self.handle.credentials.as_ref()?;
        let mut url = url::Url::parse(&self.url()).ok()?;
        url.set_username(user).ok()?;
        url.set_password(Some(password)).ok()?;
        Some(url.as_str().trim_end_matches('/').to_owned())
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.handle.addr
    }

    /// Changes what it does with the requests that follow.
    pub fn set_behaviour(&self, behaviour: ProxyBehaviour) {
        *lock(&self.handle.state.behaviour) = behaviour;
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<ProxiedRequest> {
        lock(&self.handle.state.log)
            .iter()
            .map(|r| lock(r).clone())
            .collect()
    }

    /// Whether `needle` appears, in any letter case, in any byte relayed either way: for a
    /// tunnel carrying TLS, a header name such as `authorization` never should.
    pub fn relayed_contains(&self, needle: &[u8]) -> bool {
        self.requests().iter().any(|r| {
            contains_ignore_case(&r.to_origin, needle)
                || contains_ignore_case(&r.from_origin, needle)
        })
    }
}

fn contains_ignore_case(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty()
        && haystack
            .windows(needle.len())
            .any(|w| w.eq_ignore_ascii_case(needle))
}

impl std::fmt::Debug for ConnectProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectProxy")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        crate::net::stop_accepting(&self.state.stop, self.addr);
        // Then cut every open connection.
        for stream in lock(&self.state.streams).drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_in_the_url_are_percent_encoded_and_debug_hides_them() {
        let proxy = ConnectProxy::builder()
            .basic_auth("us er", "p@ss:word")
            .start()
            .unwrap();
        let url = proxy.url_with_credentials().unwrap();
        assert_eq!(
            url,
            format!("http://us%20er:p%40ss%3Aword@{}", proxy.local_addr())
        );
        assert!(!format!("{proxy:?}").contains("word"));
        assert_eq!(ConnectProxy::start().url_with_credentials(), None);
    }

    #[test]
    fn case_insensitive_search() {
        assert!(contains_ignore_case(
            b"xxAuthorization: y",
            b"authorization"
        ));
        assert!(!contains_ignore_case(b"xx", b"authorization"));
        assert!(!contains_ignore_case(b"xx", b""));
    }
}
