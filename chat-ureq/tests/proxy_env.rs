//! chat-ureq through the HTTP proxy the environment names (issue 9 §2, the default
//! `Proxy::FromEnvironment`): the quickstart flow against the emulator over TLS through
//! `HTTPS_PROXY` (with Basic credentials in its URL), the failure table's proxy rows (a proxy
//! that answers the CONNECT with 407 or 502, or closes), `NO_PROXY` going direct, and
//! `ALL_PROXY` as the fallback.
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

use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
use chat_ureq::UreqRunner;
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
    let proxy = ConnectProxy::builder()
        .basic_auth("env-user", "env-pass-5e1")
        .start()
        .unwrap();
    let url = proxy.url_with_credentials().unwrap();
    for name in VARIABLES {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTPS_PROXY", &url);

    failures::run_proxy_rows::<UreqRunner>("chat-ureq, HTTPS_PROXY", &proxy, Via::Environment);

    // A working tunnel: TLS end to end with the emulator, the proxy sees the CONNECT only.
    proxy.set_behaviour(ProxyBehaviour::Tunnel);
    let emulator = proxied::tls_emulator();
    let before = proxy.requests().len();
    proxied::quickstart::<UreqRunner>(&emulator, proxied::trusting(&emulator)).unwrap();
    proxied::assert_only_tunnels(&proxy, before, &emulator);
    // The credentials went to the proxy, on the CONNECT.
    let expected = "Basic ZW52LXVzZXI6ZW52LXBhc3MtNWUx";
    assert!(proxy.requests()[before..]
        .iter()
        .all(|r| r.header("proxy-authorization") == Some(expected)));

    // NO_PROXY names the emulator: straight there.
    std::env::set_var("NO_PROXY", "localhost,127.0.0.1");
    proxied::assert_bypasses::<UreqRunner>(&proxy, &emulator, proxied::trusting(&emulator));
    std::env::remove_var("NO_PROXY");

    // ALL_PROXY is the fallback when HTTPS_PROXY is unset (curl's rule).
    std::env::remove_var("HTTPS_PROXY");
    std::env::set_var("ALL_PROXY", &url);
    let before = proxy.requests().len();
    proxied::identity_round_trip::<UreqRunner>(&emulator, proxied::trusting(&emulator)).unwrap();
    proxied::assert_only_tunnels(&proxy, before, &emulator);
}
