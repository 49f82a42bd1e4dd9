//! The Azure test-proxy JSON recording model: `{"Entries": [...], "Variables": {...}}`.
//!
//! Each entry holds one request and its response. Bodies that are JSON are stored as JSON
//! values; other bodies as strings, absent bodies as `null`. A `RequestUri` is either absolute
//! (`https://endpoint/chat/threads?...`) or only a path and query (`/chat/threads?...`).

use std::collections::BTreeMap;
use std::path::Path;

use chat_core::http::{self, HeaderName, HeaderValue, Request, Response};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::RecordingError;

/// The base a path-only `RequestUri` is resolved against when a full URI is needed.
pub const DEFAULT_BASE: &str = "https://endpoint";

/// Headers that describe the framing of one particular transfer; they are dropped when a
/// recorded response is replayed, since the replayed body is framed anew.
const FRAMING_HEADERS: [&str; 3] = ["content-length", "transfer-encoding", "connection"];

/// One recorded session: its entries in the order they happened, and the test's variables.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Recording {
    /// The request/response pairs, in order.
    #[serde(default)]
    pub entries: Vec<Entry>,
    /// Values the recorded test stored (random names, times); often empty.
    #[serde(default)]
    pub variables: BTreeMap<String, Value>,
}

/// One recorded request and its response.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Entry {
    /// The request URI: absolute, or a path with its query.
    pub request_uri: String,
    /// The request method, upper case.
    pub request_method: String,
    /// The request headers as recorded (names as the recorder wrote them).
    #[serde(default, deserialize_with = "headers")]
    pub request_headers: BTreeMap<String, String>,
    /// The request body: a JSON value, a string for other text, `null` when there was none.
    #[serde(default)]
    pub request_body: Value,
    /// The response status.
    pub status_code: u16,
    /// The response headers as recorded.
    #[serde(default, deserialize_with = "headers")]
    pub response_headers: BTreeMap<String, String>,
    /// The response body, stored like the request body.
    #[serde(default)]
    pub response_body: Value,
}

/// Reads header maps whose values are strings or (in some recorders) arrays of strings.
fn headers<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    let raw: Option<BTreeMap<String, OneOrMany>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .map(|(k, v)| match v {
            OneOrMany::One(s) => (k, s),
            OneOrMany::Many(list) => (k, list.join(", ")),
        })
        .collect())
}

impl Recording {
    /// Reads a recording from its JSON text.
    pub fn from_json(text: &str) -> Result<Self, RecordingError> {
        serde_json::from_str(text).map_err(|e| RecordingError::Json {
            path: None,
            message: e.to_string(),
        })
    }

    /// Reads a recording file.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, RecordingError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| RecordingError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        serde_json::from_str(&text).map_err(|e| RecordingError::Json {
            path: Some(path.to_path_buf()),
            message: e.to_string(),
        })
    }

    /// The recording as pretty-printed JSON, in the test-proxy shape.
    pub fn to_json(&self) -> String {
        // Serializing plain strings, numbers and `Value`s cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the recording to `path` as pretty-printed JSON: to a temporary file beside it,
    /// then renamed over it, so a reader never sees half a recording.
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), RecordingError> {
        let path = path.as_ref();
        let io = |e: std::io::Error| RecordingError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        };
        let mut partial = path.as_os_str().to_owned();
        partial.push(".partial");
        std::fs::write(&partial, self.to_json() + "\n").map_err(io)?;
        std::fs::rename(&partial, path).map_err(io)
    }
}

impl Entry {
    /// The request's path and query, without scheme and host.
    pub fn path_and_query(&self) -> &str {
        path_and_query(&self.request_uri)
    }

    /// The request's path, without the query (`/` when the URI has none).
    pub fn path(&self) -> &str {
        let pq = self.path_and_query();
        match pq.split_once('?').map_or(pq, |(p, _)| p) {
            "" => "/",
            path => path,
        }
    }

    /// The request's query (after `?`), or `""`.
    pub fn query(&self) -> &str {
        self.path_and_query().split_once('?').map_or("", |(_, q)| q)
    }

    /// The recorded request header `name` (case-insensitive).
    pub fn request_header(&self, name: &str) -> Option<&str> {
        find_header(&self.request_headers, name)
    }

