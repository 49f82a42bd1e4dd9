//! Identity operations: the requests they render (signed with a test key at a fixed time),
//! what they refuse before sending, the responses they parse, and every recorded identity
//! response of the official SDKs' test sessions.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chat_core::http::{Request, Response};
use chat_core::identity::{
    ConnectionString, CreateUser, DeleteUser, ExchangeTeamsToken, IdentityApiVersion,
    IdentityContext, IssueToken, RevokeTokens, TokenScope,
};
use chat_core::{
    http_date, AccessToken, Auth, Call, CallConfig, CallPoll, Error, Idempotency, Operation,
};

/// The key of the HMAC test vectors: a test key, so the real signatures are shown.
const CONNECTION_STRING: &str = "endpoint=https://contoso.communication.azure.com/;accesskey=cnVzdC1hY3MtY2hhdC10ZXN0LWFjY2Vzcy1rZXktMDEyMzQ1Njc4OQ==";
const USER: &str = "8:acs:abc_def";

fn now() -> SystemTime {
    http_date::parse("Sun, 22 Nov 2026 20:00:00 GMT").unwrap()
}

fn ctx(version: IdentityApiVersion) -> (IdentityContext, CallConfig) {
    let cs = ConnectionString::parse(CONNECTION_STRING).unwrap();
    let ctx = IdentityContext::from_connection_string(&cs).with_api_version(version);
    (
        ctx,
        CallConfig::new(Auth::AccessKey(cs.access_key().clone())),
    )
}

/// Runs `op` through the call driver and returns the first request, or the error it refused
/// with before sending anything.
fn first_try<O: Operation<Context = IdentityContext>>(
    op: O,
    version: IdentityApiVersion,
) -> Result<Request<Vec<u8>>, Error> {
    let (ctx, config) = ctx(version);
    let mut call = Call::new(op, ctx, config, "0f8fad5b-d9cb-469f-a165-70867728950e", 1)?;
    match call.poll(now()) {
        CallPoll::Transmit(req) => Ok(req),
        CallPoll::Done(Err(e)) => Err(e),
        _ => panic!("an identity call neither transmitted nor failed"),
    }
}

fn render(req: &Request<Vec<u8>>) -> String {
    let mut out = format!("{} {}\n", req.method(), req.uri());
    let mut headers: Vec<String> = req
        .headers()
        .iter()
        .map(|(k, v)| match k.as_str() {
            "user-agent" => format!("{k}: [user agent]"),
            _ => format!("{k}: {}", v.to_str().unwrap()),
        })
        .collect();
    headers.sort();
    for h in headers {
        out.push_str(&h);
        out.push('\n');
    }
    if !req.body().is_empty() {
        out.push('\n');
        out.push_str(std::str::from_utf8(req.body()).unwrap());
        out.push('\n');
    }
    out
}

fn snapshot<O: Operation<Context = IdentityContext>>(name: &str, op: O, v: IdentityApiVersion) {
    let req = first_try(op, v).unwrap();
    insta::assert_snapshot!(name, render(&req));
}

#[test]
fn rendered_requests() {
    let v = IdentityApiVersion::default();
    snapshot("create_user", CreateUser::new(), v);
    snapshot(
        "create_user_with_token",
        CreateUser::new().with_token([TokenScope::Chat, TokenScope::Voip], Some(1440)),
        v,
    );
    snapshot(
        "issue_token",
        IssueToken::new(
            USER,
            [
                TokenScope::Chat,
                TokenScope::Voip,
                TokenScope::ChatJoin,
                TokenScope::ChatJoinLimited,
                TokenScope::VoipJoin,
            ],
        )
        .expires_in_minutes(60),
        v,
    );
    snapshot(
        "issue_token_default_expiry",
        IssueToken::new(USER, [TokenScope::Chat]),
        v,
    );
    snapshot("revoke_tokens", RevokeTokens::new(USER), v);
    snapshot("delete_user", DeleteUser::new(USER), v);
    snapshot(
        "exchange_teams_token",
        ExchangeTeamsToken::new("entra-token", "app-id-1", "user-object-id-1"),
        v,
    );
    snapshot(
        "issue_token_2026_09_23",
        IssueToken::new(USER, [TokenScope::ChatJoin]),
        IdentityApiVersion::V2026_09_23,
    );
}

