//! The thread operations: exact requests (snapshots), response parsing, version gating, and model
//! round trips.

mod chat_support;

use std::collections::BTreeMap;

use chat_core::identifier::CommunicationIdentifier;
use chat_core::participants::ChatParticipant;
use chat_core::threads::{
    ChatThreadItem, ChatThreadProperties, CreateThread, DeleteThread, GetThreadProperties,
    ListThreads, RetentionPolicy, UpdateThread,
};
use chat_core::{ApiVersion, Error, Idempotency, Operation, Pager, Timestamp};
use chat_support::{check_error_statuses, ctx, render, response, Wire};
use proptest::prelude::*;

const THREAD: &str = "19:1LP8h-5WKv_uDw1@thread.v2";
const ANN: &str = "8:acs:dd9753c0-6e62-4f74-ab0f-c94f9723b4eb_0000001e-5432-1c93-35f3-343a0d0095bd";
const BOB: &str = "8:acs:dd9753c0-6e62-4f74-ab0f-c94f9723b4eb_0000001e-5433-357e-f40f-343a0d009837";

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn participant(raw: &str) -> ChatParticipant {
    ChatParticipant::new(CommunicationIdentifier::from_raw_id(raw))
}

fn meta(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn full_create() -> CreateThread {
    CreateThread::new("lunch")
        .participants(vec![
            participant(ANN)
                .display_name("Ann")
                .share_history_time(ts("2024-02-16T23:46:29.270334Z")),
            participant(BOB).metadata(meta(&[("role", "guest")])),
        ])
        .metadata(meta(&[("b", "2"), ("a", "1")]))
        .retention_policy(RetentionPolicy::ThreadCreationDate {
            delete_thread_after_days: 30,
        })
        .repeatability_request_id("b66d6031-fdcc-41df-8306-e524c9f226b8")
}

#[test]
fn create_thread_request() {
    let req = full_create().wire(&ctx()).unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn create_thread_without_participants_sends_an_empty_list() {
    let req = CreateThread::new("empty").wire(&ctx()).unwrap();
    assert!(req.headers().get("repeatability-request-id").is_none());
    insta::assert_snapshot!(render(&req));
}

#[test]
fn list_threads_request() {
    let op = ListThreads::new()
        .max_page_size(5)
        .start_time(ts("2024-02-16T23:46:29+01:00"));
    let req = Pager::new(op, ctx())
        .poll_page()
        .unwrap()
        .wire(&ctx())
        .unwrap();
    insta::assert_snapshot!(render(&req));
    let plain = Pager::new(ListThreads::new(), ctx()).poll_page().unwrap();
    assert_eq!(
        plain.wire(&ctx()).unwrap().uri(),
        "https://contoso.communication.azure.com/chat/threads?api-version=2025-03-15"
    );
}

#[test]
fn get_thread_properties_request() {
    let req = GetThreadProperties::new(THREAD).wire(&ctx()).unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn update_thread_request() {
    let req = UpdateThread::new(THREAD)
        .topic("dinner")
        .metadata(meta(&[("gone", ""), ("kept", "yes")]))
        .retention_policy(RetentionPolicy::None)
        .wire(&ctx())
        .unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn update_thread_sends_only_what_is_set() {
    let req = UpdateThread::new(THREAD)
        .topic("dinner")
        .to_request(&ctx())
        .unwrap();
    assert_eq!(req.body(), br#"{"topic":"dinner"}"#);
    assert_eq!(
        req.headers()["content-type"],
        "application/merge-patch+json"
    );
    let req = UpdateThread::new(THREAD).to_request(&ctx()).unwrap();
    assert_eq!(req.body(), b"{}");
}

#[test]
fn delete_thread_request() {
    let req = DeleteThread::new(THREAD).wire(&ctx()).unwrap();
    insta::assert_snapshot!(render(&req));
}

#[test]
fn empty_thread_ids_are_refused() {
    let ctx = ctx();
    for result in [
        DeleteThread::new("").to_request(&ctx),
        GetThreadProperties::new("").to_request(&ctx),
        UpdateThread::new("").topic("t").to_request(&ctx),
    ] {
        assert!(matches!(
            result,
            Err(Error::InvalidInput {
                argument: "thread id",
                ..
            })
        ));
    }
}

#[test]
fn newer_fields_are_refused_on_older_versions() {
    let old = ctx().with_api_version(ApiVersion::V2024_03_07);
    let refused = |r: Result<_, Error>, field: &str, pinned: ApiVersion, needed: ApiVersion| match r
    {
        Err(Error::UnsupportedByApiVersion {
            field: f,
            version,
            since,
        }) => {
            assert_eq!(f, field);
            assert_eq!(version, pinned);
            assert_eq!(since, needed);
        }
        other => panic!("{field}: {other:?}"),
    };
    let (v2024, v2025) = (ApiVersion::V2024_03_07, ApiVersion::V2025_03_15);
    refused(
        CreateThread::new("t").metadata(meta(&[])).to_request(&old),
        "metadata",
        v2024,
        v2025,
    );
    refused(
        CreateThread::new("t")
            .retention_policy(RetentionPolicy::None)
            .to_request(&old),
        "retentionPolicy",
        v2024,
        v2025,
    );
    refused(
        CreateThread::new("t")
            .participants(vec![participant(ANN).metadata(meta(&[("k", "v")]))])
            .to_request(&old),
        "metadata",
        v2024,
        v2025,
    );
    refused(
        CreateThread::new("t")
            .participants(vec![participant("8:acs:res_tenant_user")])
            .to_request(&old),
        "teamsExtensionUser",
        v2024,
        v2025,
    );
    refused(
        UpdateThread::new(THREAD)
            .metadata(meta(&[("k", "v")]))
            .to_request(&old),
        "metadata",
        v2024,
        v2025,
    );
    refused(
        UpdateThread::new(THREAD)
            .retention_policy(RetentionPolicy::None)
            .to_request(&old),
        "retentionPolicy",
        v2024,
        v2025,
    );
    refused(
        CreateThread::new("t")
            .participants(vec![participant("28:orgid:app")])
            .to_request(&ctx().with_api_version(ApiVersion::V2023_11_07)),
        "microsoftTeamsApp",
        ApiVersion::V2023_11_07,
        v2024,
    );
    // Plain participants and a topic work on every version.
    for v in ApiVersion::ALL {
        let c = ctx().with_api_version(v);
        let req = CreateThread::new("t")
            .participants(vec![participant(ANN).display_name("Ann")])
            .to_request(&c)
            .unwrap();
        assert!(req.uri().query().unwrap().contains(v.as_str()));
        UpdateThread::new(THREAD).topic("x").to_request(&c).unwrap();
    }
}

const THREAD_JSON: &str = r#"{
    "id": "19:1LP8h-5WKv_uDw1@thread.v2",
    "topic": "lunch",
    "createdOn": "2024-02-16T23:46:29Z",
    "createdByCommunicationIdentifier": {
        "rawId": "8:acs:dd9753c0-6e62-4f74-ab0f-c94f9723b4eb_0000001e-5432-1c93-35f3-343a0d0095bd",
        "communicationUser": {"id": "8:acs:dd9753c0-6e62-4f74-ab0f-c94f9723b4eb_0000001e-5432-1c93-35f3-343a0d0095bd"}
    },
    "metadata": {"a": "1"},
    "retentionPolicy": {"kind": "threadCreationDate", "deleteThreadAfterDays": 30}
}"#;

#[test]
fn parses_created_thread() {
    let body = format!(r#"{{"chatThread": {THREAD_JSON}}}"#);
    let out = full_create().parse_response(response(201, &body)).unwrap();
    assert!(out.failed_participants.is_empty());
    let t = out.thread;
    assert_eq!(t.id, THREAD);
    assert_eq!(t.topic, "lunch");
    assert_eq!(t.created_on, ts("2024-02-16T23:46:29Z"));
    assert_eq!(t.created_by_communication_identifier.raw_id(), ANN);
    assert_eq!(t.metadata, meta(&[("a", "1")]));
    assert_eq!(
        t.retention_policy,
        Some(RetentionPolicy::ThreadCreationDate {
            delete_thread_after_days: 30
        })
    );
    assert!(t.deleted_on.is_none());
}

#[test]
fn pairs_invalid_participants_with_the_requested_ones() {
    let body = format!(
        r#"{{"chatThread": {THREAD_JSON}, "invalidParticipants": [
            {{"code": "403", "message": "Permissions check failed", "target": "{BOB}"}},
            {{"code": "404", "message": "Not found", "target": "8:acs:stranger_x"}}
        ]}}"#
    );
    let out = full_create().parse_response(response(201, &body)).unwrap();
    assert_eq!(out.thread.id, THREAD);
    let failed = &out.failed_participants;
    assert_eq!(failed.len(), 2);
    // The requested participant comes back whole, metadata included.
    assert_eq!(failed[0].participant.identifier.raw_id(), BOB);
    assert_eq!(failed[0].participant.metadata, meta(&[("role", "guest")]));
    assert_eq!(failed[0].error.code, "403");
    // A target nobody asked for is still reported.
    assert_eq!(
        failed[1].participant.identifier.raw_id(),
        "8:acs:stranger_x"
    );
    assert_eq!(failed[1].error.message, "Not found");
}

#[test]
fn parses_thread_properties_and_a_listing_page() {
    let t = GetThreadProperties::new(THREAD)
        .parse_response(response(200, THREAD_JSON))
        .unwrap();
    assert_eq!(t.topic, "lunch");

    let page = r#"{"value": [
        {"id": "19:a@thread.v2", "topic": "one", "lastMessageReceivedOn": "2024-02-16T23:46:43Z"},
        {"id": "19:b@thread.v2", "topic": "two", "deletedOn": "2024-02-17T00:00:00Z"}
    ], "nextLink": "https://contoso.communication.azure.com/chat/threads?syncState=abc&api-version=2024-03-07"}"#;
    let mut pager = Pager::new(ListThreads::new(), ctx());
    let raw = pager
        .poll_page()
        .unwrap()
        .parse_response(response(200, page))
        .unwrap();
    let items = pager.handle_page(raw).unwrap();
    assert_eq!(items.len(), 2);
    assert_eq!(
        items[0].last_message_received_on,
        Some(ts("2024-02-16T23:46:43Z"))
    );
    assert_eq!(items[1].deleted_on, Some(ts("2024-02-17T00:00:00Z")));
    assert_eq!(
        pager.continuation_token(),
        Some("https://contoso.communication.azure.com/chat/threads?syncState=abc&api-version=2025-03-15")
    );
}

