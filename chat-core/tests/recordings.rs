//! Every chat response recorded from the live service parses with the parser of its operation.
//!
//! Walks every `*.json` recording (Azure test-proxy shape) under `chat-testkit/recordings/`, routes each
//! chat entry (`/chat/...`) by method and path to its operation, checks that the operation builds
//! the same path, and parses the recorded response with it. Identity entries are checked by the
//! identity tests.

use std::fmt::Debug;
use std::path::{Path, PathBuf};

use chat_core::http::{HeaderName, HeaderValue, Method, Response, StatusCode};
use chat_core::identifier::CommunicationIdentifier;
use chat_core::messages::{DeleteMessage, GetMessage, ListMessages, SendMessage, UpdateMessage};
use chat_core::participants::{
    AddParticipants, ChatParticipant, ListParticipants, RemoveParticipant,
};
use chat_core::read_receipts::{ListReadReceipts, SendReadReceipt};
use chat_core::threads::{
    CreateThread, DeleteThread, GetThreadProperties, ListThreads, UpdateThread,
};
use chat_core::typing::SendTypingNotification;
use chat_core::{ChatContext, Endpoint, Error, ListOperation, Operation, Pager};
use serde_json::Value;

const RECORDINGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../chat-testkit/recordings");

/// One routed operation, type-erased: the path it builds, and its parser.
trait Routed {
    fn path(&self, ctx: &ChatContext) -> String;
    fn parse(&self, response: Response<Vec<u8>>) -> Result<(), Error>;
}

impl<O> Routed for O
where
    O: Operation<Context = ChatContext>,
    O::Output: Debug,
{
    fn path(&self, ctx: &ChatContext) -> String {
        self.to_request(ctx).unwrap().uri().path().to_owned()
    }

    fn parse(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        self.parse_response(response).map(drop)
    }
}

/// A listing is checked one page at a time.
fn page<L: ListOperation + 'static>(list: L) -> Box<dyn Routed>
where
    L::Item: Debug,
{
    Box::new(Pager::new(list, ctx()).poll_page().unwrap())
}

fn ctx() -> ChatContext {
    ChatContext::new(Endpoint::parse("https://contoso.communication.azure.com").unwrap())
}

/// Routes a recorded chat request (method, path segments after `/chat/threads`, JSON body) to
/// its operation; `None` when it is no chat operation this client knows. The participants a
/// create-thread or add-participants request asked for are read from its body, so that partial
/// failures are paired as in a live call.
fn route(
    method: &Method,
    rest: &[String],
    body: &Value,
) -> Option<(&'static str, Box<dyn Routed>)> {
    let participants = || -> Vec<ChatParticipant> {
        // The recorder sometimes replaced the whole list with the string "sanitized".
        serde_json::from_value(body["participants"].clone()).unwrap_or_default()
    };
    let seg: Vec<&str> = rest.iter().map(String::as_str).collect();
    let routed: (&'static str, Box<dyn Routed>) = match (method.as_str(), seg.as_slice()) {
        ("POST", []) => (
            "create thread",
            Box::new(CreateThread::new("t").participants(participants())),
        ),
        ("GET", []) => ("list threads", page(ListThreads::new())),
        ("GET", [t]) => (
            "get thread properties",
            Box::new(GetThreadProperties::new(*t)),
        ),
        ("PATCH", [t]) => ("update thread", Box::new(UpdateThread::new(*t))),
        ("DELETE", [t]) => ("delete thread", Box::new(DeleteThread::new(*t))),
        ("POST", [t, "messages"]) => ("send message", Box::new(SendMessage::new(*t, "x"))),
        ("GET", [t, "messages"]) => ("list messages", page(ListMessages::new(*t))),
        ("GET", [t, "messages", m]) => ("get message", Box::new(GetMessage::new(*t, *m))),
        ("PATCH", [t, "messages", m]) => ("update message", Box::new(UpdateMessage::new(*t, *m))),
        ("DELETE", [t, "messages", m]) => ("delete message", Box::new(DeleteMessage::new(*t, *m))),
        ("GET", [t, "participants"]) => ("list participants", page(ListParticipants::new(*t))),
        ("POST", [t, "participants", ":add"]) => (
            "add participants",
            Box::new(AddParticipants::new(*t, participants())),
        ),
        ("POST", [t, "participants", ":remove"]) => {
            let who = serde_json::from_value(body.clone())
                .unwrap_or_else(|_| CommunicationIdentifier::from_raw_id("8:acs:r_u"));
            (
                "remove participant",
                Box::new(RemoveParticipant::new(*t, who)),
            )
        }
        ("POST", [t, "readReceipts"]) => {
            ("send read receipt", Box::new(SendReadReceipt::new(*t, "1")))
        }
        ("GET", [t, "readReceipts"]) => ("list read receipts", page(ListReadReceipts::new(*t))),
        ("POST", [t, "typing"]) => (
            "send typing notification",
            Box::new(SendTypingNotification::new(*t)),
        ),
        _ => return None,
    };
    Some(routed)
}

/// Percent-decodes a path (the recorded URIs encode thread ids, next links do not).
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            if let Some(Ok(b)) = s.get(i + 1..i + 3).map(|h| u8::from_str_radix(h, 16)) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8(out).unwrap()
}

