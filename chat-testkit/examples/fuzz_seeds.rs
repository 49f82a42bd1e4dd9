//! Writes the seed corpora of the fuzz targets (`fuzz/`) from the recordings this crate
//! vendors and from the text inputs the client parses.
//!
//! ```text
//! cargo run -p chat-testkit --example fuzz_seeds -- fuzz/seeds
//! ```
//!
//! The folder given is emptied and refilled, one subfolder per target:
//! - `responses/<Operation>/`: every recorded response, restored as the service sent it, as
//!   `<Operation> <status>`, its `content-type` and `retry-after` headers, an empty line and
//!   the body;
//! - `text_parsers/<kind>/`: timestamps, JWTs, connection strings, `Retry-After` values, next
//!   links, raw ids and identifier models (recorded ones, and edge cases written here);
//! - `recordings/`: every recording file, and each entry alone as a recording;
//! - `emulator/`: each recording's requests as a request script for the emulator target, with
//!   ids replaced by `{thread:N}`-style placeholders (the format is described in
//!   `fuzz/fuzz_targets/emulator.rs`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chat_core::Timestamp;
use chat_testkit::recording::compare::{percent_decode, sanitized};
use chat_testkit::recording::scrub::{looks_like_jwt, restored_response_body};
use chat_testkit::recording::{route, Entry, Recording};
use chat_testkit::RECORDINGS_DIR;
use serde_json::{json, Value};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args()
        .nth(1)
        .ok_or("usage: fuzz_seeds <output folder, e.g. fuzz/seeds>")?;
    let out = PathBuf::from(out);
    if out.exists() {
        fs::remove_dir_all(&out)?;
    }
    let mut seeds = Seeds::default();
    let mut files = Vec::new();
    collect_json(Path::new(RECORDINGS_DIR), &mut files)?;
    files.sort();
    for file in &files {
        let text = fs::read_to_string(file)?;
        let recording = Recording::from_json(&text)?;
        let stem = file
            .strip_prefix(RECORDINGS_DIR)?
            .with_extension("")
            .to_string_lossy()
            .replace(['/', '\\'], "_");
        seeds.add("recordings/files", &stem, text.into_bytes());
        for (i, entry) in recording.entries.iter().enumerate() {
            let alone = Recording {
                entries: vec![entry.clone()],
                variables: BTreeMap::new(),
            };
            seeds.add(
                "recordings/entries",
                &format!("{stem}-{i}"),
                alone.to_json(),
            );
            responses(&mut seeds, &stem, &recording.entries, i);
            texts_of_entry(&mut seeds, entry);
        }
        seeds.add("emulator", &stem, Script::of(&recording.entries));
    }
    edge_cases(&mut seeds);
    let count = seeds.write(&out)?;
    println!("{count} seeds written to {}", out.display());
    Ok(())
}

/// Seeds by path, each content once per folder.
#[derive(Default)]
struct Seeds {
    files: BTreeMap<PathBuf, Vec<u8>>,
    seen: BTreeSet<(String, Vec<u8>)>,
}

impl Seeds {
    fn add(&mut self, folder: &str, name: &str, content: impl Into<Vec<u8>>) {
        let content = content.into();
        if self.seen.insert((folder.to_owned(), content.clone())) {
            let n = self.files.len();
            let name: String = name
                .chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .take(80)
                .collect();
            self.files
                .insert(Path::new(folder).join(format!("{name}-{n}")), content);
        }
    }

    fn text(&mut self, kind: &str, value: &str) {
        self.add(&format!("text_parsers/{kind}"), kind, value.as_bytes());
    }

    fn write(&self, out: &Path) -> std::io::Result<usize> {
        for (path, content) in &self.files {
            let path = out.join(path);
            if let Some(dir) = path.parent() {
                fs::create_dir_all(dir)?;
            }
            fs::write(path, content)?;
        }
        Ok(self.files.len())
    }
}

/// The recorded response of `entries[i]`, for the `responses` target, under its operation.
fn responses(seeds: &mut Seeds, stem: &str, entries: &[Entry], i: usize) {
    let Some(entry) = entries.get(i) else { return };
    let Ok(routed) = route(entry) else { return };
    let mut seed = format!("{} {}\n", routed.name(), entry.status_code);
    for (name, value) in &entry.response_headers {
        let lower = name.to_ascii_lowercase();
        if lower == "content-type" || lower.contains("retry-after") {
            seed.push_str(&format!("{lower}: {value}\n"));
        }
    }
    seed.push('\n');
    let mut seed = seed.into_bytes();
    seed.extend(restored_response_body(entries, i).unwrap_or_default());
    seeds.add(&format!("responses/{}", routed.name()), stem, seed);
}

