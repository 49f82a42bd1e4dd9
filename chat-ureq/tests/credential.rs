//! The token credential in a client, from the user's side: the 401 refresh, on-demand refresh,
//! one refresh shared by concurrent callers, the refresher's shape (a refresher returning a
//! token or a typed error, an initial token, proactive refresh), and what a static token that
//! expired or was revoked reports.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use chat_testkit::emulator::Emulator;
use chat_ureq::identity::TokenScope;
use chat_ureq::{
    AccessToken, ChatClient, ClientOptions, CommunicationTokenCredential, Error, IdentityClient,
    TokenRefreshOptions,
};
use support::{Action, Server};

fn token(secret: &str, lifetime: Duration) -> AccessToken {
    AccessToken::new(secret, SystemTime::now() + lifetime)
}

const HOUR: Duration = Duration::from_secs(3600);
const REFUSED: &str = r#"{"error":{"code":"InvalidAuthenticationToken","message":"revoked"}}"#;

fn client(server: &Server, credential: CommunicationTokenCredential) -> ChatClient {
    let options = ClientOptions::default().allow_loopback_http(true);
    ChatClient::with_options(&server.http_url(), credential, options).unwrap()
}

/// A JWT (unsigned) whose `exp` is `exp` seconds after the Unix epoch.
fn jwt(exp: u64) -> String {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let payload = b64.encode(format!(r#"{{"exp":{exp}}}"#));
    format!("eyJhbGciOiJub25lIn0.{payload}.c2ln")
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A refresher's own error type, to get back from the client's error.
#[derive(Debug)]
struct TokenServiceDown;

impl std::fmt::Display for TokenServiceDown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the token service is down")
    }
}

impl std::error::Error for TokenServiceDown {}

#[test]
fn a_401_refreshes_the_token_once_and_retries_with_the_new_one() {
    let server = Server::http(|r, _| match r.header("authorization") {
        Some("Bearer fresh") => Action::empty(204),
        _ => Action::json(401, REFUSED),
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let refresher = move || {
        counter.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Error>(token("fresh", HOUR))
    };
    let credential = CommunicationTokenCredential::with_refresher(
        TokenRefreshOptions::new(refresher).initial_token(token("stale", HOUR)),
    );
    let chat = client(&server, credential);
    chat.delete_chat_thread("19:a@thread.v2").call().unwrap();
    let auth: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or("").to_owned())
        .collect();
    assert_eq!(auth, ["Bearer stale", "Bearer fresh"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn a_second_401_after_the_refresh_is_an_authentication_error() {
    let server = Server::http(|_, _| Action::json(401, REFUSED));
    let n = AtomicUsize::new(0);
    let refresher = move || {
        let n = n.fetch_add(1, Ordering::SeqCst);
        Ok::<_, Error>(token(&format!("t{n}"), HOUR))
    };
    let credential =
        CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(refresher));
    let err = client(&server, credential)
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn a_revoked_static_token_keeps_the_services_401() {
    let server = Server::http(|_, _| Action::json(401, REFUSED));
    let chat = client(
        &server,
        CommunicationTokenCredential::new(token("revoked", HOUR)),
    );
    for attempt in 1..=2 {
        let err = chat
            .delete_chat_thread("19:a@thread.v2")
            .call()
            .unwrap_err();
        let Error::Authentication(service) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(service.status, 401);
        assert_eq!(service.code(), Some("InvalidAuthenticationToken"));
        assert_eq!(err.status(), Some(401));
        assert_eq!(
            err.service_error().and_then(|e| e.code()),
            Some("InvalidAuthenticationToken")
        );
        assert!(err.to_string().contains("revoked"), "{err}");
        // One try per call: the same token is not sent twice, and each call hears the service.
        assert_eq!(server.requests().len(), attempt);
    }
}

#[test]
fn an_expired_static_token_is_refused_before_sending() {
    let server = Server::http(|_, _| Action::empty(204));
    let expired_at = SystemTime::now() - Duration::from_secs(5);
    let credential = CommunicationTokenCredential::new(AccessToken::new("old", expired_at));
    let err = client(&server, credential)
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    assert!(
        matches!(err, Error::TokenExpired { expires_on, .. } if expires_on == expired_at),
        "{err:?}"
    );
    assert_eq!(err.status(), None);
    assert!(server.requests().is_empty());
}

#[test]
fn from_jwt_says_when_the_token_has_already_expired() {
    let err = CommunicationTokenCredential::from_jwt(&jwt(unix_now() - 60)).unwrap_err();
    assert!(matches!(err, Error::TokenExpired { .. }), "{err:?}");
    assert!(
        err.to_string().starts_with("the token expired at "),
        "{err}"
    );
    let credential = CommunicationTokenCredential::from_jwt(&jwt(unix_now() + 3600)).unwrap();
    assert!(credential.get_token().is_ok());
}

#[test]
fn a_refresher_error_keeps_its_type_and_the_401_that_forced_the_refresh() {
    let server = Server::http(|_, _| Action::json(401, REFUSED));
    let credential = CommunicationTokenCredential::with_refresher(
        TokenRefreshOptions::new(|| Err(TokenServiceDown)).initial_token(token("stale", HOUR)),
    );
    let err = client(&server, credential)
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    let Error::TokenRefresh {
        error, rejected, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert!(error.downcast_ref::<TokenServiceDown>().is_some());
    assert_eq!(rejected.as_ref().map(|e| e.status), Some(401));
    assert_eq!(err.status(), Some(401));
    let source = std::error::Error::source(&err).unwrap();
    assert!(source.downcast_ref::<TokenServiceDown>().is_some());
    assert!(
        err.to_string().contains("the token service is down"),
        "{err}"
    );
}

#[test]
fn a_failing_refresher_surfaces_as_a_token_refresh_error() {
    let credential = CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(|| {
        Err::<AccessToken, _>("offline")
    }));
    let server = Server::http(|_, _| Action::empty(204));
    let err = client(&server, credential)
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    assert!(
        matches!(&err, Error::TokenRefresh { error, rejected: None, .. } if error.to_string() == "offline"),
        "{err:?}"
    );
    assert_eq!(err.status(), None);
    assert!(server.requests().is_empty());
}

#[test]
fn an_expired_token_is_refreshed_before_use() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let expired = AccessToken::new("expired", SystemTime::now() - Duration::from_secs(1));
    let credential = CommunicationTokenCredential::with_refresher(
        TokenRefreshOptions::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok::<_, Error>(token("fresh", HOUR))
        })
        .initial_token(expired),
    );
    assert_eq!(credential.get_token().unwrap().secret(), "fresh");
    assert_eq!(credential.get_token().unwrap().secret(), "fresh");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn concurrent_callers_share_one_refresh() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let credential =
        CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(100));
            Ok::<_, Error>(token("shared", HOUR))
        }));
    let barrier = Arc::new(Barrier::new(8));
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let credential = credential.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                credential.get_token().unwrap()
            })
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().secret(), "shared");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn the_identity_client_is_a_refresher_as_it_is() {
    let emulator = Emulator::start();
    let options = ClientOptions::default().allow_loopback_http(true);
    let identity = IdentityClient::from_connection_string_with_options(
        &emulator.connection_string(),
        options.clone(),
    )
    .unwrap();
    let user = identity.create_user().call().unwrap().user;
    let user_id = user.raw_id().to_owned();
    let first = identity
        .get_token(&user_id, [TokenScope::Chat])
        .call()
        .unwrap();
    let refreshes = Arc::new(Mutex::new(0));
    let counter = Arc::clone(&refreshes);
    let credential = CommunicationTokenCredential::with_refresher(
        TokenRefreshOptions::new(move || {
            *counter.lock().unwrap() += 1;
            identity.get_token(&user_id, [TokenScope::Chat]).call()
        })
        .initial_token(first)
        .refresh_proactively(true),
    );
    let chat = ChatClient::with_options(&emulator.endpoint(), credential.clone(), options).unwrap();
    chat.create_chat_thread("refreshed").call().unwrap();
    assert_eq!(*refreshes.lock().unwrap(), 0, "the initial token was used");
    assert!(format!(
        "{:?}",
        TokenRefreshOptions::new(|| Err::<AccessToken, _>("x"))
    )
    .contains("refresh_proactively"));
}