#[test]
fn every_version_is_sent_as_pinned() {
    for v in IdentityApiVersion::ALL {
        let req = first_try(DeleteUser::new(USER), v).unwrap();
        assert_eq!(req.uri().query(), Some(format!("api-version={v}").as_str()));
    }
}

#[test]
fn expiry_outside_60_to_1440_minutes_is_refused_before_sending() {
    let v = IdentityApiVersion::default();
    for minutes in [0, 59, 1441, u32::MAX] {
        let issue = first_try(
            IssueToken::new(USER, [TokenScope::Chat]).expires_in_minutes(minutes),
            v,
        );
        assert!(matches!(
            issue,
            Err(Error::InvalidInput {
                argument: "expiresInMinutes",
                ..
            })
        ));
        let create = first_try(
            CreateUser::new().with_token([TokenScope::Chat], Some(minutes)),
            v,
        );
        assert!(matches!(
            create,
            Err(Error::InvalidInput {
                argument: "expiresInMinutes",
                ..
            })
        ));
    }
    for minutes in [60, 61, 1439, 1440] {
        let op = IssueToken::new(USER, [TokenScope::Chat]).expires_in_minutes(minutes);
        assert!(first_try(op, v).is_ok(), "{minutes}");
    }
}

#[test]
fn other_bad_input_is_refused_before_sending() {
    let v = IdentityApiVersion::default();
    let empty: [TokenScope; 0] = [];
    assert!(matches!(
        first_try(IssueToken::new(USER, empty.clone()), v),
        Err(Error::InvalidInput {
            argument: "scopes",
            ..
        })
    ));
    assert!(matches!(
        first_try(CreateUser::new().with_token(empty, Some(60)), v),
        Err(Error::InvalidInput {
            argument: "scopes",
            ..
        })
    ));
    assert!(matches!(
        first_try(DeleteUser::new(""), v),
        Err(Error::InvalidInput {
            argument: "user id",
            ..
        })
    ));
    assert!(matches!(
        first_try(RevokeTokens::new(""), v),
        Err(Error::InvalidInput { .. })
    ));
    assert!(matches!(
        first_try(ExchangeTeamsToken::new("", "a", "u"), v),
        Err(Error::InvalidInput {
            argument: "token",
            ..
        })
    ));
    // An unknown scope is sent as given: the service decides.
    let req = first_try(IssueToken::new(USER, [TokenScope::parse("chat.future")]), v).unwrap();
    assert_eq!(req.body(), br#"{"scopes":["chat.future"]}"#);
}

#[test]
fn idempotency_of_each_operation() {
    assert_eq!(CreateUser::new().idempotency(), Idempotency::NotIdempotent);
    assert_eq!(
        IssueToken::new(USER, [TokenScope::Chat]).idempotency(),
        Idempotency::Idempotent
    );
    assert_eq!(
        RevokeTokens::new(USER).idempotency(),
        Idempotency::Idempotent
    );
    assert_eq!(DeleteUser::new(USER).idempotency(), Idempotency::Idempotent);
    assert_eq!(
        ExchangeTeamsToken::new("t", "a", "u").idempotency(),
        Idempotency::Idempotent
    );
}

fn response(status: u16, body: &str) -> Response<Vec<u8>> {
    Response::builder()
        .status(status)
        .body(body.as_bytes().to_vec())
        .unwrap()
}

fn at(rfc3339_secs: i64, nanos: u32) -> SystemTime {
    UNIX_EPOCH + Duration::new(rfc3339_secs as u64, nanos)
}

#[test]
fn parses_each_success_response() {
    let token = r#"{"token":"opaque","expiresOn":"2023-10-10T21:39:39.3244584+00:00"}"#;
    let expires = at(1_696_973_979, 324_458_400);

    let created = CreateUser::new()
        .parse_response(response(201, r#"{"identity":{"id":"8:acs:u1"}}"#))
        .unwrap();
    assert_eq!(created.user.id(), "8:acs:u1");
    assert!(created.access_token.is_none());

    let body = format!(r#"{{"identity":{{"id":"8:acs:u2"}},"accessToken":{token}}}"#);
    let created = CreateUser::new()
        .with_token([TokenScope::Chat], None)
        .parse_response(response(201, &body))
        .unwrap();
    assert_eq!(created.user.raw_id(), "8:acs:u2");
    let t = created.access_token.unwrap();
    assert_eq!((t.secret(), t.expires_on()), ("opaque", expires));

    let issued = IssueToken::new(USER, [TokenScope::Chat])
        .parse_response(response(200, token))
        .unwrap();
    assert_eq!(issued, AccessToken::new("opaque", expires));
    let exchanged = ExchangeTeamsToken::new("t", "a", "u")
        .parse_response(response(200, token))
        .unwrap();
    assert_eq!(exchanged.expires_on(), expires);

    RevokeTokens::new(USER)
        .parse_response(response(204, ""))
        .unwrap();
    DeleteUser::new(USER)
        .parse_response(response(204, ""))
        .unwrap();
}

#[test]
fn errors_are_typed_and_keep_what_the_service_said() {
    let body =
        r#"{"error":{"code":"IdentityNotFound","message":"no such identity","target":"id"}}"#;
    let err = DeleteUser::new(USER)
        .parse_response(response(404, body))
        .unwrap_err();
    let service = err.service_error().unwrap();
    assert_eq!(
        (service.status, service.code()),
        (404, Some("IdentityNotFound"))
    );
    // A success status other than the operation's own is an error too.
    assert!(RevokeTokens::new(USER)
        .parse_response(response(200, ""))
        .is_err());
    assert!(CreateUser::new()
        .parse_response(response(200, r#"{"identity":{"id":"x"}}"#))
        .is_err());
    // A token body without `expiresOn` is a deserialize error.
    let err = IssueToken::new(USER, [TokenScope::Chat])
        .parse_response(response(200, r#"{"token":"t"}"#))
        .unwrap_err();
    assert!(matches!(err, Error::Deserialize { status: 200, .. }));
}

// ---- recordings ----

fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

fn body_bytes(body: &serde_json::Value) -> Vec<u8> {
    match body {
        serde_json::Value::Null => Vec::new(),
        serde_json::Value::String(s) => s.clone().into_bytes(),
        other => serde_json::to_vec(other).unwrap(),
    }
}

fn scopes(v: &serde_json::Value) -> Vec<TokenScope> {
    v.as_array()
        .into_iter()
        .flatten()
        .map(|s| TokenScope::parse(s.as_str().unwrap()))
        .collect()
}

fn minutes(v: &serde_json::Value) -> Option<u32> {
    v.get("expiresInMinutes")
        .and_then(serde_json::Value::as_u64)
        .map(|m| m as u32)
}

/// Parses one recorded identity exchange with the parser of its operation; returns the
/// operation's name. The request we would send must carry the same JSON as the recorded one.
fn parse_recorded(
    method: &str,
    path: &str,
    request: &serde_json::Value,
    response: Response<Vec<u8>>,
) -> &'static str {
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let same_body = |ours: Request<Vec<u8>>| {
        // Recorded `null` fields are fields the SDK did not set.
        let mut theirs = request.clone();
        if let Some(map) = theirs.as_object_mut() {
            map.retain(|_, v| !v.is_null());
        }
        if ours.body().is_empty() {
            // No body from us: the SDK recorded none either.
            assert!(request.is_null(), "{method} {path}: {request}");
            return;
        }
        let ours: serde_json::Value = serde_json::from_slice(ours.body()).unwrap();
        assert_eq!(ours, theirs, "{method} {path}");
    };
    match (method, segments.as_slice()) {
        ("POST", ["identities"]) => {
            let op = if request.get("createTokenWithScopes").is_some() {
                CreateUser::new()
                    .with_token(scopes(&request["createTokenWithScopes"]), minutes(request))
            } else {
                CreateUser::new()
            };
            same_body(first_try(op.clone(), IdentityApiVersion::default()).unwrap());
            let created = op.parse_response(response).unwrap();
            assert!(!created.user.id().is_empty());
            if let Some(t) = created.access_token {
                // The expiry comes from `expiresOn`; recorded JWTs parse too.
                assert!(t.expires_on() > UNIX_EPOCH);
                if t.secret().starts_with("eyJ") {
                    AccessToken::from_jwt(t.secret()).unwrap();
                }
            }
            "create user"
        }
        ("POST", ["identities", _, ":issueAccessToken"]) => {
            let op = IssueToken::new("8:acs:recorded", scopes(&request["scopes"]));
            let op = match minutes(request) {
                Some(m) => op.expires_in_minutes(m),
                None => op,
            };
            same_body(first_try(op.clone(), IdentityApiVersion::default()).unwrap());
            assert!(op.parse_response(response).unwrap().expires_on() > UNIX_EPOCH);
            "issue token"
        }
        ("POST", ["identities", _, ":revokeAccessTokens"]) => {
            RevokeTokens::new("x").parse_response(response).unwrap();
            "revoke tokens"
        }
        ("DELETE", ["identities", _]) => {
            DeleteUser::new("x").parse_response(response).unwrap();
            "delete user"
        }
        ("POST", ["teamsUser", ":exchangeAccessToken"]) => {
            ExchangeTeamsToken::new("t", "a", "u")
                .parse_response(response)
                .unwrap();
            "exchange teams token"
        }
        _ => panic!("an identity request no operation owns: {method} {path}"),
    }
}

#[test]
fn every_recorded_identity_response_parses() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/../chat-testkit/recordings");
    let mut files = Vec::new();
    json_files(Path::new(root), &mut files);
    files.sort();
    let mut counts = std::collections::BTreeMap::<&str, usize>::new();
    for file in &files {
        let session: serde_json::Value =
            serde_json::from_slice(&std::fs::read(file).unwrap()).unwrap();
        for entry in session["Entries"].as_array().into_iter().flatten() {
            let url = url::Url::parse(entry["RequestUri"].as_str().unwrap()).unwrap();
            if !(url.path().starts_with("/identities") || url.path().starts_with("/teamsUser")) {
                continue;
            }
            let status = entry["StatusCode"].as_u64().unwrap() as u16;
            let response = Response::builder()
                .status(status)
                .body(body_bytes(&entry["ResponseBody"]))
                .unwrap();
            let method = entry["RequestMethod"].as_str().unwrap();
            let op = parse_recorded(method, url.path(), &entry["RequestBody"], response);
            *counts.entry(op).or_default() += 1;
        }
    }
    let total: usize = counts.values().sum();
    println!(
        "{} files, {total} identity responses parsed: {counts:?}",
        files.len()
    );
    assert_eq!(total, 20, "{counts:?}");
    assert_eq!(counts["create user"], 10);
    assert_eq!(counts["issue token"], 5);
    assert_eq!(counts["delete user"], 5);
}

mod connection_strings {
    use base64::Engine as _;
    use chat_core::identity::ConnectionString;
    use proptest::prelude::*;

    fn case(s: &str, upper: bool) -> String {
        if upper {
            s.to_ascii_uppercase()
        } else {
            s.to_owned()
        }
    }

    proptest! {
        /// Any host and key, keys in any order and case, optional trailing `/` and `;`: the
        /// parts read back.
        #[test]
        fn round_trip(
            // A label starting `xn--` is punycode, which must decode (`xn--000` does not).
            host in "[a-z][a-z0-9-]{0,20}".prop_filter("not punycode", |h| !h.starts_with("xn--")),
            key in proptest::collection::vec(any::<u8>(), 8..64),
            key_first in any::<bool>(),
            upper in any::<(bool, bool)>(),
            slash in any::<bool>(),
            trailing in any::<bool>(),
        ) {
            let b64 = base64::engine::general_purpose::STANDARD.encode(&key);
            let endpoint = format!(
                "{}=https://{host}.communication.azure.com{}",
                case("endpoint", upper.0),
                if slash { "/" } else { "" }
            );
            let access = format!("{}={b64}", case("accessKey", upper.1));
            let mut s = if key_first {
                format!("{access};{endpoint}")
            } else {
                format!("{endpoint};{access}")
            };
            if trailing {
                s.push(';');
            }
            let cs = ConnectionString::parse(&s).unwrap();
            prop_assert_eq!(cs.access_key().as_bytes(), &key[..]);
            prop_assert_eq!(
                cs.endpoint().as_str(),
                format!("https://{host}.communication.azure.com")
            );
            let shown = format!("{cs} {cs:?}");
            prop_assert!(!shown.contains(&b64));
        }

        /// Whatever the input, parsing returns.
        #[test]
        fn never_panics(s in "\\PC{0,120}") {
            let _ = ConnectionString::parse(&s);
            let _ = ConnectionString::parse_allowing_loopback_http(&s);
        }
    }
}
