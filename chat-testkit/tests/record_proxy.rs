//! The recording proxy: no secret reaches the recording, identity requests are signed again
//! for the upstream, HTTPS upstreams, nothing lost when it is killed, no hang when the upstream
//! is gone, and playback that says what differs when a request matches nothing.

#[path = "../../chat-ureq/tests/support/mod.rs"]
mod support;

mod cli_support;
mod emulator_support;

use std::sync::{Arc, Mutex};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chat_core::identity::TokenScope;
use chat_core::Error;
use chat_testkit::emulator::Emulator;
use chat_testkit::proxy::{RecordingProxy, Upstream};
use chat_testkit::recording::{fake_token, Recording};
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};
use cli_support::{connection_string, Cli, TempDir};
use support::{Action, Server};

/// 2030-01-01T00:00:00Z, the expiry of the planted token.
const PLANTED_EXPIRY: u64 = 1_893_456_000;

fn planted_jwt() -> String {
    let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(format!(
        r#"{{"sub":"8:acs:planted-subject","exp":{PLANTED_EXPIRY}}}"#
    ));
    let signature = URL_SAFE_NO_PAD.encode("PLANTED-JWT-SIGNATURE");
    format!("{header}.{payload}.{signature}")
}

fn options() -> ClientOptions {
    ClientOptions::default().allow_loopback_http(true)
}

/// An upstream that answers identity calls with the planted token and other planted secrets,
/// and chat calls with an empty listing.
fn planted_upstream() -> Server {
    Server::http(|request, _| {
        if request.target.starts_with("/identities") {
            let body = serde_json::json!({
                "identity": {"id": "8:acs:resource_user1"},
                "accessToken": {"token": planted_jwt(), "expiresOn": "2030-01-01T00:00:00.0000000+00:00"},
                "primaryKey": "PLANTED-PRIMARY-KEY",
                "connectionString": "endpoint=https://x.example/;accesskey=UExBTlRFRC1DUy1LRVk=",
            });
            Action::json(201, body.to_string())
                .with_header("set-cookie", "session=PLANTED-COOKIE")
                .with_header("x-ms-session-token", "PLANTED-HEADER-TOKEN")
        } else {
            Action::json(200, r#"{"value": []}"#)
        }
    })
}

#[test]
fn no_planted_secret_reaches_the_recording() {
    let upstream_key = STANDARD.encode("PLANTED-UPSTREAM-ACCESS-KEY");
    let client_key = STANDARD.encode("PLANTED-CLIENT-ACCESS-KEY");
    let server = planted_upstream();
    let dir = TempDir::new("planted");
    let file = dir.path().join("planted.json");
    let upstream = Upstream::parse(&format!(
        "endpoint={}/;accesskey={upstream_key}",
        server.http_url()
    ))
    .unwrap();
    let events = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&events);
    let proxy = RecordingProxy::builder(upstream, &file)
        .on_event(move |line| heard.lock().unwrap().push(line.to_owned()))
        .start()
        .unwrap();

    // An identity call, HMAC-signed by the client and again by the proxy; the client gets the
    // real token back.
    let cs = format!("endpoint={}/;accesskey={client_key}", proxy.endpoint());
    let identity = IdentityClient::from_connection_string_with_options(&cs, options()).unwrap();
    let created = identity
        .create_user_and_token([TokenScope::Chat])
        .call()
        .unwrap();
    assert_eq!(created.access_token.unwrap().secret(), planted_jwt());
    // A chat call with the planted token as its bearer token.
    let credential = CommunicationTokenCredential::from_jwt(&planted_jwt()).unwrap();
    let chat = ChatClient::with_options(&proxy.endpoint(), credential, options()).unwrap();
    assert_eq!(chat.list_chat_threads().into_iter().count(), 0);
    // Secrets in a query, an API key header and an opaque bearer token.
    let response = emulator_support::send(
        proxy.addr(),
        "GET",
        "/chat/threads?api-version=2025-03-15&sig=PLANTED-QUERY-SIG&token=PLANTED-QUERY-TOKEN",
        &[
            ("x-api-key", "PLANTED-API-KEY"),
            ("authorization", "Bearer PLANTED-OPAQUE-TOKEN"),
        ],
        b"",
    )
    .unwrap();
    assert_eq!(response.status, 200);
    let report = proxy.stop().unwrap();
    assert_eq!(report.exchanges, 3);

    let text = std::fs::read_to_string(&file).unwrap();
    let jwt = planted_jwt();
    let mut secrets: Vec<String> = vec![
        jwt.clone(),
        jwt.split('.').nth(1).unwrap().to_owned(),
        jwt.split('.').nth(2).unwrap().to_owned(),
        upstream_key,
        client_key,
        "UExBTlRFRC1DUy1LRVk=".into(),
    ];
    // Every signature and content hash that left the client or the proxy.
    for request in server.requests() {
        for name in ["authorization", "x-ms-content-sha256"] {
            if let Some(value) = request.header(name) {
                secrets.push(value.to_owned());
                if let Some((_, signature)) = value.split_once("Signature=") {
                    secrets.push(signature.to_owned());
                }
            }
        }
    }
    assert!(secrets.len() > 8, "{secrets:?}");
    assert!(
        !text.to_ascii_lowercase().contains("planted"),
        "a planted value is in the recording:\n{text}"
    );
    for secret in &secrets {
        assert!(!text.contains(secret.as_str()), "{secret} is in:\n{text}");
    }
    // Nor what the proxy says as it goes.
    let events = events.lock().unwrap().join("\n");
    assert!(events.contains("sig=sanitized&token=sanitized"), "{events}");
    assert!(!events.to_ascii_lowercase().contains("planted"), "{events}");

    // The token kept its shape and expiry.
    let recording = Recording::load(&file).unwrap();
    let token = recording.entries[0].response_body["accessToken"]["token"]
        .as_str()
        .unwrap();
    assert!(fake_token::is_stand_in(token), "{token}");
    assert_eq!(fake_token::expiry(token), Some(PLANTED_EXPIRY));
    assert_eq!(
        recording.entries[0].request_header("authorization"),
        Some("Sanitized")
    );
}

