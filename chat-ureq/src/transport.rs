//! The socket side: one `ureq::Agent` (rustls on ring, connection pool) and the mapping of its
//! failures onto [`TransportError`].

use std::collections::HashMap;
use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use chat_core::http::header::{HeaderValue, CONTENT_LENGTH, HOST};
use chat_core::http::{HeaderMap, Method, Request, Response};
use chat_core::{TransportError, TransportErrorKind, MAX_RESPONSE_BODY_BYTES};
use ureq::config::AutoHeaderValue;
use ureq::config::Config;
use ureq::http::Uri;
use ureq::tls::{Certificate, RootCerts, TlsConfig, TlsProvider};
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, NextTimeout, RustlsConnector,
    Transport as UreqTransport,
};
use ureq::{Agent, Timeout};

use crate::proxy::Proxies;
use crate::socket::PollingTcpConnector;
use crate::ClientOptions;

/// One try's worth of HTTP over a pooled, TLS-by-default agent.
#[derive(Debug)]
pub(crate) struct Transport {
    agent: Agent,
    proxies: Proxies,
}

impl Transport {
    pub(crate) fn new(options: &ClientOptions) -> Result<Self, chat_core::Error> {
        let proxies = Proxies::new(options)?;
        let roots = if options.root_certificates.is_empty() {
            RootCerts::WebPki
        } else {
            let certs = options
                .root_certificates
                .iter()
                .map(|c| Certificate::from_der(c.as_ref()).to_owned())
                .collect();
            RootCerts::Specific(Arc::new(certs))
        };
        let tls = TlsConfig::builder()
            .provider(TlsProvider::Rustls)
            .root_certs(roots)
            .build();
        let config = Agent::config_builder()
            .tls_config(tls)
            .http_status_as_error(false)
            .max_redirects(0)
            .max_redirects_will_error(false)
            .user_agent(AutoHeaderValue::None)
            .accept_encoding(AutoHeaderValue::None)
            // Each request gets its proxy from `proxies` (see `crate::proxy`).
            .proxy(None)
            .build();
        // ureq's default chain, with its TCP layer replaced by one that waits with `poll(2)`
        // (no socket options per request, see `crate::socket`), wrapped so that its failures
        // leave as not sent, and coalesced writes on top.
        let connector = Setup(
            ().chain(ConnectProxyConnector::default())
                .chain(PollingTcpConnector)
                .chain(RustlsConnector::default()),
        )
        .chain(Coalescing);
        let agent = Agent::with_parts(config, connector, CachingResolver::default());
        Ok(Self { agent, proxies })
    }

    /// Sends one request and reads the whole response, within `timeout`.
    pub(crate) fn send(
        &self,
        request: Request<Vec<u8>>,
        timeout: Duration,
    ) -> Result<Response<Vec<u8>>, TransportError> {
        let (parts, body) = wire_order(request).into_parts();
        // An empty body goes as "no body", so ureq adds no `content-length` of its own: the
        // header, when the method needs it, is already in place.
        let response = if body.is_empty() {
            self.run(Request::from_parts(parts, ()), timeout)
        } else {
            self.run(Request::from_parts(parts, body), timeout)
        }
        .map_err(classify)?;
        let (parts, body) = response.into_parts();
        let body = read_body(body).map_err(|e| match e {
            ureq::Error::BodyExceedsLimit(_) => too_large(),
            other => after_head(other),
        })?;
        Ok(Response::from_parts(parts, body))
    }

    fn run<B: ureq::AsSendBody>(
        &self,
        request: Request<B>,
        timeout: Duration,
    ) -> Result<Response<ureq::Body>, ureq::Error> {
        let proxy = self.proxies.for_uri(request.uri());
        let request = self
            .agent
            .configure_request(request)
            .timeout_global(Some(timeout))
            .proxy(proxy)
            .build();
        self.agent.run(request)
    }
}

