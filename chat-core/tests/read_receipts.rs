//! Read receipts: rendered requests, parsed responses, proptest round trip.

use chat_core::http::Response;
use chat_core::identifier::CommunicationIdentifier as Id;
use chat_core::read_receipts::{ChatMessageReadReceipt, ListReadReceipts, SendReadReceipt};
use chat_core::{
    ApiVersion, ChatContext, Endpoint, Error, Idempotency, Operation, Pager, Timestamp,
};
use proptest::prelude::*;

mod chat_support;
use chat_support::{render, Wire, WireList};

const THREAD: &str = "19:xpMEpgs_hSMB1QtAjq509RZGi76SaME0glQ98ZX34MA1@thread.v2";

fn ctx(version: ApiVersion) -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap()).with_api_version(version)
}

fn response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn send_read_receipt_request() {
    let op = SendReadReceipt::new(THREAD, "1697712387445");
    let req = op.wire(&ctx(ApiVersion::V2024_03_07)).unwrap();
    insta::assert_snapshot!(render(&req));
    assert_eq!(req.body(), br#"{"chatMessageId":"1697712387445"}"#);
    assert_eq!(op.idempotency(), Idempotency::Idempotent);
    assert!(matches!(
        SendReadReceipt::new(THREAD, "").wire(&ctx(ApiVersion::V2024_03_07)),
        Err(Error::InvalidInput {
            argument: "message id",
            ..
        })
    ));
}

#[test]
fn list_read_receipts_request() {
    let first = ListReadReceipts::new(THREAD)
        .wire_first_page(&ctx(ApiVersion::V2025_03_15))
        .unwrap();
    let paged = ListReadReceipts::new(THREAD)
        .max_page_size(2)
        .skip(0)
        .wire_first_page(&ctx(ApiVersion::V2025_03_15))
        .unwrap();
    let skip_only = ListReadReceipts::new(THREAD)
        .skip(3)
        .wire_first_page(&ctx(ApiVersion::V2021_09_07))
        .unwrap();
    insta::assert_snapshot!(format!(
        "{}\n{}\n{}",
        render(&first),
        render(&paged),
        render(&skip_only)
    ));
}

#[test]
fn send_read_receipt_statuses() {
    let op = SendReadReceipt::new(THREAD, "1");
    assert_eq!(op.parse_response(response(200, "")), Ok(()));
    let err = op
        .parse_response(response(
            403,
            r#"{"error":{"code":"Forbidden","message":"not a participant"}}"#,
        ))
        .unwrap_err();
    assert_eq!(err.service_error().unwrap().code(), Some("Forbidden"));
    assert!(op.parse_response(response(204, "")).is_err());
}

#[test]
fn list_read_receipts_parses_recorded_bodies() {
    let pager = Pager::new(ListReadReceipts::new(THREAD), ctx(ApiVersion::V2025_03_15));
    let page_op = pager.poll_page().unwrap();
    let recorded = r#"{"value":[
        {"senderCommunicationIdentifier":{"rawId":"8:acs:a5ba7870-ef05-4e2b-9901-7751faa29e20_0000001b-e76c-cf3c-1985-0948220072ec","communicationUser":{"id":"8:acs:a5ba7870-ef05-4e2b-9901-7751faa29e20_0000001b-e76c-cf3c-1985-0948220072ec"}},"chatMessageId":"1697712387445","readOn":"2023-10-19T10:46:28Z"},
        {"senderCommunicationIdentifier":{"rawId":"8:acs:dd9753c0-6e62-4f74-ab0f-c94f9723b4eb_0000001e-5433-9ada-35f3-343a0d0096af","communicationUser":{"id":"sanitized"}},"chatMessageId":"sanitized","readOn":"2024-02-16T23:48:12Z"},
        {"senderCommunicationIdentifier":{"kind":"microsoftTeamsUser","rawId":"8:orgid:u","microsoftTeamsUser":{"userId":"u","isAnonymous":false,"cloud":"public"}},"chatMessageId":"3","readOn":"2025-05-01T10:00:00.1234567+00:00"}
    ]}"#;
    let page = page_op.parse_response(response(200, recorded)).unwrap();
    assert_eq!(page.next_link, None);
    assert_eq!(
        page.items[0],
        ChatMessageReadReceipt::new(
            Id::from_raw_id(
                "8:acs:a5ba7870-ef05-4e2b-9901-7751faa29e20_0000001b-e76c-cf3c-1985-0948220072ec"
            ),
            "1697712387445",
            Timestamp::parse("2023-10-19T10:46:28Z").unwrap(),
        )
    );
    assert_eq!(page.items[1].chat_message_id, "sanitized");
    assert_eq!(page.items[2].sender, Id::from_raw_id("8:orgid:u"));
    assert_eq!(
        page.items[2].read_on.to_rfc3339(),
        "2025-05-01T10:00:00.1234567Z"
    );
}

#[test]
fn list_read_receipts_error_and_bad_bodies() {
    let pager = Pager::new(ListReadReceipts::new(THREAD), ctx(ApiVersion::V2025_03_15));
    let page_op = pager.poll_page().unwrap();
    let err = page_op
        .parse_response(response(
            429,
            r#"{"error":{"code":"TooManyRequests","message":"x"}}"#,
        ))
        .unwrap_err();
    assert_eq!(err.status(), Some(429));
    // A receipt without its required readOn is not a receipt.
    let bad = r#"{"value":[{"senderCommunicationIdentifier":{"rawId":"x"},"chatMessageId":"1"}]}"#;
    assert!(matches!(
        page_op.parse_response(response(200, bad)),
        Err(Error::Deserialize { status: 200, .. })
    ));
}

fn receipt() -> impl Strategy<Value = ChatMessageReadReceipt> {
    (
        "[0-9]{1,2}:[a-z-]{0,9}:[a-z0-9_]{0,12}|4:\\+?[0-9_]{0,8}|\\PC{0,12}",
        "\\PC{0,16}",
        -62_135_596_800i64..253_402_300_799,
        0u32..10_000_000,
    )
        .prop_map(|(raw, message, secs, ticks)| {
            let t = Timestamp::from_unix_seconds(secs).unwrap();
            let read_on = Timestamp::from(
                t.as_offset_date_time() + std::time::Duration::from_nanos(u64::from(ticks) * 100),
            );
            ChatMessageReadReceipt::new(Id::from_raw_id(&raw), message, read_on)
        })
}

proptest! {
    #[test]
    fn read_receipts_serialize_then_parse_equal(r in receipt()) {
        let json = serde_json::to_vec(&r).unwrap();
        let back: ChatMessageReadReceipt = serde_json::from_slice(&json).unwrap();
        prop_assert_eq!(back, r);
    }
}
