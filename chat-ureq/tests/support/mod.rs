//! A tiny HTTP/1.1 test server on 127.0.0.1 (plain or TLS), shared by the chat-ureq and
//! chat-hyper integration tests: it records every request's raw bytes and answers with what a
//! handler decides, including faults (closing the connection after reading the request, or
//! never answering).
#![allow(dead_code, unreachable_pub)]

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};

/// One request as the server read it.
#[derive(Clone, Debug)]
pub struct Captured {
    /// Head and body, byte for byte.
    pub raw: Vec<u8>,
    pub method: String,
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// When the server finished reading it.
    pub at: Instant,
    /// Which connection (in accept order) carried it.
    pub connection: usize,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the server does with a request.
pub enum Action {
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    },
    /// Close the connection without answering (the request was read: the service may have
    /// acted on it).
    Close,
    /// Never answer; wait until the client goes away.
    Hang,
}

impl Action {
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Self::Respond {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.into().into_bytes(),
        }
    }

    pub fn empty(status: u16) -> Self {
        Self::Respond {
            status,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }

    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        if let Self::Respond { headers, .. } = &mut self {
            headers.push((name.into(), value.into()));
        }
        self
    }
}

type Handler = dyn Fn(&Captured, usize) -> Action + Send + Sync;

/// The server: accepts on a background thread, one thread per connection.
pub struct Server {
    pub addr: SocketAddr,
    captured: Arc<Mutex<Vec<Captured>>>,
    /// The certificate clients must trust (TLS servers only).
    pub cert: Option<CertificateDer<'static>>,
}

impl Server {
    /// A plain HTTP server; `handler(request, index)` gets the 0-based index of the request.
    pub fn http(handler: impl Fn(&Captured, usize) -> Action + Send + Sync + 'static) -> Self {
        Self::start(Arc::new(handler), None)
    }

    /// A TLS server with a fresh self-signed certificate for 127.0.0.1 and localhost.
    pub fn https(handler: impl Fn(&Captured, usize) -> Action + Send + Sync + 'static) -> Self {
        let key = rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()])
            .expect("certificate");
        let cert = key.cert.der().clone();
        let private = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(key.key_pair.serialize_der()));
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("protocols")
            .with_no_client_auth()
            .with_single_cert(vec![cert.clone()], private)
            .expect("server config");
        let mut server = Self::start(Arc::new(handler), Some(Arc::new(config)));
        server.cert = Some(cert);
        server
    }

    fn start(handler: Arc<Handler>, tls: Option<Arc<rustls::ServerConfig>>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        let captured = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&captured);
        std::thread::spawn(move || {
            for (connection, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let handler = Arc::clone(&handler);
                let log = Arc::clone(&log);
                let tls = tls.clone();
                std::thread::spawn(move || {
                    let _ = stream.set_nodelay(true);
                    match tls {
                        None => serve(stream, connection, &*handler, &log),
                        Some(config) => {
                            let Ok(conn) = rustls::ServerConnection::new(config) else {
                                return;
                            };
                            let tls = rustls::StreamOwned::new(conn, stream);
                            serve(tls, connection, &*handler, &log);
                        }
                    }
                });
            }
        });
        Self {
            addr,
            captured,
            cert: None,
        }
    }

    pub fn http_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn https_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The requests received so far, in order.
    pub fn requests(&self) -> Vec<Captured> {
        self.captured.lock().unwrap().clone()
    }
}

fn serve<S: Read + Write>(
    mut stream: S,
    connection: usize,
    handler: &Handler,
    log: &Mutex<Vec<Captured>>,
) {
    let mut buffer = Vec::new();
    loop {
        let Ok(Some(request)) = read_request(&mut stream, &mut buffer, connection) else {
            return;
        };
        let index = {
            let mut log = log.lock().unwrap();
            log.push(request.clone());
            log.len() - 1
        };
        match handler(&request, index) {
            Action::Respond {
                status,
                headers,
                body,
            } => {
                let mut out = format!("HTTP/1.1 {status} X\r\n").into_bytes();
                for (n, v) in &headers {
                    out.extend_from_slice(format!("{n}: {v}\r\n").as_bytes());
                }
                out.extend_from_slice(format!("content-length: {}\r\n\r\n", body.len()).as_bytes());
                out.extend_from_slice(&body);
                if stream
                    .write_all(&out)
                    .and_then(|()| stream.flush())
                    .is_err()
                {
                    return;
                }
            }
            Action::Close => return,
            Action::Hang => {
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink), Ok(n) if n > 0) {}
                return;
            }
        }
    }
}

/// Reads one request (head and `content-length` body); `None` at a clean end of stream.
fn read_request<S: Read>(
    stream: &mut S,
    buffer: &mut Vec<u8>,
    connection: usize,
) -> io::Result<Option<Captured>> {
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut first = lines.next().unwrap_or("").split(' ');
    let method = first.next().unwrap_or("").to_owned();
    let target = first.next().unwrap_or("").to_owned();
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let raw: Vec<u8> = buffer.drain(..head_end + length).collect();
    let body = raw[head_end..].to_vec();
    Ok(Some(Captured {
        raw,
        method,
        target,
        headers,
        body,
        at: Instant::now(),
        connection,
    }))
}

/// A JWT-shaped token expiring in an hour (for a static credential).
pub fn token() -> chat_core::AccessToken {
    chat_core::AccessToken::new(
        "test-token",
        std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
    )
}

/// A thread listing of `total` threads `t0, t1, ...`, served `page_size` at a time with
/// `nextLink`s carrying a `skip` parameter (the answer to `GET /chat/threads...`).
pub fn thread_listing(target: &str, total: usize) -> Action {
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let param = |name: &str| {
        query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .find(|(n, _)| *n == name)
            .and_then(|(_, v)| v.parse::<usize>().ok())
    };
    let size = param("maxPageSize").unwrap_or(100);
    let skip = param("skip").unwrap_or(0);
    let end = (skip + size).min(total);
    let items: Vec<String> = (skip..end)
        .map(|i| format!(r#"{{"id":"t{i}","topic":"topic {i}"}}"#))
        .collect();
    let next = if end < total {
        format!(
            r#","nextLink":"/chat/threads?maxPageSize={size}&skip={end}&api-version=2025-03-15""#
        )
    } else {
        String::new()
    };
    Action::json(200, format!(r#"{{"value":[{}]{next}}}"#, items.join(",")))
}
