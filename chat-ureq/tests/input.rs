//! Bad input, from the user's side: refused before anything is sent, with a typed error that
//! names the value (secrets redacted) and the shape expected.

mod support;

use chat_ureq::identity::TokenScope;
use chat_ureq::{
    ChatClient, ClientOptions, CommunicationTokenCredential, Error, IdentityClient, InputErrorKind,
};
use support::{Action, Server};

const KEY: &str = "c2VjcmV0LWtleS0wMTIzNDU2Nzg5";
const SHAPE: &str = "expected https://<resource>.communication.azure.com";

fn credential() -> CommunicationTokenCredential {
    CommunicationTokenCredential::new(support::token())
}

fn client(server: &Server) -> ChatClient {
    let options = ClientOptions::default().allow_loopback_http(true);
    ChatClient::with_options(&server.http_url(), credential(), options).unwrap()
}

fn identity(server: &Server) -> IdentityClient {
    let cs = format!("endpoint={}/;accesskey={KEY}", server.http_url());
    let options = ClientOptions::default().allow_loopback_http(true);
    IdentityClient::from_connection_string_with_options(&cs, options).unwrap()
}

/// The argument and kind of an input error.
fn input_error(err: &Error) -> (&'static str, InputErrorKind) {
    match err {
        Error::InvalidInput { argument, kind, .. } => (*argument, *kind),
        other => panic!("not an input error: {other:?}"),
    }
}