#[test]
fn identity_requests_are_signed_again_for_the_upstream() {
    let emulator = Emulator::start();
    let dir = TempDir::new("resign");

    // With the connection string, a client holding another key records fine.
    let upstream = Upstream::parse(&emulator.connection_string()).unwrap();
    let proxy = RecordingProxy::builder(upstream, dir.path().join("signed.json"))
        .start()
        .unwrap();
    let identity = IdentityClient::from_connection_string_with_options(
        &connection_string(&proxy.endpoint()),
        options(),
    )
    .unwrap();
    let user = identity.create_user().call().unwrap();
    assert!(user.user.id().starts_with("8:acs:"), "{}", user.user.id());
    assert_eq!(proxy.stop().unwrap().exchanges, 1);

    // With only the endpoint, the request goes as the client signed it, the emulator refuses
    // it, and the proxy says why.
    let events = Arc::new(Mutex::new(Vec::new()));
    let heard = Arc::clone(&events);
    let upstream = Upstream::parse(&emulator.endpoint()).unwrap();
    let proxy = RecordingProxy::builder(upstream, dir.path().join("unsigned.json"))
        .on_event(move |line| heard.lock().unwrap().push(line.to_owned()))
        .start()
        .unwrap();
    let identity = IdentityClient::from_connection_string_with_options(
        &connection_string(&proxy.endpoint()),
        options(),
    )
    .unwrap();
    let err = identity.create_user().call().unwrap_err();
    let (Error::Authentication(e) | Error::Service(e)) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(e.status, 401);
    proxy.stop().unwrap();
    let events = events.lock().unwrap();
    assert!(
        events.iter().any(|e| e.starts_with(
            "warning: an identity request is HMAC-signed for the proxy and the upstream has no \
             access key"
        )),
        "{events:?}"
    );
}

#[test]
fn an_https_upstream_is_recorded_with_its_own_roots() {
    let body = r#"{"id":"19:a@thread.v2","topic":"t","createdOn":"2024-01-01T00:00:00Z","createdByCommunicationIdentifier":{"rawId":"8:acs:r_u","communicationUser":{"id":"8:acs:r_u"}}}"#;
    let server = Server::https(move |_, _| Action::json(200, body));
    let dir = TempDir::new("https");
    let file = dir.path().join("https.json");
    let upstream = Upstream::parse(&server.https_url()).unwrap();
    let proxy = RecordingProxy::builder(upstream.clone(), &file)
        .add_root_certificate(server.cert.clone().unwrap())
        .start()
        .unwrap();
    let chat = ChatClient::with_options(
        &proxy.endpoint(),
        CommunicationTokenCredential::new(support::token()),
        options(),
    )
    .unwrap();
    let thread = chat.chat_thread_client("19:a@thread.v2");
    assert_eq!(thread.get_properties().call().unwrap().topic, "t");
    proxy.stop().unwrap();
    let recording = Recording::load(&file).unwrap();
    assert_eq!(recording.entries.len(), 1);
    assert_eq!(
        recording.entries[0].request_uri,
        format!(
            "{}/chat/threads/19%3Aa%40thread.v2?api-version=2025-03-15",
            server.https_url()
        )
    );

    // Without the test server's root the TLS handshake fails: the client hears why at once.
    let proxy = RecordingProxy::builder(upstream, dir.path().join("untrusted.json"))
        .start()
        .unwrap();
    let response = emulator_support::send(proxy.addr(), "GET", "/chat/threads", &[], b"").unwrap();
    assert_eq!(response.status, 502);
    let message = response.json()["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        message.starts_with(&format!(
            "GET /chat/threads: the upstream {} did not answer: ",
            server.https_url()
        )),
        "{message}"
    );
    let report = proxy.stop().unwrap();
    assert_eq!((report.exchanges, report.failures), (0, vec![message]));
}

