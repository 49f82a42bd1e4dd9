//! Issue 9 §2's must-show on proxies, shared by both transports' proxy tests like the failure
//! table: the quickstart flow against the emulator over TLS, through the test CONNECT proxy,
//! and what the proxy may have seen — the `CONNECT` line and TLS records, never a header, a
//! path, a token or a message.
//!
//! A proxy from the environment never applies to a loopback host, so the environment's tests
//! reach the emulator as [`ALIAS`] (`https://emulator.test:PORT`): a name only the test proxy
//! resolves (to the emulator's socket), which the emulator's certificate also names.
// Each test binary that includes this module uses part of it.
#![allow(dead_code)]

use chat_core::client::{ChatClient, ClientOptions, IdentityClient, PendingList};
use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::TokenScope;
use chat_core::participants::ChatParticipant;
use chat_core::{AccessToken, Error, ListOperation};
use chat_core::{RetryOptions, TransportErrorKind};
use chat_testkit::emulator::Emulator;
use chat_testkit::http_proxy::{ConnectProxy, ConnectProxyBuilder, ProxyBehaviour};
use chat_testkit::log_capture::LogCapture;

use crate::failures::Drive;

/// What a transport adds to the failure table's [`Drive`] to run the quickstart flow.
pub(crate) trait Flow: Drive {
    /// A chat credential holding `token`.
    fn token_credential(token: AccessToken) -> Self::Credential;
    /// Every item of a listing.
    fn collect<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<Vec<L::Item>, Error>;
}

/// A message and a topic the proxy must never see.
pub(crate) const MESSAGE: &str = "proxied message 7f3a9c";
pub(crate) const TOPIC: &str = "proxied topic 7f3a9c";

/// The name the emulator is reached by through a proxy from the environment: not loopback,
/// and under `.test`, so it resolves nowhere but in the test proxy.
pub(crate) const ALIAS: &str = "emulator.test";

/// The emulator over TLS, with a certificate of its own test CA for its loopback names and
/// [`ALIAS`].
pub(crate) fn tls_emulator() -> Emulator {
    Emulator::builder()
        .tls()
        .add_tls_name(ALIAS)
        .start()
        .expect("the emulator starts")
}

/// `proxy` resolving [`ALIAS`] at `emulator`'s port to the emulator's socket.
pub(crate) fn resolving_alias(proxy: ConnectProxyBuilder, emulator: &Emulator) -> ConnectProxy {
    proxy
        .resolve(ALIAS, emulator.local_addr())
        .start()
        .expect("the proxy starts")
}

/// The emulator's connection string naming [`ALIAS`]: `endpoint=https://emulator.test:PORT/`.
pub(crate) fn aliased(emulator: &Emulator) -> String {
    emulator.connection_string_for_host(ALIAS)
}

/// What a `CONNECT` to the emulator as [`ALIAS`] asks for: `emulator.test:PORT`.
pub(crate) fn aliased_target(emulator: &Emulator) -> String {
    format!("{ALIAS}:{}", emulator.local_addr().port())
}

/// What a `CONNECT` to the emulator at its loopback address asks for: `127.0.0.1:PORT`.
pub(crate) fn loopback_target(emulator: &Emulator) -> String {
    emulator.local_addr().to_string()
}

/// Options that trust the emulator's certificate (and nothing else).
pub(crate) fn trusting(emulator: &Emulator) -> ClientOptions {
    ClientOptions::default().add_root_certificate(
        emulator
            .root_certificate_der()
            .expect("the emulator serves TLS"),
    )
}