/// Found while writing the fuzz targets (the hostile timestamps of `response_models` and the
/// `text_parsers` seeds trigger it at once): a `createdOn` whose offset moves it past the year
/// 9999 in UTC panicked the parser; it is a deserialize error.
#[test]
fn a_timestamp_beyond_9999_in_utc_is_a_deserialize_error() {
    let body = THREAD_JSON.replace(
        r#""createdOn": "2024-02-16T23:46:29Z""#,
        r#""createdOn": "9999-12-31T23:59:59-23:59""#,
    );
    assert_ne!(body, THREAD_JSON);
    let err = GetThreadProperties::new(THREAD)
        .parse_response(response(200, &body))
        .unwrap_err();
    assert!(
        matches!(err, Error::Deserialize { status: 200, .. }),
        "{err:?}"
    );
}

#[test]
fn error_statuses_are_service_errors() {
    let list = Pager::new(ListThreads::new(), ctx()).poll_page().unwrap();
    check_error_statuses(|r| full_create().parse_response(r));
    check_error_statuses(|r| list.parse_response(r));
    check_error_statuses(|r| GetThreadProperties::new(THREAD).parse_response(r));
    check_error_statuses(|r| UpdateThread::new(THREAD).parse_response(r));
    check_error_statuses(|r| DeleteThread::new(THREAD).parse_response(r));
}

