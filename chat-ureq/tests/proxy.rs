//! chat-ureq through an explicit proxy (`ClientOptions::proxy`, issue 9 §2): the quickstart
//! flow against the emulator over TLS through the test CONNECT proxy with Basic credentials,
//! the failure table's proxy rows, `no_proxy` and `Proxy::None` going direct, wrong
//! credentials as a typed error, and credentials that never show in `Debug` (nor in an error or
//! the logs: `proxy_env.rs`, which runs alone, checks that for both ways). An explicit proxy applies to loopback hosts (unlike one from the environment), so
//! these tests reach the emulator at 127.0.0.1.

mod failures;
#[path = "proxied/mod.rs"]
mod proxied;
#[path = "failures/ureq.rs"]
mod ureq_drive;
#[path = "proxied/ureq.rs"]
mod ureq_flow;

use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
use chat_ureq::chat_core::client::Proxy;
use chat_ureq::{Error, IdentityClient, TransportErrorKind, UreqRunner};
use failures::Via;

fn proxy_with_credentials() -> (ConnectProxy, String) {
    let proxy = ConnectProxy::builder()
        .basic_auth("opt-user", "opt-pass-9d2")
        .start()
        .unwrap();
    let url = proxy.url_with_credentials().unwrap();
    (proxy, url)
}

#[test]
fn the_quickstart_runs_through_an_explicit_proxy_which_sees_only_ciphertext() {
    let (proxy, url) = proxy_with_credentials();
    let emulator = proxied::tls_emulator();
    let options = proxied::trusting(&emulator).proxy(Proxy::url(&url).unwrap());
    proxied::quickstart::<UreqRunner>(&emulator.connection_string(), options).unwrap();
    proxied::assert_only_tunnels(&proxy, 0, &proxied::loopback_target(&emulator));
    assert!(proxy
        .requests()
        .iter()
        .all(|r| r.header("proxy-authorization").is_some()));
}

#[test]
fn no_proxy_and_proxy_none_go_direct() {
    let (proxy, url) = proxy_with_credentials();
    let emulator = proxied::tls_emulator();
    let exempt = Proxy::url(&url).unwrap().no_proxy("localhost, 127.0.0.0/8");
    let loopback = emulator.connection_string();
    proxied::assert_bypasses::<UreqRunner>(
        &proxy,
        &emulator,
        &loopback,
        proxied::trusting(&emulator).proxy(exempt),
    );
    proxied::assert_bypasses::<UreqRunner>(
        &proxy,
        &emulator,
        &loopback,
        proxied::trusting(&emulator).proxy(Proxy::None),
    );
}

#[test]
fn a_refusing_proxy_gives_the_tables_typed_errors() {
    let (proxy, _) = proxy_with_credentials();
    failures::run_proxy_rows::<UreqRunner>("chat-ureq, ClientOptions::proxy", &proxy, Via::Options);
}

#[test]
fn wrong_proxy_credentials_are_a_connect_error_that_never_reached_the_service() {
    let (proxy, _) = proxy_with_credentials();
    proxy.set_behaviour(ProxyBehaviour::Tunnel);
    let emulator = proxied::tls_emulator();
    let wrong = format!("http://opt-user:wrong-pass-1c4@{}", proxy.local_addr());
    let options = proxied::trusting(&emulator)
        .proxy(Proxy::url(&wrong).unwrap())
        .retry(chat_ureq::RetryOptions::none());
    let err = proxied::identity_round_trip::<UreqRunner>(&emulator.connection_string(), options)
        .unwrap_err();
    let Error::Transport(t) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(t.kind, TransportErrorKind::Connect, "{t:?}");
    assert!(!t.may_have_reached_service);
    assert_eq!(proxy.requests()[0].status, Some(407));
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .handled,
        0
    );
    assert!(!format!("{err} {err:?}").contains("wrong-pass"));
}

#[test]
fn proxy_credentials_never_show_in_debug() {
    let (_proxy, url) = proxy_with_credentials();
    let emulator = proxied::tls_emulator();
    let options = proxied::trusting(&emulator).proxy(Proxy::url(&url).unwrap());
    let shown = format!("{options:?}");
    assert!(shown.contains("[redacted]"), "{shown}");
    let identity =
        IdentityClient::from_connection_string_with_options(&emulator.connection_string(), options)
            .unwrap();
    let shown = format!("{shown} {identity:?}");
    assert!(shown.contains("127.0.0.1"), "{shown}");
    for secret in ["opt-pass-9d2", "opt-user", "b3B0LXVzZXI6"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}
