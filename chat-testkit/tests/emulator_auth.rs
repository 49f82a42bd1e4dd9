//! Authentication and authorization: HMAC on identity, bearer tokens on chat, participants
//! only, repeatability ids.

mod emulator_support;

use std::time::Duration;

use chat_testkit::emulator::Emulator;
use emulator_support::{enc, send, Client};
use serde_json::json;

const V: &str = "api-version=2025-03-15";

#[test]
fn bad_expired_and_revoked_tokens_are_401() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (user, token) = c.user_with_token();
    assert_eq!(
        c.chat(&token, "GET", &format!("/chat/threads?{V}"), None)
            .status,
        200
    );

    // A token signed with another key, a tampered one, garbage, and none at all.
    let other = Emulator::start();
    let foreign = other.issue_token(&other.create_user(), &["chat"]).unwrap();
    let mut tampered = token.clone();
    tampered.pop();
    tampered.push(if token.ends_with('A') { 'B' } else { 'A' });
    for bad in [foreign.as_str(), tampered.as_str(), "not-a-token", ""] {
        let r = c.chat(bad, "GET", &format!("/chat/threads?{V}"), None);
        assert_eq!(r.status, 401, "token {bad:?}");
        assert_eq!(r.json()["error"]["code"], json!("Unauthorized"));
    }
    let r = send(
        emulator.local_addr(),
        "GET",
        &format!("/chat/threads?{V}"),
        &[],
        b"",
    )
    .unwrap();
    assert_eq!(r.status, 401);

    let expired = emulator
        .issue_token_with_lifetime(&user, &["chat"], Duration::ZERO)
        .unwrap();
    assert_eq!(
        c.chat(&expired, "GET", &format!("/chat/threads?{V}"), None)
            .status,
        401
    );

    let r = c.identity(
        "POST",
        &format!(
            "/identities/{}/:revokeAccessTokens?api-version=2023-10-01",
            enc(&user)
        ),
        None,
    );
    assert_eq!(r.status, 204);
    assert_eq!(
        c.chat(&token, "GET", &format!("/chat/threads?{V}"), None)
            .status,
        401
    );
    let fresh = emulator.issue_token(&user, &["chat"]).unwrap();
    assert_eq!(
        c.chat(&fresh, "GET", &format!("/chat/threads?{V}"), None)
            .status,
        200
    );
}

#[test]
fn non_participants_get_403_and_missing_threads_404() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (_, alice) = c.user_with_token();
    let (_, mallory) = c.user_with_token();
    let thread = enc(&c.thread(&alice, "private", &[]));
    for (method, path, body) in [
        ("GET", format!("/chat/threads/{thread}"), None),
        ("GET", format!("/chat/threads/{thread}/messages"), None),
        (
            "POST",
            format!("/chat/threads/{thread}/messages"),
            Some(json!({"content": "hi"})),
        ),
        ("GET", format!("/chat/threads/{thread}/participants"), None),
        (
            "POST",
            format!("/chat/threads/{thread}/typing"),
            Some(json!({})),
        ),
        ("DELETE", format!("/chat/threads/{thread}"), None),
    ] {
        let r = c.chat(&mallory, method, &format!("{path}?{V}"), body.as_ref());
        assert_eq!(r.status, 403, "{method} {path}");
        assert_eq!(r.json()["error"]["code"], json!("Forbidden"));
    }
    let r = c.chat(
        &alice,
        "GET",
        &format!("/chat/threads/{}?{V}", enc("19:nothing@thread.v2")),
        None,
    );
    assert_eq!(r.status, 404);
    // The thread is untouched: one participant, two system messages, no user message.
    let messages = c
        .chat(
            &alice,
            "GET",
            &format!("/chat/threads/{thread}/messages?{V}"),
            None,
        )
        .json();
    assert_eq!(messages["value"].as_array().unwrap().len(), 2);
}

#[test]
fn only_the_sender_edits_or_deletes_a_message() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (_, alice) = c.user_with_token();
    let (bob_id, bob) = c.user_with_token();
    let thread = enc(&c.thread(&alice, "t", &[&bob_id]));
    let id = c
        .chat(
            &alice,
            "POST",
            &format!("/chat/threads/{thread}/messages?{V}"),
            Some(&json!({"content": "mine"})),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/chat/threads/{thread}/messages/{id}?{V}");
    assert_eq!(
        c.chat(&bob, "PATCH", &path, Some(&json!({"content": "yours"})))
            .status,
        403
    );
    assert_eq!(c.chat(&bob, "DELETE", &path, None).status, 403);
    assert_eq!(c.chat(&alice, "DELETE", &path, None).status, 204);
    assert_eq!(
        c.chat(&alice, "DELETE", &path, None).status,
        204,
        "a repeated delete is harmless"
    );
    let tombstone = c.chat(&bob, "GET", &path, None).json();
    assert!(tombstone["deletedOn"].is_string() && tombstone.get("content").is_none());
}

