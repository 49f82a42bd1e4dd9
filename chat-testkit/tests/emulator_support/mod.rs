//! A small blocking HTTP/1.1 client over `std::net::TcpStream` for the emulator tests, with
//! HMAC-signed identity calls (`chat_core::auth::hmac::sign`) and bearer-token chat calls.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, SystemTime};

use chat_core::auth::hmac;
use chat_testkit::emulator::Emulator;
use serde_json::{json, Value};

/// A response as read from the socket.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    /// Lower-case names.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    /// The `Content-Length` the server declared.
    pub declared_length: Option<usize>,
}

impl RawResponse {
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&self.body)))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Sends one request on a fresh connection (`Connection: close`) and reads the answer.
/// `Err` when the connection fails before a full head arrives (e.g. a reset).
pub fn send(
    addr: SocketAddr,
    method: &str,
    target: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> io::Result<RawResponse> {
    let mut stream = TcpStream::connect(addr)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let mut head = format!("{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (k, v) in headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    if !body.is_empty() || matches!(method, "POST" | "PATCH" | "PUT") {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    let mut bytes = head.into_bytes();
    bytes.extend_from_slice(body);
    stream.write_all(&bytes)?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    parse(&raw)
}

fn parse(raw: &[u8]) -> io::Result<RawResponse> {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or_else(|| io::Error::new(io::ErrorKind::UnexpectedEof, "no complete response head"))?;
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status: u16 = status_line
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, status_line.to_owned()))?;
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let declared_length = headers.get("content-length").and_then(|v| v.parse().ok());
    let mut body = raw[end + 4..].to_vec();
    if let Some(n) = declared_length {
        body.truncate(n);
    }
    Ok(RawResponse {
        status,
        headers,
        body,
        declared_length,
    })
}

/// A test client bound to one emulator.
pub struct Client<'a> {
    pub emulator: &'a Emulator,
}

impl<'a> Client<'a> {
    pub fn new(emulator: &'a Emulator) -> Self {
        Self { emulator }
    }

    /// An HMAC-signed identity request.
    pub fn identity(
        &self,
        method: &str,
        path_and_query: &str,
        body: Option<&Value>,
    ) -> RawResponse {
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let uri = format!("{}{}", self.emulator.endpoint(), path_and_query);
        let mut request = chat_core::http::Request::builder()
            .method(method)
            .uri(&uri)
            .body(body)
            .unwrap();
        hmac::sign(&mut request, &self.emulator.access_key(), SystemTime::now()).unwrap();
        let headers: Vec<(String, String)> = request
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap().to_owned()))
            .chain([("content-type".to_owned(), "application/json".to_owned())])
            .collect();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        send(
            self.emulator.local_addr(),
            method,
            path_and_query,
            &headers,
            request.body(),
        )
        .unwrap()
    }

    /// Creates a user with a chat token through the identity API; returns (raw id, token).
    pub fn user_with_token(&self) -> (String, String) {
        let r = self.identity(
            "POST",
            "/identities?api-version=2023-10-01",
            Some(&json!({"createTokenWithScopes": ["chat"]})),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        let v = r.json();
        (
            v["identity"]["id"].as_str().unwrap().to_owned(),
            v["accessToken"]["token"].as_str().unwrap().to_owned(),
        )
    }

    /// A chat request with a bearer token; `target` is path and query.
    pub fn chat(
        &self,
        token: &str,
        method: &str,
        target: &str,
        body: Option<&Value>,
    ) -> RawResponse {
        self.try_chat(token, method, target, body).unwrap()
    }

    /// As [`Client::chat`], keeping the transport error.
    pub fn try_chat(
        &self,
        token: &str,
        method: &str,
        target: &str,
        body: Option<&Value>,
    ) -> io::Result<RawResponse> {
        let body = body
            .map(|b| serde_json::to_vec(b).unwrap())
            .unwrap_or_default();
        let auth = format!("Bearer {token}");
        let content_type = if method == "PATCH" {
            "application/merge-patch+json"
        } else {
            "application/json"
        };
        send(
            self.emulator.local_addr(),
            method,
            target,
            &[("Authorization", &auth), ("Content-Type", content_type)],
            &body,
        )
    }

    /// Follows an absolute `nextLink` (must be on this emulator).
    pub fn follow(&self, token: &str, next_link: &str) -> RawResponse {
        let target = next_link
            .strip_prefix(&self.emulator.endpoint())
            .unwrap_or_else(|| panic!("nextLink {next_link} leaves the emulator"));
        self.chat(token, "GET", target, None)
    }

    /// Creates a thread with `participants` (raw ids); returns its id.
    pub fn thread(&self, token: &str, topic: &str, participants: &[&str]) -> String {
        let participants: Vec<Value> = participants
            .iter()
            .map(|id| json!({"communicationIdentifier": {"rawId": id, "communicationUser": {"id": id}}}))
            .collect();
        let r = self.chat(
            token,
            "POST",
            "/chat/threads?api-version=2025-03-15",
            Some(&json!({"topic": topic, "participants": participants})),
        );
        assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
        r.json()["chatThread"]["id"].as_str().unwrap().to_owned()
    }
}

/// Percent-encodes a thread id for a path, as clients do.
pub fn enc(id: &str) -> String {
    id.replace(':', "%3A").replace('@', "%40")
}
