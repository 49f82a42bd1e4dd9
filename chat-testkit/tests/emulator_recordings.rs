//! The emulator answers each operation with the status and the JSON shape (the set of key
//! paths) that the live service gave in the recorded sessions under `chat-testkit/recordings/`
//! (chat 2023-11-07 and 2024-03-07, every identity version).
//!
//! Two known, deliberate differences are normalised before comparing: identifiers' `kind`
//! (the emulator sends it from 2023-11-07 on, as the 2022-07-13 common spec allows; these
//! recordings predate it), and nothing about values is compared (recorded ids are sanitized).

mod emulator_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use chat_testkit::emulator::Emulator;
use emulator_support::{enc, Client, RawResponse};
use serde_json::{json, Value};

/// (status, body shape) per operation.
type Shapes = BTreeMap<&'static str, BTreeSet<(u16, Vec<String>)>>;

fn shape(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                if k == "kind" {
                    continue;
                }
                let path = format!("{prefix}.{k}");
                out.insert(path.clone());
                shape(v, &path, out);
            }
        }
        Value::Array(items) => items
            .iter()
            .for_each(|v| shape(v, &format!("{prefix}[]"), out)),
        _ => {}
    }
}

fn shape_of(body: &Value) -> Vec<String> {
    let mut out = BTreeSet::new();
    if !body.is_null() {
        out.insert("$".to_owned());
    }
    shape(body, "$", &mut out);
    out.into_iter().collect()
}

fn operation(method: &str, path: &str) -> Option<&'static str> {
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    Some(match (method, segs.as_slice()) {
        ("POST", ["chat", "threads"]) => "create thread",
        ("GET", ["chat", "threads"]) => "list threads",
        ("GET", ["chat", "threads", _]) => "get thread",
        ("PATCH", ["chat", "threads", _]) => "update thread",
        ("DELETE", ["chat", "threads", _]) => "delete thread",
        ("POST", ["chat", "threads", _, "messages"]) => "send message",
        ("GET", ["chat", "threads", _, "messages", _]) => "get message",
        ("PATCH", ["chat", "threads", _, "messages", _]) => "update message",
        ("DELETE", ["chat", "threads", _, "messages", _]) => "delete message",
        ("GET", ["chat", "threads", _, "participants"]) => "list participants",
        ("POST", ["chat", "threads", _, "participants", ":add"]) => "add participants",
        ("POST", ["chat", "threads", _, "participants", ":remove"]) => "remove participant",
        ("POST", ["chat", "threads", _, "readReceipts"]) => "send read receipt",
        ("GET", ["chat", "threads", _, "readReceipts"]) => "list read receipts",
        ("POST", ["chat", "threads", _, "typing"]) => "send typing notification",
        ("POST", ["identities"]) => "create user",
        ("POST", ["identities", _, ":issueAccessToken"]) => "issue token",
        ("DELETE", ["identities", _]) => "delete user",
        _ => return None,
    })
}

fn recorded() -> Shapes {
    let root = PathBuf::from(chat_testkit::RECORDINGS_DIR);
    let mut shapes = Shapes::new();
    for dir in [
        "python",
        "js/node/chatclient_chat_operations",
        "js/node/chatthreadclient",
    ] {
        let entries = std::fs::read_dir(root.join(dir))
            .unwrap_or_else(|e| panic!("the vendored recordings folder {dir}: {e}"));
        for file in entries.flatten() {
            let text = std::fs::read_to_string(file.path()).unwrap();
            let session: Value = serde_json::from_str(&text).unwrap();
            for e in session["Entries"].as_array().unwrap() {
                let uri = e["RequestUri"].as_str().unwrap();
                let is_chat = uri.contains("/chat/");
                if is_chat
                    && !(uri.contains("api-version=2023-11-07")
                        || uri.contains("api-version=2024-03-07"))
                {
                    continue;
                }
                let path = uri
                    .split("://")
                    .nth(1)
                    .unwrap()
                    .split_once('/')
                    .map_or("", |(_, p)| p);
                let path = format!("/{}", path.split('?').next().unwrap());
                let Some(op) = operation(e["RequestMethod"].as_str().unwrap(), &path) else {
                    continue;
                };
                let status = u16::try_from(e["StatusCode"].as_u64().unwrap()).unwrap();
                shapes
                    .entry(op)
                    .or_default()
                    .insert((status, shape_of(&e["ResponseBody"])));
            }
        }
    }
    shapes
}

struct Recorder<'a> {
    client: Client<'a>,
    shapes: Shapes,
}

