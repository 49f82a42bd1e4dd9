//! The client against the in-process emulator with injected faults: nothing lost, nothing
//! duplicated, and ambiguous failures reported as such.

use std::time::{Duration, Instant};

use chat_core::identity::TokenScope;
use chat_core::RetryOptions;
use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};
use chat_testkit::emulator::{Emulator, Fault, FaultRule};
use futures_util::TryStreamExt;

async fn setup() -> (Emulator, ChatClient, String) {
    let emulator = Emulator::start();
    let retry = RetryOptions::default().with_initial_delay(Duration::from_millis(10));
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .retry(retry);
    let identity = IdentityClient::from_connection_string_with_options(
        &emulator.connection_string(),
        options.clone(),
    )
    .unwrap();
    let user = identity
        .create_user_and_token([TokenScope::Chat])
        .await
        .unwrap();
    let credential = CommunicationTokenCredential::new(user.access_token.unwrap());
    let chat = ChatClient::with_options(&emulator.endpoint(), credential, options).unwrap();
    let thread = chat.create_chat_thread("faults").await.unwrap().thread.id;
    (emulator, chat, thread)
}

async fn texts(chat: &ChatClient, thread: &str) -> Vec<String> {
    chat.chat_thread_client(thread)
        .list_messages()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|m| m.content.and_then(|c| c.message))
        .collect()
}

#[tokio::test]
async fn a_reset_after_the_service_acted_on_send_message_is_reported_and_not_repeated() {
    let (emulator, chat, thread) = setup().await;
    emulator.inject(
        FaultRule::new(Fault::ResetAfterService)
            .method("POST")
            .path_contains("/messages")
            .times(1),
    );
    let err = chat
        .chat_thread_client(&thread)
        .send_message("once")
        .await
        .unwrap_err();
    assert!(err.may_have_been_sent(), "{err:?}");
    // The service did store it, and the client did not send it twice.
    assert_eq!(texts(&chat, &thread).await, ["once"]);
    assert_eq!(
        emulator
            .request_count_matching("POST", "/messages")
            .received,
        1
    );
}

#[tokio::test]
async fn a_429_on_send_message_is_retried_after_its_hint_and_the_message_sent_once() {
    let (emulator, chat, thread) = setup().await;
    emulator.inject(
        FaultRule::new(Fault::Status {
            status: 429,
            retry_after: Some(1),
        })
        .method("POST")
        .path_contains("/messages")
        .times(1),
    );
    let started = Instant::now();
    chat.chat_thread_client(&thread)
        .send_message("hello")
        .await
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(texts(&chat, &thread).await, ["hello"]);
    assert_eq!(
        emulator
            .request_count_matching("POST", "/messages")
            .received,
        2
    );
}

#[tokio::test]
async fn reads_survive_resets_and_truncated_bodies() {
    let (emulator, chat, thread) = setup().await;
    for fault in [Fault::ResetBeforeService, Fault::TruncatedBody] {
        emulator.inject(FaultRule::new(fault).method("GET").times(1));
        let properties = chat
            .chat_thread_client(&thread)
            .get_properties()
            .await
            .unwrap();
        assert_eq!(properties.topic, "faults");
    }
}

#[tokio::test]
async fn create_thread_retried_after_a_reset_creates_one_thread() {
    let (emulator, chat, _) = setup().await;
    emulator.inject(
        FaultRule::new(Fault::ResetAfterService)
            .method("POST")
            .path_contains("/chat/threads")
            .times(1),
    );
    let created = chat.create_chat_thread("once").await.unwrap();
    let topics: Vec<String> = chat
        .list_chat_threads()
        .items()
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .map(|t| t.topic)
        .filter(|t| t == "once")
        .collect();
    assert_eq!(topics.len(), 1);
    assert_eq!(created.thread.topic, "once");
}
