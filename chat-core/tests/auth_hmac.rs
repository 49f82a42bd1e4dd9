//! HMAC-SHA256 signing: the two test vectors (checked against the official Python SDK's
//! signing code), the same vectors reached through the identity operations, and a property test
//! that signing never panics.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chat_core::auth::hmac::sign;
use chat_core::http::{Method, Request};
use chat_core::identity::{CreateUser, DeleteUser, IdentityContext, TokenScope};
use chat_core::{http_date, AccessKey, Auth, Call, CallConfig, CallPoll, Endpoint, Operation};
use proptest::prelude::*;

const KEY: &str = "cnVzdC1hY3MtY2hhdC10ZXN0LWFjY2Vzcy1rZXktMDEyMzQ1Njc4OQ==";
const DATE: &str = "Sun, 22 Nov 2026 20:00:00 GMT";
const POST_BODY: &str = r#"{"createTokenWithScopes":["chat"],"expiresInMinutes":60}"#;
const POST_HASH: &str = "kET9vD/6sAVRB6ISkrpOL44L0M1olvugZ/QYxlSQK9k=";
const POST_AUTH: &str = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=f+0HkHhmoo1AV4GbL04vDn1VQz2g7ltLZlOVjuHmrDE=";
const EMPTY_HASH: &str = "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=";
const DELETE_AUTH: &str = "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=vu+IDfbriO9VSnAiTb4+ku/C7/zF8jfY2f1A6qSnIDI=";

fn key() -> AccessKey {
    AccessKey::from_base64(KEY).unwrap()
}

fn now() -> SystemTime {
    http_date::parse(DATE).unwrap()
}

fn header<'a>(request: &'a Request<Vec<u8>>, name: &str) -> &'a str {
    request.headers()[name].to_str().unwrap()
}

