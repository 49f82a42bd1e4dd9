//! The client against the in-process emulator with injected faults: nothing lost, nothing
//! duplicated, and ambiguous failures reported as such.

use std::time::{Duration, Instant};

use chat_core::identity::TokenScope;
use chat_core::RetryOptions;
use chat_testkit::emulator::{Emulator, Fault, FaultRule};
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};

fn setup() -> (Emulator, ChatClient, String) {
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
        .call()
        .unwrap();
    let credential = CommunicationTokenCredential::new(user.access_token.unwrap());
    let chat = ChatClient::with_options(&emulator.endpoint(), credential, options).unwrap();
    let thread = chat.create_chat_thread("faults").call().unwrap().thread.id;
    (emulator, chat, thread)
}

fn texts(chat: &ChatClient, thread: &str) -> Vec<String> {
    chat.chat_thread_client(thread)
        .list_messages()
        .into_iter()
        .map(|m| m.unwrap())
        .filter_map(|m| m.content.and_then(|c| c.message))
        .collect()
}

#[test]
fn a_reset_after_the_service_acted_on_send_message_is_reported_and_not_repeated() {
    let (emulator, chat, thread) = setup();
    emulator.inject(
        FaultRule::new(Fault::ResetAfterService)
            .method("POST")
            .path_contains("/messages")
            .times(1),
    );
    let err = chat
        .chat_thread_client(&thread)
        .send_message("once")
        .call()
        .unwrap_err();
    assert!(err.may_have_been_sent(), "{err:?}");
    // The service did store it, and the client did not send it twice.
    assert_eq!(texts(&chat, &thread), ["once"]);
    assert_eq!(
        emulator
            .request_count_matching("POST", "/messages")
            .received,
        1
    );
}

#[test]
fn a_429_on_send_message_is_retried_after_its_hint_and_the_message_sent_once() {
    let (emulator, chat, thread) = setup();
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
        .call()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(texts(&chat, &thread), ["hello"]);
    assert_eq!(
        emulator
            .request_count_matching("POST", "/messages")
            .received,
        2
    );
}

#[test]
fn reads_survive_resets_and_truncated_bodies() {
    let (emulator, chat, thread) = setup();
    for fault in [Fault::ResetBeforeService, Fault::TruncatedBody] {
        emulator.inject(FaultRule::new(fault).method("GET").times(1));
        let properties = chat
            .chat_thread_client(&thread)
            .get_properties()
            .call()
            .unwrap();
        assert_eq!(properties.topic, "faults");
    }
}

#[test]
fn create_thread_retried_after_a_reset_creates_one_thread() {
    let (emulator, chat, _) = setup();
    emulator.inject(
        FaultRule::new(Fault::ResetAfterService)
            .method("POST")
            .path_contains("/chat/threads")
            .times(1),
    );
    let created = chat.create_chat_thread("once").call().unwrap();
    let topics: Vec<String> = chat
        .list_chat_threads()
        .into_iter()
        .map(|t| t.unwrap().topic)
        .filter(|t| t == "once")
        .collect();
    assert_eq!(topics.len(), 1);
    assert_eq!(created.thread.topic, "once");
}

#[test]
fn messages_expose_their_text_sender_and_system_kind() {
    use chat_ureq::messages::SystemMessage;
    use chat_ureq::participants::ChatParticipant;

    let (emulator, chat, thread_id) = setup();
    let thread = chat.chat_thread_client(&thread_id);
    let sent = thread.send_message("Noodles?").call().unwrap();
    thread.update_topic("Lunch").call().unwrap();
    let identity = IdentityClient::from_connection_string_with_options(
        &emulator.connection_string(),
        ClientOptions::default().allow_loopback_http(true),
    )
    .unwrap();
    let bob = identity.create_user().call().unwrap().user;
    thread
        .add_participants(vec![ChatParticipant::new(bob.clone().into())])
        .call()
        .unwrap();

    let message = thread.get_message(&sent.id).call().unwrap();
    assert_eq!(message.text(), Some("Noodles?"));
    let me = message.sender_raw_id().unwrap();
    assert!(me.starts_with("8:acs:"), "{me}");
    assert!(!message.is_system_message());
    assert_eq!(message.system_message(), None);

    let messages: Vec<_> = thread
        .list_messages()
        .into_iter()
        .map(|m| m.unwrap())
        .collect();
    let topic = messages
        .iter()
        .find_map(|m| match m.system_message() {
            Some(SystemMessage::TopicUpdated {
                topic, initiator, ..
            }) => Some((topic.to_owned(), initiator.map(|i| i.raw_id().to_owned()))),
            _ => None,
        })
        .expect("a topicUpdated system message");
    assert_eq!(topic, ("Lunch".to_owned(), Some(me.to_owned())));
    let added = messages
        .iter()
        .find_map(|m| match m.system_message() {
            Some(SystemMessage::ParticipantsAdded { participants, .. }) => Some(participants),
            _ => None,
        })
        .expect("a participantAdded system message");
    assert!(added.iter().any(|p| p.identifier.raw_id() == bob.raw_id()));
    let system = messages.iter().filter(|m| m.is_system_message()).count();
    assert!(system >= 2, "{messages:#?}");
    assert!(messages
        .iter()
        .filter(|m| m.is_system_message())
        .all(|m| m.sender_raw_id().is_none() && m.text().is_none()));
}
