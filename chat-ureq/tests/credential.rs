//! The token credential in a client: the 401 refresh, on-demand refresh, and one refresh shared
//! by concurrent callers.

mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime};

use chat_core::{AccessToken, Error};
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential};
use support::{Action, Server};

fn token(secret: &str, lifetime: Duration) -> AccessToken {
    AccessToken::new(secret, SystemTime::now() + lifetime)
}

const HOUR: Duration = Duration::from_secs(3600);

#[test]
fn a_401_refreshes_the_token_once_and_retries_with_the_new_one() {
    let server = Server::http(|r, _| match r.header("authorization") {
        Some("Bearer fresh") => Action::empty(204),
        _ => Action::json(
            401,
            r#"{"error":{"code":"InvalidAuthenticationToken","message":"no"}}"#,
        ),
    });
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let credential = CommunicationTokenCredential::with_refresher(
        Some(token("stale", HOUR)),
        false,
        move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(token("fresh", HOUR))
        },
    );
    let options = ClientOptions::default().allow_loopback_http(true);
    let chat = ChatClient::with_options(&server.http_url(), credential, options).unwrap();
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
    let server = Server::http(|_, _| Action::json(401, r#"{"error":{"code":"x","message":"no"}}"#));
    let mut n = 0;
    let refresher = move || {
        n += 1;
        Ok(token(&format!("t{n}"), HOUR))
    };
    let n = std::sync::Mutex::new(refresher);
    let credential =
        CommunicationTokenCredential::with_refresher(None, false, move || (n.lock().unwrap())());
    let options = ClientOptions::default().allow_loopback_http(true);
    let chat = ChatClient::with_options(&server.http_url(), credential, options).unwrap();
    let err = chat
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert_eq!(server.requests().len(), 2);
}

#[test]
fn an_expired_token_is_refreshed_before_use() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let credential = CommunicationTokenCredential::with_refresher(
        Some(AccessToken::new(
            "expired",
            SystemTime::now() - Duration::from_secs(1),
        )),
        false,
        move || {
            counter.fetch_add(1, Ordering::SeqCst);
            Ok(token("fresh", HOUR))
        },
    );
    assert_eq!(credential.get_token().unwrap().secret(), "fresh");
    assert_eq!(credential.get_token().unwrap().secret(), "fresh");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[test]
fn concurrent_callers_share_one_refresh() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let credential = CommunicationTokenCredential::with_refresher(None, false, move || {
        counter.fetch_add(1, Ordering::SeqCst);
        std::thread::sleep(Duration::from_millis(100));
        Ok(token("shared", HOUR))
    });
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
fn a_failing_refresher_surfaces_as_a_token_refresh_error() {
    let credential =
        CommunicationTokenCredential::with_refresher(None, false, || Err("offline".to_owned()));
    let server = Server::http(|_, _| Action::empty(204));
    let options = ClientOptions::default().allow_loopback_http(true);
    let chat = ChatClient::with_options(&server.http_url(), credential, options).unwrap();
    let err = chat
        .delete_chat_thread("19:a@thread.v2")
        .call()
        .unwrap_err();
    assert!(
        matches!(&err, Error::TokenRefresh { message } if message.contains("offline")),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}
