//! The call driver with a bearer token from the [`TokenCache`], in virtual time: the 401
//! refresh, its limit of one, refresher failures, concurrent calls sharing one refresh, and
//! the token staying on the endpoint's host.

use std::collections::VecDeque;
use std::time::{Duration, SystemTime};

use chat_core::auth::{AccessToken, RefreshError, TokenCache, TokenPoll};
use chat_core::http::{Method, Request, Response};
use chat_core::{
    empty_request, Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint, Error, Idempotency,
    ListOperation, Operation, Pager,
};
use proptest::prelude::*;

/// A tiny operation: `GET /ping` → 200 with a body, read as a string.
#[derive(Clone, Debug)]
struct Ping;

impl Operation for Ping {
    type Output = String;
    type Context = ChatContext;
    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(Method::GET, ctx.uri("/ping", "")?))
    }
    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<String, Error> {
        let body = chat_core::expect_status(response, chat_core::http::StatusCode::OK)?;
        Ok(String::from_utf8_lossy(&body).into_owned())
    }
    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

fn at(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000 + secs)
}

fn ctx() -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap())
}

fn call<O: Operation<Context = ChatContext>>(op: O, ctx: ChatContext) -> Call<O> {
    Call::new(op, ctx, CallConfig::new(Auth::Bearer), "req-1", 42).unwrap()
}

fn response(status: u16) -> Response<Vec<u8>> {
    let body = if status == 401 {
        br#"{"error":{"code":"Unauthorized","message":"token refused"}}"#.to_vec()
    } else {
        b"pong".to_vec()
    };
    Response::builder().status(status).body(body).unwrap()
}

/// A virtual-time transport for one call: answers each try with the next status, runs the
/// refresher when the cache says so, and records what it sent and how often it refreshed.
struct Transport {
    now: SystemTime,
    statuses: VecDeque<u16>,
    refresher: VecDeque<Result<AccessToken, RefreshError>>,
    refreshes: u32,
    sent: Vec<Request<Vec<u8>>>,
}

impl Transport {
    fn run<O: Operation>(
        &mut self,
        mut call: Call<O>,
        cache: &mut TokenCache,
    ) -> Result<O::Output, Error> {
        loop {
            match call.poll(self.now) {
                CallPoll::Transmit(req) => {
                    self.sent.push(req);
                    let status = self.statuses.pop_front().expect("an unexpected try");
                    call.handle_response(self.now, response(status));
                }
                CallPoll::NeedToken { rejected } => loop {
                    match cache.poll_token(self.now, rejected.as_ref()) {
                        TokenPoll::Ready(t) => break call.handle_token(t),
                        TokenPoll::Refresh => {
                            self.refreshes += 1;
                            let result = self.refresher.pop_front().expect("an unexpected refresh");
                            cache.handle_refreshed(self.now, result);
                        }
                        TokenPoll::Failed(e) => break call.handle_token_error(e),
                        other => panic!("one caller never waits: {other:?}"),
                    }
                },
                CallPoll::Sleep(until) => self.now = until,
                CallPoll::Done(result) => return result,
            }
        }
    }

    fn bearer(&self, try_index: usize) -> &str {
        self.sent[try_index].headers()["authorization"]
            .to_str()
            .unwrap()
    }
}

fn transport(statuses: &[u16], refresher: Vec<Result<AccessToken, RefreshError>>) -> Transport {
    Transport {
        now: at(0),
        statuses: statuses.iter().copied().collect(),
        refresher: refresher.into(),
        refreshes: 0,
        sent: Vec::new(),
    }
}

fn token(name: &str) -> AccessToken {
    AccessToken::new(name, at(3600))
}

