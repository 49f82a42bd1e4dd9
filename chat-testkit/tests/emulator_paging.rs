//! `nextLink` paging on the four listings, and the page-size limits.

mod emulator_support;

use chat_testkit::emulator::{Emulator, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE};
use emulator_support::{enc, Client};
use serde_json::{json, Value};

const V: &str = "api-version=2024-03-07";

/// Follows `nextLink` from `first`, returning each page's items.
fn pages(c: &Client<'_>, token: &str, first: &str) -> Vec<Vec<Value>> {
    let mut out = Vec::new();
    let mut r = c.chat(token, "GET", first, None);
    loop {
        assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
        let body = r.json();
        out.push(body["value"].as_array().unwrap().clone());
        let Some(link) = body["nextLink"].as_str() else {
            break;
        };
        assert!(
            link.starts_with(&c.emulator.endpoint()),
            "nextLink on the same host: {link}"
        );
        assert!(link.contains("syncState="), "{link}");
        assert_eq!(link.matches("api-version=").count(), 1, "{link}");
        // Follow it as the Python SDK does: with the client's own api-version stamped on.
        let restamped = link.replace(V, "api-version=2023-11-07");
        r = c.follow(token, &restamped);
    }
    out
}

#[test]
fn message_pages_are_limited_and_complete() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (_, token) = c.user_with_token();
    let thread = enc(&c.thread(&token, "busy", &[]));
    let sent = MAX_PAGE_SIZE + 48; // 248 user messages + 2 system messages = 250
    for i in 0..sent {
        let r = c.chat(
            &token,
            "POST",
            &format!("/chat/threads/{thread}/messages?{V}"),
            Some(&json!({"content": format!("m{i}")})),
        );
        assert_eq!(r.status, 201);
    }
    let total = sent + 2;

    let default = pages(&c, &token, &format!("/chat/threads/{thread}/messages?{V}"));
    assert_eq!(
        default.iter().map(Vec::len).collect::<Vec<_>>(),
        [
            DEFAULT_PAGE_SIZE,
            DEFAULT_PAGE_SIZE,
            total - 2 * DEFAULT_PAGE_SIZE
        ]
    );

    let clamped = pages(
        &c,
        &token,
        &format!("/chat/threads/{thread}/messages?maxPageSize=5000&{V}"),
    );
    assert_eq!(
        clamped.iter().map(Vec::len).collect::<Vec<_>>(),
        [MAX_PAGE_SIZE, total - MAX_PAGE_SIZE]
    );

    let small = pages(
        &c,
        &token,
        &format!("/chat/threads/{thread}/messages?maxPageSize=7&{V}"),
    );
    let seqs: Vec<u64> = small
        .iter()
        .flatten()
        .map(|m| m["sequenceId"].as_str().unwrap().parse().unwrap())
        .collect();
    assert_eq!(
        seqs,
        (1..=total as u64).rev().collect::<Vec<_>>(),
        "every message once, newest first"
    );

    for bad in ["0", "-1", "many"] {
        let r = c.chat(
            &token,
            "GET",
            &format!("/chat/threads/{thread}/messages?maxPageSize={bad}&{V}"),
            None,
        );
        assert_eq!(r.status, 400, "maxPageSize={bad}");
    }
    let r = c.chat(
        &token,
        "GET",
        &format!("/chat/threads/{thread}/messages?syncState=00ff&{V}"),
        None,
    );
    assert_eq!(r.status, 400);
}

