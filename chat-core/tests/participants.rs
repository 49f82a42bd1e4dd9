//! Participants: rendered requests, parsed responses, partial failures, version gates.

use std::collections::BTreeMap;

use chat_core::http::Response;
use chat_core::identifier::{CommunicationIdentifier as Id, MicrosoftTeamsUserIdentifier};
use chat_core::participants::{
    pair_failed_participants, AddParticipants, ChatParticipant, FailedParticipant,
    ListParticipants, RemoveParticipant,
};
use chat_core::{
    ApiVersion, ChatContext, CommunicationError, Endpoint, Error, Operation, Pager, Timestamp,
};
use proptest::prelude::*;

mod chat_support;
use chat_support::{render, Wire, WireList};

const THREAD: &str = "19:1LP8h-5WKvPuwtMH3edl4AihPeEZu3VWYitvgn-9uDw1@thread.v2";

fn ctx(version: ApiVersion) -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap()).with_api_version(version)
}

fn response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn acs(user: &str) -> ChatParticipant {
    ChatParticipant::new(Id::from_raw_id(&format!(
        "8:acs:b6aada1f-0b1d-47ac-866f-91aae00a1d01_{user}"
    )))
}

fn three_kinds() -> Vec<ChatParticipant> {
    vec![
        acs("00000011-26d7-bf83-570c-113a0d00b7d8")
            .display_name("Ann")
            .share_history_time(Timestamp::parse("2024-02-16T23:47:42.915608Z").unwrap()),
        ChatParticipant::new(Id::phone_number("+14255550123")),
        ChatParticipant::new(
            MicrosoftTeamsUserIdentifier::new("45ab2481-1c1c-4005-be24-0ffb879b1130").into(),
        )
        .display_name("Teams user"),
    ]
}

#[test]
fn list_participants_request() {
    let first = ListParticipants::new(THREAD)
        .wire_first_page(&ctx(ApiVersion::V2025_03_15))
        .unwrap();
    let paged = ListParticipants::new(THREAD)
        .max_page_size(1)
        .skip(1)
        .wire_first_page(&ctx(ApiVersion::V2024_03_07))
        .unwrap();
    insta::assert_snapshot!(format!("{}\n{}", render(&first), render(&paged)));
}

#[test]
fn add_participants_request() {
    let mut metadata = BTreeMap::new();
    metadata.insert("role".to_owned(), "reviewer".to_owned());
    let mut participants = three_kinds();
    participants.push(
        ChatParticipant::new(Id::from_raw_id("28:orgid:app"))
            .metadata(metadata)
            .share_history_time(Timestamp::UNIX_EPOCH),
    );
    let op = AddParticipants::new(THREAD, participants);
    let req = op.wire(&ctx(ApiVersion::V2025_03_15)).unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn add_participants_sends_what_the_recorded_sdk_sent() {
    let op = AddParticipants::new(THREAD, vec![acs("00000011-26d7-bf83-570c-113a0d00b7d8")]);
    let req = op.to_request(&ctx(ApiVersion::V2021_09_07)).unwrap();
    let recorded = r#"{"participants":[{"communicationIdentifier":{"rawId":"8:acs:b6aada1f-0b1d-47ac-866f-91aae00a1d01_00000011-26d7-bf83-570c-113a0d00b7d8","communicationUser":{"id":"8:acs:b6aada1f-0b1d-47ac-866f-91aae00a1d01_00000011-26d7-bf83-570c-113a0d00b7d8"}}}]}"#;
    assert_eq!(std::str::from_utf8(req.body()).unwrap(), recorded);
    assert_eq!(
        req.uri(),
        "https://acs.example.com/chat/threads/19%3A1LP8h-5WKvPuwtMH3edl4AihPeEZu3VWYitvgn-9uDw1%40thread.v2/participants/:add?api-version=2021-09-07"
    );
}

#[test]
fn remove_participant_request() {
    let op = RemoveParticipant::new(THREAD, Id::from_raw_id("8:teamsvisitor:guest"));
    let req = op.wire(&ctx(ApiVersion::V2023_11_07)).unwrap();
    insta::assert_snapshot!(render(&req));
    assert_eq!(
        std::str::from_utf8(req.body()).unwrap(),
        r#"{"rawId":"8:teamsvisitor:guest","microsoftTeamsUser":{"userId":"guest","isAnonymous":true,"cloud":"public"}}"#
    );
}

#[test]
fn fields_newer_than_the_pinned_version_are_refused() {
    let with_metadata = acs("u").metadata(BTreeMap::from([("k".to_owned(), "v".to_owned())]));
    let err = AddParticipants::new(THREAD, vec![with_metadata.clone()])
        .to_request(&ctx(ApiVersion::V2024_03_07))
        .unwrap_err();
    assert!(matches!(
        err,
        Error::UnsupportedByApiVersion {
            field: "metadata",
            ..
        }
    ));
    assert!(AddParticipants::new(THREAD, vec![with_metadata])
        .to_request(&ctx(ApiVersion::V2025_03_15))
        .is_ok());
    let app = ChatParticipant::new(Id::from_raw_id("28:orgid:a"));
    assert!(AddParticipants::new(THREAD, vec![app])
        .to_request(&ctx(ApiVersion::V2023_11_07))
        .is_err());
    let ext = Id::from_raw_id("8:acs:r_t_u");
    assert!(RemoveParticipant::new(THREAD, ext)
        .to_request(&ctx(ApiVersion::V2024_03_07))
        .is_err());
    assert!(matches!(
        RemoveParticipant::new("", Id::from_raw_id("8:acs:x"))
            .to_request(&ctx(ApiVersion::V2025_03_15)),
        Err(Error::InvalidInput {
            argument: "thread id",
            ..
        })
    ));
}

#[test]
fn add_participants_success_has_no_failures() {
    let op = AddParticipants::new(THREAD, three_kinds());
    for body in [
        "{}",
        "",
        r#"{"invalidParticipants":null}"#,
        r#"{"invalidParticipants":[]}"#,
    ] {
        let r = op.parse_response(response(201, body)).unwrap();
        assert!(r.failed_participants.is_empty(), "{body}");
    }
}

#[test]
fn partial_failure_pairs_phone_and_teams_participants_by_raw_id() {
    let requested = three_kinds();
    let op = AddParticipants::new(THREAD, requested.clone());
    let body = r#"{"invalidParticipants":[
        {"code":"403","message":"Permissions check failed","target":"8:orgid:45ab2481-1c1c-4005-be24-0ffb879b1130"},
        {"code":"404","message":"Not found","target":"4:+14255550123"},
        {"code":"400","message":"Unknown","target":"8:acs:someone_else"},
        {"code":"400","message":"No target"}
    ]}"#;
    let r = op.parse_response(response(201, body)).unwrap();
    let failed = &r.failed_participants;
    assert_eq!(failed.len(), 4, "no error is dropped");
    assert_eq!(failed[0].participant, requested[2]);
    assert_eq!(failed[0].error.code, "403");
    assert_eq!(failed[1].participant, requested[1]);
    assert_eq!(failed[1].error.message, "Not found");
    assert_eq!(
        failed[2].participant,
        ChatParticipant::new(Id::communication_user("8:acs:someone_else"))
    );
    assert_eq!(failed[3].participant.identifier, Id::Unknown(String::new()));
    assert_eq!(failed[3].error.code, "400");
}

