//! Endpoints that fail at the connection level, offline and on loopback, for tests of how a
//! transport reports each failure: a name that does not resolve, a port that refuses, a listener
//! whose connects never complete, and a [`Server`] that breaks its connections in a chosen way
//! (optionally over TLS, see [`crate::tls`]).
//!
//! ```
//! use chat_testkit::faulty::{Misbehaviour, Server};
//!
//! let server = Server::start(Misbehaviour::ResetAfterHead).unwrap();
//! let url = server.url(); // http://127.0.0.1:PORT
//! // ... point a client at `url` and check its error ...
//! assert_eq!(server.connections(), 0);
//! # let _ = url;
//! ```

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use socket2::{Domain, SockRef, Socket, Type};

use crate::net;
use crate::tls::ServerCertificate;

/// A host name that never resolves: `.invalid` is reserved for that (RFC 6761), so resolvers
/// answer "no such name" at once, offline included.
pub const UNRESOLVABLE_HOST: &str = "nonexistent-acs-resource.invalid";

/// How long a [`FullBacklog`] waits for each probe connect before it calls the backlog full.
const PROBE_TIMEOUT: Duration = Duration::from_millis(500);

/// Most connects a [`FullBacklog`] makes while filling its backlog.
const MAX_FILLERS: usize = 64;

/// A loopback address where nothing listens, so a connect is refused at once: a port bound and
/// released again. Another process could take the port in between; tests on one machine do
/// not in practice, since the kernel hands ephemeral ports out in turn.
pub fn refused_address() -> io::Result<SocketAddr> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    listener.local_addr()
}

/// A loopback listener whose connects never complete: its accept queue is full and it never
/// accepts, so the kernel drops every new SYN and the client waits until its own timeout (what
/// a silent firewall or an overloaded host looks like).
///
/// Built with a backlog of 0 and filled with connections until a probe connect times out;
/// [`FullBacklog::start`] fails rather than hand out a listener that still accepts. Verified on
/// Linux (`tcp_abort_on_overflow` off, the default); other systems may answer a full queue with
/// a reset instead.
#[derive(Debug)]
pub struct FullBacklog {
    addr: SocketAddr,
    _listener: Socket,
    _fillers: Vec<TcpStream>,
}