/// The quickstart flow: a user and its token, a thread, a message, a read receipt, the
/// listings, then the thread and the user deleted.
pub(crate) fn quickstart<R: Flow>(
    connection_string: &str,
    options: ClientOptions,
) -> Result<(), Error> {
    R::in_context(|| {
        let identity = IdentityClient::<R>::from_connection_string_with_options(
            connection_string,
            options.clone(),
        )?;
        let user = R::block(identity.create_user_and_token([TokenScope::Chat]).call())?;
        let token = user.access_token.clone().expect("a token was asked for");
        let me = CommunicationIdentifier::from(user.user.clone());
        let chat = ChatClient::<R>::with_options(
            identity.endpoint().as_str(),
            R::token_credential(token),
            options,
        )?;
        let created = R::block(
            chat.create_chat_thread(TOPIC)
                .participants(vec![ChatParticipant::new(me).display_name("Me")])
                .call(),
        )?;
        let thread = chat.chat_thread_client(&created.thread.id);
        let sent = R::block(
            thread
                .send_message(MESSAGE)
                .sender_display_name("Me")
                .call(),
        )?;
        R::block(thread.send_read_receipt(&sent.id).call())?;
        let messages = R::collect(thread.list_messages())?;
        assert!(messages.iter().any(|m| m.text() == Some(MESSAGE)));
        assert_eq!(R::collect(thread.list_participants())?.len(), 1);
        assert_eq!(R::collect(thread.list_read_receipts())?.len(), 1);
        assert_eq!(R::block(thread.get_properties().call())?.topic, TOPIC);
        R::block(chat.delete_chat_thread(&created.thread.id).call())?;
        R::block(identity.delete_user(user.user.raw_id()).call())?;
        Ok(())
    })
}

/// Creates and deletes a user: a short flow for the bypass checks.
pub(crate) fn identity_round_trip<R: Drive>(
    connection_string: &str,
    options: ClientOptions,
) -> Result<(), Error> {
    R::in_context(|| {
        let identity =
            IdentityClient::<R>::from_connection_string_with_options(connection_string, options)?;
        let user = R::block(identity.create_user().call())?;
        R::block(identity.delete_user(user.user.raw_id()).call())
    })
}

/// Checks that every request the proxy got from `before` on was a `CONNECT` to `target` (the
/// emulator's `host:port`) that it tunnelled, carrying no `authorization`, and that what it
/// relayed was TLS records only: no header name, path, message or topic appears in any byte it
/// saw. Returns how many tunnels there were.
pub(crate) fn assert_only_tunnels(proxy: &ConnectProxy, before: usize, target: &str) -> usize {
    let requests = proxy.requests();
    let tunnels = &requests[before..];
    assert!(!tunnels.is_empty(), "nothing went through the proxy");
    for tunnel in tunnels {
        assert_eq!(tunnel.method, "CONNECT", "{tunnel:?}");
        assert_eq!(tunnel.target, target, "{tunnel:?}");
        assert_eq!(tunnel.status, Some(200), "{tunnel:?}");
        assert!(tunnel.header("authorization").is_none(), "{tunnel:?}");
        // A TLS handshake record (0x16) opens what the client sent, and one what came back. A
        // tunnel may still be handshaking, or have been dropped mid-handshake, when this looks:
        // hyper-util's pool finishes connecting a connection a request no longer waits for.
        for relayed in [&tunnel.to_origin, &tunnel.from_origin] {
            assert!(
                matches!(relayed.first(), None | Some(0x16)),
                "not TLS: {tunnel:?}"
            );
        }
    }
    assert!(
        tunnels
            .iter()
            .any(|t| t.to_origin.first() == Some(&0x16) && t.from_origin.first() == Some(&0x16)),
        "no tunnel carried a TLS handshake both ways: {tunnels:?}"
    );
    for needle in [
        "authorization",
        "bearer",
        "x-ms-client-request-id",
        "/chat/threads",
        "/identities",
        "api-version",
        MESSAGE,
        TOPIC,
    ] {
        assert!(
            !proxy.relayed_contains(needle.as_bytes()),
            "the proxy saw {needle:?} in clear"
        );
    }
    tunnels.len()
}