/// The recorded response as an `http::Response`: JSON bodies are written back as JSON, string
/// bodies as they are, and null as an empty body.
fn recorded_response(entry: &Value) -> Response<Vec<u8>> {
    let status = entry["StatusCode"].as_u64().unwrap();
    let mut response = Response::new(match &entry["ResponseBody"] {
        Value::Null => Vec::new(),
        Value::String(s) => s.as_bytes().to_vec(),
        v => serde_json::to_vec(v).unwrap(),
    });
    *response.status_mut() = StatusCode::from_u16(u16::try_from(status).unwrap()).unwrap();
    if let Some(headers) = entry["ResponseHeaders"].as_object() {
        for (name, value) in headers {
            let name = HeaderName::from_bytes(name.as_bytes()).unwrap();
            let value = HeaderValue::from_str(value.as_str().unwrap()).unwrap();
            response.headers_mut().append(name, value);
        }
    }
    response
}

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// A listing whose items the recorder replaced with the string `"sanitized"`: the recording
/// no longer holds a page, so it cannot parse as one.
fn items_sanitized_away(entry: &Value) -> bool {
    entry["ResponseBody"]["value"] == "sanitized"
}

#[test]
fn every_recorded_chat_response_parses() {
    let mut files = Vec::new();
    json_files(Path::new(RECORDINGS), &mut files);
    files.sort();
    assert!(!files.is_empty(), "no recordings under {RECORDINGS}");

    let (mut chat_entries, mut parsed, mut sanitized_away) = (0usize, 0usize, 0usize);
    let mut failures = Vec::new();
    let mut seen_ops = std::collections::BTreeSet::new();
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        let recording: Value = serde_json::from_str(&text).unwrap();
        let name = file.strip_prefix(RECORDINGS).unwrap().display().to_string();
        for (i, entry) in recording["Entries"].as_array().unwrap().iter().enumerate() {
            let uri: chat_core::http::Uri = entry["RequestUri"].as_str().unwrap().parse().unwrap();
            let Some(rest) = uri.path().strip_prefix("/chat/") else {
                continue;
            };
            chat_entries += 1;
            let what = format!("{name} #{i}: {} {}", entry["RequestMethod"], uri.path());
            let rest: Vec<String> = rest
                .strip_prefix("threads")
                .unwrap_or_else(|| panic!("{what}: not a thread path"))
                .split('/')
                .filter(|s| !s.is_empty())
                .map(decode)
                .collect();
            let method =
                Method::from_bytes(entry["RequestMethod"].as_str().unwrap().as_bytes()).unwrap();
            let Some((op, routed)) = route(&method, &rest, &entry["RequestBody"]) else {
                failures.push(format!("{what}: no operation"));
                continue;
            };
            seen_ops.insert(op);
            assert_eq!(
                decode(&routed.path(&ctx())),
                decode(uri.path()),
                "{what}: {op} builds another path"
            );
            match routed.parse(recorded_response(entry)) {
                Ok(()) => parsed += 1,
                Err(Error::Deserialize { .. }) if items_sanitized_away(entry) => {
                    sanitized_away += 1;
                }
                Err(e) => failures.push(format!("{what}: {op}: {e}")),
            }
        }
    }
    println!(
        "{chat_entries} recorded chat entries in {} files: {parsed} parsed, {sanitized_away} \
         listings with their items sanitized away; operations seen: {seen_ops:?}",
        files.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(parsed + sanitized_away, chat_entries);
    assert!(parsed > 0 && chat_entries > 0);
}

#[test]
fn a_sanitized_listing_is_not_taken_for_a_page() {
    // What the recorder left of a page: no items to return, so no page.
    let entry = serde_json::json!({
        "StatusCode": 200,
        "ResponseHeaders": {"Content-Type": "application/json"},
        "ResponseBody": {"value": "sanitized", "nextLink": "sanitized"}
    });
    let (_, routed) = route(&Method::GET, &["t".into(), "messages".into()], &Value::Null).unwrap();
    assert!(matches!(
        routed.parse(recorded_response(&entry)),
        Err(Error::Deserialize { status: 200, .. })
    ));
}

#[test]
fn routes_all_sixteen_operations() {
    let seg = |s: &[&str]| s.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let mut names = std::collections::BTreeSet::new();
    for (method, path) in [
        (Method::POST, seg(&[])),
        (Method::GET, seg(&[])),
        (Method::GET, seg(&["t"])),
        (Method::PATCH, seg(&["t"])),
        (Method::DELETE, seg(&["t"])),
        (Method::POST, seg(&["t", "messages"])),
        (Method::GET, seg(&["t", "messages"])),
        (Method::GET, seg(&["t", "messages", "m"])),
        (Method::PATCH, seg(&["t", "messages", "m"])),
        (Method::DELETE, seg(&["t", "messages", "m"])),
        (Method::GET, seg(&["t", "participants"])),
        (Method::POST, seg(&["t", "participants", ":add"])),
        (Method::POST, seg(&["t", "participants", ":remove"])),
        (Method::POST, seg(&["t", "readReceipts"])),
        (Method::GET, seg(&["t", "readReceipts"])),
        (Method::POST, seg(&["t", "typing"])),
    ] {
        let (name, routed) = route(&method, &path, &Value::Null).unwrap();
        let built = routed.path(&ctx());
        let expected = format!("/chat/threads/{}", path.join("/"));
        assert_eq!(decode(&built), expected.trim_end_matches('/'), "{name}");
        names.insert(name);
    }
    assert_eq!(names.len(), 16);
    assert!(route(&Method::PUT, &seg(&["t"]), &Value::Null).is_none());
    assert!(route(&Method::GET, &seg(&["t", "images"]), &Value::Null).is_none());
}