fn request(method: Method, uri: &str, body: &str) -> Request<Vec<u8>> {
    Request::builder()
        .method(method)
        .uri(uri)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

#[test]
fn vector_post_create_user_with_token() {
    let mut req = request(
        Method::POST,
        "https://contoso.communication.azure.com/identities?api-version=2023-10-01",
        POST_BODY,
    );
    sign(&mut req, &key(), now()).unwrap();
    assert_eq!(header(&req, "x-ms-date"), DATE);
    assert_eq!(header(&req, "x-ms-content-sha256"), POST_HASH);
    assert_eq!(header(&req, "authorization"), POST_AUTH);
}

#[test]
fn vector_delete_user_with_an_encoded_id_and_no_body() {
    let mut req = request(
        Method::DELETE,
        "https://contoso.communication.azure.com/identities/8%3Aacs%3Aabc_def?api-version=2023-10-01",
        "",
    );
    sign(&mut req, &key(), now()).unwrap();
    assert_eq!(header(&req, "x-ms-content-sha256"), EMPTY_HASH);
    assert_eq!(header(&req, "authorization"), DELETE_AUTH);
}

/// Runs an identity operation through the call driver with the access key, and returns the
/// request it transmits.
fn transmitted<O: Operation<Context = IdentityContext>>(op: O) -> Request<Vec<u8>> {
    let ctx =
        IdentityContext::new(Endpoint::parse("https://contoso.communication.azure.com").unwrap());
    let config = CallConfig::new(Auth::AccessKey(key()));
    let mut call = Call::new(op, ctx, config, "00000000-0000-4000-8000-000000000000", 1).unwrap();
    match call.poll(now()) {
        CallPoll::Transmit(req) => req,
        _ => panic!("the call did not transmit"),
    }
}

#[test]
fn the_identity_operations_reproduce_both_vectors() {
    let req = transmitted(CreateUser::new().with_token([TokenScope::Chat], Some(60)));
    assert_eq!(req.body(), POST_BODY.as_bytes());
    assert_eq!(header(&req, "x-ms-content-sha256"), POST_HASH);
    assert_eq!(header(&req, "authorization"), POST_AUTH);

    let req = transmitted(DeleteUser::new("8:acs:abc_def"));
    assert_eq!(req.uri().path(), "/identities/8%3Aacs%3Aabc_def");
    assert_eq!(header(&req, "authorization"), DELETE_AUTH);
}

#[test]
fn the_signature_covers_method_path_host_date_and_body() {
    let base = || {
        request(
            Method::POST,
            "https://a.example.com/identities?api-version=2023-10-01",
            "{}",
        )
    };
    let signature = |mut req: Request<Vec<u8>>, at: SystemTime| {
        sign(&mut req, &key(), at).unwrap();
        header(&req, "authorization").to_owned()
    };
    let reference = signature(base(), now());
    assert_eq!(reference, signature(base(), now()), "deterministic");
    let variants = [
        request(
            Method::PUT,
            "https://a.example.com/identities?api-version=2023-10-01",
            "{}",
        ),
        request(
            Method::POST,
            "https://a.example.com/identities?api-version=2025-06-30",
            "{}",
        ),
        request(
            Method::POST,
            "https://b.example.com/identities?api-version=2023-10-01",
            "{}",
        ),
        request(
            Method::POST,
            "https://a.example.com:444/identities?api-version=2023-10-01",
            "{}",
        ),
        request(
            Method::POST,
            "https://a.example.com/identities?api-version=2023-10-01",
            "{ }",
        ),
    ];
    for v in variants {
        assert_ne!(signature(v, now()), reference);
    }
    assert_ne!(signature(base(), now() + Duration::from_secs(1)), reference);
}

#[test]
fn times_an_http_date_cannot_carry_are_refused_not_panicked_on() {
    let mut req = request(Method::GET, "https://a.example.com/", "");
    let far = UNIX_EPOCH + Duration::from_secs(253_402_300_800);
    assert!(sign(&mut req, &key(), far).is_err());
    assert!(sign(&mut req, &key(), far - Duration::from_secs(1)).is_ok());
}

fn method() -> impl Strategy<Value = Method> {
    prop_oneof![
        Just(Method::GET),
        Just(Method::POST),
        Just(Method::DELETE),
        Just(Method::PATCH),
        "[!#$%&'*+.^_`|~0-9A-Za-z-]{1,20}".prop_map(|m| Method::from_bytes(m.as_bytes()).unwrap()),
    ]
}

proptest! {
    /// Any method, any path (raw when it is a valid request target, percent-encoded otherwise),
    /// any query, any body, any key and any time: signing returns, and when it succeeds the three
    /// headers are there and well formed.
    #[test]
    fn signing_never_panics(
        method in method(),
        path in any::<String>(),
        query in proptest::option::of(any::<String>()),
        body in proptest::collection::vec(any::<u8>(), 0..512),
        key in proptest::collection::vec(any::<u8>(), 0..100),
        secs in prop_oneof![4 => -62_135_596_800i64..253_402_300_800, 1 => any::<i64>()],
    ) {
        let mut uri = format!("https://a.example.com/{path}");
        if let Some(q) = &query {
            uri.push('?');
            uri.push_str(q);
        }
        let uri = chat_core::http::Uri::try_from(uri.as_str()).unwrap_or_else(|_| {
            let encoded = chat_core::encode_path_segment(&path);
            chat_core::http::Uri::try_from(format!("https://a.example.com/{encoded}")).unwrap()
        });
        let mut req = Request::builder().method(method).uri(uri).body(body).unwrap();
        let at = if secs >= 0 {
            UNIX_EPOCH + Duration::from_secs(secs.unsigned_abs())
        } else {
            UNIX_EPOCH - Duration::from_secs(secs.unsigned_abs())
        };
        let in_range = (-62_135_596_800..253_402_300_800).contains(&secs);
        let signed = sign(&mut req, &AccessKey::from_bytes(key), at);
        prop_assert_eq!(signed.is_ok(), in_range);
        if signed.is_ok() {
            let auth = header(&req, "authorization");
            prop_assert!(auth.starts_with(
                "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature="
            ));
            prop_assert_eq!(header(&req, "x-ms-content-sha256").len(), 44);
            let date = header(&req, "x-ms-date");
            prop_assert!(date.ends_with(" GMT") && date.len() == 29, "{}", date);
            if secs >= 0 {
                // The reader (made for Retry-After) knows dates from the Unix epoch on.
                prop_assert_eq!(http_date::parse(date), Some(at));
            }
        }
    }
}