/// Reads a whole response body into one buffer: sized from `content-length` when there is one
/// (no regrowth, one copy out of ureq's input buffer), grown up to [`MAX_RESPONSE_BODY_BYTES`]
/// otherwise. A declared or actual length past the limit is an error, and nothing is allocated
/// for more than the limit.
fn read_body(body: ureq::Body) -> Result<Vec<u8>, ureq::Error> {
    let limit = MAX_RESPONSE_BODY_BYTES as u64;
    let declared = body.content_length();
    if declared.is_some_and(|n| n > limit) {
        return Err(ureq::Error::BodyExceedsLimit(limit));
    }
    let mut reader = body.into_with_config().limit(limit).reader();
    let capacity = declared.map_or(UNKNOWN_LENGTH_START, |n| {
        usize::try_from(n).unwrap_or(MAX_RESPONSE_BODY_BYTES)
    });
    let mut buffer = Vec::with_capacity(capacity);
    loop {
        // Fill the room there is; `read_to_end` on a `take` of exactly that room never grows
        // the buffer.
        let room = buffer.capacity() - buffer.len();
        let read = (&mut reader).take(room as u64).read_to_end(&mut buffer)?;
        if read < room {
            return Ok(buffer); // the end of the body
        }
        // Full: one more byte tells the end from a body longer than the room.
        let mut byte = [0; 1];
        if reader.read(&mut byte)? == 0 {
            return Ok(buffer);
        }
        if buffer.len() >= MAX_RESPONSE_BODY_BYTES {
            return Err(ureq::Error::BodyExceedsLimit(limit));
        }
        let target = (buffer.capacity() * 2)
            .max(buffer.len() + 1)
            .min(MAX_RESPONSE_BODY_BYTES);
        buffer.reserve_exact(target - buffer.len());
        buffer.extend_from_slice(&byte);
    }
}

/// The first allocation for a body of unknown length.
const UNKNOWN_LENGTH_START: usize = 8 * 1024;

fn too_large() -> TransportError {
    TransportError::after_sending(
        TransportErrorKind::Protocol,
        format!("the response body exceeds {MAX_RESPONSE_BODY_BYTES} bytes"),
    )
}

/// Puts the headers in the order both transports write them: `host` first, then the request's
/// own headers, then `content-length` (also `0` for an empty POST/PUT/PATCH body).
pub(crate) fn wire_order(request: Request<Vec<u8>>) -> Request<Vec<u8>> {
    let (mut parts, body) = request.into_parts();
    let mut headers = HeaderMap::with_capacity(parts.headers.len() + 2);
    if let Some(host) = parts
        .uri
        .authority()
        .and_then(|a| HeaderValue::from_str(a.as_str()).ok())
    {
        headers.insert(HOST, host);
    }
    let mut last = None;
    for (name, value) in parts.headers.drain() {
        if let Some(name) = name {
            last = Some(name);
        }
        if let Some(name) = &last {
            if name != HOST && name != CONTENT_LENGTH {
                headers.append(name.clone(), value);
            }
        }
    }
    let has_body_method = matches!(parts.method, Method::POST | Method::PUT | Method::PATCH);
    if !body.is_empty() || has_body_method {
        headers.insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    }
    parts.headers = headers;
    Request::from_parts(parts, body)
}

