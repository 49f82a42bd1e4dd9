//! The call driver and the token cache under arbitrary sequences of events, with their
//! invariants checked on every step.
#![no_main]

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use arbitrary::Arbitrary;
use chat_core::auth::{TokenCache, TokenPoll};
use chat_core::http::Response;
use chat_core::messages::SendMessage;
use chat_core::threads::GetThreadProperties;
use chat_core::{
    AccessToken, Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint, Operation,
    TransportError, TransportErrorKind,
};
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Event {
    Status(u16, Option<u8>),
    Reset { after_sending: bool },
    Token { lifetime_s: u16 },
    TokenFails,
    Advance(u16),
}

#[derive(Arbitrary, Debug)]
struct Input {
    send_message: bool,
    seed: u64,
    events: Vec<Event>,
}

fn drive<O: Operation<Context = ChatContext>>(op: O, input: &Input) {
    let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
    let Ok(mut call) = Call::new(op, ctx, CallConfig::new(Auth::Bearer), "id", input.seed) else {
        return;
    };
    let mut now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut events = input.events.iter();
    let mut steps = 0;
    while steps < 200 {
        steps += 1;
        match call.poll(now) {
            CallPoll::Done(_) => return,
            CallPoll::Sleep(until) => {
                assert!(until > now);
                now = until;
            }
            CallPoll::NeedToken { .. } => match events.next() {
                Some(Event::TokenFails) | None => {
                    call.handle_token_error(chat_core::Error::token_refresh("x"))
                }
                _ => call.handle_token(AccessToken::new("t", now + Duration::from_secs(3600))),
            },
            CallPoll::Transmit(req) => {
                assert!(req
                    .uri()
                    .to_string()
                    .starts_with("https://acs.example.com/"));
                match events.next() {
                    Some(Event::Status(s, hint)) => {
                        let mut b = Response::builder().status((*s).clamp(100, 599));
                        if let Some(h) = hint {
                            b = b.header("retry-after", h.to_string());
                        }
                        call.handle_response(now, b.body(Vec::new()).unwrap());
                    }
                    Some(Event::Reset { after_sending }) => {
                        let kind = TransportErrorKind::Io;
                        let e = if *after_sending {
                            TransportError::after_sending(kind, "reset")
                        } else {
                            TransportError::before_sending(kind, "reset")
                        };
                        call.handle_transport_error(now, e);
                    }
                    _ => call.handle_response(
                        now,
                        Response::builder().status(500).body(Vec::new()).unwrap(),
                    ),
                }
            }
        }
    }
    panic!("the call did not finish within 200 steps");
}

fn token_cache(input: &Input) {
    let mut cache = TokenCache::with_refresher(None, input.seed.is_multiple_of(2));
    let mut now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
    let mut refreshing = false;
    for e in &input.events {
        match e {
            Event::Advance(s) => now += Duration::from_secs(u64::from(*s)),
            Event::Token { lifetime_s } if refreshing => {
                let t =
                    AccessToken::new("t", now + Duration::from_secs(u64::from(*lifetime_s) + 1));
                cache.handle_refreshed(now, Ok(t));
                refreshing = false;
            }
            Event::TokenFails if refreshing => {
                cache.handle_refreshed(now, Err("no".into()));
                refreshing = false;
            }
            _ => {
                if !refreshing && cache.handle_timeout(now) {
                    refreshing = true;
                    continue;
                }
                match cache.poll_token(now, None) {
                    TokenPoll::Ready(t) => {
                        assert!(t.expires_on() > now, "handed out an expired token")
                    }
                    TokenPoll::Refresh => {
                        assert!(!refreshing, "two refreshes in flight");
                        refreshing = true;
                    }
                    TokenPoll::Wait => assert!(refreshing),
                    _ => {}
                }
            }
        }
        let _: Option<SystemTime> = cache.poll_timeout();
    }
}

fuzz_target!(|input: Input| {
    if input.send_message {
        drive(SendMessage::new("19:a@thread.v2", "hi"), &input);
    } else {
        drive(GetThreadProperties::new("19:a@thread.v2"), &input);
    }
    token_cache(&input);
});
