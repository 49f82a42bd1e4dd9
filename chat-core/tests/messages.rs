//! The message operations: exact requests (snapshots), response parsing, refusals, and model
//! round trips.

mod chat_support;

use std::collections::BTreeMap;

use chat_core::messages::{
    ChatAttachment, ChatAttachmentType, ChatMessage, ChatMessageContent, ChatMessageType,
    DeleteMessage, GetMessage, ListMessages, SendMessage, UpdateMessage,
};
use chat_core::participants::ChatParticipant;
use chat_core::{ApiVersion, Error, Idempotency, Operation, Pager, Timestamp};
use chat_support::{check_error_statuses, ctx, render, response, Wire};
use proptest::prelude::*;

const THREAD: &str = "19:1LP8h-5WKv_uDw1@thread.v2";
const MESSAGE: &str = "1708127236061";

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

#[test]
fn send_message_request() {
    let req = SendMessage::new(THREAD, "<b>hello</b> \"world\" é")
        .message_type(ChatMessageType::Html)
        .sender_display_name("Ann")
        .metadata(meta(&[("tags", "x"), ("a", "")]))
        .wire(&ctx())
        .unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn send_message_defaults_to_text() {
    let req = SendMessage::new(THREAD, "hello").wire(&ctx()).unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn only_text_and_html_can_be_sent() {
    for t in [
        ChatMessageType::TopicUpdated,
        ChatMessageType::ParticipantAdded,
        ChatMessageType::ParticipantRemoved,
        ChatMessageType::from("custom"),
    ] {
        let err = SendMessage::new(THREAD, "x")
            .message_type(t.clone())
            .to_request(&ctx())
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::InvalidInput {
                    argument: "message type",
                    ..
                }
            ),
            "{t}: {err:?}"
        );
    }
}

#[test]
fn message_fields_exist_in_every_version() {
    for v in ApiVersion::ALL {
        let c = ctx().with_api_version(v);
        SendMessage::new(THREAD, "x")
            .sender_display_name("Ann")
            .metadata(meta(&[("k", "v")]))
            .to_request(&c)
            .unwrap();
        UpdateMessage::new(THREAD, MESSAGE)
            .metadata(meta(&[("k", "v")]))
            .to_request(&c)
            .unwrap();
    }
}

