//! The token credential in the async client, from the user's side: the 401 refresh, one
//! refresh shared by concurrent tasks, proactive refresh of an idle client by the background
//! task, an async refresher written without a clone-and-`async move` dance, and what a static
//! token that was revoked reports.

#[path = "../../chat-ureq/tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chat_hyper::identity::TokenScope;
use chat_hyper::{
    AccessToken, ChatClient, ClientOptions, CommunicationTokenCredential, Error, IdentityClient,
    TokenRefreshOptions,
};
use chat_testkit::emulator::Emulator;
use support::{Action, Server};

const HOUR: Duration = Duration::from_secs(3600);

fn token(secret: &str, lifetime: Duration) -> AccessToken {
    AccessToken::new(secret, SystemTime::now() + lifetime)
}

#[tokio::test]
async fn a_401_refreshes_the_token_once_and_retries_with_the_new_one() {
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
        TokenRefreshOptions::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok::<_, Error>(token("fresh", HOUR)) }
        })
        .initial_token(token("stale", HOUR)),
    );
    let options = ClientOptions::default().allow_loopback_http(true);
    let chat = ChatClient::with_options(&server.http_url(), credential, options).unwrap();
    chat.delete_chat_thread("19:a@thread.v2").await.unwrap();
    let auth: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap_or("").to_owned())
        .collect();
    assert_eq!(auth, ["Bearer stale", "Bearer fresh"]);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_tasks_share_one_refresh() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let credential =
        CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async {
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok::<_, Error>(token("shared", HOUR))
            }
        }));
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let credential = credential.clone();
            tokio::spawn(async move { credential.get_token().await })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap().unwrap().secret(), "shared");
    }
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

#[tokio::test]
async fn a_cancelled_refresh_does_not_leave_waiters_stuck() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let credential =
        CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    // The first refresh never finishes; its caller gives up.
                    std::future::pending::<()>().await;
                }
                Ok::<_, Error>(token("second", HOUR))
            }
        }));
    let first = tokio::time::timeout(Duration::from_millis(50), credential.get_token()).await;
    assert!(first.is_err(), "the first refresh was cut short");
    // The cancelled refresh counts as a failure: for a short while no new refresh starts.
    let err = credential.get_token().await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
}

#[tokio::test]
async fn an_idle_client_refreshes_proactively_on_time() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&calls);
    let lifetime = Duration::from_secs(4);
    let credential = CommunicationTokenCredential::with_refresher(
        TokenRefreshOptions::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ok::<_, Error>(token(&format!("t{n}"), lifetime)) }
        })
        .refresh_proactively(true),
    );
    let started = Instant::now();
    assert_eq!(credential.get_token().await.unwrap().secret(), "t1");
    // Nobody asks for a token now; the background task refreshes at half the lifetime.
    let deadline = started + Duration::from_secs(60);
    while calls.load(Ordering::SeqCst) < 2 {
        assert!(Instant::now() < deadline, "no proactive refresh happened");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(started.elapsed() >= lifetime / 2 - Duration::from_millis(50));
    assert_eq!(credential.get_token().await.unwrap().secret(), "t2");
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn a_revoked_static_token_keeps_the_services_401() {
    let refused = r#"{"error":{"code":"InvalidAuthenticationToken","message":"revoked"}}"#;
    let server = Server::http(move |_, _| Action::json(401, refused));
    let options = ClientOptions::default().allow_loopback_http(true);
    let credential = CommunicationTokenCredential::new(token("revoked", HOUR));
    let chat = ChatClient::with_options(&server.http_url(), credential, options).unwrap();
    let err = chat.delete_chat_thread("19:a@thread.v2").await.unwrap_err();
    assert!(matches!(err, Error::Authentication(_)), "{err:?}");
    assert_eq!(err.status(), Some(401));
    assert_eq!(
        err.service_error().and_then(|e| e.code()),
        Some("InvalidAuthenticationToken")
    );
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_identity_call_is_an_async_refresher_as_it_is() {
    let emulator = Emulator::start();
    let options = ClientOptions::default().allow_loopback_http(true);
    let cs = emulator.connection_string();
    let identity =
        IdentityClient::from_connection_string_with_options(&cs, options.clone()).unwrap();
    let user_id = identity
        .create_user()
        .await
        .unwrap()
        .user
        .raw_id()
        .to_owned();
    let refreshes = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&refreshes);
    // The closure returns the prepared identity call itself: no clone, no `async move`.
    let credential =
        CommunicationTokenCredential::with_refresher(TokenRefreshOptions::new(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            identity.get_token(&user_id, [TokenScope::Chat])
        }));
    let chat = ChatClient::with_options(&emulator.endpoint(), credential, options).unwrap();
    let created = chat.create_chat_thread("refreshed").await.unwrap();
    assert_eq!(
        refreshes.load(Ordering::SeqCst),
        1,
        "the first call fetched a token"
    );
    chat.chat_thread_client(&created.thread.id)
        .send_message("hello")
        .await
        .unwrap();
    assert_eq!(refreshes.load(Ordering::SeqCst), 1, "the token is reused");
}
