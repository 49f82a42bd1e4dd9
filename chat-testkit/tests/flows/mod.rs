//! The quickstart flow plus paged listings, once per transport, written down as the lines it
//! would print. Every line holds only what the service generated (ids, times, versions,
//! errors), so a recorded run and its playback print the same lines. The flows also send what a
//! client makes up on every run — a new repeatability id, a `shareHistoryTime` and a
//! `startTime` read from the clock — which playback must tolerate.
#![allow(dead_code, unreachable_pub)]

use std::time::{Duration, SystemTime};

use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::TokenScope;
use chat_core::messages::{ChatMessage, ChatMessageType};
use chat_core::participants::{ChatParticipant, FailedParticipant};
use chat_core::read_receipts::ChatMessageReadReceipt;
use chat_core::threads::ChatThreadProperties;
use chat_core::{AccessToken, Error, Timestamp};

fn now() -> Timestamp {
    Timestamp::from(SystemTime::now())
}

fn yesterday() -> Timestamp {
    Timestamp::from(SystemTime::now() - Duration::from_secs(24 * 3600))
}

/// Me, and Bob, who sees the history from now on (a time the client reads from its clock).
fn first_participants(
    me: &CommunicationIdentifier,
    bob: &CommunicationIdentifier,
) -> Vec<ChatParticipant> {
    vec![
        ChatParticipant::new(me.clone()).display_name("Me"),
        ChatParticipant::new(bob.clone())
            .display_name("Bob")
            .share_history_time(now()),
    ]
}

/// Carol, and a phone number the service refuses.
fn added_participants(carol: &CommunicationIdentifier) -> Vec<ChatParticipant> {
    vec![
        ChatParticipant::new(carol.clone()).display_name("Carol"),
        ChatParticipant::new(CommunicationIdentifier::phone_number("+14255550123")),
    ]
}

fn users_line(users: &[&CommunicationIdentifier], token: &AccessToken) -> String {
    let ids: Vec<&str> = users.iter().map(|u| u.raw_id()).collect();
    format!(
        "users {}, token expires {}",
        ids.join(" "),
        Timestamp::from(token.expires_on())
    )
}

fn thread_line(p: &ChatThreadProperties) -> String {
    format!(
        "thread {} {:?} created on {} by {}",
        p.id,
        p.topic,
        p.created_on,
        p.created_by_communication_identifier.raw_id()
    )
}

fn receipt_line(r: &ChatMessageReadReceipt) -> String {
    format!(
        "  {} read {} on {}",
        r.sender.raw_id(),
        r.chat_message_id,
        r.read_on
    )
}

fn failed_line(f: &FailedParticipant) -> String {
    format!(
        "could not add {}: {} {}",
        f.participant.identifier.raw_id(),
        f.error.code,
        f.error.message
    )
}

fn participant_line(page: usize, p: &ChatParticipant) -> String {
    format!(
        "  participants page {page}: {} {:?} since {:?}",
        p.identifier.raw_id(),
        p.display_name,
        p.share_history_time.map(|t| t.to_string())
    )
}

fn message_line(m: &ChatMessage) -> String {
    let content = m.content.as_ref().and_then(|c| c.message.as_deref());
    format!(
        "    {} #{} {:?} {:?} v{} on {}",
        m.id, m.sequence_id, m.message_type, content, m.version, m.created_on
    )
}

/// The flow with the blocking client; `connection_string` names the endpoint to talk to.
pub fn blocking(connection_string: &str) -> Result<Vec<String>, Error> {
    use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};

    let mut out = Vec::new();
    let options = ClientOptions::default().allow_loopback_http(true);
    let identity =
        IdentityClient::from_connection_string_with_options(connection_string, options.clone())?;
    let created = identity.create_user_and_token([TokenScope::Chat]).call()?;
    let token = created
        .access_token
        .ok_or(Error::token_refresh("no token"))?;
    let me = CommunicationIdentifier::from(created.user);
    let bob = CommunicationIdentifier::from(identity.create_user().call()?.user);
    let carol = CommunicationIdentifier::from(identity.create_user().call()?.user);
    out.push(users_line(&[&me, &bob, &carol], &token));

    let endpoint = identity.endpoint().as_str().to_owned();
    let chat =
        ChatClient::with_options(&endpoint, CommunicationTokenCredential::new(token), options)?;
    let created = chat
        .create_chat_thread("Round trip")
        .participants(first_participants(&me, &bob))
        .call()?;
    let thread = chat.chat_thread_client(&created.thread.id);
    let properties = thread.get_properties().call()?;
    out.push(thread_line(&properties));
    for item in chat.list_chat_threads().start_time(yesterday()) {
        let item = item?;
        out.push(format!("  listed thread {} {:?}", item.id, item.topic));
    }

    let mut sent = Vec::new();
    for n in 1..=4 {
        let message = thread
            .send_message(format!("message {n}"))
            .sender_display_name("Me")
            .call()?;
        sent.push(message.id);
    }
    let html = thread
        .send_message("<b>bold</b>")
        .message_type(ChatMessageType::Html)
        .call()?;
    out.push(format!("sent {sent:?} and {}", html.id));
    for (n, page) in thread.list_messages().max_page_size(2).pages().enumerate() {
        let page = page?;
        out.push(format!("  messages page {n}:"));
        out.extend(page.items.iter().map(message_line));
    }

    thread.update_topic("Round trip, renamed").call()?;
    thread.update_message(&sent[0], "edited").call()?;
    out.push(message_line(&thread.get_message(&sent[0]).call()?));
    thread.send_read_receipt(&html.id).call()?;
    for receipt in thread.list_read_receipts() {
        let receipt = receipt?;
        out.push(receipt_line(&receipt));
    }
    thread
        .send_typing_notification()
        .sender_display_name("Me")
        .call()?;

    let added = thread.add_participants(added_participants(&carol)).call()?;
    out.extend(added.failed_participants.iter().map(failed_line));
    for (n, page) in thread
        .list_participants()
        .max_page_size(1)
        .pages()
        .enumerate()
    {
        for p in page?.items {
            out.push(participant_line(n, &p));
        }
    }
    thread.remove_participant(carol).call()?;
    thread.delete_message(&html.id).call()?;
    chat.delete_chat_thread(&created.thread.id).call()?;
    let gone = thread.get_properties().call().map(|p| p.id);
    out.push(format!("after delete: {}", outcome(gone)));
    Ok(out)
}

