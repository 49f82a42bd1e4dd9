//! Testing an app on ACS Chat offline. Copy this file into your crate's `tests/`, with
//! `chat-ureq` and `chat-testkit` as dev-dependencies.
//!
//! `cargo test` plays the test back from `recordings/opens_a_support_thread.json`: no network,
//! no credentials. Record it once (and again whenever the test changes) against your resource:
//!
//! ```sh
//! ACS_TEST_MODE=record \
//! ACS_CONNECTION_STRING="endpoint=https://<resource>.communication.azure.com/;accesskey=<key>" \
//!     cargo test --test support_thread
//! ```
//!
//! `ACS_TEST_MODE=live` runs it against the resource without recording, `emulator` against an
//! emulator in the test's process.

use chat_testkit::TestSession;
use chat_ureq::identity::TokenScope;
use chat_ureq::messages::ChatMessageType;
use chat_ureq::participants::ChatParticipant;
use chat_ureq::{
    ChatClient, CommunicationIdentifier, CommunicationTokenCredential, Error, IdentityClient,
};

/// The app's code under test: a support thread between an agent and a customer, who is
/// greeted by name.
fn open_support_thread(
    chat: &ChatClient,
    agent: CommunicationIdentifier,
    customer: CommunicationIdentifier,
    name: &str,
) -> Result<String, Error> {
    let created = chat
        .create_chat_thread(format!("Support for {name}"))
        .participants(vec![
            ChatParticipant::new(agent).display_name("Agent"),
            ChatParticipant::new(customer).display_name(name),
        ])
        .call()?;
    let thread = chat.chat_thread_client(&created.thread.id);
    thread
        .send_message(format!("Hello {name}, how can we help?"))
        .sender_display_name("Agent")
        .call()?;
    Ok(created.thread.id)
}

#[test]
fn opens_a_support_thread() -> Result<(), Box<dyn std::error::Error>> {
    let session = TestSession::start("opens_a_support_thread")?;
    let options = session.client_options();

    // Users and a token, made as the app makes them.
    let identity = IdentityClient::from_connection_string_with_options(
        &session.connection_string(),
        options.clone(),
    )?;
    let agent = identity.create_user_and_token([TokenScope::Chat]).call()?;
    let customer = identity.create_user().call()?;
    let token = agent.access_token.ok_or("the service sent no token")?;
    let credential = CommunicationTokenCredential::new(token);
    let chat = ChatClient::with_options(session.endpoint(), credential, options)?;

    let thread_id = open_support_thread(&chat, agent.user.into(), customer.user.into(), "Ada")?;

    let thread = chat.chat_thread_client(&thread_id);
    assert_eq!(thread.get_properties().call()?.topic, "Support for Ada");
    let messages = thread
        .list_messages()
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    let texts: Vec<&str> = messages
        .iter()
        .filter(|m| m.message_type == ChatMessageType::Text)
        .filter_map(|m| m.text())
        .collect();
    assert_eq!(texts, ["Hello Ada, how can we help?"]);
    assert_eq!(thread.list_participants().into_iter().count(), 2);

    // In playback: every recorded request was made, and no other.
    session.finish()?;
    Ok(())
}
