//! # chat-testkit
//!
//! Offline testing for the ACS Chat client: recorded sessions of the real service and their
//! replay, and an emulator of the service (over HTTP or TLS).
//!
//! To test your own app the same way — record each test once against your resource, replay it
//! offline in every `cargo test` after — start a [`TestSession`] in the test (see
//! [`session`]). The recording proxy behind it ([`proxy`]) and the replay server
//! ([`replay::ReplayServer`]) also run standalone, for clients in any language:
//! `chat-replay record --upstream <url or connection string> --out FILE` and
//! `chat-replay serve FILE`.
//!
//! For tests of the transports themselves: test certificates ([`tls`]), endpoints that fail at
//! the connection level ([`faulty`]) and an HTTP CONNECT proxy that records what it relays
//! ([`http_proxy`]). For tests of the clients' logs: a `tracing` subscriber that captures every
//! span and event as text ([`log_capture`]).
#![forbid(unsafe_code)]

/// The recorded sessions of the live service that this repository carries
/// (`chat-testkit/recordings/`: `python/`, `python-testproxy/`, `js/`), with their provenance in
/// the folder's README. Tests and `chat-replay check` read them from here.
pub const RECORDINGS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/recordings");

pub mod emulator;
pub mod faulty;
pub mod http_proxy;
pub mod log_capture;
mod loopback;
mod net;
pub mod proxy;
pub mod recording;
pub mod replay;
pub mod session;
pub mod tls;

pub use session::{SessionError, TestMode, TestSession};