impl FullBacklog {
    /// Binds 127.0.0.1 on a free port and fills the queue.
    pub fn start() -> io::Result<Self> {
        let listener = Socket::new(Domain::IPV4, Type::STREAM, None)?;
        listener.bind(&SocketAddr::from(([127, 0, 0, 1], 0)).into())?;
        listener.listen(0)?;
        let addr = listener
            .local_addr()?
            .as_socket()
            .ok_or_else(|| io::Error::other("the listener has no IP address"))?;
        let mut fillers = Vec::new();
        while fillers.len() < MAX_FILLERS {
            match TcpStream::connect_timeout(&addr, PROBE_TIMEOUT) {
                Ok(stream) => fillers.push(stream),
                Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                    return Ok(Self {
                        addr,
                        _listener: listener,
                        _fillers: fillers,
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::other(format!(
            "the backlog of {addr} was not full after {MAX_FILLERS} connections"
        )))
    }

    /// The address whose connects hang.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

/// What a [`Server`] does with each request it reads in full (head and `content-length` body).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Misbehaviour {
    /// Resets the connection as soon as it is accepted, before reading anything: to a TLS
    /// client, a reset in the middle of its handshake.
    ResetOnAccept,
    /// Closes the connection (FIN) without a response.
    CloseBeforeResponse,
    /// Resets the connection (RST) without a response.
    ResetBeforeResponse,
    /// Sends a `200` head announcing a 64-byte JSON body, then resets.
    ResetAfterHead,
    /// Sends the head and 20 of the 64 body bytes, then resets.
    ResetMidBody,
    /// Never answers; waits until the client goes away.
    NoResponse,
}

/// The body bytes a [`Misbehaviour::ResetMidBody`] server sends before it resets.
const PARTIAL_BODY: &[u8] = br#"{"id":"19:x@thread.v"#;

/// The body length the heads announce.
const ANNOUNCED_BODY_BYTES: usize = 64;

/// A server on 127.0.0.1 (plain TCP or TLS) that reads requests and misbehaves as told. It
/// counts the connections it accepted and the requests it read in full, so a test can see
/// whether a client retried. Dropping it stops accepting.
///
/// A plain-TCP server also stands in for a TLS server that never completes a handshake: a TLS
/// client's hello has no blank line, so [`Misbehaviour::NoResponse`] waits on it forever.
#[derive(Debug)]
pub struct Server {
    addr: SocketAddr,
    tls: bool,
    counts: Arc<Counts>,
}

#[derive(Debug, Default)]
struct Counts {
    connections: AtomicUsize,
    requests: AtomicUsize,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// A plain-TCP server.
    pub fn start(misbehaviour: Misbehaviour) -> io::Result<Self> {
        Self::spawn(misbehaviour, None)
    }

    /// A TLS server presenting `certificate` (a client that does not trust its authority, or
    /// connects to a name it does not carry, fails the handshake).
    pub fn start_tls(
        misbehaviour: Misbehaviour,
        certificate: &ServerCertificate,
    ) -> io::Result<Self> {
        Self::spawn(misbehaviour, Some(certificate.server_config()))
    }

    fn spawn(
        misbehaviour: Misbehaviour,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let addr = listener.local_addr()?;
        let counts = Arc::new(Counts::default());
        let shared = Arc::clone(&counts);
        let secure = tls.is_some();
        net::accept_loop(
            listener,
            format!("faulty-{}", addr.port()),
            Arc::clone(&counts.stop),
            move |stream| {
                shared.connections.fetch_add(1, Ordering::SeqCst);
                serve(stream, tls.clone(), misbehaviour, &shared);
            },
        )?;
        Ok(Self {
            addr,
            tls: secure,
            counts,
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://...` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Connections accepted so far (a TLS handshake that failed counts too).
    pub fn connections(&self) -> usize {
        self.counts.connections.load(Ordering::SeqCst)
    }

    /// Requests read in full so far (each got the misbehaviour).
    pub fn requests(&self) -> usize {
        self.counts.requests.load(Ordering::SeqCst)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        net::stop_accepting(&self.counts.stop, self.addr);
    }
}

fn serve(
    stream: TcpStream,
    tls: Option<Arc<rustls::ServerConfig>>,
    misbehaviour: Misbehaviour,
    counts: &Counts,
) {
    let _ = stream.set_nodelay(true);
    match tls {
        None => misbehave(stream, misbehaviour, counts),
        Some(config) => {
            let Ok(connection) = rustls::ServerConnection::new(config) else {
                return;
            };
            misbehave(
                rustls::StreamOwned::new(connection, stream),
                misbehaviour,
                counts,
            );
        }
    }
}

/// A stream whose underlying socket can be reset.
trait Socketed: Read + Write {
    fn socket(&self) -> &TcpStream;
}

impl Socketed for TcpStream {
    fn socket(&self) -> &TcpStream {
        self
    }
}

impl Socketed for rustls::StreamOwned<rustls::ServerConnection, TcpStream> {
    fn socket(&self) -> &TcpStream {
        &self.sock
    }
}

fn misbehave(mut stream: impl Socketed, misbehaviour: Misbehaviour, counts: &Counts) {
    if misbehaviour == Misbehaviour::ResetOnAccept {
        reset(stream.socket());
        return;
    }
    if read_request(&mut stream).is_err() {
        return;
    }
    counts.requests.fetch_add(1, Ordering::SeqCst);
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {ANNOUNCED_BODY_BYTES}\r\n\r\n"
    );
    let written = match misbehaviour {
        Misbehaviour::CloseBeforeResponse => {
            let _ = stream.flush();
            let _ = stream.socket().shutdown(Shutdown::Both);
            return;
        }
        Misbehaviour::NoResponse => {
            let mut sink = [0u8; 1024];
            while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
            return;
        }
        Misbehaviour::ResetBeforeResponse | Misbehaviour::ResetOnAccept => Ok(()),
        Misbehaviour::ResetAfterHead => stream.write_all(head.as_bytes()),
        Misbehaviour::ResetMidBody => stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(PARTIAL_BODY)),
    };
    if written.and_then(|()| stream.flush()).is_ok() {
        reset(stream.socket());
    }
}

/// Closes `stream` with a reset: a zero linger time makes `close` send RST, not FIN. Data
/// already sent still arrives first: the peer reads it, then gets the reset.
fn reset(stream: &TcpStream) {
    let _ = SockRef::from(stream).set_linger(Some(Duration::ZERO));
    // The socket is closed when the caller drops the stream.
}

/// Reads one request head and its `content-length` body.
fn read_request(stream: &mut impl Read) -> io::Result<()> {
    let (head, rest) = net::read_head(stream)?;
    let head = String::from_utf8_lossy(&head).into_owned();
    let length = head
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(name, _)| name.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, value)| value.trim().parse::<usize>().ok())
        .unwrap_or(0);
    let mut remaining = length.saturating_sub(rest.len());
    let mut chunk = [0u8; 4096];
    while remaining > 0 {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::ErrorKind::UnexpectedEof.into());
        }
        remaining = remaining.saturating_sub(n);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exchange(server: &Server) -> (Vec<u8>, io::Result<usize>) {
        let mut stream = TcpStream::connect(server.local_addr()).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        stream
            .write_all(b"POST / HTTP/1.1\r\nhost: x\r\ncontent-length: 2\r\n\r\n{}")
            .unwrap();
        let mut received = Vec::new();
        let mut chunk = [0u8; 1024];
        let end = loop {
            match stream.read(&mut chunk) {
                Ok(0) => break Ok(0),
                Ok(n) => received.extend_from_slice(&chunk[..n]),
                Err(e) => break Err(e),
            }
        };
        (received, end)
    }

    #[test]
    fn each_misbehaviour_breaks_the_connection_where_it_says() {
        for (misbehaviour, sends_head, sends_body, resets) in [
            (Misbehaviour::CloseBeforeResponse, false, false, false),
            (Misbehaviour::ResetBeforeResponse, false, false, true),
            (Misbehaviour::ResetAfterHead, true, false, true),
            (Misbehaviour::ResetMidBody, true, true, true),
        ] {
            let server = Server::start(misbehaviour).unwrap();
            let (received, end) = exchange(&server);
            let text = String::from_utf8_lossy(&received);
            assert_eq!(
                text.starts_with("HTTP/1.1 200"),
                sends_head,
                "{misbehaviour:?}"
            );
            assert_eq!(
                text.ends_with(r#""19:x@thread.v"#),
                sends_body,
                "{misbehaviour:?}"
            );
            match end {
                Err(e) => {
                    assert!(resets, "{misbehaviour:?}: {e}");
                    assert_eq!(e.kind(), io::ErrorKind::ConnectionReset, "{misbehaviour:?}");
                }
                Ok(_) => assert!(!resets, "{misbehaviour:?} closed without a reset"),
            }
            assert_eq!((server.connections(), server.requests()), (1, 1));
        }
    }

    #[test]
    fn a_full_backlog_never_completes_a_connect_and_a_released_port_refuses() {
        let backlog = FullBacklog::start().unwrap();
        let err = TcpStream::connect_timeout(&backlog.local_addr(), Duration::from_millis(300))
            .unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut, "{err}");
        let err = TcpStream::connect(refused_address().unwrap()).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::ConnectionRefused, "{err}");
    }
}
