//! The token credential in the async client: the 401 refresh, one refresh shared by concurrent
//! tasks, and proactive refresh of an idle client by the background task.

#[path = "../../chat-ureq/tests/support/mod.rs"]
mod support;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use chat_core::AccessToken;
use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential};
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
        Some(token("stale", HOUR)),
        false,
        move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok(token("fresh", HOUR)) }
        },
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
    let credential = CommunicationTokenCredential::with_refresher(None, false, move || {
        counter.fetch_add(1, Ordering::SeqCst);
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(token("shared", HOUR))
        }
    });
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
    let credential = CommunicationTokenCredential::with_refresher(None, false, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst);
        async move {
            if n == 0 {
                // The first refresh never finishes; its caller gives up.
                std::future::pending::<()>().await;
            }
            Ok(token("second", HOUR))
        }
    });
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
    let credential = CommunicationTokenCredential::with_refresher(None, true, move || {
        let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
        async move { Ok(token(&format!("t{n}"), lifetime)) }
    });
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