#[test]
fn messages_sent_while_paging_do_not_shift_pages() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (_, token) = c.user_with_token();
    let thread = enc(&c.thread(&token, "live", &[]));
    for i in 0..6 {
        c.chat(
            &token,
            "POST",
            &format!("/chat/threads/{thread}/messages?{V}"),
            Some(&json!({"content": format!("m{i}")})),
        );
    }
    let first = c
        .chat(
            &token,
            "GET",
            &format!("/chat/threads/{thread}/messages?maxPageSize=3&{V}"),
            None,
        )
        .json();
    c.chat(
        &token,
        "POST",
        &format!("/chat/threads/{thread}/messages?{V}"),
        Some(&json!({"content": "late"})),
    );
    let second = c.follow(&token, first["nextLink"].as_str().unwrap()).json();
    let seq = |page: &Value| {
        page["value"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["sequenceId"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(seq(&first), ["8", "7", "6"]);
    assert_eq!(seq(&second), ["5", "4", "3"]);
}

#[test]
fn start_time_filters_messages_and_threads() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (_, token) = c.user_with_token();
    let thread = enc(&c.thread(&token, "t", &[]));
    let future = "2999-01-01T00:00:00Z";
    let r = c.chat(
        &token,
        "GET",
        &format!("/chat/threads/{thread}/messages?startTime={future}&{V}"),
        None,
    );
    assert_eq!(r.json()["value"], json!([]));
    let past = "2000-01-01T00:00:00Z";
    let r = c.chat(
        &token,
        "GET",
        &format!("/chat/threads/{thread}/messages?startTime={past}&{V}"),
        None,
    );
    assert_eq!(r.json()["value"].as_array().unwrap().len(), 2);
    let r = c.chat(
        &token,
        "GET",
        &format!("/chat/threads?startTime={future}&{V}"),
        None,
    );
    assert_eq!(r.json()["value"], json!([]));
    let r = c.chat(
        &token,
        "GET",
        &format!("/chat/threads?startTime=yesterday&{V}"),
        None,
    );
    assert_eq!(r.status, 400);
}

#[test]
fn threads_participants_and_receipts_page_too() {
    let emulator = Emulator::start();
    let c = Client::new(&emulator);
    let (alice_id, alice) = c.user_with_token();
    let others: Vec<(String, String)> = (0..4).map(|_| c.user_with_token()).collect();
    let other_ids: Vec<&str> = others.iter().map(|(id, _)| id.as_str()).collect();
    for i in 0..5 {
        c.thread(&alice, &format!("t{i}"), &[]);
    }
    let thread_id = c.thread(&alice, "group", &other_ids);
    let thread = enc(&thread_id);

    let threads = pages(&c, &alice, &format!("/chat/threads?maxPageSize=2&{V}"));
    assert_eq!(threads.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 2]);
    assert_eq!(
        threads[0][0]["id"],
        json!(thread_id),
        "most recent activity first"
    );

    let participants = pages(
        &c,
        &alice,
        &format!("/chat/threads/{thread}/participants?maxPageSize=2&{V}"),
    );
    let ids: Vec<&str> = participants
        .iter()
        .flatten()
        .map(|p| p["communicationIdentifier"]["rawId"].as_str().unwrap())
        .collect();
    let mut expected = vec![alice_id.as_str()];
    expected.extend(&other_ids);
    assert_eq!(ids, expected);
    let skipped = c
        .chat(
            &alice,
            "GET",
            &format!("/chat/threads/{thread}/participants?maxPageSize=1&skip=1&{V}"),
            None,
        )
        .json();
    assert_eq!(
        skipped["value"][0]["communicationIdentifier"]["rawId"],
        json!(other_ids[0])
    );

    let message = c
        .chat(
            &alice,
            "POST",
            &format!("/chat/threads/{thread}/messages?{V}"),
            Some(&json!({"content": "read me"})),
        )
        .json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for (_, token) in &others {
        let r = c.chat(
            token,
            "POST",
            &format!("/chat/threads/{thread}/readReceipts?{V}"),
            Some(&json!({"chatMessageId": message})),
        );
        assert_eq!(r.status, 200);
    }
    // A second receipt from the same reader replaces the first.
    c.chat(
        &others[0].1,
        "POST",
        &format!("/chat/threads/{thread}/readReceipts?{V}"),
        Some(&json!({"chatMessageId": message})),
    );
    let receipts = pages(
        &c,
        &alice,
        &format!("/chat/threads/{thread}/readReceipts?maxPageSize=3&{V}"),
    );
    assert_eq!(receipts.iter().map(Vec::len).collect::<Vec<_>>(), [3, 1]);
    let r = c.chat(
        &alice,
        "POST",
        &format!("/chat/threads/{thread}/readReceipts?{V}"),
        Some(&json!({"chatMessageId": "123"})),
    );
    assert_eq!(r.status, 404);
}
