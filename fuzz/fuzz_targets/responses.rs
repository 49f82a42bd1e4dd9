//! Every operation's response parser, on any status, headers and body: never a panic.
//!
//! The input is a response written like an HTTP/1.1 one, with the operation's name in place of
//! the protocol: `ListMessages 200\ncontent-type: application/json\n\n{"value": []}`. The seeds
//! are every response body recorded from the live service, grouped per operation (see
//! `fuzz/README.md`). An unknown name still picks an operation, from its bytes.
#![no_main]

use chat_core::http::{HeaderName, HeaderValue, Response, StatusCode};
use chat_fuzz::operations::{index_of, parse};
use libfuzzer_sys::fuzz_target;

/// At most this many header lines are read (a transport refuses more).
const MAX_HEADERS: usize = 32;

fuzz_target!(|data: &[u8]| {
    let (head, body) = match data.windows(2).position(|w| w == b"\n\n") {
        Some(i) => (&data[..i], &data[i + 2..]),
        None => (data, &[][..]),
    };
    let head = String::from_utf8_lossy(head);
    let mut lines = head.lines();
    let first = lines.next().unwrap_or("");
    let (name, status) = first.split_once(' ').unwrap_or((first, ""));
    let status: u16 = status.trim().parse().unwrap_or(200);
    let Ok(status) = StatusCode::from_u16(status.clamp(100, 999)) else {
        return;
    };
    let mut response = Response::new(body.to_vec());
    *response.status_mut() = status;
    for line in lines.take(MAX_HEADERS) {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        if let (Ok(k), Ok(v)) = (
            HeaderName::try_from(k.trim()),
            HeaderValue::try_from(v.trim()),
        ) {
            response.headers_mut().append(k, v);
        }
    }
    let _ = parse(index_of(name), response);
});
