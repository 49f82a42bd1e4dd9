//! Fault injection: each fault kind, the request counters, and the HTTP control endpoint.

mod emulator_support;

use std::time::{Duration, Instant};

use chat_testkit::emulator::{Emulator, Fault, FaultRule};
use emulator_support::{enc, send, Client};
use serde_json::{json, Value};

const V: &str = "api-version=2025-03-15";

struct Setup {
    emulator: Emulator,
    token: String,
    thread: String,
}

fn setup() -> Setup {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (_, token) = c.user_with_token();
    let thread = enc(&c.thread(&token, "faults", &[]));
    Setup {
        emulator,
        token,
        thread,
    }
}

fn user_messages(c: &Client<'_>, token: &str, thread: &str) -> Vec<Value> {
    let r = c.chat(
        token,
        "GET",
        &format!("/chat/threads/{thread}/messages?{V}"),
        None,
    );
    r.json()["value"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["type"] == json!("text"))
        .cloned()
        .collect()
}

#[test]
fn status_faults_answer_without_acting() {
    let s = setup();
    let c = Client::new(&s.emulator);
    let path = format!("/chat/threads/{}/messages", s.thread);
    for (status, retry_after, code) in [
        (429, Some(2), "TooManyRequests"),
        (503, Some(1), "ServiceUnavailable"),
        (500, None, "InternalServerError"),
    ] {
        s.emulator.inject(
            FaultRule::new(Fault::Status {
                status,
                retry_after,
            })
            .method("POST")
            .path_contains("/messages")
            .times(1),
        );
        let r = c.chat(
            &s.token,
            "POST",
            &format!("{path}?{V}"),
            Some(&json!({"content": "x"})),
        );
        assert_eq!(r.status, status);
        assert_eq!(r.json()["error"]["code"], json!(code));
        assert_eq!(
            r.header("retry-after").map(str::to_owned),
            retry_after.map(|s| s.to_string())
        );
        assert!(r.header("ms-cv").is_some());
    }
    assert!(
        user_messages(&c, &s.token, &s.thread).is_empty(),
        "no fault let the service act"
    );
    let count = s.emulator.request_count("POST", &path);
    assert_eq!((count.received, count.handled), (3, 0));
    // The rules were used up: the next send goes through, once.
    let r = c.chat(
        &s.token,
        "POST",
        &format!("{path}?{V}"),
        Some(&json!({"content": "x"})),
    );
    assert_eq!(r.status, 201);
    assert_eq!(s.emulator.request_count("POST", &path).handled, 1);
}

#[test]
fn reset_before_service_changes_nothing() {
    let s = setup();
    let c = Client::new(&s.emulator);
    s.emulator.inject(
        FaultRule::new(Fault::ResetBeforeService)
            .method("POST")
            .path_contains("/messages")
            .times(1),
    );
    let result = c.try_chat(
        &s.token,
        "POST",
        &format!("/chat/threads/{}/messages?{V}", s.thread),
        Some(&json!({"content": "x"})),
    );
    assert!(
        result.is_err(),
        "expected a broken connection, got {result:?}"
    );
    assert!(user_messages(&c, &s.token, &s.thread).is_empty());
    let count = s.emulator.request_count_matching("POST", "/messages");
    assert_eq!((count.received, count.handled), (1, 0));
}

#[test]
fn reset_after_service_keeps_the_change() {
    let s = setup();
    let c = Client::new(&s.emulator);
    s.emulator.inject(
        FaultRule::new(Fault::ResetAfterService)
            .method("POST")
            .path_contains("/messages")
            .times(1),
    );
    let result = c.try_chat(
        &s.token,
        "POST",
        &format!("/chat/threads/{}/messages?{V}", s.thread),
        Some(&json!({"content": "sent once"})),
    );
    assert!(
        result.is_err(),
        "expected a broken connection, got {result:?}"
    );
    let messages = user_messages(&c, &s.token, &s.thread);
    assert_eq!(messages.len(), 1, "the service acted");
    assert_eq!(messages[0]["content"]["message"], json!("sent once"));
    let count = s.emulator.request_count_matching("POST", "/messages");
    assert_eq!((count.received, count.handled), (1, 1));
}

