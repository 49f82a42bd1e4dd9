//! chat-ureq through the HTTP proxy the environment names (issue 9 §2, the default
//! `Proxy::FromEnvironment`): the quickstart flow against the emulator over TLS through
//! `HTTPS_PROXY` (with Basic credentials in its URL), the failure table's proxy rows (a proxy
//! that answers the CONNECT with 407 or 502, or closes), a refusing proxy's password in no error
//! and no log, loopback hosts never proxied, `NO_PROXY` going direct, and `ALL_PROXY` as the
//! fallback.
//!
//! A proxy from the environment never applies to a loopback host, so the client reaches the
//! emulator as `https://emulator.test:PORT`: a name that only the test proxy resolves (to the
//! emulator's socket) and that the emulator's certificate names. Going direct to that name
//! fails to resolve, which is how a bypass shows.
//!
//! The environment is process-wide, so this file is its own test binary with a single test,
//! which sets the variables before it builds each client (the environment is read then).

mod failures;
#[path = "proxied/mod.rs"]
mod proxied;
#[path = "failures/ureq.rs"]
mod ureq_drive;
#[path = "proxied/ureq.rs"]
mod ureq_flow;

use chat_testkit::emulator::Emulator;
use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
use chat_ureq::{ClientOptions, Proxy, UreqRunner};
use failures::Via;

const VARIABLES: [&str; 8] = [
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

#[test]
fn the_proxy_in_the_environment_tunnels_the_quickstart_and_its_failures_follow_the_table() {
    let emulator = proxied::tls_emulator();
    let proxy = proxied::resolving_alias(
        ConnectProxy::builder().basic_auth("env-user", "env-pass-5e1"),
        &emulator,
    );
    let url = proxy.url_with_credentials().unwrap();
    for name in VARIABLES {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTPS_PROXY", &url);
    let aliased = proxied::aliased(&emulator);
    let trusting = || proxied::trusting(&emulator);

    failures::run_proxy_rows::<UreqRunner>("chat-ureq, HTTPS_PROXY", &proxy, Via::Environment);

    // A refusing proxy's password is in no error and no log: named by HTTPS_PROXY, then
    // explicitly (which also applies to the emulator's loopback address).
    proxied::assert_refusals_never_show_the_password::<UreqRunner>(
        &proxy,
        &aliased,
        &trusting(),
        "env-pass-5e1",
        "ZW52LXVzZXI6ZW52LXBhc3MtNWUx",
    );
    proxied::assert_refusals_never_show_the_password::<UreqRunner>(
        &proxy,
        &emulator.connection_string(),
        &trusting().proxy(Proxy::url(&url).unwrap()),
        "env-pass-5e1",
        "ZW52LXVzZXI6ZW52LXBhc3MtNWUx",
    );

    // A working tunnel: TLS end to end with the emulator, the proxy sees the CONNECT only.
    proxy.set_behaviour(ProxyBehaviour::Tunnel);
    let before = proxy.requests().len();
    proxied::quickstart::<UreqRunner>(&aliased, trusting()).unwrap();
    proxied::assert_only_tunnels(&proxy, before, &proxied::aliased_target(&emulator));
    // The credentials went to the proxy, on the CONNECT.
    let expected = "Basic ZW52LXVzZXI6ZW52LXBhc3MtNWUx";
    assert!(proxy.requests()[before..]
        .iter()
        .all(|r| r.header("proxy-authorization") == Some(expected)));

    // Loopback hosts never take the environment's proxy: the same emulator at 127.0.0.1 is
    // reached directly, and so is a plain-HTTP one with HTTP_PROXY set too.
    proxied::assert_bypasses::<UreqRunner>(
        &proxy,
        &emulator,
        &emulator.connection_string(),
        trusting(),
    );
    std::env::set_var("HTTP_PROXY", &url);
    let plain = Emulator::start();
    proxied::assert_bypasses::<UreqRunner>(
        &proxy,
        &plain,
        &plain.connection_string(),
        ClientOptions::default().allow_loopback_http(true),
    );
    std::env::remove_var("HTTP_PROXY");

    // NO_PROXY names the emulator's alias (as itself, then as a domain): the client goes
    // direct, where the name does not resolve.
    for list in [proxied::ALIAS, "example.com, .test"] {
        std::env::set_var("NO_PROXY", list);
        proxied::assert_bypass_cannot_resolve_alias::<UreqRunner>(&proxy, &emulator, trusting());
    }
    std::env::remove_var("NO_PROXY");

    // ALL_PROXY is the fallback when HTTPS_PROXY is unset (curl's rule).
    std::env::remove_var("HTTPS_PROXY");
    std::env::set_var("ALL_PROXY", &url);
    let before = proxy.requests().len();
    proxied::identity_round_trip::<UreqRunner>(&aliased, trusting()).unwrap();
    proxied::assert_only_tunnels(&proxy, before, &proxied::aliased_target(&emulator));
}
