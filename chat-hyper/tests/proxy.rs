//! chat-hyper through an explicit proxy (`ClientOptions::proxy`, issue 9 §2): the quickstart
//! flow against the emulator over TLS through the test CONNECT proxy with Basic credentials,
//! the failure table's proxy rows, `no_proxy` and `Proxy::None` going direct, wrong
//! credentials as a typed error, and credentials that never show in `Debug` (nor in an error or
//! the logs: `proxy_env.rs`, which runs alone, checks that for both ways). An explicit proxy applies to loopback hosts (unlike one from the environment), so
//! these tests reach the emulator at 127.0.0.1.

mod drive;
#[path = "../../chat-ureq/tests/failures/mod.rs"]
mod failures;
#[path = "drive/flow.rs"]
mod hyper_flow;
#[path = "../../chat-ureq/tests/proxied/mod.rs"]
mod proxied;
mod runtime;

use chat_hyper::chat_core::client::Proxy;
use chat_hyper::{Error, HyperRunner, IdentityClient, TransportErrorKind};
use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
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
    proxied::quickstart::<HyperRunner>(&emulator.connection_string(), options).unwrap();
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
    proxied::assert_bypasses::<HyperRunner>(
        &proxy,
        &emulator,
        &loopback,
        proxied::trusting(&emulator).proxy(exempt),
    );
    proxied::assert_bypasses::<HyperRunner>(
        &proxy,
        &emulator,
        &loopback,
        proxied::trusting(&emulator).proxy(Proxy::None),
    );
}

#[test]
fn a_refusing_proxy_gives_the_tables_typed_errors() {
    let (proxy, _) = proxy_with_credentials();
    failures::run_proxy_rows::<HyperRunner>(
        "chat-hyper, ClientOptions::proxy",
        &proxy,
        Via::Options,
    );
}

#[test]
fn wrong_proxy_credentials_are_a_connect_error_that_never_reached_the_service() {
    let (proxy, _) = proxy_with_credentials();
    proxy.set_behaviour(ProxyBehaviour::Tunnel);
    let emulator = proxied::tls_emulator();
    let wrong = format!("http://opt-user:wrong-pass-1c4@{}", proxy.local_addr());
    let options = proxied::trusting(&emulator)
        .proxy(Proxy::url(&wrong).unwrap())
        .retry(chat_hyper::RetryOptions::none());
    let err = proxied::identity_round_trip::<HyperRunner>(&emulator.connection_string(), options)
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

/// The core's rules against hyper-util's matcher, for the same proxy and `NO_PROXY` list. An
/// explicit proxy agrees on every host. Rules read from the environment agree on every host but
/// loopback ones, a deliberate difference: hyper-util (like curl) proxies `127.0.0.1` unless
/// `NO_PROXY` names it, while the core never takes a proxy from the environment for a loopback
/// host (as Go's `ProxyFromEnvironment`), so a local emulator keeps working behind a corporate
/// proxy.
#[test]
fn the_core_proxy_rules_agree_with_hyper_utils_matcher_but_for_loopback_from_the_environment() {
    use hyper_util::client::proxy::matcher::Matcher;

    let no_proxy = "example.com, .internal.test,10.0.0.0/8, 192.168.1.7,::1,fd00::/8,LocalHost";
    let explicit = Proxy::url("http://p:3128")
        .unwrap()
        .no_proxy(no_proxy)
        .resolve()
        .unwrap();
    let environment = Proxy::FromEnvironment
        .resolve_with(|name| match name {
            "HTTPS_PROXY" | "HTTP_PROXY" => Some("http://p:3128".to_owned()),
            "NO_PROXY" => Some(no_proxy.to_owned()),
            _ => None,
        })
        .unwrap();
    let theirs = Matcher::builder()
        .https("http://p:3128")
        .http("http://p:3128")
        .no(no_proxy)
        .build();
    let hosts = [
        "example.com",
        "a.example.com",
        "A.Example.COM",
        "notexample.com",
        "example.com.evil",
        "internal.test",
        "x.internal.test",
        "10.1.2.3",
        "11.0.0.1",
        "192.168.1.7",
        "192.168.1.8",
        "127.0.0.1",
        "127.0.0.2",
        "[::1]",
        "[fd00::5]",
        "[fe80::1]",
        "localhost",
        "app.localhost",
        "[::ffff:127.0.0.1]",
        "contoso.communication.azure.com",
    ];
    // The loopback hosts the list does not name: proxied by hyper-util and an explicit proxy,
    // direct from the environment.
    let differ = ["127.0.0.1", "127.0.0.2", "[::ffff:127.0.0.1]"];
    for scheme in ["https", "http"] {
        for host in hosts {
            let uri: chat_hyper::http::Uri = format!("{scheme}://{host}:8443/").parse().unwrap();
            let theirs = theirs.intercept(&uri).map(|i| i.uri().to_string());
            let ours = |rules: &chat_hyper::chat_core::client::ProxyRules| {
                rules
                    .proxy_for(scheme, host)
                    .map(|s| format!("{}/", s.url_without_credentials()))
            };
            assert_eq!(ours(&explicit), theirs, "explicit, {scheme}://{host}");
            if differ.contains(&host) {
                assert_eq!(
                    theirs.as_deref(),
                    Some("http://p:3128/"),
                    "{scheme}://{host}"
                );
                assert_eq!(ours(&environment), None, "environment, {scheme}://{host}");
            } else {
                assert_eq!(ours(&environment), theirs, "environment, {scheme}://{host}");
            }
        }
    }
}
