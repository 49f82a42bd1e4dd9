//! The call driver refuses to send credentials anywhere but the configured endpoint.

use std::time::{Duration, UNIX_EPOCH};

use chat_core::http::{Method, Request, Response, StatusCode};
use chat_core::{
    empty_request, expect_no_content, AccessKey, AccessToken, Auth, Call, CallConfig, CallPoll,
    ChatContext, Endpoint, Error, Idempotency, Operation,
};

/// An operation that aims at another host than its context's endpoint.
#[derive(Clone, Debug)]
struct Elsewhere;

impl Operation for Elsewhere {
    type Output = ();
    type Context = ChatContext;
    fn to_request(&self, _: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(
            Method::GET,
            "https://evil.example.com/x".parse().unwrap(),
        ))
    }
    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }
    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

fn ctx() -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap())
}

#[test]
fn a_bearer_token_never_leaves_for_another_host() {
    let mut call = Call::new(Elsewhere, ctx(), CallConfig::new(Auth::Bearer), "id", 1).unwrap();
    let now = UNIX_EPOCH + Duration::from_secs(1_000);
    assert!(matches!(call.poll(now), CallPoll::NeedToken { .. }));
    call.handle_token(AccessToken::new("secret", now + Duration::from_secs(3600)));
    match call.poll(now) {
        CallPoll::Done(Err(Error::ForeignLink { link })) => {
            assert_eq!(link, "https://evil.example.com/x")
        }
        other => panic!("sent or did something else: {other:?}"),
    }
}

#[test]
fn a_signed_request_never_leaves_for_another_host() {
    let auth = Auth::AccessKey(AccessKey::from_bytes(b"key".to_vec()));
    let mut call = Call::new(Elsewhere, ctx(), CallConfig::new(auth), "id", 1).unwrap();
    assert!(matches!(
        call.poll(UNIX_EPOCH),
        CallPoll::Done(Err(Error::ForeignLink { .. }))
    ));
}
