//! # chat-testkit
//!
//! Offline testing for the ACS Chat client: recorded sessions of the real service and their
//! replay, and an emulator of the service (over HTTP or TLS). For tests of the transports
//! themselves: test certificates ([`tls`]), endpoints that fail at the connection level
//! ([`faulty`]) and an HTTP CONNECT proxy that records what it relays ([`http_proxy`]).
#![forbid(unsafe_code)]

/// The recorded sessions of the live service that this repository carries
/// (`chat-testkit/recordings/`: `python/`, `python-testproxy/`, `js/`), with their provenance in
/// the folder's README. Tests and `chat-replay check` read them from here.
pub const RECORDINGS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/recordings");

pub mod emulator;
pub mod faulty;
mod net;
pub mod http_proxy;
pub mod recording;
pub mod replay;
pub mod tls;
