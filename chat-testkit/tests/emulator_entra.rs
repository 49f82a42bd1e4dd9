//! Microsoft Entra ID bearer tokens on the emulator's identity routes, at the HTTP level: tokens
//! of the test issuer for `https://communication.azure.com` run create user, issue token, revoke
//! and delete user; tokens for another audience, with a bad signature, from another issuer or
//! expired get the service's 401; HMAC signatures still work; chat routes take no such token.

mod emulator_support;

use std::time::{Duration, SystemTime};

use chat_testkit::emulator::entra::{self, TestToken};
use chat_testkit::emulator::Emulator;
use emulator_support::{enc, send, Client, RawResponse};
use serde_json::{json, Value};

const IDENTITY: &str = "api-version=2023-10-01";

fn in_an_hour() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

/// An identity request authorized with `Bearer <token>`.
fn with_bearer(
    emulator: &Emulator,
    token: &str,
    method: &str,
    target: &str,
    body: Option<&Value>,
) -> RawResponse {
    let body = body
        .map(|b| serde_json::to_vec(b).unwrap())
        .unwrap_or_default();
    let authorization = format!("Bearer {token}");
    send(
        emulator.local_addr(),
        method,
        target,
        &[
            ("Authorization", &authorization),
            ("Content-Type", "application/json"),
        ],
        &body,
    )
    .unwrap()
}

#[test]
fn a_test_issuer_token_for_acs_runs_the_identity_operations() {
    let emulator = Emulator::start();
    let token = entra::test_token(entra::AUDIENCE, in_an_hour());

    let created = with_bearer(
        &emulator,
        &token,
        "POST",
        &format!("/identities?{IDENTITY}"),
        Some(&json!({"createTokenWithScopes": ["chat"]})),
    );
    assert_eq!(created.status, 201, "{:?}", created.json());
    let created = created.json();
    let user = created["identity"]["id"].as_str().unwrap().to_owned();
    // The user's own token works on chat routes.
    let user_token = created["accessToken"]["token"].as_str().unwrap();
    let c = Client::new(&emulator);
    let listing = c.chat(
        user_token,
        "GET",
        "/chat/threads?api-version=2025-03-15",
        None,
    );
    assert_eq!(listing.status, 200);

    let issued = with_bearer(
        &emulator,
        &token,
        "POST",
        &format!("/identities/{}/:issueAccessToken?{IDENTITY}", enc(&user)),
        Some(&json!({"scopes": ["chat"]})),
    );
    assert_eq!(issued.status, 200, "{:?}", issued.json());
    assert!(issued.json()["token"].is_string());

    let revoked = with_bearer(
        &emulator,
        &token,
        "POST",
        &format!("/identities/{}/:revokeAccessTokens?{IDENTITY}", enc(&user)),
        None,
    );
    assert_eq!(revoked.status, 204);
    let deleted = with_bearer(
        &emulator,
        &token,
        "DELETE",
        &format!("/identities/{}?{IDENTITY}", enc(&user)),
        None,
    );
    assert_eq!(deleted.status, 204);
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .handled,
        3
    );
}

#[test]
fn other_tokens_get_the_services_401_and_hmac_still_works() {
    let emulator = Emulator::start();
    let user_token = emulator
        .issue_token(&emulator.create_user(), &["chat"])
        .unwrap();
    let expired = SystemTime::now() - Duration::from_secs(60);
    let refused = [
        (
            entra::test_token("https://storage.azure.com", in_an_hour()),
            "audience",
        ),
        (
            TestToken::new(entra::AUDIENCE, in_an_hour()).sign_with(b"not the issuer's key"),
            "signature",
        ),
        (
            TestToken::new(entra::AUDIENCE, in_an_hour())
                .issuer("https://login.microsoftonline.com/another-tenant/v2.0")
                .sign(),
            "issuer",
        ),
        (entra::test_token(entra::AUDIENCE, expired), "expired"),
        // A user's ACS token is no Entra ID token.
        (user_token, "issuer key"),
        ("not-a-jwt".to_owned(), "malformed"),
    ];
    for (token, why) in refused {
        let r = with_bearer(
            &emulator,
            &token,
            "POST",
            &format!("/identities?{IDENTITY}"),
            Some(&json!({})),
        );
        assert_eq!(r.status, 401, "{why}");
        let body = r.json();
        assert_eq!(body["error"]["code"], json!("Unauthorized"), "{why}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(why), "{why}: {message}");
    }

    // HMAC-signed calls are unaffected.
    let c = Client::new(&emulator);
    let (_, chat_token) = c.user_with_token();

    // An Entra ID token is not a chat token.
    let token = entra::test_token(entra::AUDIENCE, in_an_hour());
    let r = c.chat(&token, "GET", "/chat/threads?api-version=2025-03-15", None);
    assert_eq!(r.status, 401);
    let r = c.chat(
        &chat_token,
        "GET",
        "/chat/threads?api-version=2025-03-15",
        None,
    );
    assert_eq!(r.status, 200);
}