/// The same flow with the async client.
pub async fn non_blocking(connection_string: &str) -> Result<Vec<String>, Error> {
    use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};

    let mut out = Vec::new();
    let options = ClientOptions::default().allow_loopback_http(true);
    let identity =
        IdentityClient::from_connection_string_with_options(connection_string, options.clone())?;
    let created = identity.create_user_and_token([TokenScope::Chat]).await?;
    let token = created
        .access_token
        .ok_or(Error::token_refresh("no token"))?;
    let me = CommunicationIdentifier::from(created.user);
    let bob = CommunicationIdentifier::from(identity.create_user().await?.user);
    let carol = CommunicationIdentifier::from(identity.create_user().await?.user);
    out.push(users_line(&[&me, &bob, &carol], &token));

    let endpoint = identity.endpoint().as_str().to_owned();
    let chat =
        ChatClient::with_options(&endpoint, CommunicationTokenCredential::new(token), options)?;
    let created = chat
        .create_chat_thread("Round trip")
        .participants(first_participants(&me, &bob))
        .await?;
    let thread = chat.chat_thread_client(&created.thread.id);
    let properties = thread.get_properties().await?;
    out.push(thread_line(&properties));
    let mut threads = chat.list_chat_threads().start_time(yesterday()).items();
    while let Some(item) = threads.next().await {
        let item = item?;
        out.push(format!("  listed thread {} {:?}", item.id, item.topic));
    }

    let mut sent = Vec::new();
    for n in 1..=4 {
        let message = thread
            .send_message(format!("message {n}"))
            .sender_display_name("Me")
            .await?;
        sent.push(message.id);
    }
    let html = thread
        .send_message("<b>bold</b>")
        .message_type(ChatMessageType::Html)
        .await?;
    out.push(format!("sent {sent:?} and {}", html.id));
    let mut pages = thread.list_messages().max_page_size(2).pages();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page?;
        out.push(format!("  messages page {n}:"));
        out.extend(page.items.iter().map(message_line));
        n += 1;
    }

    thread.update_topic("Round trip, renamed").await?;
    thread.update_message(&sent[0], "edited").await?;
    out.push(message_line(&thread.get_message(&sent[0]).await?));
    thread.send_read_receipt(&html.id).await?;
    let mut receipts = thread.list_read_receipts().items();
    while let Some(receipt) = receipts.next().await {
        let receipt = receipt?;
        out.push(receipt_line(&receipt));
    }
    thread
        .send_typing_notification()
        .sender_display_name("Me")
        .await?;

    let added = thread.add_participants(added_participants(&carol)).await?;
    out.extend(added.failed_participants.iter().map(failed_line));
    let mut pages = thread.list_participants().max_page_size(1).pages();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        for p in page?.items {
            out.push(participant_line(n, &p));
        }
        n += 1;
    }
    thread.remove_participant(carol).await?;
    thread.delete_message(&html.id).await?;
    chat.delete_chat_thread(&created.thread.id).await?;
    let gone = thread.get_properties().await.map(|p| p.id);
    out.push(format!("after delete: {}", outcome(gone)));
    Ok(out)
}

/// A call's outcome as a line: the value, or the service error's status and code.
fn outcome(result: Result<String, Error>) -> String {
    match result {
        Ok(value) => format!("ok {value}"),
        Err(Error::Service(e)) => format!("{} {:?}", e.status, e.code()),
        Err(other) => format!("error {other}"),
    }
}
