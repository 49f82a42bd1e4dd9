//! Typing notifications: rendered requests and parsed responses.

use chat_core::http::Response;
use chat_core::typing::SendTypingNotification;
use chat_core::{ApiVersion, ChatContext, Endpoint, Error, Idempotency, Operation};

mod chat_support;
use chat_support::{render, Wire};

const THREAD: &str = "19:aWuNSmqHe3jJOGl36l6DBhxQDcimoCzk5-N6HxAeDWI1@thread.v2";

fn ctx(version: ApiVersion) -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap()).with_api_version(version)
}

fn response(status: u16, headers: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(body.as_bytes().to_vec()).unwrap()
}

#[test]
fn typing_notification_requests() {
    let plain = SendTypingNotification::new(THREAD)
        .wire(&ctx(ApiVersion::V2021_09_07))
        .unwrap();
    let named = SendTypingNotification::new(THREAD)
        .sender_display_name("John")
        .wire(&ctx(ApiVersion::V2025_03_15))
        .unwrap();
    // The bodies the recorded SDKs sent.
    assert_eq!(plain.body(), b"{}");
    assert_eq!(named.body(), br#"{"senderDisplayName":"John"}"#);
    insta::assert_snapshot!(format!("{}\n{}", render(&plain), render(&named)));
}

#[test]
fn typing_notification_statuses() {
    let op = SendTypingNotification::new(THREAD);
    assert_eq!(op.idempotency(), Idempotency::Idempotent);
    assert_eq!(op.parse_response(response(200, &[], "")), Ok(()));
    let err = op
        .parse_response(response(
            429,
            &[("retry-after", "3")],
            r#"{"error":{"code":"TooManyRequests","message":"slow down"}}"#,
        ))
        .unwrap_err();
    let service = err.service_error().unwrap();
    assert_eq!(service.code(), Some("TooManyRequests"));
    assert_eq!(service.retry_after_ms, Some(3000));
    let err = op
        .parse_response(response(503, &[], "<html>unavailable</html>"))
        .unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(
        err.service_error().unwrap().body,
        b"<html>unavailable</html>"
    );
    assert!(op.parse_response(response(201, &[], "")).is_err());
}

#[test]
fn an_empty_thread_id_is_refused() {
    assert!(matches!(
        SendTypingNotification::new("").to_request(&ctx(ApiVersion::V2025_03_15)),
        Err(Error::InvalidInput {
            argument: "thread id",
            ..
        })
    ));
}
