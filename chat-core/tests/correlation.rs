//! The ids a failed call carries, and what the call driver tells a transport's log about each
//! try: the operation's name, the retry it scheduled and why.

use std::time::{Duration, UNIX_EPOCH};

use chat_core::http::Response;
use chat_core::retry::RetryReason;
use chat_core::threads::GetThreadProperties;
use chat_core::{
    Auth, Call, CallConfig, CallPoll, ChatContext, Endpoint, Error, RetryOptions, TransportError,
    TransportErrorKind,
};

fn call(retries: u32) -> Call<GetThreadProperties> {
    let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
    let mut config = CallConfig::new(Auth::None);
    config.retry = RetryOptions::default()
        .with_max_retries(retries)
        .with_initial_delay(Duration::from_millis(10));
    let op = GetThreadProperties::new("19:a@thread.v2");
    Call::new(op, ctx, config, "cid-1", 7).unwrap()
}

fn response(status: u16, ids: &[(&str, &str)], body: &str) -> Response<Vec<u8>> {
    let mut builder = Response::builder().status(status);
    for (name, value) in ids {
        builder = builder.header(*name, *value);
    }
    builder.body(body.as_bytes().to_vec()).unwrap()
}

/// Drives `call`, answering each try with the next of `answers`; returns the result and the
/// retries scheduled after each try.
fn run(
    mut call: Call<GetThreadProperties>,
    mut answers: Vec<Result<Response<Vec<u8>>, TransportError>>,
) -> (Result<(), Error>, Vec<Option<RetryReason>>) {
    let mut now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
    let mut scheduled = Vec::new();
    answers.reverse();
    loop {
        match call.poll(now) {
            CallPoll::Transmit(request) => {
                assert_eq!(request.headers()["x-ms-client-request-id"], "cid-1");
                match answers.pop().expect("an answer for every try") {
                    Ok(r) => call.handle_response(now, r),
                    Err(e) => call.handle_transport_error(now, e),
                }
                scheduled.push(call.scheduled_retry().map(|r| r.reason));
            }
            CallPoll::Sleep(until) => now = until.max(now + Duration::from_millis(1)),
            CallPoll::NeedToken { .. } => unreachable!("no bearer auth"),
            CallPoll::Done(result) => return (result.map(drop), scheduled),
        }
    }
}

#[test]
fn a_service_error_carries_the_client_request_id_and_the_last_responses_ids() {
    let c = call(3);
    assert_eq!(c.operation_name(), "GetThreadProperties");
    assert_eq!(c.client_request_id(), "cid-1");
    let answers = vec![
        Ok(response(503, &[("ms-cv", "first.0")], "")),
        Ok(response(
            404,
            &[("ms-cv", "second.0"), ("x-ms-request-id", "r-2")],
            r#"{"error":{"code":"NotFound","message":"no thread"}}"#,
        )),
    ];
    let (result, scheduled) = run(c, answers);
    assert_eq!(scheduled, [Some(RetryReason::Status(503)), None]);
    let e = result.unwrap_err();
    let ids = e.correlation().unwrap();
    assert_eq!(ids.client_request_id(), Some("cid-1"));
    assert_eq!(ids.request_id(), Some("r-2"));
    assert_eq!(ids.ms_cv(), Some("second.0"));
    assert_eq!(
        e.to_string(),
        "service error 404: NotFound: no thread (x-ms-client-request-id: cid-1, \
         x-ms-request-id: r-2, MS-CV: second.0)"
    );
}

#[test]
fn a_transport_error_carries_the_client_request_id_only() {
    let refused = || TransportError::before_sending(TransportErrorKind::Connect, "refused");
    let answers = vec![Ok(response(500, &[("ms-cv", "x.0")], "")), Err(refused())];
    let (result, scheduled) = run(call(1), answers);
    assert_eq!(scheduled, [Some(RetryReason::Status(500)), None]);
    let e = result.unwrap_err();
    assert_eq!(e.client_request_id(), Some("cid-1"));
    // The earlier response's MS-CV is not this failure's.
    assert_eq!(e.correlation().unwrap().ms_cv(), None);
    assert_eq!(
        e.to_string(),
        "transport connect error: refused (x-ms-client-request-id: cid-1)"
    );
    let (_, scheduled) = run(call(1), vec![Err(refused()), Err(refused())]);
    assert_eq!(
        scheduled,
        [
            Some(RetryReason::Transport(TransportErrorKind::Connect)),
            None
        ]
    );
}

#[test]
fn an_unreadable_success_carries_the_ids_too() {
    let answers = vec![Ok(response(200, &[("x-ms-request-id", "r-9")], "{"))];
    let (result, _) = run(call(0), answers);
    let e = result.unwrap_err();
    assert!(matches!(e, Error::Deserialize { status: 200, .. }), "{e:?}");
    assert_eq!(e.client_request_id(), Some("cid-1"));
    assert_eq!(e.correlation().unwrap().request_id(), Some("r-9"));
    assert!(e
        .to_string()
        .ends_with("(x-ms-client-request-id: cid-1, x-ms-request-id: r-9)"));
}

#[test]
fn errors_before_any_try_carry_no_ids() {
    let e = Error::token_refresh("offline");
    assert!(e.correlation().is_none());
    let timeout = Error::call_timeout(2, Default::default());
    assert_eq!(timeout.to_string(), "the call timed out after 2 attempt(s)");
}
