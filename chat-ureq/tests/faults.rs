//! Retries, ambiguous failures and timeouts against a local fault-injecting server.

mod support;

use std::time::{Duration, Instant};

use chat_core::{Error, RetryOptions, TransportErrorKind};
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential};
use support::{Action, Server};

fn client(server: &Server, options: ClientOptions) -> ChatClient {
    let options = options.allow_loopback_http(true);
    let credential = CommunicationTokenCredential::new(support::token());
    ChatClient::with_options(&server.http_url(), credential, options).unwrap()
}

#[test]
fn a_503_with_retry_after_is_retried_no_sooner_than_it_says() {
    let server = Server::http(|_, i| match i {
        0 => Action::json(503, r#"{"error":{"code":"Unavailable","message":"busy"}}"#)
            .with_header("retry-after", "1"),
        _ => Action::empty(204),
    });
    let fast = RetryOptions::default().with_initial_delay(Duration::from_millis(10));
    let chat = client(&server, ClientOptions::default().retry(fast));
    let started = Instant::now();
    chat.delete_chat_thread("19:a@thread.v2").call().unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(requests[1].at.duration_since(requests[0].at) >= Duration::from_secs(1));
    // Both tries are one logical call: one client request id.
    let id = |i: usize| {
        requests[i]
            .header("x-ms-client-request-id")
            .map(str::to_owned)
    };
    assert!(id(0).is_some());
    assert_eq!(id(0), id(1));
}

#[test]
fn a_connection_lost_after_a_get_is_sent_is_retried() {
    let server = Server::http(|_, i| match i {
        0 => Action::Close,
        _ => support::thread_listing("/chat/threads", 3),
    });
    let chat = client(&server, ClientOptions::default());
    let threads: Vec<_> = chat
        .list_chat_threads()
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(threads.len(), 3);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].raw, requests[1].raw);
}

#[test]
fn a_connection_lost_after_send_message_is_sent_is_not_retried() {
    let server = Server::http(|_, _| Action::Close);
    let chat = client(&server, ClientOptions::default());
    let thread = chat.chat_thread_client("19:a@thread.v2");
    let err = thread.send_message("hello").call().unwrap_err();
    assert!(err.may_have_been_sent(), "{err:?}");
    assert!(matches!(&err, Error::Transport(t) if t.may_have_reached_service));
    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0].method, "POST");
}

#[test]
fn a_per_try_timeout_fires_as_a_timeout() {
    let server = Server::http(|_, _| Action::Hang);
    let options = ClientOptions::default()
        .retry(RetryOptions::none())
        .per_try_timeout(Duration::from_millis(300));
    let chat = client(&server, options);
    let started = Instant::now();
    let err = chat
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    assert!(started.elapsed() >= Duration::from_millis(300));
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Timeout, "{t}");
    assert!(t.may_have_reached_service);
}

#[test]
fn a_refused_connection_may_not_have_reached_the_service() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .retry(RetryOptions::none());
    let credential = CommunicationTokenCredential::new(support::token());
    let chat =
        ChatClient::with_options(&format!("http://127.0.0.1:{port}"), credential, options).unwrap();
    let err = chat
        .chat_thread_client("19:a@thread.v2")
        .send_message("hi")
        .call()
        .unwrap_err();
    assert!(!err.may_have_been_sent(), "{err:?}");
    assert!(matches!(&err, Error::Transport(t) if t.kind == TransportErrorKind::Connect));
}

#[test]
fn the_per_call_budget_ends_a_call_that_the_per_try_limit_would_not() {
    let server = Server::http(|_, _| Action::Hang);
    let options = ClientOptions::default()
        .per_try_timeout(Duration::from_secs(120))
        .per_call_timeout(Duration::from_millis(400));
    let chat = client(&server, options);
    let started = Instant::now();
    let err = chat
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    assert!(
        matches!(err, Error::CallTimeout { attempts: 1, .. }),
        "{err:?}"
    );
    assert!(err.may_have_been_sent());
    let elapsed = started.elapsed();
    assert!(elapsed >= Duration::from_millis(400));
    assert!(elapsed < Duration::from_secs(120));
}

const CREATED: &str = r#"{"chatThread":{"id":"19:t@thread.v2","topic":"t","createdOn":"2024-01-01T00:00:00Z","createdByCommunicationIdentifier":{"rawId":"8:acs:r_u1","communicationUser":{"id":"8:acs:r_u1"}}}}"#;

#[test]
fn create_thread_keeps_one_generated_idempotency_token_per_call() {
    let server = Server::http(|_, i| match i {
        0 => Action::json(503, "{}"),
        _ => Action::json(201, CREATED),
    });
    let fast = RetryOptions::default().with_initial_delay(Duration::from_millis(10));
    let chat = client(&server, ClientOptions::default().retry(fast));
    chat.create_chat_thread("t").call().unwrap();
    chat.create_chat_thread("t").call().unwrap();
    let ids: Vec<String> = server
        .requests()
        .iter()
        .map(|r| r.header("repeatability-request-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3);
    assert_eq!(ids[0], ids[1], "a retry repeats the token");
    assert_ne!(ids[1], ids[2], "a new call has a new token");
    assert!(uuid::Uuid::parse_str(&ids[2]).is_ok());
}
