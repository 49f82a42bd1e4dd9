//! chat-ureq through an HTTP proxy named by `HTTPS_PROXY`: ureq's default configuration reads
//! `ALL_PROXY`, `HTTPS_PROXY`, `HTTP_PROXY` (and `NO_PROXY`) when a client is built, and chat-ureq
//! keeps that default. This runs the failure table's proxy rows (`failures/mod.rs`: a proxy
//! that answers the CONNECT with 407 or 502, or closes) and a call through a working tunnel to
//! the emulator over TLS.
//!
//! The environment is process-wide, so this file is its own test binary with a single test,
//! which sets the variables before it builds any client.

mod failures;
#[path = "failures/ureq.rs"]
mod ureq_drive;

use chat_core::identity::TokenScope;
use chat_testkit::emulator::Emulator;
use chat_testkit::http_proxy::{ConnectProxy, ProxyBehaviour};
use chat_ureq::{ClientOptions, IdentityClient, UreqRunner};

#[test]
fn https_proxy_from_the_environment_tunnels_and_its_failures_follow_the_table() {
    let proxy = ConnectProxy::start();
    for name in ["ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"] {
        std::env::remove_var(name);
    }
    std::env::set_var("HTTPS_PROXY", proxy.url());

    failures::run_proxy_rows::<UreqRunner>("chat-ureq, HTTPS_PROXY", &proxy);

    // A working tunnel: TLS end to end with the emulator, the proxy sees the CONNECT only.
    proxy.set_behaviour(ProxyBehaviour::Tunnel);
    let before = proxy.requests().len();
    let emulator = Emulator::builder().tls().start().unwrap();
    let options =
        ClientOptions::default().add_root_certificate(emulator.root_certificate_der().unwrap());
    let identity =
        IdentityClient::from_connection_string_with_options(&emulator.connection_string(), options)
            .unwrap();
    let created = identity
        .create_user_and_token([TokenScope::Chat])
        .call()
        .unwrap();
    identity.delete_user(created.user.raw_id()).call().unwrap();
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .handled,
        1
    );
    let tunnels = &proxy.requests()[before..];
    assert!(!tunnels.is_empty());
    for tunnel in tunnels {
        assert_eq!(tunnel.method, "CONNECT");
        assert_eq!(tunnel.target, emulator.local_addr().to_string());
        assert_eq!(tunnel.status, Some(200));
    }
    assert!(!proxy.relayed_contains(b"authorization"));
    assert!(!proxy.relayed_contains(b"/identities"));
}