#[test]
fn a_401_then_success_refreshes_once_and_succeeds() {
    let mut cache = TokenCache::with_refresher(Some(token("old")), false);
    let mut t = transport(&[401, 200], vec![Ok(token("new"))]);
    let out = t.run(call(Ping, ctx()), &mut cache).unwrap();
    assert_eq!(out, "pong");
    assert_eq!(t.refreshes, 1);
    assert_eq!(t.sent.len(), 2);
    assert_eq!(t.bearer(0), "Bearer old");
    assert_eq!(t.bearer(1), "Bearer new");
    // Same logical call: the same client request id on both tries.
    assert_eq!(
        t.sent[0].headers()["x-ms-client-request-id"],
        t.sent[1].headers()["x-ms-client-request-id"]
    );
}

#[test]
fn two_401s_give_the_typed_error_after_exactly_one_refresh() {
    let mut cache = TokenCache::with_refresher(Some(token("old")), false);
    let mut t = transport(&[401, 401], vec![Ok(token("new"))]);
    let err = t.run(call(Ping, ctx()), &mut cache).unwrap_err();
    let Error::Authentication(service) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(service.status, 401);
    assert_eq!(service.code(), Some("Unauthorized"));
    assert_eq!(t.refreshes, 1);
    assert_eq!(t.sent.len(), 2, "no third try");
    assert!(t.statuses.is_empty());
}

#[test]
fn a_refresher_failure_after_a_401_is_a_typed_error() {
    let mut cache = TokenCache::with_refresher(Some(token("old")), false);
    let mut t = transport(&[401], vec![Err("identity service unreachable".into())]);
    let err = t.run(call(Ping, ctx()), &mut cache).unwrap_err();
    let Error::TokenRefresh {
        error, rejected, ..
    } = &err
    else {
        panic!("{err:?}")
    };
    assert_eq!(error.to_string(), "identity service unreachable");
    // The service's 401 that forced the refresh is kept.
    let rejected = rejected.as_ref().expect("the 401");
    assert_eq!(
        (rejected.status, rejected.code()),
        (401, Some("Unauthorized"))
    );
    assert_eq!(err.status(), Some(401));
    assert_eq!(t.refreshes, 1);
}

#[test]
fn a_static_token_refused_with_401_fails_without_a_loop() {
    let mut cache = TokenCache::new_static(token("only"));
    let mut t = transport(&[401], vec![]);
    let err = t.run(call(Ping, ctx()), &mut cache).unwrap_err();
    // The service's own 401 (status, code, body), not a bare refusal.
    let Error::Authentication(service) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(
        (service.status, service.code()),
        (401, Some("Unauthorized"))
    );
    assert!(!service.body.is_empty());
    assert_eq!((t.refreshes, t.sent.len()), (0, 1));
}

#[test]
fn an_expired_static_token_is_not_sent() {
    let mut cache = TokenCache::new_static(AccessToken::new("old", at(0)));
    let mut t = transport(&[], vec![]);
    t.now = at(1);
    let err = t.run(call(Ping, ctx()), &mut cache).unwrap_err();
    assert_eq!(err, Error::token_expired(at(0)));
    assert!(t.sent.is_empty());
}

#[test]
fn the_first_call_fetches_a_token_on_demand() {
    let mut cache = TokenCache::with_refresher(None, true);
    let mut t = transport(&[200, 200], vec![Ok(token("first"))]);
    t.run(call(Ping, ctx()), &mut cache).unwrap();
    t.run(call(Ping, ctx()), &mut cache).unwrap();
    assert_eq!(t.refreshes, 1);
    assert_eq!(t.bearer(1), "Bearer first");
}

/// A listing whose service sends a `nextLink` to another host: the token never goes there.
#[derive(Clone, Debug)]
struct Items;

impl ListOperation for Items {
    type Item = u32;
    fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(Method::GET, ctx.uri("/items", "")?))
    }
}