#[test]
fn pairing_keeps_the_requested_participant_whole() {
    let requested = vec![acs("a").display_name("A"), acs("b").display_name("B")];
    let target = requested[1].identifier.raw_id().to_owned();
    let failed = pair_failed_participants(
        &requested,
        vec![CommunicationError::new("403", "no").with_target(target.clone())],
    );
    assert_eq!(
        failed,
        vec![FailedParticipant::new(
            requested[1].clone(),
            CommunicationError::new("403", "no").with_target(target)
        )]
    );
}

#[test]
fn add_participants_error_statuses() {
    let op = AddParticipants::new(THREAD, three_kinds());
    let body = r#"{"error":{"code":"Forbidden","message":"Permissions check failed","target":"participants"}}"#;
    let err = op.parse_response(response(403, body)).unwrap_err();
    assert_eq!(err.status(), Some(403));
    assert_eq!(err.service_error().unwrap().code(), Some("Forbidden"));
    // 200 is not this operation's success status.
    assert!(op.parse_response(response(200, "{}")).is_err());
    assert!(matches!(
        op.parse_response(response(201, "{\"invalidParticipants\":5}")),
        Err(Error::Deserialize { status: 201, .. })
    ));
}

#[test]
fn remove_participant_statuses() {
    let op = RemoveParticipant::new(THREAD, Id::from_raw_id("8:acs:x"));
    assert_eq!(op.parse_response(response(204, "")), Ok(()));
    let err = op
        .parse_response(response(
            404,
            r#"{"error":{"code":"NotFound","message":"gone"}}"#,
        ))
        .unwrap_err();
    assert_eq!(err.service_error().unwrap().code(), Some("NotFound"));
    assert!(op.parse_response(response(200, "")).is_err());
}