#[test]
fn truncated_body_is_shorter_than_its_content_length() {
    let s = setup();
    let c = Client::new(&s.emulator);
    s.emulator.inject(
        FaultRule::new(Fault::TruncatedBody)
            .method("GET")
            .path_contains("/chat/threads/")
            .times(1),
    );
    let r = c.chat(
        &s.token,
        "GET",
        &format!("/chat/threads/{}?{V}", s.thread),
        None,
    );
    assert_eq!(r.status, 200);
    let declared = r.declared_length.unwrap();
    assert!(
        declared > 0 && r.body.len() < declared,
        "{} of {declared} bytes",
        r.body.len()
    );
    assert!(serde_json::from_slice::<Value>(&r.body).is_err());
    // The next request is whole again.
    let r = c.chat(
        &s.token,
        "GET",
        &format!("/chat/threads/{}?{V}", s.thread),
        None,
    );
    assert_eq!(Some(r.body.len()), r.declared_length);
}

#[test]
fn latency_delays_and_combines_with_another_fault() {
    let s = setup();
    let c = Client::new(&s.emulator);
    s.emulator.inject(
        FaultRule::new(Fault::latency(Duration::from_millis(300)))
            .method("GET")
            .times(1),
    );
    s.emulator.inject(
        FaultRule::new(Fault::Status {
            status: 503,
            retry_after: Some(1),
        })
        .method("GET")
        .times(1),
    );
    let started = Instant::now();
    let r = c.chat(&s.token, "GET", &format!("/chat/threads?{V}"), None);
    assert!(started.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.status, 503);
    assert_eq!(
        c.chat(&s.token, "GET", &format!("/chat/threads?{V}"), None)
            .status,
        200
    );
}

#[test]
fn faults_can_be_set_over_http() {
    let s = setup();
    let c = Client::new(&s.emulator);
    let addr = s.emulator.local_addr();
    let rule = json!({"fault": {"kind": "status", "status": 503, "retryAfter": 1}, "method": "POST", "pathContains": "/typing", "times": 1});
    let r = send(
        addr,
        "POST",
        "/_emulator/faults",
        &[("Content-Type", "application/json")],
        rule.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 201);
    let listed = send(addr, "GET", "/_emulator/faults", &[], b"")
        .unwrap()
        .json();
    assert_eq!(listed["value"][0], rule);
    let typing = format!("/chat/threads/{}/typing?{V}", s.thread);
    assert_eq!(
        c.chat(&s.token, "POST", &typing, Some(&json!({}))).status,
        503
    );
    assert_eq!(
        c.chat(&s.token, "POST", &typing, Some(&json!({}))).status,
        200
    );

    let forever = json!({"fault": {"kind": "resetBeforeService"}, "pathContains": "/typing"});
    send(
        addr,
        "POST",
        "/_emulator/faults",
        &[],
        forever.to_string().as_bytes(),
    )
    .unwrap();
    assert!(c
        .try_chat(&s.token, "POST", &typing, Some(&json!({})))
        .is_err());
    assert_eq!(
        send(addr, "DELETE", "/_emulator/faults", &[], b"")
            .unwrap()
            .status,
        204
    );
    assert_eq!(
        c.chat(&s.token, "POST", &typing, Some(&json!({}))).status,
        200
    );

    let bad = send(
        addr,
        "POST",
        "/_emulator/faults",
        &[],
        b"{\"fault\": {\"kind\": \"nope\"}}",
    )
    .unwrap();
    assert_eq!(bad.status, 400);

    let counts = send(addr, "GET", "/_emulator/requests", &[], b"")
        .unwrap()
        .json();
    let typing_count = counts["value"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["path"].as_str().unwrap().ends_with("/typing"))
        .unwrap()
        .clone();
    assert_eq!(
        (
            typing_count["received"].as_u64(),
            typing_count["handled"].as_u64()
        ),
        (Some(4), Some(2))
    );
}

#[test]
fn works_from_inside_a_tokio_runtime() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let emulator = Emulator::start();
        let addr = emulator.local_addr();
        let r = tokio::task::spawn_blocking(move || {
            send(addr, "GET", "/chat/threads", &[], b"").unwrap()
        })
        .await
        .unwrap();
        assert_eq!(r.status, 400);
        drop(emulator);
    });
}