#[test]
fn the_bearer_token_goes_only_to_the_endpoint_host() {
    let mut cache = TokenCache::new_static(token("t"));
    let mut pager = Pager::new(Items, ctx());
    let request = pager.poll_page().unwrap();
    let mut c = call(request, ctx());
    assert!(matches!(c.poll(at(0)), CallPoll::NeedToken { .. }));
    let TokenPoll::Ready(tok) = cache.poll_token(at(0), None) else {
        panic!()
    };
    c.handle_token(tok);
    let CallPoll::Transmit(sent) = c.poll(at(0)) else {
        panic!()
    };
    assert_eq!(sent.uri().host(), Some("acs.example.com"));
    let body = br#"{"value":[1,2],"nextLink":"https://evil.example.net/items?page=2"}"#;
    c.handle_response(
        at(0),
        Response::builder().status(200).body(body.to_vec()).unwrap(),
    );
    let CallPoll::Done(Ok(page)) = c.poll(at(0)) else {
        panic!()
    };
    let err = pager.handle_page(page).unwrap_err();
    assert!(matches!(err, Error::ForeignLink { .. }), "{err:?}");
    assert!(
        pager.poll_page().is_none(),
        "the listing ends; nothing goes to the other host"
    );
    assert!(Pager::resume(Items, ctx(), "https://evil.example.net/items").is_err());
}

proptest! {
    /// N calls in flight at once, all refused with the same old token, interleaved in any
    /// order: one refresh in total, and every call succeeds with the new token.
    #[test]
    fn concurrent_401s_share_one_refresh(
        n in 1usize..16,
        schedule in proptest::collection::vec(0usize..16, 0..200),
    ) {
        enum Step { Poll, Refreshing }
        let mut cache = TokenCache::with_refresher(Some(token("old")), true);
        let mut calls: Vec<Option<(Call<Ping>, Step)>> =
            (0..n).map(|_| Some((call(Ping, ctx()), Step::Poll))).collect();
        let mut pending_rejected: Vec<Option<AccessToken>> = vec![None; n];
        let mut refreshes = 0;
        let mut done = 0;
        let order = schedule.into_iter().chain((0..n * 16).map(|i| i % n));
        let now = at(0);
        for who in order {
            let who = who % n;
            let Some((c, step)) = calls[who].as_mut() else { continue };
            match step {
                Step::Refreshing => {
                    refreshes += 1;
                    cache.handle_refreshed(now, Ok(token("new")));
                    *step = Step::Poll;
                }
                Step::Poll => {
                    // Either a pending token request (it may have had to wait), or the call.
                    let rejected = pending_rejected[who].take();
                    let asked = rejected.is_some();
                    let poll = if asked { None } else { Some(c.poll(now)) };
                    match poll {
                        Some(CallPoll::Transmit(req)) => {
                            let bearer = req.headers()["authorization"].to_str().unwrap();
                            let status = if bearer == "Bearer old" { 401 } else { 200 };
                            c.handle_response(now, response(status));
                        }
                        Some(CallPoll::NeedToken { rejected }) => {
                            // Marker: Some(token) means "asking, maybe with a rejected token".
                            pending_rejected[who] =
                                Some(rejected.unwrap_or_else(|| AccessToken::new("", now)));
                        }
                        Some(CallPoll::Done(result)) => {
                            prop_assert_eq!(result.unwrap(), "pong");
                            calls[who] = None;
                            done += 1;
                        }
                        Some(CallPoll::Sleep(_)) => prop_assert!(false, "no sleeps expected"),
                        None => {
                            let marker = rejected.unwrap();
                            let rejected = (!marker.secret().is_empty()).then_some(&marker);
                            match cache.poll_token(now, rejected) {
                                TokenPoll::Ready(t) => c.handle_token(t),
                                TokenPoll::Refresh => *step = Step::Refreshing,
                                TokenPoll::Wait => pending_rejected[who] = Some(marker),
                                other => prop_assert!(false, "{:?}", other),
                            }
                        }
                    }
                }
            }
            let in_flight = calls
                .iter()
                .flatten()
                .filter(|(_, s)| matches!(s, Step::Refreshing))
                .count();
            prop_assert!(in_flight <= 1);
        }
        prop_assert_eq!(done, n, "every call finished");
        prop_assert_eq!(refreshes, 1);
    }
}