/// Runs [`identity_round_trip`] on `connection_string` (naming `emulator`) with `options` and
/// checks it reached the emulator without a single request to `proxy`.
pub(crate) fn assert_bypasses<R: Drive>(
    proxy: &ConnectProxy,
    emulator: &Emulator,
    connection_string: &str,
    options: ClientOptions,
) {
    let before = proxy.requests().len();
    let handled = identities_handled(emulator);
    identity_round_trip::<R>(connection_string, options).expect("direct calls succeed");
    assert_eq!(proxy.requests().len(), before, "the proxy was used");
    assert_eq!(identities_handled(emulator), handled + 1);
}

/// Runs [`identity_round_trip`] on the emulator as [`ALIAS`] with `options` (once, no retry),
/// which must go direct: since only the proxy resolves that name, it must fail to connect,
/// before reaching the service, without a request to `proxy` or the emulator.
pub(crate) fn assert_bypass_cannot_resolve_alias<R: Drive>(
    proxy: &ConnectProxy,
    emulator: &Emulator,
    options: ClientOptions,
) {
    let before = proxy.requests().len();
    let handled = identities_handled(emulator);
    let err = identity_round_trip::<R>(&aliased(emulator), options.retry(RetryOptions::none()))
        .expect_err("emulator.test resolves only in the proxy");
    let Error::Transport(transport) = &err else {
        panic!("not a transport error: {err:?}")
    };
    assert_eq!(transport.kind, TransportErrorKind::Connect, "{err:?}");
    assert!(!transport.may_have_reached_service, "{err:?}");
    assert_eq!(proxy.requests().len(), before, "the proxy was used");
    assert_eq!(identities_handled(emulator), handled);
}

fn identities_handled(emulator: &Emulator) -> u64 {
    emulator
        .request_count_matching("POST", "/identities")
        .handled
}

/// Calls the emulator at `connection_string` with `options` (which name a proxy, from the
/// environment or explicitly, whose URL holds `password`) while the proxy refuses with 407,
/// then 502: each call fails with a `Connect` error, and neither the error's `Display` and
/// `Debug` nor anything logged during the call (captured on this thread) shows the password or
/// the Basic credentials it is encoded in.
///
/// Run it where no other test runs at the same time (the `proxy_env` binaries): tracing-core
/// caches each callsite's interest for all threads, and while a single dispatcher is
/// registered it takes it from the thread that reaches the callsite first, so another test
/// logging without a subscriber at the same time can disable the capture's callsites (seen in
/// the `proxy` binaries under load).
pub(crate) fn assert_refusals_never_show_the_password<R: Drive>(
    proxy: &ConnectProxy,
    connection_string: &str,
    options: &ClientOptions,
    password: &str,
    basic: &str,
) {
    for refusal in [407, 502] {
        proxy.set_behaviour(ProxyBehaviour::Refuse(refusal));
        let before = proxy.requests().len();
        let capture = LogCapture::new();
        let err = tracing::subscriber::with_default(capture.clone(), || {
            identity_round_trip::<R>(
                connection_string,
                options.clone().retry(RetryOptions::none()),
            )
        })
        .expect_err("the proxy refuses");
        let requests = proxy.requests();
        assert_eq!(requests.len(), before + 1, "one CONNECT, not retried");
        assert_eq!(requests[before].status, Some(refusal));
        let Error::Transport(transport) = &err else {
            panic!("not a transport error: {err:?}")
        };
        assert_eq!(transport.kind, TransportErrorKind::Connect, "{err:?}");
        let shown = format!("{err}\n{err:?}");
        for secret in [password, basic] {
            assert!(!shown.contains(secret), "{refusal}: {secret} in {shown}");
        }
        // The try's failure was logged (with its error's text), so there was something to leak.
        assert!(
            capture
                .events()
                .iter()
                .any(|e| e.field("error_kind") == Some("connect") && e.field("error").is_some()),
            "{refusal}: no failed try logged: {:#?}",
            capture.events()
        );
        let leaked = capture.leaks(&[password, basic]);
        assert!(leaked.is_empty(), "{refusal}: leaked {leaked:#?}");
    }
}