impl Recorder<'_> {
    fn note(&mut self, method: &str, target: &str, r: &RawResponse) -> Value {
        let body = if r.body.is_empty() {
            Value::Null
        } else {
            r.json()
        };
        let op = operation(method, target.split('?').next().unwrap()).unwrap();
        self.shapes
            .entry(op)
            .or_default()
            .insert((r.status, shape_of(&body)));
        body
    }

    fn chat(&mut self, token: &str, method: &str, target: &str, body: Option<Value>) -> Value {
        let r = self.client.chat(token, method, target, body.as_ref());
        self.note(method, target, &r)
    }
}

#[test]
fn statuses_and_shapes_match_the_recorded_service() {
    let recorded = recorded();
    assert!(
        recorded.len() >= 15,
        "recordings not found or too few: {:?}",
        recorded.keys()
    );

    let emulator = Emulator::start();
    let mut rec = Recorder {
        client: Client::new(&emulator),
        shapes: Shapes::new(),
    };
    let identity = |rec: &mut Recorder<'_>, method: &str, target: &str, body: Option<Value>| {
        let r = rec.client.identity(method, target, body.as_ref());
        rec.note(method, target, &r)
    };
    let alice = identity(
        &mut rec,
        "POST",
        "/identities?api-version=2023-10-01",
        Some(json!({"createTokenWithScopes": ["chat"]})),
    );
    let token = alice["accessToken"]["token"].as_str().unwrap().to_owned();
    let alice_id = alice["identity"]["id"].as_str().unwrap().to_owned();
    let bob = identity(&mut rec, "POST", "/identities?api-version=2023-10-01", None)["identity"]
        ["id"]
        .as_str()
        .unwrap()
        .to_owned();
    identity(
        &mut rec,
        "POST",
        &format!(
            "/identities/{}/:issueAccessToken?api-version=2023-10-01",
            enc(&bob)
        ),
        Some(json!({"scopes": ["chat"], "expiresInMinutes": null})),
    );
    let carol = rec.client.user_with_token().0;
    let participant = |id: &str| json!({"communicationIdentifier": {"rawId": id, "communicationUser": {"id": id}}, "displayName": "name", "shareHistoryTime": "2024-02-16T23:46:29.270334Z"});

    const V: &str = "api-version=2024-03-07";
    let created = rec.chat(
        &token,
        "POST",
        &format!("/chat/threads?{V}"),
        Some(json!({"topic": "test topic", "participants": [participant(&alice_id)]})),
    );
    let th = enc(created["chatThread"]["id"].as_str().unwrap());
    rec.chat(
        &token,
        "GET",
        &format!("/chat/threads?maxPageSize=1&{V}"),
        None,
    );
    rec.chat(&token, "GET", &format!("/chat/threads/{th}?{V}"), None);
    rec.chat(
        &token,
        "PATCH",
        &format!("/chat/threads/{th}?{V}"),
        Some(json!({"topic": "update topic"})),
    );
    let msg = rec.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/messages?{V}"),
        Some(json!({"content": "hello world", "senderDisplayName": "sender name", "type": "text"})),
    );
    let m = msg["id"].as_str().unwrap().to_owned();
    rec.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/messages/{m}?{V}"),
        None,
    );
    rec.chat(
        &token,
        "PATCH",
        &format!("/chat/threads/{th}/messages/{m}?{V}"),
        Some(json!({"content": "updated message content"})),
    );
    rec.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/readReceipts?{V}"),
        Some(json!({"chatMessageId": m})),
    );
    rec.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/readReceipts?{V}"),
        None,
    );
    rec.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/typing?{V}"),
        Some(json!({})),
    );
    rec.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/participants/:add?{V}"),
        Some(json!({"participants": [participant(&carol)]})),
    );
    // As in the recording: two participants, the second page of one is the last.
    rec.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/participants?maxPageSize=1&skip=1&{V}"),
        None,
    );
    rec.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/participants/:remove?{V}"),
        Some(json!({"rawId": carol, "communicationUser": {"id": carol}})),
    );
    rec.chat(
        &token,
        "DELETE",
        &format!("/chat/threads/{th}/messages/{m}?{V}"),
        None,
    );
    rec.chat(&token, "DELETE", &format!("/chat/threads/{th}?{V}"), None);
    identity(
        &mut rec,
        "DELETE",
        &format!("/identities/{}?api-version=2023-10-01", enc(&bob)),
        None,
    );

    for (op, seen) in &recorded {
        let ours = rec
            .shapes
            .get(op)
            .unwrap_or_else(|| panic!("the emulator flow never ran {op}"));
        for (status, keys) in seen {
            assert!(
                ours.iter().any(|(s, k)| s == status && k == keys),
                "{op}: the service answered {status} {keys:?}; the emulator answered {ours:?}"
            );
        }
    }
}
