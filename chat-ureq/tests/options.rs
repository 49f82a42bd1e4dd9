//! Client options compose in any order, from the user's side: a per-call timeout survives a
//! later retry policy and the other way round; and the defaults.

mod support;

use std::time::Duration;

use chat_ureq::{
    ChatClient, ClientOptions, CommunicationTokenCredential, Error, RetryOptions,
    DEFAULT_PER_CALL_TIMEOUT, DEFAULT_PER_TRY_TIMEOUT,
};
use support::{Action, Server};

/// A per-try limit the test never reaches: only the per-call budget can end a hung call.
const LONG_TRY: Duration = Duration::from_secs(120);
const BUDGET: Duration = Duration::from_millis(300);

fn client(server: &Server, options: ClientOptions) -> ChatClient {
    let credential = CommunicationTokenCredential::new(support::token());
    let options = options.allow_loopback_http(true);
    ChatClient::with_options(&server.http_url(), credential, options).unwrap()
}

#[test]
fn a_per_call_timeout_is_kept_whichever_order_the_options_are_set_in() {
    let orders = [
        ClientOptions::default()
            .per_try_timeout(LONG_TRY)
            .per_call_timeout(BUDGET)
            .retry(RetryOptions::none()),
        ClientOptions::default()
            .retry(RetryOptions::none())
            .per_try_timeout(LONG_TRY)
            .per_call_timeout(BUDGET),
    ];
    for options in orders {
        assert_eq!(options.call_budget(), BUDGET);
        let server = Server::http(|_, _| Action::Hang);
        let chat = client(&server, options);
        // Were the budget reset to 300 s, this call would wait out the 120 s try and end
        // in a transport timeout instead.
        let err = chat
            .delete_chat_thread("19:a@thread.v2")
            .call()
            .unwrap_err();
        assert!(
            matches!(err, Error::CallTimeout { attempts: 1, .. }),
            "{err:?}"
        );
        assert_eq!(server.requests().len(), 1);
    }
}

#[test]
fn a_retry_policy_is_kept_whichever_order_the_options_are_set_in() {
    let retry = RetryOptions::default()
        .with_max_retries(2)
        .with_initial_delay(Duration::from_millis(1));
    let orders = [
        ClientOptions::default()
            .retry(retry)
            .per_call_timeout(Duration::from_secs(30)),
        ClientOptions::default()
            .per_call_timeout(Duration::from_secs(30))
            .retry(retry),
    ];
    for options in orders {
        assert_eq!(options.call_budget(), Duration::from_secs(30));
        let server = Server::http(|_, _| Action::empty(503));
        let chat = client(&server, options);
        let err = chat
            .delete_chat_thread("19:a@thread.v2")
            .call()
            .unwrap_err();
        assert_eq!(err.status(), Some(503), "{err:?}");
        assert_eq!(server.requests().len(), 3, "the first try and 2 retries");
    }
}

#[test]
fn without_a_per_call_timeout_the_retry_policy_budget_applies() {
    let retry = RetryOptions::none().with_max_elapsed(Duration::from_secs(7));
    let options = ClientOptions::default().retry(retry);
    assert_eq!(options.call_budget(), Duration::from_secs(7));
    assert_eq!(
        options
            .per_call_timeout(Duration::from_secs(9))
            .call_budget(),
        Duration::from_secs(9),
        "an explicit per-call timeout wins"
    );
}

#[test]
fn the_defaults_are_60_seconds_per_try_and_300_per_call() {
    let options = ClientOptions::default();
    assert_eq!(options.per_try_timeout, DEFAULT_PER_TRY_TIMEOUT);
    assert_eq!(DEFAULT_PER_TRY_TIMEOUT, Duration::from_secs(60));
    assert_eq!(options.call_budget(), DEFAULT_PER_CALL_TIMEOUT);
    assert_eq!(DEFAULT_PER_CALL_TIMEOUT, Duration::from_secs(300));
    assert_eq!(
        RetryOptions::default().max_elapsed,
        DEFAULT_PER_CALL_TIMEOUT
    );
}
