//! HTTPS end to end against a local TLS server with a self-signed certificate.

#[path = "../../chat-ureq/tests/support/mod.rs"]
mod support;

use chat_core::{Error, TransportErrorKind};
use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential};
use support::{Action, Server};

fn credential() -> CommunicationTokenCredential {
    CommunicationTokenCredential::new(support::token())
}

#[tokio::test]
async fn completes_calls_when_the_certificate_is_trusted_through_config() {
    let server = Server::https(|_, _| Action::empty(204));
    let options = ClientOptions::default().add_root_certificate(server.cert.clone().unwrap());
    let chat = ChatClient::with_options(&server.https_url(), credential(), options).unwrap();
    chat.delete_chat_thread("19:a@thread.v2").await.unwrap();
    chat.delete_chat_thread("19:b@thread.v2").await.unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "DELETE");
    assert_eq!(
        requests[0].target,
        "/chat/threads/19%3Aa%40thread.v2?api-version=2025-03-15"
    );
    assert_eq!(
        requests[0].header("authorization"),
        Some("Bearer test-token")
    );
    // One pooled connection carries both calls.
    assert_eq!(requests[0].connection, requests[1].connection);
}

#[tokio::test]
async fn refuses_an_untrusted_certificate_with_a_tls_error() {
    let server = Server::https(|_, _| Action::empty(204));
    let chat = ChatClient::new(&server.https_url(), credential()).unwrap();
    let err = chat.delete_chat_thread("19:a@thread.v2").await.unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Tls, "{t}");
    assert!(!t.may_have_reached_service);
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn refuses_plain_http_unless_allowed_and_then_only_for_loopback() {
    let server = Server::http(|_, _| Action::empty(204));
    let err = ChatClient::new(&server.http_url(), credential()).unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                argument: "endpoint",
                ..
            }
        ),
        "{err:?}"
    );
    let allowed = ClientOptions::default().allow_loopback_http(true);
    let err =
        ChatClient::with_options("http://example.com", credential(), allowed.clone()).unwrap_err();
    assert!(matches!(err, Error::InvalidInput { .. }), "{err:?}");
    let chat = ChatClient::with_options(&server.http_url(), credential(), allowed).unwrap();
    chat.delete_chat_thread("19:a@thread.v2").await.unwrap();
    assert_eq!(server.requests().len(), 1);
}
