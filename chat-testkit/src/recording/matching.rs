//! Matching our requests against recorded ones.
//!
//! What is compared: the method; the path, segment by segment after percent-decoding (never the
//! host: recordings say `endpoint`, `sanitized.communication.azure.com` or a real test host);
//! the query as a multiset of decoded pairs; the `api-version` as [`ApiVersionMatch`] says; the
//! body as parsed JSON (key order never matters); and the headers listed in
//! [`MatchOptions::headers`] (by default `content-type` and `repeatability-request-id`).
//!
//! What is never compared: [`IGNORED_HEADERS`] and every header not listed.
//!
//! What the recorders' sanitizing is allowed to hide: a recorded value `sanitized` (any case) in
//! a path segment, a query value, a header or anywhere in a JSON body matches anything in that
//! position. A recorded JSON `null` matches an absent field and the other way round; a recorded
//! `null` or empty body matches an empty body or `{}`; two strings that are RFC 3339 timestamps
//! of the same instant match (the SDKs print 6 or 7 fractional digits).
//!
//! One more tolerance is opt-in ([`Matcher::allow_default`]): a top-level body field that our
//! client sends with the service's default value (`"type": "text"` on send message) may be
//! absent from a recording whose SDK left it out.

use std::fmt;

use chat_core::http::Request;
use serde_json::Value;

pub use super::compare::{check_body, json_matches, percent_decode, sanitized};
use super::format::{path_and_query, Entry};

/// Headers that differ on every request by nature and are never compared.
pub const IGNORED_HEADERS: [&str; 5] = [
    "authorization",
    "user-agent",
    "x-ms-client-request-id",
    "x-ms-date",
    "x-ms-content-sha256",
];

/// How the `api-version` query parameter is compared.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiVersionMatch {
    /// Ours must equal the recorded one.
    #[default]
    Exact,
    /// Any version matches (our client pins another version than the recorder did); ours must
    /// still carry exactly one.
    Any,
    /// Recorded versions are read through this map first (recorded → ours), then compared
    /// exactly: for example identity `2021-10-31-preview` → `2023-10-01`.
    Substitute(Vec<(String, String)>),
}

/// What the matcher compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchOptions {
    /// How `api-version` is compared.
    pub api_version: ApiVersionMatch,
    /// Request headers compared when the recording has them (lower case).
    pub headers: Vec<String>,
    /// Top-level body fields, with the service's default value, that ours may send and the
    /// recording may lack.
    pub defaults: Vec<(String, Value)>,
}

impl Default for MatchOptions {
    fn default() -> Self {
        Self {
            api_version: ApiVersionMatch::Exact,
            headers: vec!["content-type".into(), "repeatability-request-id".into()],
            defaults: Vec::new(),
        }
    }
}

/// Why a request does not match a recorded entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Difference {
    /// Which part differs: `method`, `path`, `query`, `api-version`, `header <name>`, `body`.
    pub part: String,
    /// What differs.
    pub detail: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} differs: {}", self.part, self.detail)
    }
}

impl std::error::Error for Difference {}

/// Compares our requests with recorded entries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Matcher {
    options: MatchOptions,
}

impl Matcher {
    /// A matcher with the default options.
    pub fn new() -> Self {
        Self::default()
    }

    /// A matcher with these options.
    pub fn with_options(options: MatchOptions) -> Self {
        Self { options }
    }

    /// Sets how `api-version` is compared.
    pub fn api_version(mut self, rule: ApiVersionMatch) -> Self {
        self.options.api_version = rule;
        self
    }

    /// Also compares request header `name` when the recording has it. Names in
    /// [`IGNORED_HEADERS`] are never compared and are not added.
    pub fn compare_header(mut self, name: &str) -> Self {
        let name = name.to_ascii_lowercase();
        if !IGNORED_HEADERS.contains(&name.as_str()) && !self.options.headers.contains(&name) {
            self.options.headers.push(name);
        }
        self
    }

    /// Lets our body carry top-level `field` = `value` (the service's default for it) where
    /// the recorded body has no such field.
    pub fn allow_default(mut self, field: &str, value: Value) -> Self {
        self.options.defaults.push((field.to_owned(), value));
        self
    }

    /// The options in force.
    pub fn options(&self) -> &MatchOptions {
        &self.options
    }

    /// Checks `ours` against the recorded request of `recorded`.
    pub fn check(&self, ours: &Request<Vec<u8>>, recorded: &Entry) -> Result<(), Difference> {
        if !ours
            .method()
            .as_str()
            .eq_ignore_ascii_case(&recorded.request_method)
        {
            return Err(diff(
                "method",
                format!(
                    "ours {}, recorded {}",
                    ours.method(),
                    recorded.request_method
                ),
            ));
        }
        let our_uri = ours.uri().to_string();
        let our_pq = path_and_query(&our_uri);
        let (our_path, our_query) = our_pq.split_once('?').unwrap_or((our_pq, ""));
        self.check_path(our_path, recorded.path())?;
        self.check_query(our_query, recorded.query())?;
        self.check_headers(ours, recorded)?;
        if self.options.defaults.is_empty() || !recorded.request_body.is_object() {
            return check_body(ours.body(), &recorded.request_body);
        }
        let mut body: Value = serde_json::from_slice(ours.body())
            .map_err(|e| diff("body", format!("ours is not JSON ({e})")))?;
        if let Value::Object(map) = &mut body {
            for (field, default) in &self.options.defaults {
                if recorded.request_body.get(field).is_none() && map.get(field) == Some(default) {
                    map.remove(field);
                }
            }
        }
        json_matches(&recorded.request_body, &body, "$").map_err(|d| diff("body", d))
    }