    /// The recorded response header `name` (case-insensitive).
    pub fn response_header(&self, name: &str) -> Option<&str> {
        find_header(&self.response_headers, name)
    }

    /// The request body as bytes: JSON values serialized, strings as their text, `null` empty.
    pub fn request_body_bytes(&self) -> Vec<u8> {
        body_bytes(&self.request_body)
    }

    /// The response body as bytes, stored like the request body.
    pub fn response_body_bytes(&self) -> Vec<u8> {
        body_bytes(&self.response_body)
    }

    /// The recorded request as an `http::Request`. A path-only `RequestUri` is resolved
    /// against `base` (scheme and authority, e.g. [`DEFAULT_BASE`]).
    pub fn to_request(&self, base: &str) -> Result<Request<Vec<u8>>, RecordingError> {
        let uri = if self.request_uri.starts_with('/') {
            format!("{}{}", base.trim_end_matches('/'), self.request_uri)
        } else {
            self.request_uri.clone()
        };
        let mut builder = Request::builder()
            .method(self.request_method.as_str())
            .uri(uri.as_str());
        for (name, value) in &self.request_headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder
            .body(self.request_body_bytes())
            .map_err(|e| invalid(self, e))
    }

    /// The recorded response as an `http::Response`, without the framing headers
    /// (`content-length`, `transfer-encoding`, `connection`) of the original transfer.
    pub fn to_response(&self) -> Result<Response<Vec<u8>>, RecordingError> {
        self.response_with_body(self.response_body_bytes())
    }

    /// The recorded response status and headers with another body.
    pub fn response_with_body(&self, body: Vec<u8>) -> Result<Response<Vec<u8>>, RecordingError> {
        let mut response = Response::new(body);
        *response.status_mut() =
            http::StatusCode::from_u16(self.status_code).map_err(|e| invalid(self, e))?;
        for (name, value) in &self.response_headers {
            if FRAMING_HEADERS.iter().any(|f| name.eq_ignore_ascii_case(f)) {
                continue;
            }
            let name = HeaderName::try_from(name.as_str()).map_err(|e| invalid(self, e))?;
            let value = HeaderValue::try_from(value.as_str()).map_err(|e| invalid(self, e))?;
            response.headers_mut().append(name, value);
        }
        Ok(response)
    }

    /// An entry from one exchange, bodies stored the test-proxy way (JSON as values, other
    /// UTF-8 text as strings, empty as `null`). Nothing is scrubbed here: see
    /// [`crate::recording::scrub`].
    pub fn from_exchange(request: &Request<Vec<u8>>, response: &Response<Vec<u8>>) -> Self {
        Self {
            request_uri: request.uri().to_string(),
            request_method: request.method().as_str().to_owned(),
            request_headers: header_map(request.headers()),
            request_body: stored_body(request.body()),
            status_code: response.status().as_u16(),
            response_headers: header_map(response.headers()),
            response_body: stored_body(response.body()),
        }
    }
}

/// The path and query of a URI that may be absolute (`scheme://host/path?q`) or a path (it
/// starts with `/`, whatever follows). The authority ends at the first `/` or `?`:
/// `https://host?q` has an empty path and the query `q`. A `#fragment` is no part of either
/// (it never goes on the wire).
pub fn path_and_query(uri: &str) -> &str {
    let uri = uri.split_once('#').map_or(uri, |(before, _)| before);
    if uri.starts_with('/') {
        return uri;
    }
    match uri.split_once("://") {
        Some((_, rest)) => rest.find(['/', '?']).map_or("", |i| &rest[i..]),
        None => uri,
    }
}

fn find_header<'a>(headers: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn body_bytes(body: &Value) -> Vec<u8> {
    match body {
        Value::Null => Vec::new(),
        Value::String(s) => s.as_bytes().to_vec(),
        other => serde_json::to_vec(other).unwrap_or_default(),
    }
}

fn stored_body(body: &[u8]) -> Value {
    if body.is_empty() {
        return Value::Null;
    }
    if let Ok(v) = serde_json::from_slice::<Value>(body) {
        if v.is_object() || v.is_array() {
            return v;
        }
    }
    Value::String(String::from_utf8_lossy(body).into_owned())
}

fn header_map(headers: &http::HeaderMap) -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for (name, value) in headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        map.entry(name.as_str().to_owned())
            .and_modify(|v: &mut String| {
                v.push_str(", ");
                v.push_str(&value);
            })
            .or_insert(value);
    }
    map
}

