//! The whole quickstart flow against the emulator over raw HTTP, with a snapshot of every
//! response (ids, times, tokens and the port redacted), plus the per-version wire differences.

mod emulator_support;

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use chat_testkit::emulator::Emulator;
use emulator_support::{enc, Client, RawResponse};
use serde_json::{json, Map, Value};

/// Replaces ids with stable names (`[user-1]`, `[thread-1]`, `[msg-1]`), times with `[time]`,
/// tokens with `[token]`, the port with `[host]` and sync states with `[sync-state]`.
#[derive(Default)]
struct Redactor {
    names: HashMap<String, String>,
    counts: HashMap<&'static str, usize>,
}

impl Redactor {
    fn name(&mut self, kind: &'static str, id: &str) -> String {
        if let Some(n) = self.names.get(id) {
            return n.clone();
        }
        let count = self.counts.entry(kind).or_default();
        *count += 1;
        let name = format!("[{kind}-{count}]");
        self.names.insert(id.to_owned(), name.clone());
        name
    }

    fn collect(&mut self, key: &str, v: &Value) {
        match v {
            Value::Object(map) => map.iter().for_each(|(k, v)| self.collect(k, v)),
            Value::Array(items) => items.iter().for_each(|v| self.collect(key, v)),
            Value::String(s) if s.starts_with("8:acs:") => {
                self.name("user", s);
            }
            Value::String(s) if s.starts_with("19:") => {
                self.name("thread", s);
            }
            Value::String(s)
                if matches!(key, "id" | "version" | "chatMessageId")
                    && s.bytes().all(|b| b.is_ascii_digit()) =>
            {
                self.name("msg", s);
            }
            _ => {}
        }
    }

    fn apply_str(&self, key: &str, s: &str, host: &str) -> String {
        if (key.ends_with("On") || key.ends_with("Time")) && s != "1970-01-01T00:00:00Z" {
            return "[time]".into();
        }
        if key == "token" {
            return "[token]".into();
        }
        let mut out = s.replace(host, "[host]");
        let mut known: Vec<(&String, &String)> = self.names.iter().collect();
        known.sort_by_key(|(id, _)| std::cmp::Reverse(id.len()));
        for (id, name) in known {
            out = out
                .replace(id.as_str(), name)
                .replace(&enc(id), name)
                .replace(&id.replacen(':', "%3A", 1), name);
        }
        if let Some(start) = out.find("syncState=") {
            let end = out[start..].find('&').map_or(out.len(), |e| start + e);
            out.replace_range(start + "syncState=".len()..end, "[sync-state]");
        }
        out
    }

    fn apply(&self, key: &str, v: &Value, host: &str) -> Value {
        match v {
            Value::Object(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), self.apply(k, v, host)))
                    .collect::<Map<_, _>>(),
            ),
            Value::Array(items) => {
                Value::Array(items.iter().map(|v| self.apply(key, v, host)).collect())
            }
            Value::String(s) => Value::String(self.apply_str(key, s, host)),
            other => other.clone(),
        }
    }
}

struct Transcript<'a> {
    client: Client<'a>,
    redactor: Redactor,
    steps: Vec<Value>,
}

impl<'a> Transcript<'a> {
    fn record(&mut self, step: &str, r: &RawResponse) -> Value {
        for h in ["api-supported-versions", "ms-cv", "x-processing-time"] {
            assert!(r.header(h).is_some(), "{step}: missing {h}");
        }
        let body = if r.body.is_empty() {
            Value::Null
        } else {
            r.json()
        };
        self.redactor.collect("", &body);
        if let Some(location) = r.header("location") {
            self.redactor.collect("", &json!(location));
        }
        let host = self.client.emulator.local_addr().to_string();
        let mut entry = json!({
            "step": step,
            "status": r.status,
            "body": self.redactor.apply("", &body, &host),
        });
        if let Some(location) = r.header("location") {
            entry["location"] = json!(self.redactor.apply_str("location", location, &host));
        }
        if let Some(content_type) = r.header("content-type") {
            entry["contentType"] = json!(content_type);
        }
        self.steps.push(entry);
        body
    }
}

fn fixed_emulator() -> Emulator {
    Emulator::builder()
        .clock_start(SystemTime::UNIX_EPOCH + Duration::from_secs(1_780_000_000))
        .resource_id("00000000-0000-4000-8000-000000000000")
        .start()
        .unwrap()
}

