//! The request every client sends serialized for the hand-written socket loop, a minimal
//! HTTP/1.1 response reader, and a capture server that checks every Rust client really sends
//! the bytes the core renders (`emulator::send_message_request`).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex, PoisonError};

use chat_core::http::{Request, Uri};
use chat_core::CLIENT_REQUEST_ID;

pub(crate) use crate::emulator::{send_message_request, Target, CONTENT};

/// The request's path and query, for a client that speaks to one connection.
pub(crate) fn origin_form(uri: &Uri) -> Result<Uri, String> {
    let path = uri.path_and_query().map_or("/", |p| p.as_str());
    path.parse().map_err(|e| format!("{path}: {e}"))
}

/// The request as bytes: request line in origin form, headers in map order, body.
pub(crate) fn serialize(request: &Request<Vec<u8>>) -> Result<Vec<u8>, String> {
    let target = origin_form(request.uri())?;
    let mut out = Vec::with_capacity(1024 + request.body().len());
    out.extend_from_slice(format!("{} {target} HTTP/1.1\r\n", request.method()).as_bytes());
    for (name, value) in request.headers() {
        out.extend_from_slice(name.as_str().as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(request.body());
    Ok(out)
}

/// Reads one HTTP/1.1 message (a `content-length` body, no chunking) into `buf`: returns the
/// first line and the message's length, or `None` at a clean end of stream.
pub(crate) fn read_message(
    stream: &mut impl Read,
    buf: &mut [u8],
) -> Result<Option<(String, usize)>, String> {
    let mut filled = 0;
    let head_end = loop {
        if let Some(i) = find(&buf[..filled], b"\r\n\r\n") {
            break i + 4;
        }
        if filled == buf.len() {
            return Err("head larger than the buffer".into());
        }
        let n = stream.read(&mut buf[filled..]).map_err(|e| e.to_string())?;
        if n == 0 {
            return if filled == 0 {
                Ok(None)
            } else {
                Err("end of stream inside a head".into())
            };
        }
        filled += n;
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|e| e.to_string())?;
    let first = head.lines().next().unwrap_or_default().to_owned();
    let mut length = None;
    for line in head.lines().skip(1) {
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse::<usize>().ok();
            } else if name.eq_ignore_ascii_case("transfer-encoding") {
                return Err("chunked messages are not supported here".into());
            }
        }
    }
    let total = head_end + length.unwrap_or(0);
    if total > buf.len() {
        return Err(format!("message of {total} bytes larger than the buffer"));
    }
    while filled < total {
        let n = stream.read(&mut buf[filled..]).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("end of stream inside a body".into());
        }
        filled += n;
    }
    if filled > total {
        return Err("bytes after the message (pipelining?)".into());
    }
    Ok(Some((first, total)))
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A loopback server that keeps every request it receives and answers each with a canned
/// `201 Created` send-message result.
#[derive(Debug)]
pub(crate) struct Capture {
    pub(crate) endpoint: String,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
}

const CANNED: &[u8] = b"HTTP/1.1 201 Created\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: 22\r\n\r\n{\"id\":\"1700000000000\"}";

impl Capture {
    /// Starts serving on a thread of its own (it lives as long as the process).
    pub(crate) fn start() -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let kept = Arc::clone(&requests);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let kept = Arc::clone(&kept);
                std::thread::spawn(move || serve(stream, &kept));
            }
        });
        Ok(Self {
            endpoint: format!("http://{addr}"),
            requests,
        })
    }

    /// The last request received.
    pub(crate) fn last(&self) -> Option<Vec<u8>> {
        let requests = self.requests.lock().unwrap_or_else(PoisonError::into_inner);
        requests.last().cloned()
    }
}

fn serve(mut stream: TcpStream, kept: &Mutex<Vec<Vec<u8>>>) {
    let mut buf = vec![0; 64 * 1024];
    while let Ok(Some((_, len))) = read_message(&mut stream, &mut buf) {
        let request = buf[..len].to_vec();
        kept.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(request);
        if stream.write_all(CANNED).is_err() {
            return;
        }
    }
}

/// Compares a captured request with the reference bytes, the `x-ms-client-request-id` value
/// aside: `None` when they match, else the first lines that differ.
pub(crate) fn difference(reference: &[u8], captured: &[u8]) -> Option<String> {
    let normalize = |bytes: &[u8]| -> Vec<String> {
        String::from_utf8_lossy(bytes)
            .split("\r\n")
            .map(|line| match line.split_once(':') {
                Some((name, _)) if name.eq_ignore_ascii_case(CLIENT_REQUEST_ID) => {
                    format!("{name}: <id>")
                }
                _ => line.to_owned(),
            })
            .collect()
    };
    let (want, got) = (normalize(reference), normalize(captured));
    if want == got {
        return None;
    }
    let mut out = Vec::new();
    for i in 0..want.len().max(got.len()) {
        let (w, g) = (want.get(i), got.get(i));
        if w != g {
            out.push(format!(
                "line {}: expected {:?}, sent {:?}",
                i + 1,
                w.map_or("", String::as_str),
                g.map_or("", String::as_str)
            ));
        }
    }
    Some(out.join("; "))
}
