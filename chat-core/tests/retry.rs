//! Retry decisions and the call driver's retries, in virtual time.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use chat_core::http::{HeaderMap, Method, Request, Response, StatusCode};
use chat_core::retry::{decide, delay, Outcome, RetryDecision};
use chat_core::{
    empty_request, expect_no_content, Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint,
    Error, Idempotency, Operation, RetryOptions, TransportError, TransportErrorKind,
    CLIENT_REQUEST_ID,
};
use proptest::prelude::*;

/// A minimal operation: POST /op, success 204.
#[derive(Clone, Debug)]
struct Op(Idempotency);

impl Operation for Op {
    type Output = ();
    type Context = ChatContext;
    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(Method::POST, ctx.uri("/op", "")?))
    }
    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<(), Error> {
        expect_no_content(response, StatusCode::NO_CONTENT)
    }
    fn idempotency(&self) -> Idempotency {
        self.0
    }
}

fn ctx() -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap())
}

fn call(idempotency: Idempotency, retry: RetryOptions) -> Call<Op> {
    let mut config = CallConfig::new(Auth::None);
    config.retry = retry;
    Call::new(Op(idempotency), ctx(), config, "req-1", 7).unwrap()
}

fn status(code: u16, headers: &[(&'static str, &str)]) -> Response<Vec<u8>> {
    let mut b = Response::builder().status(code);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Vec::new()).unwrap()
}

/// What a try ends with, as the fault matrix knows it.
#[derive(Clone, Debug)]
enum Fault {
    Status(u16, Option<u64>),
    ConnectFailed,
    ResetAfterSending,
    Timeout,
}

fn fault() -> impl Strategy<Value = Fault> {
    prop_oneof![
        (
            prop::sample::select(vec![400u16, 404, 408, 409, 429, 500, 502, 503, 504]),
            prop::option::of(0u64..120)
        )
            .prop_map(|(s, h)| Fault::Status(s, h)),
        Just(Fault::ConnectFailed),
        Just(Fault::ResetAfterSending),
        Just(Fault::Timeout),
    ]
}

fn headers_for(hint: Option<u64>) -> HeaderMap {
    let mut h = HeaderMap::new();
    if let Some(secs) = hint {
        h.insert("retry-after", secs.to_string().parse().unwrap());
    }
    h
}

proptest! {
    /// Every delay is within the cap and never earlier than the server's hint.
    #[test]
    fn delay_within_cap_and_after_hint(
        retries in 0u32..40,
        hint_ms in prop::option::of(0u64..200_000),
        initial_ms in 1u64..5_000,
        cap_ms in 1u64..120_000,
        random in 0.0f64..1.0,
    ) {
        let options = RetryOptions::default()
            .with_initial_delay(Duration::from_millis(initial_ms))
            .with_max_delay(Duration::from_millis(cap_ms));
        let hint = hint_ms.map(Duration::from_millis);
        if let Some(d) = delay(&options, retries, hint, random) {
            prop_assert!(d <= options.max_delay, "{d:?} over the cap");
            if let Some(h) = hint {
                prop_assert!(d >= h, "{d:?} before the hint {h:?}");
            }
        } else {
            prop_assert!(hint.is_some_and(|h| h > options.max_delay));
        }
    }

    /// A non-idempotent operation is retried only when the service cannot have acted on it.
    #[test]
    fn non_idempotent_never_retried_after_it_may_have_arrived(f in fault(), retries in 0u32..3) {
        let options = RetryOptions::default();
        let h;
        let t;
        let (outcome, service_did_not_act) = match &f {
            Fault::Status(s, hint) => {
                h = headers_for(*hint);
                let refused = *s == 429 || (*s == 503 && hint.is_some());
                (Outcome::Response { status: *s, headers: &h }, refused)
            }
            Fault::ConnectFailed => {
                t = TransportError::before_sending(TransportErrorKind::Connect, "refused");
                (Outcome::Transport(&t), true)
            }
            Fault::ResetAfterSending => {
                t = TransportError::after_sending(TransportErrorKind::Io, "reset");
                (Outcome::Transport(&t), false)
            }
            Fault::Timeout => {
                t = TransportError::after_sending(TransportErrorKind::Timeout, "per-try timeout");
                (Outcome::Transport(&t), false)
            }
        };
        let d = decide(&options, Idempotency::NotIdempotent, outcome, retries, Duration::ZERO,
            UNIX_EPOCH, 0.5);
        if !service_did_not_act {
            prop_assert_eq!(d, RetryDecision::GiveUp);
        }
    }

    /// Driven through the call machine, a non-idempotent call never sends again after a try that
    /// may have reached the service, and the time between tries honours every hint.
    #[test]
    fn call_machine_respects_idempotency_and_hints(faults in prop::collection::vec(fault(), 1..6)) {
        let mut c = call(Idempotency::NotIdempotent, RetryOptions::default());
        let mut now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let mut faults = faults.into_iter();
        let mut may_have_arrived = false;
        let mut sent_at: Option<(SystemTime, Option<u64>)> = None;
        loop {
            match c.poll(now) {
                CallPoll::Transmit(req) => {
                    prop_assert!(!may_have_arrived, "re-sent after a try may have arrived");
                    prop_assert_eq!(req.headers()[CLIENT_REQUEST_ID].to_str().unwrap(), "req-1");
                    if let Some((at, Some(hint))) = sent_at {
                        prop_assert!(now.duration_since(at).unwrap() >= Duration::from_secs(hint));
                    }
                    match faults.next() {
                        None => c.handle_response(now, status(204, &[])),
                        Some(Fault::Status(s, hint)) => {
                            may_have_arrived = !(s == 429 || (s == 503 && hint.is_some()));
                            sent_at = Some((now, hint));
                            let v = hint.map(|h| h.to_string()).unwrap_or_default();
                            let resp = if hint.is_some() { status(s, &[("retry-after", &v)]) } else { status(s, &[]) };
                            c.handle_response(now, resp);
                        }
                        Some(Fault::ConnectFailed) => {
                            sent_at = Some((now, None));
                            c.handle_transport_error(now,
                                TransportError::before_sending(TransportErrorKind::Connect, "x"));
                        }
                        Some(Fault::ResetAfterSending) | Some(Fault::Timeout) => {
                            may_have_arrived = true;
                            c.handle_transport_error(now,
                                TransportError::after_sending(TransportErrorKind::Io, "x"));
                        }
                    }
                }
                CallPoll::Sleep(until) => {
                    prop_assert!(until > now);
                    now = until;
                }
                CallPoll::NeedToken { .. } => prop_assert!(false, "no bearer auth here"),
                CallPoll::Done(_) => break,
            }
        }
    }
}

#[test]
fn a_503_with_retry_after_waits_then_succeeds_with_the_same_request_id() {
    let mut c = call(Idempotency::Idempotent, RetryOptions::default());
    let t0 = UNIX_EPOCH + Duration::from_secs(100);
    let CallPoll::Transmit(first) = c.poll(t0) else {
        panic!()
    };
    c.handle_response(t0, status(503, &[("retry-after", "2")]));
    let CallPoll::Sleep(until) = c.poll(t0) else {
        panic!()
    };
    assert!(until >= t0 + Duration::from_secs(2));
    // Polling early only repeats the sleep.
    assert!(matches!(c.poll(t0 + Duration::from_secs(1)), CallPoll::Sleep(u) if u == until));
    let CallPoll::Transmit(second) = c.poll(until) else {
        panic!()
    };
    assert_eq!(
        first.headers()[CLIENT_REQUEST_ID],
        second.headers()[CLIENT_REQUEST_ID]
    );
    c.handle_response(until, status(204, &[]));
    assert!(matches!(c.poll(until), CallPoll::Done(Ok(()))));
    assert_eq!(c.attempts(), 2);
}

#[test]
fn send_message_reset_after_sending_says_it_may_have_been_sent() {
    let mut c = call(Idempotency::NotIdempotent, RetryOptions::default());
    let t0 = UNIX_EPOCH;
    assert!(matches!(c.poll(t0), CallPoll::Transmit(_)));
    c.handle_transport_error(
        t0,
        TransportError::after_sending(TransportErrorKind::Io, "reset"),
    );
    let CallPoll::Done(Err(e)) = c.poll(t0) else {
        panic!()
    };
    assert!(e.may_have_been_sent(), "{e}");
    assert!(e.to_string().contains("may have been sent"), "{e}");
}

#[test]
fn retries_stop_at_the_limit_with_the_last_service_error() {
    let mut c = call(
        Idempotency::Idempotent,
        RetryOptions::default().with_max_retries(2),
    );
    let mut now = UNIX_EPOCH;
    let mut sends = 0;
    let result = loop {
        match c.poll(now) {
            CallPoll::Transmit(_) => {
                sends += 1;
                c.handle_response(now, status(500, &[]));
            }
            CallPoll::Sleep(until) => now = until,
            CallPoll::Done(r) => break r,
            CallPoll::NeedToken { .. } => panic!(),
        }
    };
    assert_eq!(sends, 3);
    assert_eq!(result.unwrap_err().status(), Some(500));
}

#[test]
fn the_call_budget_ends_retries() {
    let options = RetryOptions::default()
        .with_max_retries(100)
        .with_max_elapsed(Duration::from_secs(5));
    let mut c = call(Idempotency::Idempotent, options);
    let mut now = UNIX_EPOCH;
    let result = loop {
        match c.poll(now) {
            CallPoll::Transmit(_) => c.handle_response(now, status(503, &[("retry-after", "2")])),
            CallPoll::Sleep(until) => now = until,
            CallPoll::Done(r) => break r,
            CallPoll::NeedToken { .. } => panic!(),
        }
    };
    assert!(now.duration_since(UNIX_EPOCH).unwrap() <= Duration::from_secs(5));
    assert_eq!(result.unwrap_err().status(), Some(503));
}

/// A 500 or a hint-less 503 on send message is not retried because the service may have stored
/// the message; the error must say so (the fault matrix found it said "not sent").
#[test]
fn send_message_server_errors_say_whether_it_may_have_been_sent() {
    type Case = (u16, &'static [(&'static str, &'static str)], bool);
    let cases: [Case; 6] = [
        (500, &[], true),
        (502, &[], true),
        (504, &[], true),
        (503, &[], true),
        (503, &[("retry-after", "120")], false),
        (400, &[], false),
    ];
    for (code, headers, may) in cases {
        let mut c = call(Idempotency::NotIdempotent, RetryOptions::default());
        let t0 = UNIX_EPOCH;
        assert!(matches!(c.poll(t0), CallPoll::Transmit(_)));
        c.handle_response(t0, status(code, headers));
        let CallPoll::Done(Err(e)) = c.poll(t0) else {
            panic!("{code} {headers:?} was retried")
        };
        assert_eq!(e.status(), Some(code));
        assert_eq!(e.may_have_been_sent(), may, "{code} {headers:?}");
    }
    let unreadable = Error::Deserialize {
        status: 201,
        message: "eof".into(),
        body: b"{\"id\"".to_vec(),
        correlation: chat_core::Correlation::default(),
    };
    assert!(unreadable.may_have_been_sent());
}