/// Maps a failure of `Agent::run` (connect, send, read of the response head).
///
/// Whatever failed while the connection was being set up (name resolution, TCP connect, proxy
/// CONNECT, TLS handshake) was classified where it happened and arrives as [`NotSent`]; the
/// rest failed on a connection that was up, after the request may have been written.
fn classify(e: ureq::Error) -> TransportError {
    use TransportErrorKind as K;
    let message = e.to_string();
    match e {
        ureq::Error::Other(other) => match other.downcast::<NotSent>() {
            Ok(not_sent) => not_sent.0,
            Err(other) => TransportError::after_sending(K::Io, other.to_string()),
        },
        ureq::Error::BadUri(_) | ureq::Error::Http(_) | ureq::Error::RequireHttpsOnly(_) => {
            TransportError::before_sending(K::Refused, message)
        }
        // Set-up failures that did not come through `Setup` (a connector chain that produced
        // no connection).
        ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => {
            TransportError::before_sending(K::Connect, message)
        }
        ureq::Error::Timeout(Timeout::Resolve | Timeout::Connect) => {
            TransportError::before_sending(K::Timeout, message)
        }
        ureq::Error::Timeout(_) => TransportError::after_sending(K::Timeout, message),
        ureq::Error::Io(io) if is_rustls(&io) => {
            TransportError::after_sending(K::Protocol, message)
        }
        ureq::Error::Io(io) if matches!(io.kind(), io::ErrorKind::TimedOut) => {
            TransportError::after_sending(K::Timeout, message)
        }
        // A head past ureq's size limit is as malformed as one it cannot parse (hyper reports
        // both as parse errors).
        ureq::Error::Protocol(_)
        | ureq::Error::LargeResponseHeader(..)
        | ureq::Error::Tls(_)
        | ureq::Error::Pem(_)
        | ureq::Error::Rustls(_) => TransportError::after_sending(K::Protocol, message),
        _ => TransportError::after_sending(K::Io, message),
    }
}

/// Maps a failure while the connection was being set up: nothing of the request was written,
/// whatever the failure. An untrusted or mismatched certificate is [`TransportErrorKind::Tls`];
/// running out of time is a timeout; anything else (no such host, refused, unreachable, a proxy
/// that refused the tunnel or hung up, a connection closed during the handshake) is
/// [`TransportErrorKind::Connect`].
fn classify_setup(e: ureq::Error) -> TransportError {
    use TransportErrorKind as K;
    let message = e.to_string();
    let kind = match e {
        ureq::Error::Other(other) => match other.downcast::<NotSent>() {
            Ok(not_sent) => return not_sent.0,
            Err(_) => K::Connect,
        },
        ureq::Error::Timeout(_) => K::Timeout,
        ureq::Error::Tls(_) | ureq::Error::Pem(_) | ureq::Error::Rustls(_) => K::Tls,
        ureq::Error::Io(io) if is_rustls(&io) => K::Tls,
        ureq::Error::Io(io) if io.kind() == io::ErrorKind::TimedOut => K::Timeout,
        ureq::Error::BadUri(_) | ureq::Error::InvalidProxyUrl => K::Refused,
        _ => K::Connect,
    };
    TransportError::before_sending(kind, message)
}

/// A set-up failure, classified by [`classify_setup`] where it happened, on its way through
/// ureq (as `ureq::Error::Other`) to [`classify`].
#[derive(Debug)]
struct NotSent(TransportError);

impl std::fmt::Display for NotSent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.message)
    }
}

impl std::error::Error for NotSent {}

fn not_sent(e: ureq::Error) -> ureq::Error {
    ureq::Error::Other(Box::new(NotSent(classify_setup(e))))
}

/// ureq's connector chain (proxy CONNECT, TCP, TLS handshake), whose failures all happen before
/// the request is written: they leave it as [`NotSent`].
#[derive(Debug)]
struct Setup<C>(C);

impl<C: Connector<()>> Connector<()> for Setup<C> {
    type Out = C::Out;

    fn connect(
        &self,
        details: &ConnectionDetails,
        chained: Option<()>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        self.0.connect(details, chained).map_err(not_sent)
    }
}

/// A rustls error, directly or inside (nested) `io::Error`s, whose `source()` skips their
/// payload.
fn is_rustls(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.is::<rustls::Error>() {
        return true;
    }
    match e.downcast_ref::<io::Error>().and_then(io::Error::get_ref) {
        Some(inner) => is_rustls(inner),
        None => e.source().is_some_and(is_rustls),
    }
}

/// A failure while reading the body: the request certainly arrived.
fn after_head(e: ureq::Error) -> TransportError {
    let kind = match e {
        ureq::Error::Timeout(_) => TransportErrorKind::Timeout,
        ureq::Error::Protocol(_) => TransportErrorKind::Protocol,
        _ => TransportErrorKind::Io,
    };
    TransportError::after_sending(kind, e.to_string())
}

/// How long a resolved address list is reused.
const TTL: Duration = Duration::from_secs(30);