#[test]
fn list_participants_pages_parse_recorded_and_newer_bodies() {
    let pager = Pager::new(ListParticipants::new(THREAD), ctx(ApiVersion::V2025_03_15));
    let page_op = pager.poll_page().unwrap();
    // As recorded (2021-09-07 and 2024-03-07).
    let recorded = r#"{"value":[
        {"communicationIdentifier":{"rawId":"8:acs:987bcf3f-e830-40de-8e15-a91e0ccccb49_0000000f-7c76-b26a-78fe-343a0d008d93","communicationUser":{"id":"8:acs:987bcf3f-e830-40de-8e15-a91e0ccccb49_0000000f-7c76-b26a-78fe-343a0d008d93"}},"shareHistoryTime":"1970-01-01T00:00:00Z"},
        {"communicationIdentifier":{"rawId":"8:acs:dd9753c0-6e62-4f74-ab0f-c94f9723b4eb_0000001e-5433-2350-28f4-343a0d00988c","communicationUser":{"id":"sanitized"}},"displayName":"name","shareHistoryTime":"2024-02-16T23:47:38Z"}
    ],"nextLink":"https://acs.example.com/chat/threads/19:x@thread.v2/participants?syncState=abc&api-version=2024-03-07&maxPageSize=1"}"#;
    let page = page_op.parse_response(response(200, recorded)).unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(
        page.items[0].share_history_time,
        Some(Timestamp::UNIX_EPOCH)
    );
    assert_eq!(page.items[1].display_name.as_deref(), Some("name"));
    assert!(page.next_link.is_some());
    // 2025-03-15: kind, metadata, phone and Teams participants.
    let newer = r#"{"value":[
        {"communicationIdentifier":{"kind":"phoneNumber","rawId":"4:+14255550123","phoneNumber":{"value":"+14255550123"}},"displayName":"","metadata":{"a":"b"}},
        {"communicationIdentifier":{"kind":"microsoftTeamsUser","rawId":"8:gcch:u","microsoftTeamsUser":{"userId":"u","isAnonymous":false,"cloud":"gcch"}},"metadata":null},
        {"communicationIdentifier":{"kind":"teamsExtensionUser","rawId":"8:acs:r_t_u","teamsExtensionUser":{"userId":"u","tenantId":"t","resourceId":"r","cloud":"public"}}},
        {"communicationIdentifier":{"kind":"hologram","rawId":"77:h:x"},"futureField":[1]}
    ]}"#;
    let page = page_op.parse_response(response(200, newer)).unwrap();
    let ids: Vec<&str> = page.items.iter().map(|p| p.identifier.kind()).collect();
    assert_eq!(
        ids,
        [
            "phoneNumber",
            "microsoftTeamsUser",
            "teamsExtensionUser",
            "unknown"
        ]
    );
    assert_eq!(
        page.items[0].metadata.get("a").map(String::as_str),
        Some("b")
    );
    assert!(page.items[1].metadata.is_empty());
    assert_eq!(page.next_link, None);
}

#[test]
fn list_participants_error_status() {
    let pager = Pager::new(ListParticipants::new(THREAD), ctx(ApiVersion::V2025_03_15));
    let err = pager
        .poll_page()
        .unwrap()
        .parse_response(response(
            401,
            r#"{"error":{"code":"Unauthorized","message":"x"}}"#,
        ))
        .unwrap_err();
    assert_eq!(err.status(), Some(401));
}

fn participant() -> impl Strategy<Value = ChatParticipant> {
    let id = "[0-9]{1,2}:[a-z-]{0,9}:[a-z0-9_]{0,12}|4:\\+?[0-9_]{0,8}|\\PC{0,12}";
    (
        id,
        proptest::option::of("\\PC{0,12}"),
        proptest::option::of(-62_135_596_800i64..253_402_300_799),
        proptest::collection::btree_map("\\PC{0,6}", "\\PC{0,6}", 0..3),
    )
        .prop_map(|(raw, name, secs, metadata)| {
            let mut p = ChatParticipant::new(Id::from_raw_id(&raw)).metadata(metadata);
            p.display_name = name;
            p.share_history_time = secs.and_then(Timestamp::from_unix_seconds);
            p
        })
}

proptest! {
    #[test]
    fn participants_serialize_then_parse_equal(p in participant()) {
        let json = serde_json::to_vec(&p).unwrap();
        let back: ChatParticipant = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(back, p);
    }

    #[test]
    fn every_failure_is_reported_once_in_order(
        requested in proptest::collection::vec(participant(), 0..5),
        picks in proptest::collection::vec((any::<bool>(), any::<prop::sample::Index>(), "\\PC{0,8}"), 0..6),
    ) {
        let errors: Vec<CommunicationError> = picks
            .iter()
            .map(|(hit, i, other)| {
                let target = if *hit && !requested.is_empty() {
                    requested[i.index(requested.len())].identifier.raw_id().to_owned()
                } else {
                    other.clone()
                };
                CommunicationError::new("403", "x").with_target(target)
            })
            .collect();
        let failed = pair_failed_participants(&requested, errors.clone());
        prop_assert_eq!(failed.len(), errors.len());
        for (f, e) in failed.iter().zip(&errors) {
            prop_assert_eq!(&f.error, e);
            prop_assert_eq!(f.participant.identifier.raw_id(), e.target.as_deref().unwrap());
            if let Some(r) = requested.iter().find(|r| r.identifier.raw_id() == f.participant.identifier.raw_id()) {
                prop_assert_eq!(&f.participant, r);
            }
        }
    }
}