#[test]
fn empty_or_blank_message_content_is_refused_before_sending() {
    let server = Server::http(|_, _| Action::json(201, r#"{"id":"1700000000000"}"#));
    let thread = client(&server).chat_thread_client("19:a@thread.v2");
    for content in ["", "   ", "\n\t "] {
        let err = thread.send_message(content).call().unwrap_err();
        assert_eq!(input_error(&err), ("content", InputErrorKind::Empty));
        assert_eq!(err.input_error_kind(), Some(InputErrorKind::Empty));
        assert!(!err.may_have_been_sent());
        assert!(
            err.to_string()
                .starts_with(&format!("invalid content {content:?}: ")),
            "{err}"
        );
        let err = thread
            .update_message("1700000000000", content)
            .call()
            .unwrap_err();
        assert_eq!(input_error(&err), ("content", InputErrorKind::Empty));
    }
    assert!(server.requests().is_empty(), "nothing was sent");
    // Text with spaces around it is a message: sent as written.
    thread.send_message("  hi  ").call().unwrap();
    let sent = server.requests();
    assert_eq!(sent.len(), 1);
    assert!(String::from_utf8_lossy(&sent[0].body).contains(r#""content":"  hi  ""#));
}

#[test]
fn blank_topics_and_ids_are_refused_and_display_names_are_free_text() {
    let server = Server::http(|r, _| {
        if r.target.contains("/typing") {
            Action::empty(200)
        } else {
            Action::json(201, r#"{"id":"1700000000000"}"#)
        }
    });
    let chat = client(&server);
    let thread = chat.chat_thread_client("19:a@thread.v2");

    let err = chat.create_chat_thread(" ").call().unwrap_err();
    assert_eq!(input_error(&err), ("topic", InputErrorKind::Empty));
    let err = thread.update_topic("").call().unwrap_err();
    assert_eq!(input_error(&err), ("topic", InputErrorKind::Empty));
    let err = chat.delete_chat_thread("").call().unwrap_err();
    assert_eq!(input_error(&err), ("thread id", InputErrorKind::Empty));
    let err = chat
        .chat_thread_client("19:a@thread.v2\n")
        .get_properties()
        .call()
        .unwrap_err();
    assert_eq!(input_error(&err), ("thread id", InputErrorKind::Malformed));
    assert!(err.to_string().contains(r#""19:a@thread.v2\n""#), "{err}");
    let err = thread.get_message("  ").call().unwrap_err();
    assert_eq!(input_error(&err), ("message id", InputErrorKind::Empty));
    let err = thread.send_read_receipt("").call().unwrap_err();
    assert_eq!(input_error(&err), ("message id", InputErrorKind::Empty));
    assert!(server.requests().is_empty(), "nothing was sent");

    // An empty display name means "no name": sent as given, like the official SDKs do.
    thread
        .send_message("hi")
        .sender_display_name("")
        .call()
        .unwrap();
    thread
        .send_typing_notification()
        .sender_display_name(" ")
        .call()
        .unwrap();
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_endpoint_error_names_the_value_and_the_expected_shape() {
    let err =
        ChatClient::new("https://contoso.communication.azure.com/chat", credential()).unwrap_err();
    assert_eq!(input_error(&err), ("endpoint", InputErrorKind::Malformed));
    assert_eq!(
        err.to_string(),
        "invalid endpoint \"https://contoso.communication.azure.com/chat\": an endpoint has no \
         path, query or fragment; expected https://<resource>.communication.azure.com"
    );
    for (bad, kind) in [
        ("", InputErrorKind::Empty),
        ("contoso.communication.azure.com", InputErrorKind::Malformed),
        (
            "http://contoso.communication.azure.com",
            InputErrorKind::NotAllowed,
        ),
        (
            "ftp://contoso.communication.azure.com",
            InputErrorKind::Malformed,
        ),
    ] {
        let err = ChatClient::new(bad, credential()).unwrap_err();
        assert_eq!(input_error(&err), ("endpoint", kind), "{bad}");
        let text = err.to_string();
        assert!(text.contains(&format!("{bad:?}")), "{text}");
        assert!(text.ends_with(SHAPE), "{text}");
    }
}

#[test]
fn secrets_in_a_refused_endpoint_are_redacted() {
    // A connection string passed where the endpoint goes.
    let cs = format!("endpoint=https://contoso.communication.azure.com/;accesskey={KEY}");
    let err = ChatClient::new(&cs, credential()).unwrap_err();
    let text = err.to_string();
    assert!(!text.contains(KEY), "{text}");
    assert!(
        text.contains("endpoint=https://contoso.communication.azure.com/;accesskey=[redacted]"),
        "{text}"
    );
    assert!(
        text.contains("IdentityClient::from_connection_string"),
        "{text}"
    );
    // User info.
    let err = ChatClient::new(
        "https://me:hunter2@contoso.communication.azure.com",
        credential(),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(!text.contains("hunter2"), "{text}");
    assert!(
        text.contains("https://[redacted]@contoso.communication.azure.com"),
        "{text}"
    );
}

#[test]
fn a_connection_string_error_shows_the_endpoint_and_redacts_the_key() {
    let cs = format!("endpoint=https://contoso.communication.azure.com/chat;accesskey={KEY}");
    let err = IdentityClient::from_connection_string(&cs).unwrap_err();
    assert!(matches!(err, Error::ConnectionString { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "invalid connection string \"endpoint=https://contoso.communication.azure.com/chat;\
         accesskey=[redacted]\": bad `endpoint`: an endpoint has no path, query or fragment; \
         expected endpoint=https://<resource>.communication.azure.com/;accesskey=<base64 key>"
    );
    // A key without its name is redacted whole.
    let cs = format!("endpoint=https://contoso.communication.azure.com/;{KEY}");
    let text = IdentityClient::from_connection_string(&cs)
        .unwrap_err()
        .to_string();
    assert!(!text.contains(KEY), "{text}");
    assert!(text.contains(";[redacted]"), "{text}");
}

#[test]
fn token_errors_never_quote_the_token() {
    let secret = "not-a-jwt-but-a-secret";
    let err = CommunicationTokenCredential::from_jwt(secret).unwrap_err();
    assert!(matches!(err, Error::InvalidCredential { .. }), "{err:?}");
    assert!(!err.to_string().contains(secret), "{err}");
    assert!(err.to_string().contains("JWT"), "{err}");
}

#[test]
fn option_and_identity_input_errors_name_their_value() {
    let server = Server::http(|_, _| Action::empty(500));
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .application_id("has spaces");
    let err = ChatClient::with_options(&server.http_url(), credential(), options).unwrap_err();
    assert_eq!(
        input_error(&err),
        ("application id", InputErrorKind::Malformed)
    );
    assert!(err.to_string().contains(r#""has spaces""#), "{err}");

    let identity = identity(&server);
    let err = identity.get_token("8:acs:r_u", []).call().unwrap_err();
    assert_eq!(input_error(&err), ("scopes", InputErrorKind::Empty));
    let err = identity
        .get_token("8:acs:r_u", [TokenScope::Chat])
        .expires_in_minutes(5)
        .call()
        .unwrap_err();
    assert_eq!(
        input_error(&err),
        ("expiresInMinutes", InputErrorKind::OutOfRange)
    );
    assert_eq!(
        err.to_string(),
        "invalid expiresInMinutes \"5\": the service issues tokens for 60 to 1440 minutes; \
         expected 60 to 1440 (minutes)"
    );
    let err = identity.revoke_tokens(" ").call().unwrap_err();
    assert_eq!(input_error(&err), ("user id", InputErrorKind::Empty));
    let err = identity
        .get_token_for_teams_user("", "app", "user")
        .call()
        .unwrap_err();
    assert_eq!(input_error(&err), ("token", InputErrorKind::Empty));
    assert!(
        err.to_string().starts_with("invalid token [redacted]: "),
        "{err}"
    );
    assert!(server.requests().is_empty(), "nothing was sent");
}