#[test]
fn an_unreachable_upstream_gets_a_502_and_no_entry() {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = closed.local_addr().unwrap();
    drop(closed);
    let dir = TempDir::new("unreachable");
    let file = dir.path().join("unreachable.json");
    let upstream = Upstream::parse(&format!("http://{addr}")).unwrap();
    let proxy = RecordingProxy::builder(upstream, &file).start().unwrap();
    let response = emulator_support::send(proxy.addr(), "DELETE", "/chat/threads/x", &[], b"")
        .expect("an answer, not a hang");
    assert_eq!(response.status, 502);
    assert_eq!(response.json()["error"]["code"], "RecordingProxyError");
    let report = proxy.stop().unwrap();
    assert_eq!(report.exchanges, 0);
    assert_eq!(report.failures.len(), 1, "{:?}", report.failures);
    assert!(Recording::load(&file).unwrap().entries.is_empty());
}

#[test]
fn every_exchange_is_on_disk_before_the_proxy_stops_even_if_it_is_killed() {
    let emulator = Emulator::start();
    let dir = TempDir::new("killed");
    let file = dir.join("killed.json");
    let proxy = Cli::record(&emulator.connection_string(), &file);
    let identity = IdentityClient::from_connection_string_with_options(
        &connection_string(&proxy.endpoint),
        options(),
    )
    .unwrap();
    for n in 1..=3 {
        identity.create_user().call().unwrap();
        assert_eq!(Recording::load(&file).unwrap().entries.len(), n);
    }
    proxy.kill();
    assert_eq!(Recording::load(&file).unwrap().entries.len(), 3);
}

#[test]
fn playback_names_what_differs_and_the_closest_recorded_request() {
    let emulator = Emulator::start();
    let dir = TempDir::new("differs");
    let file = dir.join("differs.json");
    let proxy = Cli::record(&emulator.connection_string(), &file);
    let thread_id = send_in_new_thread(&connection_string(&proxy.endpoint), &["Hello"]).unwrap();
    assert!(proxy.stop().status.success());
    drop(emulator);
    let recording = Recording::load(&file).unwrap();
    let recorded_send = &recording.entries[2];
    assert_eq!(recorded_send.request_body["content"], "Hello");

    let server = Cli::start(&["serve", &file]);
    let chat = chat_client(&connection_string(&server.endpoint));
    let thread = chat.chat_thread_client(chat.create_chat_thread("t").call().unwrap().thread.id);
    assert_eq!(thread.thread_id(), thread_id);
    let err = thread.send_message("Hi!").call().unwrap_err();
    let path = format!(
        "/chat/threads/{}/messages?api-version=2025-03-15",
        thread_id.replace(':', "%3A").replace('@', "%40")
    );
    let differs = format!(
        "POST {path} matches no recorded request: body differs: $.content: ours \"Hi!\", \
         recorded \"Hello\" (closest recorded request: entry 2, POST {})",
        recorded_send.request_uri
    );
    assert_eq!(
        service_error(&err),
        (404, "ReplayMismatch", differs.as_str())
    );

    // The recorded message once, then once more than the recording holds.
    thread.send_message("Hello").call().unwrap();
    let err = thread.send_message("Hello").call().unwrap_err();
    let ran_out = format!(
        "POST {path} came after the recording ran out; entry 2 matches it but already answered \
         an earlier request"
    );
    assert_eq!(
        service_error(&err),
        (404, "ReplayMismatch", ran_out.as_str())
    );

    let stopped = server.stop();
    assert!(!stopped.status.success());
    assert_eq!(
        stopped.stdout,
        "answered 3 of 3 recorded requests; 2 did not match"
    );
    assert_eq!(
        stopped.stderr,
        format!("mismatch: {differs}\nmismatch: {ran_out}\n")
    );
}

/// Creates a user and a thread and sends `messages`; returns the thread id.
fn send_in_new_thread(cs: &str, messages: &[&str]) -> Result<String, Error> {
    let chat = chat_client(cs);
    let thread_id = chat.create_chat_thread("t").call()?.thread.id;
    let thread = chat.chat_thread_client(&thread_id);
    for content in messages {
        thread.send_message(*content).call()?;
    }
    Ok(thread_id)
}

fn chat_client(cs: &str) -> ChatClient {
    let identity = IdentityClient::from_connection_string_with_options(cs, options()).unwrap();
    let token = identity
        .create_user_and_token([TokenScope::Chat])
        .call()
        .unwrap()
        .access_token
        .unwrap();
    let endpoint = identity.endpoint().as_str().to_owned();
    ChatClient::with_options(
        &endpoint,
        CommunicationTokenCredential::new(token),
        options(),
    )
    .unwrap()
}

fn service_error(err: &Error) -> (u16, &str, &str) {
    let Error::Service(e) = err else {
        panic!("{err:?}")
    };
    let message = e.error.as_ref().map_or("", |e| e.message.as_str());
    (e.status, e.code().unwrap_or(""), message)
}
