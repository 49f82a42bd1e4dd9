//! The ACS Chat quickstart, step by step, with the async client.
//!
//! ```sh
//! cargo run -p chat-hyper --example quickstart_async             # against the in-process emulator
//! ACS_CONNECTION_STRING="endpoint=https://...;accesskey=..." \
//!     cargo run -p chat-hyper --example quickstart_async         # against a real resource
//! ACS_CONNECTION_STRING="endpoint=http://127.0.0.1:PORT/;accesskey=..." \
//!     cargo run -p chat-hyper --example quickstart_async         # against `acs-emulator`
//! ```
//!
//! Plain `http://` is accepted for a loopback endpoint only (a local emulator); any other
//! endpoint must be `https://`.
//!
//! Logs go to stderr as `RUST_LOG` says (the README's "Logs"): `RUST_LOG=debug cargo run -p chat-hyper --example quickstart_async`
//! shows every request (its operation, method, path without ids, status, duration and
//! retries), `RUST_LOG=info` each call's outcome and transport failures, and `RUST_LOG=trace`
//! the allowed headers too. Tokens, keys, signatures, contents, topics and names never show.

use std::process::ExitCode;

use chat_hyper::identity::TokenScope;
use chat_hyper::messages::ChatMessageType;
use chat_hyper::participants::ChatParticipant;
use chat_hyper::{
    ChatClient, ClientOptions, CommunicationIdentifier, CommunicationTokenCredential, Error,
    IdentityClient, Timestamp,
};
use chat_testkit::emulator::Emulator;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    // Logs as RUST_LOG says (nothing without it), a line per call when it ends.
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::from_default_env())
        .with_span_events(FmtSpan::CLOSE)
        .with_writer(std::io::stderr)
        .init();
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("quickstart failed: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Error> {
    // With no configuration, an emulator of the service runs in this process on 127.0.0.1.
    // Plain HTTP is allowed to a loopback host only (an emulator on this machine): a real
    // resource's `https://` endpoint is unaffected, and `http://` to any other host is refused.
    let options = ClientOptions::default().allow_loopback_http(true);
    let (_emulator, connection_string) = match std::env::var("ACS_CONNECTION_STRING") {
        Ok(cs) => (None, cs),
        Err(_) => {
            let emulator = Emulator::start();
            let cs = emulator.connection_string();
            println!(
                "using the in-process emulator at {} (async client)",
                emulator.endpoint()
            );
            (Some(emulator), cs)
        }
    };

    // Identity: a user with a chat token, and two more users to chat with.
    let identity =
        IdentityClient::from_connection_string_with_options(&connection_string, options.clone())?;
    let created = identity.create_user_and_token([TokenScope::Chat]).await?;
    let token = created
        .access_token
        .ok_or_else(|| Error::token_refresh("the service returned no token"))?;
    let me = CommunicationIdentifier::from(created.user.clone());
    println!(
        "created user {} (token expires {})",
        me.raw_id(),
        Timestamp::from(token.expires_on())
    );
    let bob = CommunicationIdentifier::from(identity.create_user().await?.user);
    let carol = CommunicationIdentifier::from(identity.create_user().await?.user);
    println!("created users {} and {}", bob.raw_id(), carol.raw_id());

    // The chat client, authenticated with the user's token.
    let endpoint = identity.endpoint().as_str().to_owned();
    let chat =
        ChatClient::with_options(&endpoint, CommunicationTokenCredential::new(token), options)?;

    // Create a thread with participants and an idempotency token.
    let idempotency_token = uuid::Uuid::new_v4().to_string();
    let result = chat
        .create_chat_thread("Quickstart")
        .participants(vec![
            ChatParticipant::new(me.clone()).display_name("Me"),
            ChatParticipant::new(bob.clone()).display_name("Bob"),
        ])
        .repeatability_request_id(idempotency_token.as_str())
        .await?;
    let thread_id = result.thread.id.clone();
    println!("created thread {thread_id} (idempotency token {idempotency_token})");
    let thread = chat.chat_thread_client(&thread_id);

    // Properties, and the user's threads.
    let properties = thread.get_properties().await?;
    println!(
        "thread topic: {}, created on {}",
        properties.topic, properties.created_on
    );
    // A listing is read with `next().await`: no `StreamExt` needed.
    let mut threads = chat.list_chat_threads().max_page_size(10);
    while let Some(item) = threads.next().await {
        let item = item?;
        println!("  listed thread {} {}", item.id, item.topic);
    }

    // Messages: one text, one HTML, with a sender display name.
    let text = thread
        .send_message("Hello, world!")
        .sender_display_name("Me")
        .await?;
    println!("sent text message {}", text.id);
    let html = thread
        .send_message("<p>Hello, <b>world</b>!</p>")
        .message_type(ChatMessageType::Html)
        .sender_display_name("Me")
        .await?;
    println!("sent html message {}", html.id);

    let message = thread.get_message(&text.id).await?;
    println!(
        "got message {}: {} from {}",
        message.id,
        message.text().unwrap_or("(no text)"),
        message
            .sender_display_name
            .as_deref()
            .unwrap_or("(no name)")
    );
    let mut pages = thread.list_messages().max_page_size(2).pages();
    let mut n = 0;
    while let Some(page) = pages.next().await {
        let page = page?;
        n += 1;
        println!("  messages page {n} ({} items):", page.items.len());
        for m in &page.items {
            println!(
                "    {} {} {} {}",
                m.id,
                m.message_type,
                m.sender_raw_id().unwrap_or("(system)"),
                m.text().unwrap_or("(no text)")
            );
        }
    }

    // Empty content is refused before anything is sent, with a typed error.
    if let Err(e) = thread.send_message("   ").await {
        println!("refused before sending: {e}");
    }

    // Updates.
    thread.update_topic("Quickstart, updated").await?;
    println!("updated the topic");
    thread
        .update_message(&text.id, "Hello, edited world!")
        .await?;
    println!("updated message {}", text.id);

    // Read receipts and typing.
    thread.send_read_receipt(&html.id).await?;
    println!("sent a read receipt for {}", html.id);
    let mut receipts = thread.list_read_receipts();
    while let Some(receipt) = receipts.next().await {
        let receipt = receipt?;
        println!(
            "  {} read {} at {}",
            receipt.sender.raw_id(),
            receipt.chat_message_id,
            receipt.read_on
        );
    }
    thread
        .send_typing_notification()
        .sender_display_name("Me")
        .await?;
    println!("sent a typing notification");

    // Participants: one of the two added cannot join (a phone number), and says why.
    let phone = CommunicationIdentifier::phone_number("+14255550123");
    let added = thread
        .add_participants(vec![
            ChatParticipant::new(carol.clone()).display_name("Carol"),
            ChatParticipant::new(phone).display_name("Phone"),
        ])
        .await?;
    for failed in &added.failed_participants {
        println!(
            "could not add {}: {} {}",
            failed.participant.identifier.raw_id(),
            failed.error.code,
            failed.error.message
        );
    }
    let mut participants = thread.list_participants();
    while let Some(participant) = participants.next().await {
        let participant = participant?;
        println!(
            "  participant {} {}",
            participant.identifier.raw_id(),
            participant.display_name.as_deref().unwrap_or("(no name)")
        );
    }
    thread.remove_participant(carol.clone()).await?;
    println!("removed {}", carol.raw_id());

    // Clean up.
    thread.delete_message(&html.id).await?;
    println!("deleted message {}", html.id);
    chat.delete_chat_thread(&thread_id).await?;
    println!("deleted thread {thread_id}");
    Ok(())
}
