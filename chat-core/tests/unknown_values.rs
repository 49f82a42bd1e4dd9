//! Values the service may add later never fail a response: they parse into the unknown arm of
//! their enum, keeping the string the service sent, and serialize back to it.

use chat_core::http::Response;
use chat_core::identifier::CommunicationIdentifier;
use chat_core::messages::{ChatAttachmentType, ChatMessageType, GetMessage};
use chat_core::threads::{GetThreadProperties, RetentionPolicy};
use chat_core::Operation;

fn ok(body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(200)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

/// A message from a future service: a custom type, an attachment of a new kind, and a sender
/// whose raw id has a prefix nobody knows yet and an unknown `kind`.
const FUTURE_MESSAGE: &str = r#"{
    "id": "1700000000000",
    "type": "custom",
    "sequenceId": "7",
    "version": "1700000000000",
    "content": {
        "message": "{\"card\": 1}",
        "attachments": [{"id": "a1", "attachmentType": "video", "name": "clip.mp4", "durationMs": 42}]
    },
    "createdOn": "2026-01-01T00:00:00Z",
    "senderCommunicationIdentifier": {
        "rawId": "99:hologram:abc",
        "kind": "hologram",
        "hologram": {"id": "abc"}
    },
    "reactions": [{"emoji": "+1"}]
}"#;

#[test]
fn a_custom_message_type_is_kept() {
    let m = GetMessage::new("19:t@thread.v2", "1700000000000")
        .parse_response(ok(FUTURE_MESSAGE))
        .unwrap();
    assert_eq!(m.message_type, ChatMessageType::Unknown("custom".into()));
    assert_eq!(m.message_type.as_str(), "custom");
    let json = serde_json::to_value(&m).unwrap();
    assert_eq!(json["type"], "custom");
}

#[test]
fn an_unknown_attachment_type_is_kept() {
    let m = GetMessage::new("19:t@thread.v2", "1700000000000")
        .parse_response(ok(FUTURE_MESSAGE))
        .unwrap();
    let a = &m.content.as_ref().unwrap().attachments[0];
    assert_eq!(
        a.attachment_type,
        ChatAttachmentType::Unknown("video".into())
    );
    assert_eq!(a.name.as_deref(), Some("clip.mp4"));
    assert_eq!(serde_json::to_value(a).unwrap()["attachmentType"], "video");
}

#[test]
fn an_identifier_with_an_unknown_prefix_is_kept() {
    let m = GetMessage::new("19:t@thread.v2", "1700000000000")
        .parse_response(ok(FUTURE_MESSAGE))
        .unwrap();
    let sender = m.sender_communication_identifier.unwrap();
    assert_eq!(
        sender,
        CommunicationIdentifier::Unknown("99:hologram:abc".into())
    );
    assert_eq!(sender.raw_id(), "99:hologram:abc");
    // The same raw id typed by a caller is also unknown, and sent back as it came.
    let typed = CommunicationIdentifier::from_raw_id("99:hologram:abc");
    assert_eq!(typed, sender);
    assert_eq!(
        serde_json::to_value(&typed).unwrap()["rawId"],
        "99:hologram:abc"
    );
}

#[test]
fn an_unknown_retention_policy_kind_is_kept() {
    let body = r#"{
        "id": "19:t@thread.v2",
        "topic": "t",
        "createdOn": "2026-01-01T00:00:00Z",
        "createdByCommunicationIdentifier": {"rawId": "8:acs:r_u", "communicationUser": {"id": "8:acs:r_u"}},
        "retentionPolicy": {"kind": "foo", "deleteAfter": "P7D"}
    }"#;
    let t = GetThreadProperties::new("19:t@thread.v2")
        .parse_response(ok(body))
        .unwrap();
    let policy = t.retention_policy.unwrap();
    assert_eq!(policy, RetentionPolicy::Unknown { kind: "foo".into() });
    assert_eq!(policy.kind(), "foo");
    assert_eq!(serde_json::to_string(&policy).unwrap(), r#"{"kind":"foo"}"#);
}