/// Most hosts remembered; the cache is cleared when it grows past this.
const MAX_HOSTS: usize = 64;

/// A name cache in front of ureq's resolver.
///
/// ureq resolves the host before it looks in its connection pool, and with a timeout set (every
/// call has one) its default resolver does so on a new thread: a thread spawn per request, even
/// on a kept-alive connection to an IP address. This resolver keeps each answer for
/// [`TTL`], so a busy client resolves at most once per host and period.
#[derive(Debug, Default)]
struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => {
                let mut key = String::with_capacity(scheme.len() + 3 + authority.as_str().len());
                key.push_str(scheme);
                key.push_str("://");
                key.push_str(authority.as_str());
                key
            }
            _ => return self.inner.resolve(uri, config, timeout).map_err(not_sent),
        };
        let now = Instant::now();
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, addrs)) = cache.get(&key) {
                if now.duration_since(*at) < TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        // A name that does not resolve (or not in time) never reached the service.
        let addrs = self.inner.resolve(uri, config, timeout).map_err(not_sent)?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= MAX_HOSTS {
            cache.clear();
        }
        cache.insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}

/// Wraps each connection so that a request's head and body leave in one write.
///
/// ureq transmits the head and then the body, each with its own `send`; with a small JSON body
/// that is two syscalls (and two TCP segments) where one does. [`CoalescedTransport`] keeps what
/// ureq transmits until ureq waits for the response, then sends it all at once.
#[derive(Debug)]
struct Coalescing;

impl<In: UreqTransport> Connector<In> for Coalescing {
    type Out = CoalescedTransport;

    fn connect(
        &self,
        _details: &ConnectionDetails,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        Ok(chained.map(|inner| CoalescedTransport {
            inner: Box::new(inner),
            pending: Vec::new(),
            read_since_probe: false,
        }))
    }
}

/// A connection whose writes are held until the next read, and whose liveness is probed once
/// between two requests rather than twice.
///
/// ureq probes a pooled connection (non-blocking mode on, a one-byte read that must find
/// nothing, blocking mode off: three system calls, one an `EAGAIN` read) when it returns the
/// connection to its pool after a response, and again when it takes it out for the next
/// request. The second probe sees all the first would (a closed connection, stray bytes) and
/// runs right before the request is written, so the first is skipped.
#[derive(Debug)]
struct CoalescedTransport {
    inner: Box<dyn UreqTransport>,
    pending: Vec<u8>,
    /// Input was read since the last probe: the next `is_open` is ureq's return-to-pool probe.
    read_since_probe: bool,
}

impl CoalescedTransport {
    fn flush(&mut self, timeout: NextTimeout) -> Result<(), ureq::Error> {
        let mut sent = 0;
        while sent < self.pending.len() {
            let output = self.inner.buffers().output();
            let n = output.len().min(self.pending.len() - sent);
            if n == 0 {
                return Err(ureq::Error::Io(io::Error::other("no output buffer")));
            }
            output[..n].copy_from_slice(&self.pending[sent..sent + n]);
            self.inner.transmit_output(n, timeout)?;
            sent += n;
        }
        self.pending.clear();
        Ok(())
    }
}

impl UreqTransport for CoalescedTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        self.inner.buffers()
    }

    fn transmit_output(&mut self, amount: usize, _timeout: NextTimeout) -> Result<(), ureq::Error> {
        let output = self.inner.buffers().output();
        let data = output.get(..amount).ok_or_else(|| {
            ureq::Error::Io(io::Error::other("transmit beyond the output buffer"))
        })?;
        self.pending.extend_from_slice(data);
        Ok(())
    }

    fn maybe_await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.flush(timeout)?;
        self.read_since_probe = true;
        self.inner.maybe_await_input(timeout)
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.flush(timeout)?;
        self.read_since_probe = true;
        self.inner.await_input(timeout)
    }

    fn is_open(&mut self) -> bool {
        if std::mem::take(&mut self.read_since_probe) {
            return true;
        }
        self.inner.is_open()
    }

    fn is_tls(&self) -> bool {
        self.inner.is_tls()
    }
}
