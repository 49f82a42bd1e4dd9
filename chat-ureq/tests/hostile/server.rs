//! The misbehaving server: a raw HTTP/1.1 listener on loopback that reads each request and
//! answers the way its [`Case`] says, byte by byte, including answers no HTTP library would
//! write.

use std::io::{self, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::Case;

/// The thread id every request names.
pub(crate) const THREAD: &str = "19:hostile@thread.v2";

/// A valid message, the answer to the call.
pub(crate) const MESSAGE: &str = r#"{"id":"1","type":"text","sequenceId":"1","version":"1","createdOn":"2024-01-01T00:00:00Z","content":{"message":"hello"}}"#;

/// How long a connection thread waits for the client's next request before it gives up.
const IDLE: Duration = Duration::from_secs(120);

/// One request as the server read it.
#[derive(Clone, Debug)]
pub(crate) struct Seen {
    pub(crate) target: String,
}

/// A running server (its threads live as long as the test process, or until the client goes).
pub(crate) struct HostileServer {
    pub(crate) endpoint: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl HostileServer {
    pub(crate) fn start(case: Case, bind: &str, foreign: Arc<Foreign>) -> Self {
        let listener = TcpListener::bind(bind).unwrap();
        let addr = listener.local_addr().unwrap();
        let endpoint = format!("http://{addr}");
        let seen = Arc::new(Mutex::new(Vec::new()));
        let (kept, base) = (Arc::clone(&seen), endpoint.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (kept, base, foreign) = (Arc::clone(&kept), base.clone(), Arc::clone(&foreign));
                std::thread::spawn(move || serve(case, stream, &kept, &base, &foreign));
            }
        });
        Self { endpoint, seen }
    }

    /// The requests received so far.
    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// A second listener on another loopback address: where a foreign `nextLink` points. It only
/// counts the connections it is offered (there must be none).
pub(crate) struct Foreign {
    pub(crate) endpoint: String,
    connections: Arc<AtomicUsize>,
}

impl Foreign {
    pub(crate) fn start() -> Arc<Self> {
        // 127.0.0.2 is loopback on Linux; fall back to another port of 127.0.0.1.
        let listener = TcpListener::bind("127.0.0.2:0")
            .or_else(|_| TcpListener::bind("127.0.0.1:0"))
            .unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let counted = Arc::clone(&connections);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                counted.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
        Arc::new(Self {
            endpoint: format!("http://{addr}"),
            connections,
        })
    }

    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

fn serve(
    case: Case,
    mut stream: TcpStream,
    seen: &Mutex<Vec<Seen>>,
    base: &str,
    foreign: &Foreign,
) {
    let _ = stream.set_read_timeout(Some(IDLE));
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    while let Some(target) = read_request(&mut stream, &mut buf) {
        seen.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Seen {
                target: target.clone(),
            });
        let keep = answer(case, &target, &mut stream, base, foreign).unwrap_or(false);
        if !keep {
            return;
        }
    }
}

/// Reads one request (head, then a `content-length` body); returns its target.
fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<String> {
    let mut chunk = [0; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let target = head.split_whitespace().nth(1)?.to_owned();
    let length = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = stream.read(&mut chunk).ok().filter(|n| *n > 0)?;
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.drain(..head_end + length);
    Some(target)
}

fn is_listing(target: &str) -> bool {
    target
        .split('?')
        .next()
        .unwrap_or("")
        .ends_with("/messages")
}

/// The valid answer's body: the message, or a page of two messages with `next`.
fn valid_body(target: &str, next: Option<&str>) -> String {
    if is_listing(target) {
        let second = MESSAGE.replace(r#""id":"1""#, r#""id":"2""#);
        let next = next.map_or(String::new(), |n| format!(r#","nextLink":"{n}""#));
        format!(r#"{{"value":[{MESSAGE},{second}]{next}}}"#)
    } else {
        MESSAGE.to_owned()
    }
}

fn head(status: &str, headers: &[(&str, String)]) -> Vec<u8> {
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str("\r\n");
    out.into_bytes()
}

fn json_head(length: usize) -> Vec<u8> {
    head(
        "200 OK",
        &[
            ("content-type", "application/json; charset=utf-8".into()),
            ("content-length", length.to_string()),
        ],
    )
}

/// Writes the case's answer; returns whether the connection stays open for another request.
fn answer(
    case: Case,
    target: &str,
    stream: &mut TcpStream,
    base: &str,
    foreign: &Foreign,
) -> io::Result<bool> {
    let path = format!("/chat/threads/{THREAD}/messages");
    match case {
        Case::HugeBody => {
            let total: usize = 100 * 1024 * 1024;
            stream.write_all(&json_head(total))?;
            let block = vec![b' '; 64 * 1024];
            let mut sent = 0;
            while sent < total {
                stream.write_all(&block)?;
                sent += block.len();
            }
            Ok(false)
        }
        Case::EndlessChunked => {
            stream.write_all(&head(
                "200 OK",
                &[
                    ("content-type", "application/json".into()),
                    ("transfer-encoding", "chunked".into()),
                ],
            ))?;
            let mut chunk = b"10000\r\n".to_vec();
            chunk.extend(std::iter::repeat_n(b' ', 0x10000));
            chunk.extend_from_slice(b"\r\n");
            loop {
                stream.write_all(&chunk)?;
            }
        }
        Case::ManyHeaders | Case::HugeHeader => {
            let body = valid_body(target, None);
            let mut headers: Vec<(String, String)> = if case == Case::ManyHeaders {
                (0..10_000)
                    .map(|i| (format!("x-h{i}"), "v".into()))
                    .collect()
            } else {
                vec![("x-big".into(), "a".repeat(1024 * 1024))]
            };
            headers.push(("content-length".into(), body.len().to_string()));
            let pairs: Vec<(&str, String)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.clone()))
                .collect();
            stream.write_all(&head("200 OK", &pairs))?;
            stream.write_all(body.as_bytes())?;
            Ok(false)
        }
        Case::Trickle => {
            let body = valid_body(target, None);
            stream.write_all(&json_head(body.len()))?;
            for byte in body.as_bytes() {
                stream.write_all(std::slice::from_ref(byte))?;
                std::thread::sleep(Duration::from_secs(1));
            }
            Ok(false)
        }
        Case::LongerLength => {
            let body = valid_body(target, None);
            stream.write_all(&json_head(body.len() + 1000))?;
            stream.write_all(body.as_bytes())?;
            Ok(false)
        }
        Case::ShorterLength => {
            // The declared length ends where the JSON does; the junk after it must never be
            // read as the next response.
            // One write, so that the junk is there before the client can reuse the connection
            // (written later, it could arrive after the client sent its next request on it,
            // where no client can tell it from the answer).
            let body = valid_body(target, None);
            let mut bytes = json_head(body.len());
            bytes.extend_from_slice(body.as_bytes());
            bytes.extend_from_slice(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}");
            stream.write_all(&bytes)?;
            Ok(true)
        }
        Case::MalformedChunk => {
            stream.write_all(&head(
                "200 OK",
                &[
                    ("content-type", "application/json".into()),
                    ("transfer-encoding", "chunked".into()),
                ],
            ))?;
            stream.write_all(b"zz\r\n{\"id\":\r\n0\r\n\r\n")?;
            Ok(false)
        }
        Case::Http10NoLength => {
            let body = valid_body(target, None);
            stream.write_all(b"HTTP/1.0 200 OK\r\ncontent-type: application/json\r\n\r\n")?;
            stream.write_all(body.as_bytes())?;
            Ok(false)
        }
        Case::Repeated1xx => {
            for _ in 0..100 {
                stream.write_all(b"HTTP/1.1 102 Processing\r\n\r\n")?;
            }
            let body = valid_body(target, None);
            stream.write_all(&json_head(body.len()))?;
            stream.write_all(body.as_bytes())?;
            Ok(true)
        }
        Case::InvalidUtf8 => {
            // Bytes that are not UTF-8 inside the message text (a JSON string).
            let body = valid_body(target, None);
            let mut raw = Vec::with_capacity(body.len() + 3);
            for (i, part) in body.split("hello").enumerate() {
                if i > 0 {
                    raw.extend_from_slice(b"he\xFF\xFE\xC0llo");
                }
                raw.extend_from_slice(part.as_bytes());
            }
            stream.write_all(&json_head(raw.len()))?;
            stream.write_all(&raw)?;
            Ok(true)
        }
        Case::DeepJson => {
            // A valid message with one more field, nested 100,000 deep: the model does not
            // know the field, so the parser must skip it without recursing that deep.
            let depth = 100_000;
            let message = MESSAGE.strip_suffix('}').unwrap_or(MESSAGE);
            let mut body = Vec::new();
            if is_listing(target) {
                body.extend_from_slice(br#"{"value":["#);
            }
            body.extend_from_slice(message.as_bytes());
            body.extend_from_slice(br#","x":"#);
            body.extend(std::iter::repeat_n(b'[', depth));
            body.extend(std::iter::repeat_n(b']', depth));
            body.push(b'}');
            if is_listing(target) {
                body.push(b',');
                body.extend_from_slice(MESSAGE.replace(r#""id":"1""#, r#""id":"2""#).as_bytes());
                body.extend_from_slice(b"]}");
            }
            stream.write_all(&json_head(body.len()))?;
            stream.write_all(&body)?;
            Ok(true)
        }
        Case::HtmlProxyPage => {
            let body = "<html><head><title>Proxy notice</title></head><body><h1>Sign in to \
                        continue</h1><p>Your request was intercepted by the corporate proxy.</p>\
                        </body></html>";
            stream.write_all(&head(
                "200 OK",
                &[
                    ("content-type", "text/html".into()),
                    ("content-length", body.len().to_string()),
                ],
            ))?;
            stream.write_all(body.as_bytes())?;
            Ok(true)
        }
        Case::NextLinkLoop | Case::NextLinkOtherHost | Case::NextLinkOtherScheme => {
            let second_page = target.contains("page=2");
            let next = match case {
                // Page 2 links back to page 1 (as the pager normalizes it).
                Case::NextLinkLoop if second_page => format!("{path}?api-version=2025-03-15"),
                Case::NextLinkLoop => format!("{base}{path}?page=2&api-version=2025-03-15"),
                Case::NextLinkOtherHost => format!("{}{path}?page=2", foreign.endpoint),
                _ => format!("{}{path}?page=2", base.replacen("http://", "https://", 1)),
            };
            let body = valid_body(target, Some(&next));
            stream.write_all(&json_head(body.len()))?;
            stream.write_all(body.as_bytes())?;
            Ok(true)
        }
    }
}
