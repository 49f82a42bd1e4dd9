//! The in-memory replay transport: recorded order, retries in virtual time, the 401 refresh with
//! the fixed test token, and requests that match nothing.

use std::time::Duration;

use chat_core::threads::GetThreadProperties;
use chat_core::{ApiVersion, ChatContext, Endpoint, Error};
use chat_testkit::recording::{Entry, Matcher, Recording};
use chat_testkit::replay::ReplayTransport;
use serde_json::{json, Value};

const THREAD: &str = "/chat/threads/19%3Aa%40thread.v2?api-version=2025-03-15";

fn entry(status: u16, headers: &[(&str, &str)], body: Value) -> Entry {
    Entry {
        request_uri: format!("https://sanitized.communication.azure.com{THREAD}"),
        request_method: "GET".into(),
        request_headers: [("Authorization".to_owned(), "Sanitized".to_owned())].into(),
        request_body: Value::Null,
        status_code: status,
        response_headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        response_body: body,
    }
}

fn thread(topic: &str) -> Value {
    json!({"id": "19:a@thread.v2", "topic": topic, "createdOn": "2024-01-01T00:00:00Z",
        "createdByCommunicationIdentifier": {"rawId": "8:acs:r_u", "communicationUser": {"id": "8:acs:r_u"}}})
}

fn ctx() -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap())
        .with_api_version(ApiVersion::V2025_03_15)
}

fn transport(entries: Vec<Entry>) -> ReplayTransport {
    ReplayTransport::new(
        &Recording {
            entries,
            variables: Default::default(),
        },
        Matcher::new(),
    )
}

#[test]
fn a_retry_after_hint_is_waited_out_on_the_virtual_clock() {
    let busy = json!({"error": {"code": "ServiceUnavailable", "message": "busy"}});
    let mut t = transport(vec![
        entry(503, &[("Retry-After", "30")], busy),
        entry(
            200,
            &[("content-type", "application/json")],
            thread("after"),
        ),
    ]);
    let start = t.now();
    let props = t
        .chat(GetThreadProperties::new("19:a@thread.v2"), &ctx())
        .unwrap();
    assert_eq!(props.topic, "after");
    let waited = t.now().duration_since(start).unwrap();
    assert!(waited >= Duration::from_secs(30), "{waited:?}");
    assert!(waited < Duration::from_secs(61), "{waited:?}");
    let answered: Vec<usize> = t.exchanges().iter().map(|x| x.entry).collect();
    assert_eq!(answered, [0, 1]);
    for x in t.exchanges() {
        assert_eq!(
            x.request.headers()["authorization"],
            "Bearer replay-test-token"
        );
    }
    assert!(t.mismatches().is_empty());
}

#[test]
fn equal_requests_are_answered_in_recorded_order() {
    let mut t = transport(vec![
        entry(200, &[], thread("first")),
        entry(200, &[], thread("second")),
    ]);
    let op = || GetThreadProperties::new("19:a@thread.v2");
    assert_eq!(t.chat(op(), &ctx()).unwrap().topic, "first");
    assert_eq!(t.chat(op(), &ctx()).unwrap().topic, "second");
    assert!(t.remaining().is_empty());
    // The recording is used up: a third request matches nothing.
    let err = t.chat(op(), &ctx()).unwrap_err();
    let Error::Service(e) = err else {
        panic!("{err:?}")
    };
    assert_eq!((e.status, e.code()), (404, Some("ReplayMismatch")));
    assert_eq!(t.mismatches().len(), 1);
    assert_eq!(t.mismatches()[0].entry, None);
}

#[test]
fn a_second_401_ends_the_call_after_one_refresh() {
    let denied = json!({"error": {"code": "Unauthorized", "message": "no"}});
    let mut t = transport(vec![
        entry(401, &[], denied.clone()),
        entry(401, &[], denied),
    ]);
    let err = t
        .chat(GetThreadProperties::new("19:a@thread.v2"), &ctx())
        .unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert_eq!(t.exchanges().len(), 2);
}

#[test]
fn a_request_for_another_thread_is_a_mismatch_naming_the_difference() {
    let mut t = transport(vec![entry(200, &[], thread("t"))]);
    let err = t
        .chat(GetThreadProperties::new("19:b@thread.v2"), &ctx())
        .unwrap_err();
    assert!(matches!(err, Error::Service(_)), "{err:?}");
    let [m] = t.mismatches() else { panic!() };
    assert_eq!(m.entry, Some(0));
    assert_eq!(m.difference.as_ref().unwrap().part, "path");
    assert_eq!(t.remaining(), [0]);
}
