//! No credential, token, key or connection string prints its secret, through `Debug` or
//! `Display`, alone or inside the types that carry it.

use std::time::{Duration, UNIX_EPOCH};

use chat_core::auth::{TokenCache, TokenPoll};
use chat_core::http::Response;
use chat_core::identity::{
    ConnectionString, CreateUser, ExchangeTeamsToken, IssueToken, TokenScope,
};
use chat_core::{
    AccessKey, AccessToken, Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint, Operation,
};

/// base64 of the key bytes below.
const KEY_B64: &str = "cnVzdC1hY3MtY2hhdC10ZXN0LWFjY2Vzcy1rZXktMDEyMzQ1Njc4OQ==";
const KEY_BYTES: &str = "rust-acs-chat-test-access-key-0123456789";
/// A JWT; `SECRET_PART` is a piece of it that must never show.
const JWT: &str =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3OTUwMDAwMDB9.SECRETSIGNATUREdontprint";
const SECRET_PART: &str = "SECRETSIGNATURE";
const ENTRA_TOKEN: &str = "entra-token-SECRETSIGNATURE";

fn assert_hidden(what: &str, shown: &str) {
    for secret in [KEY_B64, KEY_BYTES, SECRET_PART, "eyJleHAiOjE3OTUwMDAwMDB9"] {
        assert!(!shown.contains(secret), "{what} shows a secret: {shown}");
    }
}

fn check(what: &str, debug: String, display: Option<String>) {
    assert_hidden(what, &debug);
    assert!(!debug.is_empty());
    if let Some(display) = display {
        assert_hidden(what, &display);
    }
}

#[test]
fn credentials_tokens_keys_and_connection_strings_print_no_secret() {
    let token = AccessToken::from_jwt(JWT).unwrap();
    check(
        "AccessToken",
        format!("{token:?}"),
        Some(format!("{token}")),
    );
    check("AccessToken (pretty)", format!("{token:#?}"), None);

    let key = AccessKey::from_base64(KEY_B64).unwrap();
    assert_eq!(key.as_bytes(), KEY_BYTES.as_bytes());
    check("AccessKey", format!("{key:?}"), Some(format!("{key}")));

    let cs = ConnectionString::parse(&format!(
        "endpoint=https://contoso.communication.azure.com/;accesskey={KEY_B64}"
    ))
    .unwrap();
    check("ConnectionString", format!("{cs:?}"), Some(format!("{cs}")));
    assert!(format!("{cs:?}").contains("contoso.communication.azure.com"));

    let auth = Auth::AccessKey(key.clone());
    check("Auth", format!("{auth:?}"), None);
    check("CallConfig", format!("{:?}", CallConfig::new(auth)), None);

    let mut cache = TokenCache::with_refresher(Some(token.clone()), true);
    check("TokenCache", format!("{cache:?}"), None);
    let poll = cache.poll_token(UNIX_EPOCH, None);
    assert!(matches!(poll, TokenPoll::Ready(_)));
    check("TokenPoll", format!("{poll:?}"), None);
    check(
        "TokenCache (static)",
        format!("{:?}", TokenCache::new_static(token.clone())),
        None,
    );

    let exchange = ExchangeTeamsToken::new(ENTRA_TOKEN, "app", "user");
    check("ExchangeTeamsToken", format!("{exchange:?}"), None);
}

#[test]
fn errors_about_credentials_print_no_secret() {
    let not_jwt = format!("{SECRET_PART}.not-base64!.x");
    let e = AccessToken::from_jwt(not_jwt).unwrap_err();
    check("jwt error", format!("{e:?}"), Some(e.to_string()));

    // A key without its name, and a key that is not base64.
    for cs in [
        format!("endpoint=https://a.example.com;{KEY_B64}"),
        format!("endpoint=https://a.example.com;accesskey={KEY_BYTES}!"),
        format!("endpoint=http://a.example.com;accesskey={KEY_B64}"),
    ] {
        let e = ConnectionString::parse(&cs).unwrap_err();
        check(
            "connection string error",
            format!("{e:?}"),
            Some(e.to_string()),
        );
    }
}

#[test]
fn identity_results_and_their_parse_errors_print_no_token() {
    let body = format!(
        r#"{{"identity":{{"id":"8:acs:u"}},"accessToken":{{"token":"{JWT}","expiresOn":"2026-11-22T21:00:00Z"}}}}"#
    );
    let op = CreateUser::new().with_token([TokenScope::Chat], None);
    let ok = op
        .parse_response(
            Response::builder()
                .status(201)
                .body(body.into_bytes())
                .unwrap(),
        )
        .unwrap();
    assert_eq!(ok.access_token.as_ref().unwrap().secret(), JWT);
    check("CreateUserResult", format!("{ok:?}"), None);

    // The service said 200 but the body is not a token: the error does not keep the body.
    let bad = format!(r#"{{"token":"{JWT}","expiresOn":"yesterday"}}"#);
    let e = IssueToken::new("8:acs:u", [TokenScope::Chat])
        .parse_response(
            Response::builder()
                .status(200)
                .body(bad.into_bytes())
                .unwrap(),
        )
        .unwrap_err();
    check(
        "identity parse error",
        format!("{e:?}"),
        Some(e.to_string()),
    );
}

#[test]
fn a_call_holding_a_token_prints_no_token() {
    #[derive(Debug)]
    struct Get;
    impl Operation for Get {
        type Output = ();
        type Context = ChatContext;
        fn to_request(
            &self,
            ctx: &ChatContext,
        ) -> Result<chat_core::http::Request<Vec<u8>>, chat_core::Error> {
            Ok(chat_core::empty_request(
                chat_core::http::Method::GET,
                ctx.uri("/x", "")?,
            ))
        }
        fn parse_response(&self, _: Response<Vec<u8>>) -> Result<(), chat_core::Error> {
            Ok(())
        }
        fn idempotency(&self) -> chat_core::Idempotency {
            chat_core::Idempotency::Idempotent
        }
    }
    let ctx = ChatContext::new(Endpoint::parse("https://a.example.com").unwrap());
    let mut call = Call::new(Get, ctx, CallConfig::new(Auth::Bearer), "id", 1).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_000);
    assert!(matches!(
        call.poll(now),
        CallPoll::NeedToken { rejected: None }
    ));
    call.handle_token(AccessToken::from_jwt(JWT).unwrap());
    check("Call", format!("{call:?}"), None);
}