#[test]
fn quickstart_flow() {
    let emulator = fixed_emulator();
    let mut t = Transcript {
        client: Client::new(&emulator),
        redactor: Redactor::default(),
        steps: Vec::new(),
    };
    const V: &str = "api-version=2023-11-07";

    // Identity: two users with tokens, a third without; one more that is then deleted.
    let r = t.client.identity(
        "POST",
        "/identities?api-version=2023-10-01",
        Some(&json!({"createTokenWithScopes": ["chat"]})),
    );
    let alice = t.record("create user and token", &r);
    let (alice_id, token) = (
        alice["identity"]["id"].as_str().unwrap().to_owned(),
        alice["accessToken"]["token"].as_str().unwrap().to_owned(),
    );
    let r = t
        .client
        .identity("POST", "/identities?api-version=2023-10-01", None);
    let bob_id = t.record("create user", &r)["identity"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t.client.identity(
        "POST",
        &format!(
            "/identities/{}/:issueAccessToken?api-version=2023-10-01",
            enc(&bob_id)
        ),
        Some(&json!({"scopes": ["chat"], "expiresInMinutes": 60})),
    );
    let bob_token = t.record("issue token", &r)["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let carol_id = t.client.user_with_token().0;
    let ghost_id = t.client.user_with_token().0;
    let r = t.client.identity(
        "DELETE",
        &format!("/identities/{}?api-version=2023-10-01", enc(&ghost_id)),
        None,
    );
    t.record("delete user", &r);
    assert_eq!(r.status, 204);

    // Create a thread with a participant and a repeatability id, twice.
    let create = json!({
        "topic": "quickstart topic",
        "participants": [{
            "communicationIdentifier": {"rawId": bob_id, "communicationUser": {"id": bob_id}},
            "displayName": "Bob",
        }],
    });
    let send_create = |t: &mut Transcript<'_>, step: &str| {
        let r = crate::emulator_support::send(
            emulator.local_addr(),
            "POST",
            &format!("/chat/threads?{V}"),
            &[
                ("Authorization", &format!("Bearer {token}")),
                ("Content-Type", "application/json"),
                (
                    "repeatability-request-id",
                    "b6e9c3a2-3f0e-4a53-9a55-0c7c5d3c2c11",
                ),
            ],
            &serde_json::to_vec(&create).unwrap(),
        )
        .unwrap();
        assert_eq!(r.status, 201);
        t.record(step, &r)
    };
    let created = send_create(&mut t, "create thread");
    let again = send_create(&mut t, "create thread again (same repeatability id)");
    assert_eq!(created, again);
    let thread = created["chatThread"]["id"].as_str().unwrap().to_owned();
    let th = enc(&thread);

    let c = &t.client;
    let r = c.chat(&token, "GET", &format!("/chat/threads/{th}?{V}"), None);
    t.record("get thread properties", &r);
    let r = t
        .client
        .chat(&token, "GET", &format!("/chat/threads?{V}"), None);
    let threads = t.record("list threads", &r);
    assert_eq!(threads["value"].as_array().unwrap().len(), 1);

    let r = t.client.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/messages?{V}"),
        Some(&json!({"content": "hello world", "senderDisplayName": "Alice", "type": "text"})),
    );
    let text_id = t.record("send text message", &r)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t.client.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/messages?{V}"),
        Some(&json!({"content": "<b>hi</b>", "type": "html", "metadata": {"tag": "x"}})),
    );
    let html_id = t.record("send html message", &r)["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = t.client.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/messages/{text_id}?{V}"),
        None,
    );
    let got = t.record("get message", &r);
    assert_eq!(got["version"], json!(text_id));

    // List messages, two per page, following nextLink.
    let mut r = t.client.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/messages?maxPageSize=2&{V}"),
        None,
    );
    let mut seen = Vec::new();
    for page in 1.. {
        let body = t.record(&format!("list messages page {page}"), &r);
        seen.extend(
            body["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["sequenceId"].as_str().unwrap().to_owned()),
        );
        match body["nextLink"].as_str() {
            Some(link) => r = t.client.follow(&token, link),
            None => break,
        }
    }
    assert_eq!(seen, ["4", "3", "2", "1"]);

    let r = t.client.chat(
        &token,
        "PATCH",
        &format!("/chat/threads/{th}?{V}"),
        Some(&json!({"topic": "new topic"})),
    );
    t.record("update topic", &r);
    assert_eq!(r.status, 204);
    let r = t.client.chat(
        &token,
        "PATCH",
        &format!("/chat/threads/{th}/messages/{text_id}?{V}"),
        Some(&json!({"content": "hello again"})),
    );
    t.record("update message", &r);
    assert_eq!(r.status, 204);
    let r = t.client.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/messages/{text_id}?{V}"),
        None,
    );
    let edited = t.record("get edited message", &r);
    assert_ne!(edited["version"], json!(text_id));
    assert!(edited["editedOn"].is_string());

    let r = t.client.chat(
        &bob_token,
        "POST",
        &format!("/chat/threads/{th}/readReceipts?{V}"),
        Some(&json!({"chatMessageId": html_id})),
    );
    t.record("send read receipt", &r);
    assert_eq!((r.status, r.body.len()), (200, 0));
    let r = t.client.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/readReceipts?{V}"),
        None,
    );
    t.record("list read receipts", &r);
    let r = t.client.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/typing?{V}"),
        Some(&json!({"senderDisplayName": "Alice"})),
    );
    t.record("send typing notification", &r);
    assert_eq!((r.status, r.body.len()), (200, 0));

    let add = json!({"participants": [
        {"communicationIdentifier": {"rawId": carol_id, "communicationUser": {"id": carol_id}}, "displayName": "Carol"},
        {"communicationIdentifier": {"rawId": ghost_id, "communicationUser": {"id": ghost_id}}},
        {"communicationIdentifier": {"rawId": "4:+14255550123", "phoneNumber": {"value": "+14255550123"}}},
    ]});
    let r = t.client.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/participants/:add?{V}"),
        Some(&add),
    );
    let added = t.record("add participants (two fail)", &r);
    let targets: Vec<&str> = added["invalidParticipants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, [ghost_id.as_str(), "4:+14255550123"]);
    let r = t.client.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/participants?{V}"),
        None,
    );
    let listed = t.record("list participants", &r);
    let ids: Vec<&str> = listed["value"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["communicationIdentifier"]["rawId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [alice_id.as_str(), bob_id.as_str(), carol_id.as_str()]);
    let r = t.client.chat(
        &token,
        "POST",
        &format!("/chat/threads/{th}/participants/:remove?{V}"),
        Some(&json!({"rawId": carol_id, "communicationUser": {"id": carol_id}})),
    );
    t.record("remove participant", &r);
    assert_eq!(r.status, 204);
    let r = t.client.chat(
        &token,
        "DELETE",
        &format!("/chat/threads/{th}/messages/{html_id}?{V}"),
        None,
    );
    t.record("delete message", &r);
    assert_eq!(r.status, 204);
    let r = t.client.chat(
        &token,
        "GET",
        &format!("/chat/threads/{th}/messages?{V}"),
        None,
    );
    t.record("list messages after edits", &r);
    let r = t
        .client
        .chat(&token, "DELETE", &format!("/chat/threads/{th}?{V}"), None);
    t.record("delete thread", &r);
    assert_eq!(r.status, 204);
    let r = t
        .client
        .chat(&token, "GET", &format!("/chat/threads/{th}?{V}"), None);
    t.record("get deleted thread", &r);
    assert_eq!(r.status, 404);

    insta::assert_json_snapshot!("quickstart_flow", t.steps);
}

#[test]
fn fields_follow_the_api_version() {
    let emulator = fixed_emulator();
    let c = Client::new(&emulator);
    let (_, token) = c.user_with_token();
    let created = c.chat(
        &token,
        "POST",
        "/chat/threads?api-version=2025-03-15",
        Some(&json!({"topic": "t", "metadata": {"k": "v"}, "retentionPolicy": {"kind": "threadCreationDate", "deleteThreadAfterDays": 30}})),
    );
    let thread = created.json()["chatThread"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let get = |version: &str| {
        c.chat(
            &token,
            "GET",
            &format!("/chat/threads/{}?api-version={version}", enc(&thread)),
            None,
        )
        .json()
    };
    let newest = get("2025-03-15");
    assert_eq!(newest["metadata"], json!({"k": "v"}));
    assert_eq!(
        newest["retentionPolicy"],
        json!({"kind": "threadCreationDate", "deleteThreadAfterDays": 30})
    );
    assert_eq!(
        newest["createdByCommunicationIdentifier"]["kind"],
        json!("communicationUser")
    );
    let mid = get("2023-11-07");
    assert!(mid.get("metadata").is_none() && mid.get("retentionPolicy").is_none());
    assert_eq!(
        mid["createdByCommunicationIdentifier"]["kind"],
        json!("communicationUser")
    );
    let oldest = get("2021-09-07");
    assert!(oldest["createdByCommunicationIdentifier"]
        .get("kind")
        .is_none());

    c.chat(
        &token,
        "POST",
        &format!(
            "/chat/threads/{}/messages?api-version=2021-09-07",
            enc(&thread)
        ),
        Some(&json!({"content": "x"})),
    );
    let list = |version: &str| {
        c.chat(
            &token,
            "GET",
            &format!(
                "/chat/threads/{}/messages?api-version={version}",
                enc(&thread)
            ),
            None,
        )
        .json()
    };
    assert!(list("2021-09-07")["value"][0]["content"]
        .get("attachments")
        .is_none());
    assert_eq!(
        list("2023-11-07")["value"][0]["content"]["attachments"],
        json!([])
    );

    for bad in ["", "api-version=2020-01-01"] {
        let r = c.chat(&token, "GET", &format!("/chat/threads?{bad}"), None);
        assert_eq!(r.status, 400);
        assert!(r.json()["error"]["code"].is_string());
    }
}