/// The text inputs a recorded entry holds: timestamps, JWTs, next links, raw ids and
/// identifier models, anywhere in its bodies and URI.
fn texts_of_entry(seeds: &mut Seeds, entry: &Entry) {
    if entry.query().contains("syncState") {
        seeds.text("next_links", &entry.request_uri);
    }
    for pair in entry.query().split('&') {
        if let Some(("startTime", v)) = pair.split_once('=') {
            seeds.text("timestamps", &percent_decode(v));
        }
    }
    for body in [&entry.request_body, &entry.response_body] {
        walk(body, &mut |key, value| match value {
            Value::String(s) if sanitized(s) => {}
            Value::String(s) if key == "nextLink" => seeds.text("next_links", s),
            Value::String(s) if key == "rawId" || s.starts_with("8:") => seeds.text("raw_ids", s),
            Value::String(s) if looks_like_jwt(s) => seeds.text("jwts", s),
            Value::String(s) if Timestamp::parse(s).is_some() || looks_like_date(s) => {
                seeds.text("timestamps", s);
            }
            Value::Object(map) if map.contains_key("rawId") => {
                seeds.text("identifiers", &value.to_string());
            }
            _ => {}
        });
    }
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

/// Calls `f` on every (key, value) below `value` (the key of array items is their array's).
fn walk(value: &Value, f: &mut impl FnMut(&str, &Value)) {
    fn go(key: &str, value: &Value, f: &mut impl FnMut(&str, &Value)) {
        f(key, value);
        match value {
            Value::Object(map) => map.iter().for_each(|(k, v)| go(k, v, f)),
            Value::Array(items) => items.iter().for_each(|v| go(key, v, f)),
            _ => {}
        }
    }
    go("", value, f);
}

/// Edge cases no recording holds.
fn edge_cases(seeds: &mut Seeds) {
    for t in [
        "2024-02-16T23:46:29.2703340Z",
        "2024-02-16T23:46:29Z",
        "2024-02-16T23:46:29.270334+00:00",
        "2024-02-16T23:46:29.999999999-23:59",
        "0000-01-01T00:00:00+23:59",
        "9999-12-31T23:59:59-23:59",
        "1970-01-01T00:00:00Z",
        "2016-12-31T23:59:60Z",
        "1/1/1970 12:00:00 AM +00:00",
    ] {
        seeds.text("timestamps", t);
    }
    for r in [
        "0",
        "5",
        "120",
        "-1",
        "1.5",
        "18446744073709551616",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "Wednesday, 21-Oct-15 07:28:00 GMT",
        "Wed Oct 21 07:28:00 2015",
        "Fri, 31 Dec 9999 23:59:59 GMT",
    ] {
        seeds.text("retry_after", r);
    }
    for c in [
        "endpoint=https://contoso.communication.azure.com/;accesskey=c2VjcmV0",
        "Endpoint=https://contoso.communication.azure.com;AccessKey=c2VjcmV0==;",
        "endpoint=http://127.0.0.1:8080/;accesskey=a2V5",
        "endpoint=https://contoso.communication.azure.com:443/path?x=1;accesskey=not base64",
        "accesskey=c2VjcmV0;endpoint=https://[::1]:8443/",
        "endpoint=;accesskey=",
    ] {
        seeds.text("connection_strings", c);
    }
    for claims in [
        json!({"exp": 1_700_000_000}),
        json!({"exp": 1_700_000_000.5}),
        json!({"exp": "1700000000"}),
        json!({"exp": -1}),
        json!({"exp": 1e20}),
        json!({"sub": "8:acs:r_u"}),
    ] {
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
        let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
        seeds.text("jwts", &format!("{header}.{payload}.c2ln"));
        seeds.text("jwts", &format!("{header}.{payload}==.c2ln"));
    }
    for id in [
        "8:acs:res_00000000-0000-0000-0000-000000000001",
        "8:acs:res_tenant_user",
        "8:spool:x",
        "8:dod-acs:x",
        "8:gcch-acs:x",
        "4:+14255550123",
        "4:anonymous",
        "8:orgid:00000000-0000-0000-0000-000000000001",
        "8:dod:x",
        "8:gcch:x",
        "8:teamsvisitor:x",
        "28:orgid:x",
        "28:dod:x",
        "28:gcch:x",
        "",
    ] {
        seeds.text("raw_ids", id);
    }
    for link in [
        "https://acs.example.com/chat/threads?syncState=abc&maxPageSize=1&api-version=2021-09-07",
        "https://acs.example.com/chat/threads?api-version=2021-09-07&api-version=2024-03-07",
        "/chat/threads?syncState=abc",
        "http://acs.example.com/chat/threads",
        "https://evil.example.com/chat/threads",
    ] {
        seeds.text("next_links", link);
    }
}

/// A recording's requests as a request script for the `emulator` target: recorded ids become
/// placeholders for the ids the emulator hands out in their place.
#[derive(Default)]
struct Script {
    threads: Vec<String>,
    messages: Vec<String>,
    /// Recorded user ids by placeholder index: three made up front, then those created.
    users: BTreeMap<String, usize>,
    created_users: usize,
    links: usize,
}

/// The users the emulator target makes before the script runs.
const UP_FRONT_USERS: usize = 3;

impl Script {
    fn of(entries: &[Entry]) -> Vec<u8> {
        let mut script = Self::default();
        let requests: Vec<String> = entries.iter().map(|e| script.request(e)).collect();
        requests.join("\n###\n").into_bytes()
    }

    fn request(&mut self, entry: &Entry) -> String {
        let identity =
            entry.path().starts_with("/identities") || entry.path().starts_with("/teamsUser");
        let target = if entry.query().contains("syncState") {
            format!("{{next:{}}}", self.links.saturating_sub(1))
        } else {
            let path: Vec<String> = entry
                .path()
                .split('/')
                .skip(1)
                .enumerate()
                .map(|(i, s)| self.segment(entry.path(), i, &percent_decode(s)))
                .collect();
            format!("/{}?{}", path.join("/"), entry.query())
        };
        let mut text = format!("{} {target}\n", entry.request_method);
        let auth = if identity {
            "{hmac}"
        } else {
            "Bearer {token:0}"
        };
        text.push_str(&format!("authorization: {auth}\n"));
        for name in ["content-type", "repeatability-request-id"] {
            if let Some(v) = entry.request_header(name) {
                text.push_str(&format!("{name}: {v}\n"));
            }
        }
        text.push('\n');
        let mut body = entry.request_body.clone();
        self.placeholders(&mut body);
        match body {
            Value::Null => {}
            Value::String(s) => text.push_str(&s),
            other => text.push_str(&other.to_string()),
        }
        self.learn(entry);
        text
    }

    /// The `i`-th segment of `path`, an id replaced by its placeholder.
    fn segment(&mut self, path: &str, i: usize, segment: &str) -> String {
        let parts: Vec<&str> = path.split('/').skip(1).collect();
        match (parts.first().copied(), i) {
            (Some("chat"), 2) => format!("{{thread:{}}}", index(&mut self.threads, segment)),
            (Some("chat"), 4) if parts.get(3) == Some(&"messages") => {
                format!("{{message:{}}}", index(&mut self.messages, segment))
            }
            (Some("identities"), 1) => format!("{{user:{}}}", self.user(segment)),
            _ => segment.to_owned(),
        }
    }

    /// The placeholder index of a recorded user id: a created one, the latest created for a
    /// sanitized id, else one of the users made up front (the caller, user 0, last).
    fn user(&mut self, id: &str) -> usize {
        if sanitized(id) {
            return (UP_FRONT_USERS + self.created_users).saturating_sub(1);
        }
        let next = (self.users.len() + 1) % UP_FRONT_USERS;
        *self.users.entry(id.to_owned()).or_insert(next)
    }

    /// Replaces identifier models and message ids in a request body by placeholders.
    fn placeholders(&mut self, value: &mut Value) {
        match value {
            Value::Object(map) => {
                let raw = map
                    .get("rawId")
                    .or_else(|| map.get("communicationUser").and_then(|u| u.get("id")))
                    .and_then(Value::as_str)
                    .map(str::to_owned);
                if let Some(raw) = raw {
                    let user = format!("{{user:{}}}", self.user(&raw));
                    *value = json!({"rawId": user, "communicationUser": {"id": user}});
                    return;
                }
                if let Some(Value::String(id)) = map.get_mut("chatMessageId") {
                    *id = format!("{{message:{}}}", index(&mut self.messages, id));
                }
                map.values_mut().for_each(|v| self.placeholders(v));
            }
            Value::Array(items) => items.iter_mut().for_each(|v| self.placeholders(v)),
            _ => {}
        }
    }

    /// Takes the ids the recorded response created.
    fn learn(&mut self, entry: &Entry) {
        let body = &entry.response_body;
        if let Some(id) = body.pointer("/chatThread/id").and_then(Value::as_str) {
            self.threads.push(id.to_owned());
        }
        if let Some(id) = body.pointer("/identity/id").and_then(Value::as_str) {
            self.users
                .insert(id.to_owned(), UP_FRONT_USERS + self.created_users);
            self.created_users += 1;
        }
        if entry.path().ends_with("/messages") && entry.request_method == "POST" {
            if let Some(id) = body.get("id").and_then(Value::as_str) {
                self.messages.push(id.to_owned());
            }
        }
        if body.get("nextLink").is_some_and(|l| !l.is_null()) {
            self.links += 1;
        }
    }
}

/// The index of `id` in `ids`: `sanitized` is the latest one; a new id takes the place of
/// the first one the recording sanitized, or is added.
fn index(ids: &mut Vec<String>, id: &str) -> usize {
    if sanitized(id) {
        return ids.len().saturating_sub(1);
    }
    if let Some(i) = ids.iter().position(|i| i == id) {
        return i;
    }
    match ids.iter().position(|i| sanitized(i)) {
        Some(i) => {
            ids[i] = id.to_owned();
            i
        }
        None => {
            ids.push(id.to_owned());
            ids.len() - 1
        }
    }
}

fn collect_json(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for item in fs::read_dir(dir)? {
        let path = item?.path();
        if path.is_dir() {
            collect_json(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
    Ok(())
}