fn invalid(entry: &Entry, e: impl std::fmt::Display) -> RecordingError {
    RecordingError::InvalidEntry {
        method: entry.request_method.clone(),
        uri: entry.request_uri.clone(),
        message: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "Entries": [{
        "RequestUri": "https://endpoint/chat/threads?api-version=2021-09-07",
        "RequestMethod": "POST",
        "RequestHeaders": {"Content-Type": "application/json", "Accept": ["a", "b"]},
        "RequestBody": {"topic": "t"},
        "StatusCode": 201,
        "ResponseHeaders": {"Content-Length": "9", "MS-CV": "x"},
        "ResponseBody": {"id": "1"}
      }, {
        "RequestUri": "/chat/threads/1/typing?api-version=2021-09-07",
        "RequestMethod": "POST",
        "RequestHeaders": {},
        "RequestBody": null,
        "StatusCode": 200,
        "ResponseHeaders": {},
        "ResponseBody": "plain"
      }],
      "Variables": {}
    }"#;

    #[test]
    fn reads_both_uri_forms_and_header_lists() {
        let rec = Recording::from_json(SAMPLE).unwrap();
        let [a, b] = rec.entries.as_slice() else {
            panic!()
        };
        assert_eq!(a.path(), "/chat/threads");
        assert_eq!(a.query(), "api-version=2021-09-07");
        assert_eq!(a.request_header("accept"), Some("a, b"));
        assert_eq!(
            b.path_and_query(),
            "/chat/threads/1/typing?api-version=2021-09-07"
        );
        let req = b.to_request(DEFAULT_BASE).unwrap();
        assert_eq!(
            req.uri(),
            "https://endpoint/chat/threads/1/typing?api-version=2021-09-07"
        );
        assert!(req.body().is_empty());
        let resp = a.to_response().unwrap();
        assert_eq!(resp.status(), 201);
        assert!(resp.headers().get("content-length").is_none());
        assert_eq!(resp.headers()["ms-cv"], "x");
        assert_eq!(b.response_body_bytes(), b"plain");
    }

    /// Found by the `recordings` fuzz target: an absolute URI with no path lost its query (and
    /// a `/` inside the query was taken for the path), a fragment was read as part of the path
    /// or query, and a path holding `://` was read as an absolute URI (while the request built
    /// from it was not), so the entry did not match its own request.
    #[test]
    fn an_absolute_uri_without_a_path_keeps_its_query() {
        for (uri, path, query) in [
            ("https://h.example?api-version=1", "/", "api-version=1"),
            (
                "https://h.example?next=/chat/threads",
                "/",
                "next=/chat/threads",
            ),
            ("https://h.example", "/", ""),
            ("https://h.example/chat?x=1", "/chat", "x=1"),
            ("https://h.example/chat#?x=1", "/chat", ""),
            ("/chat?x=1#f", "/chat", "x=1"),
            (
                "/https://h.example/chat?x=1",
                "/https://h.example/chat",
                "x=1",
            ),
        ] {
            let entry = Entry {
                request_uri: uri.into(),
                ..Recording::from_json(SAMPLE).unwrap().entries[1].clone()
            };
            assert_eq!((entry.path(), entry.query()), (path, query), "{uri}");
            let request = entry.to_request(DEFAULT_BASE).unwrap();
            assert_eq!(
                crate::recording::Matcher::new().check(&request, &entry),
                Ok(())
            );
        }
    }

    #[test]
    fn round_trips_through_an_exchange() {
        let req = Request::builder()
            .method("PATCH")
            .uri("https://h.example/x?y=1")
            .header("content-type", "application/merge-patch+json")
            .body(br#"{"topic":"a"}"#.to_vec())
            .unwrap();
        let resp = Response::builder().status(204).body(Vec::new()).unwrap();
        let entry = Entry::from_exchange(&req, &resp);
        assert_eq!(entry.request_body, serde_json::json!({"topic": "a"}));
        assert_eq!(entry.response_body, Value::Null);
        let rec = Recording {
            entries: vec![entry.clone()],
            variables: BTreeMap::new(),
        };
        let back = Recording::from_json(&rec.to_json()).unwrap();
        assert_eq!(back.entries, [entry]);
    }
}
