//! What the emulator-events tests share: a quickstart-like conversation through the real
//! blocking client, an emulator with a webhook subscribed, and the checks of delivered events.
#![allow(dead_code, unreachable_pub)]

use std::collections::HashMap;
use std::time::Duration;

use chat_core::events::{Event, Webhook};
use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::TokenScope;
use chat_core::messages::ChatMessageType;
use chat_core::participants::ChatParticipant;
use chat_testkit::emulator::{DeliverySchema, Emulator, Subscription, WebhookReceiver};
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};

/// Generous: the machine may be slow and busy. Waits end as soon as the awaited thing happens.
pub const WAIT: Duration = Duration::from_secs(120);

/// The ids the conversation made.
#[derive(Debug, Clone)]
pub struct Flow {
    pub me: String,
    pub bob: String,
    pub carol: String,
    pub thread_id: String,
    pub text_id: String,
    pub html_id: String,
}

/// An emulator with a fixed resource id (and the real clock: the client checks its tokens'
/// expiry against it).
pub fn emulator() -> Emulator {
    Emulator::builder()
        .resource_id("00000000-0000-4000-8000-000000000000")
        .start()
        .unwrap()
}

/// An emulator, a receiver, and a subscription of the receiver in `schema`.
pub fn subscribed(schema: DeliverySchema) -> (Emulator, WebhookReceiver, String) {
    let emulator = emulator();
    let receiver = WebhookReceiver::start(Webhook::new()).unwrap();
    let id = emulator
        .subscribe(Subscription::new(receiver.url()).schema(schema))
        .unwrap();
    (emulator, receiver, id)
}

/// The quickstart's steps: a thread of two, two messages, a topic change, an edit, a read
/// receipt, typing, a participant added (and a phone number refused) then removed, a message
/// deleted, the thread deleted.
pub fn quickstart(emulator: &Emulator) -> Flow {
    let options = ClientOptions::default().allow_loopback_http(true);
    let identity = IdentityClient::from_connection_string_with_options(
        &emulator.connection_string(),
        options.clone(),
    )
    .unwrap();
    let created = identity
        .create_user_and_token([TokenScope::Chat])
        .call()
        .unwrap();
    let token = created.access_token.unwrap();
    let me = CommunicationIdentifier::from(created.user);
    let bob = CommunicationIdentifier::from(identity.create_user().call().unwrap().user);
    let carol = CommunicationIdentifier::from(identity.create_user().call().unwrap().user);
    let chat = ChatClient::with_options(
        &emulator.endpoint(),
        CommunicationTokenCredential::new(token),
        options,
    )
    .unwrap();
    let thread_id = chat
        .create_chat_thread("Quickstart")
        .participants(vec![
            ChatParticipant::new(me.clone()).display_name("Me"),
            ChatParticipant::new(bob.clone()).display_name("Bob"),
        ])
        .call()
        .unwrap()
        .thread
        .id;
    let thread = chat.chat_thread_client(&thread_id);
    thread.get_properties().call().unwrap();
    let text = thread
        .send_message("Hello, world!")
        .sender_display_name("Me")
        .call()
        .unwrap();
    let html = thread
        .send_message("<p>Hello, <b>world</b>!</p>")
        .message_type(ChatMessageType::Html)
        .sender_display_name("Me")
        .call()
        .unwrap();
    thread.update_topic("Quickstart, updated").call().unwrap();
    thread
        .update_message(&text.id, "Hello, edited world!")
        .call()
        .unwrap();
    thread.send_read_receipt(&html.id).call().unwrap();
    thread
        .send_typing_notification()
        .sender_display_name("Me")
        .call()
        .unwrap();
    let added = thread
        .add_participants(vec![
            ChatParticipant::new(carol.clone()).display_name("Carol"),
            ChatParticipant::new(CommunicationIdentifier::phone_number("+14255550123")),
        ])
        .call()
        .unwrap();
    assert_eq!(added.failed_participants.len(), 1);
    thread.remove_participant(carol.clone()).call().unwrap();
    thread.delete_message(&html.id).call().unwrap();
    chat.delete_chat_thread(&thread_id).call().unwrap();
    Flow {
        me: me.raw_id().to_owned(),
        bob: bob.raw_id().to_owned(),
        carol: carol.raw_id().to_owned(),
        thread_id,
        text_id: text.id,
        html_id: html.id,
    }
}

/// How many events the quickstart causes.
pub const QUICKSTART_EVENTS: usize = 26;

/// `Microsoft.Communication.ChatMessageReceived` → `ChatMessageReceived`.
pub fn short(event_type: &str) -> &str {
    event_type
        .strip_prefix("Microsoft.Communication.")
        .unwrap_or(event_type)
}

/// One line per event: its short type, its subject and recipient with the flow's ids named.
pub fn sequence(flow: &Flow, events: &[Event]) -> Vec<String> {
    let names: HashMap<&str, &str> = [
        (flow.me.as_str(), "[me]"),
        (flow.bob.as_str(), "[bob]"),
        (flow.carol.as_str(), "[carol]"),
        (flow.thread_id.as_str(), "[thread]"),
    ]
    .into_iter()
    .collect();
    let redact = |s: &str| {
        names
            .iter()
            .fold(s.to_owned(), |acc, (id, name)| acc.replace(id, name))
    };
    events
        .iter()
        .map(|e| {
            let subject = redact(e.subject.as_deref().unwrap_or("-"));
            format!("{} {subject}", short(&e.event_type))
        })
        .collect()
}
