//! Replaying a whole recorded flow with our own operations.
//!
//! For every recorded entry not yet used, [`replay_recording`] routes the recorded request to
//! the core operation with the same inputs ([`route`](fn@crate::recording::route::route)), and runs it through
//! the core's call driver or pager on a [`ReplayTransport`]. A listing walks every page, so the
//! continuation entries it follows are used up by it. The report says, per step, what ran,
//! which entries answered it and how it ended, plus the mismatches and unused entries.

use chat_core::Error;

use super::queue::{Exchange, Mismatch};
use super::runner::Runner;
use super::transport::ReplayTransport;
use crate::recording::{route, Matcher, Recording, RouteError};

/// One operation of a replayed flow.
#[derive(Debug)]
pub struct Step {
    /// The recorded entry the operation was built from.
    pub entry: usize,
    /// The operation's name, or `None` when the entry did not route.
    pub operation: Option<&'static str>,
    /// The recorded entries that answered the operation's requests, in order.
    pub answered_by: Vec<usize>,
    /// How it ended: items listed (1 for other operations), or the error.
    pub result: Result<usize, StepError>,
}

/// Why a step failed.
#[derive(Debug)]
#[non_exhaustive]
pub enum StepError {
    /// The recorded request did not route to an operation.
    Route(RouteError),
    /// The operation failed (a mismatch shows as a `ReplayMismatch` service error).
    Call(Error),
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Route(e) => e.fmt(f),
            Self::Call(e) => e.fmt(f),
        }
    }
}

/// What replaying a flow did.
#[derive(Debug)]
pub struct FlowReport {
    /// The operations run, in recorded order.
    pub steps: Vec<Step>,
    /// Requests that matched no remaining entry.
    pub mismatches: Vec<Mismatch>,
    /// Entries no request used.
    pub unused: Vec<usize>,
}

impl FlowReport {
    /// Every problem, one line each: failed steps, steps answered by another entry than the
    /// one they were built from, mismatches and unused entries. Empty when the flow replayed
    /// exactly.
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        for step in &self.steps {
            let name = step.operation.unwrap_or("?");
            if let Err(e) = &step.result {
                out.push(format!("entry {} ({name}): {e}", step.entry));
            }
            if step.result.is_ok() && step.answered_by.first() != Some(&step.entry) {
                out.push(format!(
                    "entry {} ({name}) was answered by entries {:?}",
                    step.entry, step.answered_by
                ));
            }
        }
        out.extend(self.mismatches.iter().map(|m| format!("mismatch: {m}")));
        out.extend(
            self.unused
                .iter()
                .map(|i| format!("entry {i} was never requested")),
        );
        out
    }
}

/// A [`Runner`] that answers from a recording and can say what it answered.
pub trait Replayer: Runner {
    /// The recorded entries that answered requests so far, in order.
    fn answered(&self) -> Vec<usize>;
    /// Requests that matched no remaining entry so far.
    fn mismatches(&self) -> Vec<Mismatch>;
    /// Entries not used yet.
    fn unused(&self) -> Vec<usize>;
}

impl Replayer for ReplayTransport {
    fn answered(&self) -> Vec<usize> {
        self.exchanges()
            .iter()
            .map(|x: &Exchange| x.entry)
            .collect()
    }

    fn mismatches(&self) -> Vec<Mismatch> {
        Self::mismatches(self).to_vec()
    }

    fn unused(&self) -> Vec<usize> {
        self.remaining()
    }
}

/// Replays `recording` with our operations on the in-memory transport (see the module doc).
pub fn replay_recording(recording: &Recording, matcher: Matcher) -> FlowReport {
    replay_with(recording, &mut ReplayTransport::new(recording, matcher))
}

/// Replays `recording` with our operations on `replayer`, which must answer from the same
/// recording.
pub fn replay_with<R: Replayer>(recording: &Recording, replayer: &mut R) -> FlowReport {
    let mut steps = Vec::new();
    for (index, entry) in recording.entries.iter().enumerate() {
        let before = replayer.answered();
        if before.contains(&index) {
            continue;
        }
        let (operation, result) = match route(entry) {
            Ok(route) => (
                Some(route.name()),
                route.run(replayer).map_err(StepError::Call),
            ),
            Err(e) => (None, Err(StepError::Route(e))),
        };
        let answered_by = replayer.answered().split_off(before.len());
        steps.push(Step {
            entry: index,
            operation,
            answered_by,
            result,
        });
    }
    FlowReport {
        steps,
        mismatches: replayer.mismatches(),
        unused: replayer.unused(),
    }
}
