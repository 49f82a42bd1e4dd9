//! The same quickstart flow through chat-ureq and chat-hyper puts the same bytes on the wire:
//! raw requests captured on the server socket, compared request by request (request line, every
//! header in order, body). Only per-call random values are normalized: the client request id,
//! and the identity requests' `x-ms-date` and HMAC signature (the clock may tick between runs).

#[path = "../../chat-ureq/tests/support/mod.rs"]
mod support;

use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::TokenScope;
use chat_core::messages::ChatMessageType;
use chat_core::participants::ChatParticipant;
use futures_util::TryStreamExt;
use support::{Action, Captured, Server};

const THREAD: &str = "19%3At%40thread.v2";
const USER: &str = r#"{"rawId":"8:acs:r_u1","communicationUser":{"id":"8:acs:r_u1"}}"#;
const TS: &str = "2024-01-01T00:00:00Z";

/// Canned answers for every request of the flow.
fn answer(r: &Captured) -> Action {
    let path = r.target.split('?').next().unwrap_or("");
    let thread = format!(
        r#"{{"id":"19:t@thread.v2","topic":"Quickstart","createdOn":"{TS}","createdByCommunicationIdentifier":{USER}}}"#
    );
    let message = format!(
        r#"{{"id":"m1","type":"text","sequenceId":"3","version":"m1","content":{{"message":"hi"}},"senderDisplayName":"Me","createdOn":"{TS}"}}"#
    );
    let token = r#"{"token":"user-token","expiresOn":"2099-01-01T00:00:00Z"}"#.to_owned();
    let t = format!("/chat/threads/{THREAD}");
    match (r.method.as_str(), path) {
        ("POST", "/identities") => Action::json(
            201,
            format!(r#"{{"identity":{{"id":"8:acs:r_u1"}},"accessToken":{token}}}"#),
        ),
        ("POST", p) if p.ends_with("/:issueAccessToken") => Action::json(200, token),
        ("POST", p) if p.ends_with("/:revokeAccessTokens") => Action::empty(204),
        ("POST", "/chat/threads") => Action::json(201, format!(r#"{{"chatThread":{thread}}}"#)),
        ("GET", "/chat/threads") => Action::json(
            200,
            r#"{"value":[{"id":"19:t@thread.v2","topic":"Quickstart"}]}"#,
        ),
        ("GET", p) if p == t => Action::json(200, thread),
        ("POST", p) if p == format!("{t}/messages") => Action::json(201, r#"{"id":"m1"}"#),
        ("GET", p) if p == format!("{t}/messages/m1") => Action::json(200, message),
        ("GET", p) if p == format!("{t}/messages") => {
            let next = if r.target.contains("skip=1") {
                String::new()
            } else {
                format!(r#","nextLink":"{t}/messages?maxPageSize=1&skip=1&api-version=2025-03-15""#)
            };
            Action::json(200, format!(r#"{{"value":[{message}]{next}}}"#))
        }
        ("POST", p) if p == format!("{t}/readReceipts") => Action::empty(200),
        ("GET", p) if p == format!("{t}/readReceipts") => Action::json(
            200,
            format!(
                r#"{{"value":[{{"senderCommunicationIdentifier":{USER},"chatMessageId":"m1","readOn":"{TS}"}}]}}"#
            ),
        ),
        ("POST", p) if p == format!("{t}/typing") => Action::empty(200),
        ("POST", p) if p == format!("{t}/participants/:add") => Action::json(
            201,
            r#"{"invalidParticipants":[{"code":"403","message":"no","target":"4:+14255550123"}]}"#,
        ),
        ("GET", p) if p == format!("{t}/participants") => Action::json(
            200,
            format!(r#"{{"value":[{{"communicationIdentifier":{USER},"displayName":"Me"}}]}}"#),
        ),
        ("POST", p) if p == format!("{t}/participants/:remove") => Action::empty(204),
        ("PATCH" | "DELETE", _) => Action::empty(204),
        _ => {
            eprintln!("no route for {} {}", r.method, r.target);
            Action::json(404, r#"{"error":{"code":"NotFound","message":"no route"}}"#)
        }
    }
}

fn participants() -> Vec<ChatParticipant> {
    vec![
        ChatParticipant::new(CommunicationIdentifier::from_raw_id("8:acs:r_u2"))
            .display_name("Bob"),
        ChatParticipant::new(CommunicationIdentifier::phone_number("+14255550123")),
    ]
}

fn ureq_flow(server: &Server) -> Result<(), chat_core::Error> {
    use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .application_id("same-bytes");
    let cs = format!("endpoint={}/;accesskey=c2VjcmV0", server.http_url());
    let identity = IdentityClient::from_connection_string_with_options(&cs, options.clone())?;
    let user = identity.create_user_and_token([TokenScope::Chat]).call()?;
    identity
        .get_token(user.user.id(), [TokenScope::Chat, TokenScope::Voip])
        .expires_in_minutes(60)
        .call()?;
    let credential = CommunicationTokenCredential::new(user.access_token.unwrap());
    let chat = ChatClient::with_options(&server.http_url(), credential, options)?;
    let created = chat
        .create_chat_thread("Quickstart")
        .participants(participants())
        .repeatability_request_id("fixed-id")
        .call()?;
    let thread = chat.chat_thread_client(&created.thread.id);
    thread.get_properties().call()?;
    chat.list_chat_threads()
        .max_page_size(5)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    thread.send_message("hi").sender_display_name("Me").call()?;
    thread
        .send_message("<b>hi</b>")
        .message_type(ChatMessageType::Html)
        .call()?;
    thread.get_message("m1").call()?;
    thread
        .list_messages()
        .max_page_size(1)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    thread.update_topic("New topic").call()?;
    thread.update_message("m1", "edited").call()?;
    thread.send_read_receipt("m1").call()?;
    thread
        .list_read_receipts()
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    thread
        .send_typing_notification()
        .sender_display_name("Me")
        .call()?;
    let added = thread.add_participants(participants()).call()?;
    assert_eq!(added.failed_participants.len(), 1);
    thread
        .list_participants()
        .max_page_size(10)
        .skip(0)
        .into_iter()
        .collect::<Result<Vec<_>, _>>()?;
    thread
        .remove_participant(CommunicationIdentifier::from_raw_id("8:acs:r_u2"))
        .call()?;
    thread.delete_message("m1").call()?;
    chat.delete_chat_thread(&created.thread.id).call()?;
    identity.revoke_tokens(user.user.id()).call()?;
    identity.delete_user(user.user.id()).call()?;
    Ok(())
}

async fn hyper_flow(server: &Server) -> Result<(), chat_core::Error> {
    use chat_hyper::{ChatClient, ClientOptions, CommunicationTokenCredential, IdentityClient};
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .application_id("same-bytes");
    let cs = format!("endpoint={}/;accesskey=c2VjcmV0", server.http_url());
    let identity = IdentityClient::from_connection_string_with_options(&cs, options.clone())?;
    let user = identity.create_user_and_token([TokenScope::Chat]).await?;
    identity
        .get_token(user.user.id(), [TokenScope::Chat, TokenScope::Voip])
        .expires_in_minutes(60)
        .await?;
    let credential = CommunicationTokenCredential::new(user.access_token.unwrap());
    let chat = ChatClient::with_options(&server.http_url(), credential, options)?;
    let created = chat
        .create_chat_thread("Quickstart")
        .participants(participants())
        .repeatability_request_id("fixed-id")
        .await?;
    let thread = chat.chat_thread_client(&created.thread.id);
    thread.get_properties().await?;
    chat.list_chat_threads()
        .max_page_size(5)
        .items()
        .try_collect::<Vec<_>>()
        .await?;
    thread.send_message("hi").sender_display_name("Me").await?;
    thread
        .send_message("<b>hi</b>")
        .message_type(ChatMessageType::Html)
        .await?;
    thread.get_message("m1").await?;
    thread
        .list_messages()
        .max_page_size(1)
        .items()
        .try_collect::<Vec<_>>()
        .await?;
    thread.update_topic("New topic").await?;
    thread.update_message("m1", "edited").await?;
    thread.send_read_receipt("m1").await?;
    thread
        .list_read_receipts()
        .items()
        .try_collect::<Vec<_>>()
        .await?;
    thread
        .send_typing_notification()
        .sender_display_name("Me")
        .await?;
    let added = thread.add_participants(participants()).await?;
    assert_eq!(added.failed_participants.len(), 1);
    thread
        .list_participants()
        .max_page_size(10)
        .skip(0)
        .items()
        .try_collect::<Vec<_>>()
        .await?;
    thread
        .remove_participant(CommunicationIdentifier::from_raw_id("8:acs:r_u2"))
        .await?;
    thread.delete_message("m1").await?;
    chat.delete_chat_thread(&created.thread.id).await?;
    identity.revoke_tokens(user.user.id()).await?;
    identity.delete_user(user.user.id()).await?;
    Ok(())
}

/// The raw request with the per-call random header values replaced.
fn normalized(r: &Captured) -> String {
    let text = String::from_utf8_lossy(&r.raw).into_owned();
    text.split("\r\n")
        .map(|line| {
            let lower = line.to_ascii_lowercase();
            let hmac = lower.starts_with("authorization: hmac-sha256 ");
            if lower.starts_with("x-ms-client-request-id:")
                || lower.starts_with("x-ms-date:")
                || hmac
            {
                let name = line.split(':').next().unwrap_or("");
                format!("{name}: <normalized>")
            } else {
                line.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join("\r\n")
}

#[test]
fn both_clients_send_byte_identical_requests() {
    let server = Server::http(|r, _| answer(r));
    ureq_flow(&server).unwrap();
    let blocking = server.requests();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(hyper_flow(&server)).unwrap();
    let asynchronous = server.requests().split_off(blocking.len());

    assert_eq!(
        blocking.len(),
        22,
        "every step of the flow reached the server"
    );
    assert_eq!(blocking.len(), asynchronous.len());
    for (a, b) in blocking.iter().zip(&asynchronous) {
        assert_eq!(normalized(a), normalized(b), "{} {}", a.method, a.target);
    }
    // The normalized values are present and well formed.
    for r in blocking.iter().chain(&asynchronous) {
        let id = r.header("x-ms-client-request-id").unwrap();
        assert_eq!(uuid::Uuid::parse_str(id).unwrap().get_version_num(), 4);
        let ua = r.header("user-agent").unwrap();
        assert!(
            ua.starts_with("same-bytes azsdk-rust-communication-chat/0.1.0 ("),
            "{ua}"
        );
    }
    // Every request of a kept-alive client went over one connection.
    let connections = |rs: &[Captured]| {
        rs.iter()
            .map(|r| r.connection)
            .collect::<std::collections::BTreeSet<_>>()
            .len()
    };
    assert!(
        connections(&blocking) <= 2,
        "identity and chat clients each keep one connection"
    );
    assert!(connections(&asynchronous) <= 2);
}
