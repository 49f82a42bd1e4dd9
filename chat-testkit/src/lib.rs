//! # chat-testkit
//!
//! Offline testing for the ACS Chat client: recorded sessions of the real service and their
//! replay, and an emulator of the service.
//!
//! To test your own app the same way — record each test once against your resource, replay it
//! offline in every `cargo test` after — start a [`TestSession`] in the test (see
//! [`session`]). The recording proxy behind it ([`proxy`]) and the replay server
//! ([`replay::ReplayServer`]) also run standalone, for clients in any language:
//! `chat-replay record --upstream <url or connection string> --out FILE` and
//! `chat-replay serve FILE`.
#![forbid(unsafe_code)]

/// The recorded sessions of the live service that this repository carries
/// (`chat-testkit/recordings/`: `python/`, `python-testproxy/`, `js/`), with their provenance in
/// the folder's README. Tests and `chat-replay check` read them from here.
pub const RECORDINGS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/recordings");

pub mod emulator;
mod loopback;
pub mod proxy;
pub mod recording;
pub mod replay;
pub mod session;

pub use session::{SessionError, TestMode, TestSession};