#[test]
fn get_message_request() {
    let req = GetMessage::new(THREAD, MESSAGE).wire(&ctx()).unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn list_messages_request() {
    let op = ListMessages::new(THREAD)
        .max_page_size(3)
        .start_time(ts("2023-10-19T10:46:25.5Z"));
    let req = Pager::new(op, ctx())
        .poll_page()
        .unwrap()
        .wire(&ctx())
        .unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn update_message_request() {
    let req = UpdateMessage::new(THREAD, MESSAGE)
        .content("edited")
        .metadata(meta(&[("tags", "")]))
        .wire(&ctx())
        .unwrap();
    insta::assert_snapshot!(render(&req));
    let req = UpdateMessage::new(THREAD, MESSAGE)
        .content("edited")
        .wire(&ctx())
        .unwrap();
    assert_eq!(req.body(), br#"{"content":"edited"}"#);
}

#[test]
fn delete_message_request() {
    let req = DeleteMessage::new(THREAD, "a/b c").wire(&ctx()).unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn empty_ids_are_refused() {
    let ctx = ctx();
    assert!(GetMessage::new(THREAD, "").to_request(&ctx).is_err());
    assert!(DeleteMessage::new("", MESSAGE).to_request(&ctx).is_err());
    assert!(UpdateMessage::new(THREAD, "").to_request(&ctx).is_err());
    assert!(SendMessage::new("", "x").to_request(&ctx).is_err());
}

#[test]
fn parses_sent_message_id() {
    let out = SendMessage::new(THREAD, "x")
        .parse_response(response(201, r#"{"id": "1708127236061"}"#))
        .unwrap();
    assert_eq!(out.id, "1708127236061");
}

const MESSAGE_JSON: &str = r#"{
    "id": "1708127236061",
    "type": "text",
    "sequenceId": "3",
    "version": "1708127247909",
    "content": {
        "message": "hello world",
        "attachments": [
            {"id": "a1", "attachmentType": "image", "name": "cat.png",
             "url": "https://x/cat", "previewUrl": "https://x/cat?s=1", "extension": "png"}
        ]
    },
    "senderDisplayName": "sender name",
    "createdOn": "2024-02-16T23:47:16Z",
    "editedOn": "2024-02-16T23:48:00.1234567Z",
    "senderCommunicationIdentifier": {
        "rawId": "8:acs:r_u1",
        "communicationUser": {"id": "sanitized"}
    },
    "metadata": {"tags": "sometag"}
}"#;

#[test]
fn parses_a_message() {
    let m = GetMessage::new(THREAD, MESSAGE)
        .parse_response(response(200, MESSAGE_JSON))
        .unwrap();
    assert_eq!(m.id, MESSAGE);
    assert_eq!(m.message_type, ChatMessageType::Text);
    assert_eq!(m.sequence_id, "3");
    assert_eq!(m.version, "1708127247909");
    assert_eq!(m.sender_display_name.as_deref(), Some("sender name"));
    assert_eq!(m.edited_on, Some(ts("2024-02-16T23:48:00.1234567Z")));
    assert_eq!(m.metadata, meta(&[("tags", "sometag")]));
    assert_eq!(
        m.sender_communication_identifier.as_ref().unwrap().raw_id(),
        "8:acs:r_u1"
    );
    let content = m.content.unwrap();
    assert_eq!(content.message.as_deref(), Some("hello world"));
    let a = &content.attachments[0];
    assert_eq!(a.attachment_type, ChatAttachmentType::Image);
    assert_eq!(a.extension.as_deref(), Some("png"));
    assert_eq!(a.preview_url.as_deref(), Some("https://x/cat?s=1"));
}

#[test]
fn parses_a_page_of_system_messages() {
    let page = r#"{"value": [
        {"id": "2", "type": "topicUpdated", "sequenceId": "2", "version": "2",
         "content": {"topic": "new topic",
                     "initiatorCommunicationIdentifier": {"rawId": "8:acs:r_u1", "communicationUser": {"id": "8:acs:r_u1"}}},
         "createdOn": "2023-10-19T10:46:26Z"},
        {"id": "1", "type": "participantAdded", "sequenceId": "1", "version": "1",
         "content": {"participants": [
             {"communicationIdentifier": {"rawId": "8:acs:r_u2", "communicationUser": {"id": "8:acs:r_u2"}},
              "shareHistoryTime": "1970-01-01T00:00:00Z"}]},
         "createdOn": "2023-10-19T10:46:25Z"},
        {"id": "0", "type": "participantRemoved", "sequenceId": "0", "version": "0",
         "createdOn": "2023-10-19T10:46:24Z", "deletedOn": "2023-10-19T10:47:00Z"}
    ]}"#;
    let mut pager = Pager::new(ListMessages::new(THREAD), ctx());
    let raw = pager
        .poll_page()
        .unwrap()
        .parse_response(response(200, page))
        .unwrap();
    let items = pager.handle_page(raw).unwrap();
    assert!(pager.is_done());
    assert_eq!(items[0].message_type, ChatMessageType::TopicUpdated);
    let c = items[0].content.as_ref().unwrap();
    assert_eq!(c.topic.as_deref(), Some("new topic"));
    assert_eq!(
        c.initiator_communication_identifier
            .as_ref()
            .unwrap()
            .raw_id(),
        "8:acs:r_u1"
    );
    let added = &items[1].content.as_ref().unwrap().participants[0];
    assert_eq!(added.identifier.raw_id(), "8:acs:r_u2");
    assert_eq!(added.share_history_time, Some(Timestamp::UNIX_EPOCH));
    assert_eq!(items[2].message_type, ChatMessageType::ParticipantRemoved);
    assert!(items[2].content.is_none());
}

#[test]
fn error_statuses_are_service_errors() {
    let list = Pager::new(ListMessages::new(THREAD), ctx())
        .poll_page()
        .unwrap();
    check_error_statuses(|r| SendMessage::new(THREAD, "x").parse_response(r));
    check_error_statuses(|r| GetMessage::new(THREAD, MESSAGE).parse_response(r));
    check_error_statuses(|r| list.parse_response(r));
    check_error_statuses(|r| UpdateMessage::new(THREAD, MESSAGE).parse_response(r));
    check_error_statuses(|r| DeleteMessage::new(THREAD, MESSAGE).parse_response(r));
}

#[test]
fn another_success_status_is_an_error() {
    let err = SendMessage::new(THREAD, "x")
        .parse_response(response(200, r#"{"id": "1"}"#))
        .unwrap_err();
    assert_eq!(err.status(), Some(200));
    assert!(GetMessage::new(THREAD, MESSAGE)
        .parse_response(response(201, MESSAGE_JSON))
        .is_err());
    assert!(UpdateMessage::new(THREAD, MESSAGE)
        .parse_response(response(200, ""))
        .is_err());
    assert!(DeleteMessage::new(THREAD, MESSAGE)
        .parse_response(response(200, ""))
        .is_err());
    UpdateMessage::new(THREAD, MESSAGE)
        .parse_response(response(204, ""))
        .unwrap();
    DeleteMessage::new(THREAD, MESSAGE)
        .parse_response(response(204, ""))
        .unwrap();
}

#[test]
fn a_bad_success_body_is_a_deserialize_error() {
    for body in ["", "{}", r#"{"id": 5}"#] {
        let err = SendMessage::new(THREAD, "x")
            .parse_response(response(201, body))
            .unwrap_err();
        assert!(
            matches!(err, Error::Deserialize { status: 201, .. }),
            "{body}"
        );
    }
    let err = GetMessage::new(THREAD, MESSAGE)
        .parse_response(response(200, r#"{"id": "1", "type": "text"}"#))
        .unwrap_err();
    assert!(matches!(err, Error::Deserialize { status: 200, .. }));
}

#[test]
fn only_send_message_is_not_idempotent() {
    assert_eq!(
        SendMessage::new(THREAD, "x").idempotency(),
        Idempotency::NotIdempotent
    );
    assert_eq!(
        GetMessage::new(THREAD, MESSAGE).idempotency(),
        Idempotency::Idempotent
    );
    assert_eq!(
        UpdateMessage::new(THREAD, MESSAGE).idempotency(),
        Idempotency::Idempotent
    );
    assert_eq!(
        DeleteMessage::new(THREAD, MESSAGE).idempotency(),
        Idempotency::Idempotent
    );
}

fn message_type() -> impl Strategy<Value = ChatMessageType> {
    prop_oneof![
        Just(ChatMessageType::Text),
        Just(ChatMessageType::Html),
        Just(ChatMessageType::TopicUpdated),
        Just(ChatMessageType::ParticipantAdded),
        Just(ChatMessageType::ParticipantRemoved),
        "[a-zA-Z]{1,12}".prop_map(ChatMessageType::from),
    ]
}

fn attachment() -> impl Strategy<Value = ChatAttachment> {
    let kind = prop_oneof![
        Just(ChatAttachmentType::Image),
        Just(ChatAttachmentType::File),
        "[a-zA-Z]{1,8}".prop_map(ChatAttachmentType::from),
    ];
    let opt = || proptest::option::of(chat_support::text());
    (".{1,12}", kind, opt(), opt(), opt(), opt()).prop_map(
        |(id, kind, extension, name, url, preview_url)| {
            let mut a = ChatAttachment::new(id, kind);
            a.extension = extension;
            a.name = name;
            a.url = url;
            a.preview_url = preview_url;
            a
        },
    )
}

fn participant() -> impl Strategy<Value = ChatParticipant> {
    (
        chat_support::identifier(),
        proptest::option::of(chat_support::text()),
        proptest::option::of(chat_support::timestamp()),
        chat_support::metadata(),
    )
        .prop_map(|(id, name, share, metadata)| {
            let mut p = ChatParticipant::new(id).metadata(metadata);
            p.display_name = name;
            p.share_history_time = share;
            p
        })
}

fn content() -> impl Strategy<Value = ChatMessageContent> {
    (
        proptest::option::of(chat_support::text()),
        proptest::option::of(chat_support::text()),
        proptest::collection::vec(participant(), 0..3),
        proptest::collection::vec(attachment(), 0..3),
        proptest::option::of(chat_support::identifier()),
    )
        .prop_map(|(message, topic, participants, attachments, initiator)| {
            let mut c = ChatMessageContent::default();
            c.message = message;
            c.topic = topic;
            c.participants = participants;
            c.attachments = attachments;
            c.initiator_communication_identifier = initiator;
            c
        })
}

fn message() -> impl Strategy<Value = ChatMessage> {
    (
        ("[0-9]{1,13}", message_type(), "[0-9]{1,4}", "[0-9]{1,13}"),
        proptest::option::of(content()),
        proptest::option::of(chat_support::text()),
        chat_support::timestamp(),
        proptest::option::of(chat_support::identifier()),
        proptest::option::of(chat_support::timestamp()),
        proptest::option::of(chat_support::timestamp()),
        chat_support::metadata(),
    )
        .prop_map(
            |((id, kind, seq, version), content, name, created, sender, deleted, edited, meta)| {
                let mut m = ChatMessage::new(id, kind, seq, version, created);
                m.content = content;
                m.sender_display_name = name;
                m.sender_communication_identifier = sender;
                m.deleted_on = deleted;
                m.edited_on = edited;
                m.metadata = meta;
                m
            },
        )
}

proptest! {
    #[test]
    fn messages_round_trip(m in message()) {
        chat_support::round_trip(&m);
    }

    #[test]
    fn contents_round_trip(c in content()) {
        chat_support::round_trip(&c);
    }

    #[test]
    fn attachments_round_trip(a in attachment()) {
        chat_support::round_trip(&a);
    }

    #[test]
    fn message_types_round_trip(t in message_type()) {
        chat_support::round_trip(&t);
    }
}