#[test]
fn another_success_status_is_an_error() {
    let body = format!(r#"{{"chatThread": {THREAD_JSON}}}"#);
    let err = full_create()
        .parse_response(response(200, &body))
        .unwrap_err();
    assert_eq!(err.status(), Some(200));
    assert!(GetThreadProperties::new(THREAD)
        .parse_response(response(201, THREAD_JSON))
        .is_err());
    assert!(UpdateThread::new(THREAD)
        .parse_response(response(200, ""))
        .is_err());
    assert!(DeleteThread::new(THREAD)
        .parse_response(response(200, "{}"))
        .is_err());
    // The service's empty and `{}` 204 bodies are both fine.
    DeleteThread::new(THREAD)
        .parse_response(response(204, ""))
        .unwrap();
    UpdateThread::new(THREAD)
        .parse_response(response(204, "{}"))
        .unwrap();
}

#[test]
fn a_bad_success_body_is_a_deserialize_error() {
    for body in [
        "",
        "{",
        r#"{"chatThread": {"id": "x"}}"#,
        r#"{"invalidParticipants": []}"#,
    ] {
        let err = full_create()
            .parse_response(response(201, body))
            .unwrap_err();
        assert!(
            matches!(err, Error::Deserialize { status: 201, .. }),
            "{body}: {err:?}"
        );
    }
}

#[test]
fn idempotency() {
    assert_eq!(full_create().idempotency(), Idempotency::Idempotent);
    // Without a repeatability id a repeat would create a second thread.
    assert_eq!(
        CreateThread::new("t").idempotency(),
        Idempotency::NotIdempotent
    );
    assert_eq!(
        GetThreadProperties::new(THREAD).idempotency(),
        Idempotency::Idempotent
    );
    assert_eq!(
        UpdateThread::new(THREAD).idempotency(),
        Idempotency::Idempotent
    );
    assert_eq!(
        DeleteThread::new(THREAD).idempotency(),
        Idempotency::Idempotent
    );
    let list = Pager::new(ListThreads::new(), ctx()).poll_page().unwrap();
    assert_eq!(list.idempotency(), Idempotency::Idempotent);
}

fn retention_policy() -> impl Strategy<Value = RetentionPolicy> {
    prop_oneof![
        any::<i32>().prop_map(|d| RetentionPolicy::ThreadCreationDate {
            delete_thread_after_days: d
        }),
        Just(RetentionPolicy::None),
        "[a-zA-Z]{1,12}"
            .prop_filter("a known kind", |k| k != "none" && k != "threadCreationDate")
            .prop_map(|kind| RetentionPolicy::Unknown { kind }),
    ]
}

fn thread_properties() -> impl Strategy<Value = ChatThreadProperties> {
    (
        ".{1,20}",
        chat_support::text(),
        chat_support::timestamp(),
        chat_support::identifier(),
        proptest::option::of(chat_support::timestamp()),
        chat_support::metadata(),
        proptest::option::of(retention_policy()),
    )
        .prop_map(|(id, topic, created, by, deleted, metadata, policy)| {
            let mut t = ChatThreadProperties::new(id, topic, created, by);
            t.deleted_on = deleted;
            t.metadata = metadata;
            t.retention_policy = policy;
            t
        })
}

fn thread_item() -> impl Strategy<Value = ChatThreadItem> {
    (
        ".{1,20}",
        chat_support::text(),
        proptest::option::of(chat_support::timestamp()),
        proptest::option::of(chat_support::timestamp()),
    )
        .prop_map(|(id, topic, deleted, last)| {
            let mut t = ChatThreadItem::new(id, topic);
            t.deleted_on = deleted;
            t.last_message_received_on = last;
            t
        })
}

proptest! {
    #[test]
    fn thread_properties_round_trip(t in thread_properties()) {
        chat_support::round_trip(&t);
    }

    #[test]
    fn thread_items_round_trip(t in thread_item()) {
        chat_support::round_trip(&t);
    }

    #[test]
    fn retention_policies_round_trip(p in retention_policy()) {
        chat_support::round_trip(&p);
    }
}