#[test]
fn identity_requires_a_valid_hmac_signature() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let ok = c.identity(
        "POST",
        "/identities?api-version=2023-10-01",
        Some(&json!({})),
    );
    assert_eq!(ok.status, 201);
    // Unsigned.
    let r = send(
        emulator.local_addr(),
        "POST",
        "/identities?api-version=2023-10-01",
        &[],
        b"{}",
    )
    .unwrap();
    assert_eq!(r.status, 401);
    // Signed by another key.
    let other = Emulator::start();
    let mut request = chat_core::http::Request::builder()
        .method("POST")
        .uri(format!(
            "{}/identities?api-version=2023-10-01",
            emulator.endpoint()
        ))
        .body(b"{}".to_vec())
        .unwrap();
    chat_core::auth::hmac::sign(
        &mut request,
        &other.access_key(),
        std::time::SystemTime::now(),
    )
    .unwrap();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = send(
        emulator.local_addr(),
        "POST",
        "/identities?api-version=2023-10-01",
        &refs,
        b"{}",
    )
    .unwrap();
    assert_eq!(r.status, 401);
    // Signed correctly but the body changed afterwards (content hash mismatch).
    let own_key = emulator.access_key();
    let mut request = chat_core::http::Request::builder()
        .method("POST")
        .uri(format!(
            "{}/identities?api-version=2023-10-01",
            emulator.endpoint()
        ))
        .body(b"{}".to_vec())
        .unwrap();
    chat_core::auth::hmac::sign(&mut request, &own_key, std::time::SystemTime::now()).unwrap();
    let headers: Vec<(String, String)> = request
        .headers()
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let refs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let r = send(
        emulator.local_addr(),
        "POST",
        "/identities?api-version=2023-10-01",
        &refs,
        b"{ }",
    )
    .unwrap();
    assert_eq!(r.status, 401);
    let r = send(
        emulator.local_addr(),
        "POST",
        "/identities?api-version=2023-10-01",
        &refs,
        b"{}",
    )
    .unwrap();
    assert_eq!(r.status, 201);
    // Unknown identity API version.
    assert_eq!(
        c.identity("POST", "/identities?api-version=2023-11-07", None)
            .status,
        400
    );
}

#[test]
fn repeatability_id_returns_the_same_thread() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (_, token) = c.user_with_token();
    let create = |request_id: &str, topic: &str| {
        let auth = format!("Bearer {token}");
        let body = serde_json::to_vec(&json!({"topic": topic})).unwrap();
        let r = send(
            emulator.local_addr(),
            "POST",
            &format!("/chat/threads?{V}"),
            &[
                ("Authorization", &auth),
                ("repeatability-request-id", request_id),
            ],
            &body,
        )
        .unwrap();
        assert_eq!(r.status, 201);
        (
            r.json()["chatThread"]["id"].as_str().unwrap().to_owned(),
            r.header("location").unwrap().to_owned(),
        )
    };
    let first = create("11111111-1111-4111-8111-111111111111", "one");
    let repeat = create("11111111-1111-4111-8111-111111111111", "one");
    let other = create("22222222-2222-4222-8222-222222222222", "one");
    assert_eq!(first, repeat);
    assert_ne!(first.0, other.0);
    let listed = c
        .chat(&token, "GET", &format!("/chat/threads?{V}"), None)
        .json();
    assert_eq!(listed["value"].as_array().unwrap().len(), 2);
    assert_eq!(emulator.request_count("POST", "/chat/threads").handled, 3);
}

#[test]
fn scopes_limit_what_a_token_may_do() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let user = emulator.create_user();
    let join = emulator.issue_token(&user, &["chat.join"]).unwrap();
    let voip = emulator.issue_token(&user, &["voip"]).unwrap();
    assert_eq!(
        c.chat(
            &join,
            "POST",
            &format!("/chat/threads?{V}"),
            Some(&json!({"topic": "t"}))
        )
        .status,
        403
    );
    assert_eq!(
        c.chat(
            &voip,
            "POST",
            &format!("/chat/threads?{V}"),
            Some(&json!({"topic": "t"}))
        )
        .status,
        403
    );
    assert_eq!(
        c.chat(&voip, "GET", &format!("/chat/threads?{V}"), None)
            .status,
        403
    );
    assert_eq!(
        c.chat(&join, "GET", &format!("/chat/threads?{V}"), None)
            .status,
        200
    );
    let full = emulator.issue_token(&user, &["chat"]).unwrap();
    assert_eq!(
        c.chat(
            &full,
            "POST",
            &format!("/chat/threads?{V}"),
            Some(&json!({"topic": "t"}))
        )
        .status,
        201
    );
}
