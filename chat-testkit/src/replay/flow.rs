//! Replaying a whole recorded flow with our own operations.
//!
//! For every recorded entry not yet used, [`replay_recording`] routes the recorded request to
//! the core operation with the same inputs ([`crate::recording::route`]), and runs it through
//! the core's call driver or pager on a [`ReplayTransport`]. A listing walks every page, so the
//! continuation entries it follows are used up by it. The report says, per step, what ran,
//! which entries answered it and how it ended, plus the mismatches and unused entries.

use chat_core::Error;

use super::queue::Mismatch;
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

/// Replays `recording` with our operations (see the module doc).
pub fn replay_recording(recording: &Recording, matcher: Matcher) -> FlowReport {
    let mut transport = ReplayTransport::new(recording, matcher);
    let mut steps = Vec::new();
    for (index, entry) in recording.entries.iter().enumerate() {
        if transport.exchanges().iter().any(|x| x.entry == index) {
            continue;
        }
        let before = transport.exchanges().len();
        let (operation, result) = match route(entry) {
            Ok(route) => (
                Some(route.name()),
                route.run(&mut transport).map_err(StepError::Call),
            ),
            Err(e) => (None, Err(StepError::Route(e))),
        };
        let answered_by = transport
            .exchanges()
            .iter()
            .skip(before)
            .map(|x| x.entry)
            .collect();
        steps.push(Step {
            entry: index,
            operation,
            answered_by,
            result,
        });
    }
    FlowReport {
        steps,
        mismatches: transport.mismatches().to_vec(),
        unused: transport.remaining(),
    }
}
