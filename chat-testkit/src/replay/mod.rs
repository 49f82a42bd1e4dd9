//! Replaying recordings: in memory on a virtual clock ([`ReplayTransport`]), or over sockets on
//! 127.0.0.1 ([`ReplayServer`]) for the real transports. Both answer from a [`ReplayQueue`] and
//! keep every request that matched nothing as a [`Mismatch`]. [`replay_recording`] replays
//! a whole recorded flow with the core's own operations.

pub mod flow;
pub mod queue;
pub mod runner;
pub mod server;
pub mod transport;

pub use flow::{replay_recording, replay_with, FlowReport, Replayer, Step, StepError};
pub use queue::{Exchange, Mismatch, ReplayQueue};
pub use runner::Runner;
pub use server::ReplayServer;
pub use transport::ReplayTransport;