    fn check_path(&self, ours: &str, recorded: &str) -> Result<(), Difference> {
        let a: Vec<String> = ours.split('/').map(percent_decode).collect();
        let b: Vec<String> = recorded.split('/').map(percent_decode).collect();
        let same = a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x == y || sanitized(y));
        if same {
            Ok(())
        } else {
            Err(diff("path", format!("ours {ours}, recorded {recorded}")))
        }
    }

    fn check_query(&self, ours: &str, recorded: &str) -> Result<(), Difference> {
        let (mut a, a_versions) = split_query(ours);
        let (b, b_versions) = split_query(recorded);
        let versions_ok = match &self.options.api_version {
            ApiVersionMatch::Exact => a_versions == b_versions,
            ApiVersionMatch::Any => a_versions.len() == 1 && b_versions.len() <= 1,
            ApiVersionMatch::Substitute(map) => {
                let mapped: Vec<&str> = b_versions
                    .iter()
                    .map(|v| {
                        map.iter()
                            .find(|(from, _)| from == v)
                            .map_or(v.as_str(), |(_, to)| to.as_str())
                    })
                    .collect();
                a_versions.len() == mapped.len()
                    && a_versions.iter().zip(&mapped).all(|(x, y)| x == y)
            }
        };
        if !versions_ok {
            return Err(diff(
                "api-version",
                format!("ours {a_versions:?}, recorded {b_versions:?}"),
            ));
        }
        for (key, value) in &b {
            let found = a
                .iter()
                .position(|(k, v)| k == key && (v == value || sanitized(value)));
            match found {
                Some(i) => {
                    a.remove(i);
                }
                None => {
                    return Err(diff(
                        "query",
                        format!("recorded {key}={value} is missing from ours ({ours})"),
                    ))
                }
            }
        }
        match a.first() {
            Some((k, v)) => Err(diff(
                "query",
                format!("ours has {k}={v} that the recording lacks ({recorded})"),
            )),
            None => Ok(()),
        }
    }

    fn check_headers(&self, ours: &Request<Vec<u8>>, recorded: &Entry) -> Result<(), Difference> {
        for name in &self.options.headers {
            let Some(expected) = recorded.request_header(name) else {
                continue;
            };
            // A body-less recorded request may still name a content type; ours need not.
            if name == "content-type" && recorded.request_body.is_null() {
                continue;
            }
            // Read as the recorder stores values (lossy UTF-8), so that a value that is not
            // visible ASCII still matches its own recording.
            let actual = ours
                .headers()
                .get(name.as_str())
                .map(|v| String::from_utf8_lossy(v.as_bytes()));
            let same = match actual.as_deref() {
                None => false,
                Some(_) if sanitized(expected) => true,
                Some(a) if name == "content-type" => media_type(a) == media_type(expected),
                Some(a) => a == expected,
            };
            if !same {
                return Err(diff(
                    &format!("header {name}"),
                    format!("ours {actual:?}, recorded {expected:?}"),
                ));
            }
        }
        Ok(())
    }
}

/// Splits a query into decoded pairs, and its `api-version` values apart.
fn split_query(query: &str) -> (Vec<(String, String)>, Vec<String>) {
    let mut pairs = Vec::new();
    let mut versions = Vec::new();
    for part in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = part.split_once('=').unwrap_or((part, ""));
        let (k, v) = (percent_decode(k), percent_decode(v));
        if k.eq_ignore_ascii_case("api-version") {
            versions.push(v);
        } else {
            pairs.push((k, v));
        }
    }
    (pairs, versions)
}

fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub(super) fn diff(part: &str, detail: String) -> Difference {
    Difference {
        part: part.to_owned(),
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn entry(method: &str, uri: &str, headers: &[(&str, &str)], body: Value) -> Entry {
        Entry {
            request_uri: uri.into(),
            request_method: method.into(),
            request_headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            request_body: body,
            status_code: 200,
            response_headers: Default::default(),
            response_body: Value::Null,
        }
    }

    fn request(method: &str, uri: &str, headers: &[(&str, &str)], body: &str) -> Request<Vec<u8>> {
        let mut b = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(body.as_bytes().to_vec()).unwrap()
    }

    /// Found by the `recordings` fuzz target: a header value that is not visible ASCII (UTF-8
    /// bytes) read as absent on our side, so the entry never matched its own request.
    #[test]
    fn a_header_value_beyond_ascii_matches_itself() {
        let id = "0660c7f4-ѝҜ";
        let rec = entry(
            "POST",
            "/chat/threads",
            &[("repeatability-request-id", id)],
            json!({}),
        );
        let ours = request(
            "POST",
            "/chat/threads",
            &[("repeatability-request-id", id)],
            "{}",
        );
        assert_eq!(Matcher::new().check(&ours, &rec), Ok(()));
        let other = request(
            "POST",
            "/chat/threads",
            &[("repeatability-request-id", "x")],
            "{}",
        );
        assert!(Matcher::new().check(&other, &rec).is_err());
    }

    #[test]
    fn ignores_hosts_encoding_key_order_and_volatile_headers() {
        let rec = entry(
            "POST",
            "https://sanitized.communication.azure.com/chat/threads/19%3Aa%40thread.v2/messages?api-version=2021-09-07",
            &[("Content-Type", "application/json"), ("Authorization", "Sanitized")],
            json!({"content": "hi", "type": "text", "senderDisplayName": null}),
        );
        let ours = request(
            "POST",
            "https://acs.example.com/chat/threads/19:a@thread.v2/messages?api-version=2021-09-07",
            &[
                ("content-type", "application/json; charset=utf-8"),
                ("authorization", "Bearer x"),
            ],
            r#"{"type":"text","content":"hi"}"#,
        );
        Matcher::new().check(&ours, &rec).unwrap();
    }

    #[test]
    fn sanitized_values_match_anything_in_their_place() {
        let rec = entry(
            "GET",
            "/chat/threads/sanitized/messages?syncState=sanitized&maxPageSize=1&api-version=2021-09-07",
            &[],
            Value::Null,
        );
        let ours = request(
            "GET",
            "https://e.example/chat/threads/19%3Ax/messages?maxPageSize=1&syncState=abc&api-version=2021-09-07",
            &[],
            "",
        );
        Matcher::new().check(&ours, &rec).unwrap();
        let body = json!({"participants": "sanitized", "x": {"id": "sanitized"}});
        assert!(json_matches(&body, &json!({"participants": [1], "x": {"id": 3}}), "$").is_ok());
    }

    #[test]
    fn reports_what_differs() {
        let rec = entry(
            "POST",
            "/chat/threads?api-version=2024-03-07",
            &[("repeatability-request-id", "r1")],
            json!({"topic": "a", "participants": []}),
        );
        let base = "https://e.example/chat/threads?api-version=2024-03-07";
        let hdr = [("repeatability-request-id", "r1")];
        let cases = [
            (
                request("PUT", base, &hdr, r#"{"topic":"a","participants":[]}"#),
                "method",
            ),
            (
                request(
                    "POST",
                    "https://e.example/chat/thread?api-version=2024-03-07",
                    &hdr,
                    "{}",
                ),
                "path",
            ),
            (
                request(
                    "POST",
                    "https://e.example/chat/threads?api-version=2023-11-07",
                    &hdr,
                    "{}",
                ),
                "api-version",
            ),
            (
                request(
                    "POST",
                    "https://e.example/chat/threads?api-version=2024-03-07&x=1",
                    &hdr,
                    "{}",
                ),
                "query",
            ),
            (
                request("POST", base, &[("repeatability-request-id", "r2")], "{}"),
                "header repeatability-request-id",
            ),
            (
                request("POST", base, &hdr, r#"{"topic":"b","participants":[]}"#),
                "body",
            ),
            (request("POST", base, &hdr, r#"{"topic":"a"}"#), "body"),
        ];
        for (ours, part) in cases {
            assert_eq!(Matcher::new().check(&ours, &rec).unwrap_err().part, part);
        }
    }

    #[test]
    fn api_version_rules_are_explicit() {
        let rec = entry(
            "DELETE",
            "/identities/u?api-version=2021-10-31-preview",
            &[],
            Value::Null,
        );
        let ours = request(
            "DELETE",
            "https://e.example/identities/u?api-version=2023-10-01",
            &[],
            "",
        );
        assert!(Matcher::new().check(&ours, &rec).is_err());
        Matcher::new()
            .api_version(ApiVersionMatch::Any)
            .check(&ours, &rec)
            .unwrap();
        let map = vec![("2021-10-31-preview".into(), "2023-10-01".into())];
        Matcher::new()
            .api_version(ApiVersionMatch::Substitute(map))
            .check(&ours, &rec)
            .unwrap();
    }

    #[test]
    fn service_defaults_are_tolerated_only_when_asked() {
        let rec = entry(
            "POST",
            "/chat/threads/t/messages",
            &[],
            json!({"content": "c"}),
        );
        let ours = request(
            "POST",
            "https://e/chat/threads/t/messages",
            &[],
            r#"{"content":"c","type":"text"}"#,
        );
        assert!(Matcher::new().check(&ours, &rec).is_err());
        let lenient = Matcher::new().allow_default("type", json!("text"));
        lenient.check(&ours, &rec).unwrap();
        let html = request(
            "POST",
            "https://e/chat/threads/t/messages",
            &[],
            r#"{"content":"c","type":"html"}"#,
        );
        assert!(lenient.check(&html, &rec).is_err());
    }
}
