//! The fault matrix, shared by both transports' `fault_matrix` tests: every chat operation
//! against every injected fault, each cell on a fresh emulator, with the expected outcome of
//! each cell written down once (DESIGN.md §2's retry rules, §6's matrix). Each cell also checks
//! what the transport logged (`cell::log_problems`): one call span per call, one try event per
//! request the emulator received, and none of the cell's contents, topics or credentials.
//!
//! A transport plugs in through [`Drive`]: how to wait for one call and how to page through a
//! listing. Everything else (seeding, injecting, counting, checking the emulator's state) is
//! here, so the two transports are held to the very same table.

mod cell;
mod world;

use std::sync::Arc;
use std::time::Duration;

use chat_core::client::{Connect, PendingList};
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_testkit::emulator::{Fault, FaultRule};

/// A token refresher, as both credentials take one.
pub(crate) type Refresh = Arc<dyn Fn() -> Result<AccessToken, String> + Send + Sync>;

/// What a transport supplies to run the matrix.
pub(crate) trait Drive: Connect + Send + Sync + 'static {
    /// Runs one prepared call to its end.
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error>;
    /// Pages through a listing, calling `between(i, n, token)` after page `i` of `n` items and
    /// continuation token `token` arrived and before the next is fetched; returns the items and
    /// the number of pages.
    fn collect_pages<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
        between: &mut dyn FnMut(usize, usize, Option<&str>),
    ) -> Result<(Vec<L::Item>, usize), Error>;
    /// A credential starting from `initial` that refreshes with `refresh`.
    fn credential(initial: AccessToken, refresh: Refresh) -> Self::Credential;
    /// Runs `f` where the transport's clients can be built and used.
    fn in_context<T>(f: impl FnOnce() -> T) -> T {
        f()
    }
}

/// The 16 chat operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    CreateThread,
    ListThreads,
    GetThread,
    UpdateThread,
    DeleteThread,
    SendMessage,
    GetMessage,
    ListMessages,
    UpdateMessage,
    DeleteMessage,
    ListParticipants,
    AddParticipants,
    RemoveParticipant,
    Typing,
    SendReadReceipt,
    ListReadReceipts,
}

/// Every operation, in table order.
pub(crate) const OPS: [Op; 16] = [
    Op::CreateThread,
    Op::ListThreads,
    Op::GetThread,
    Op::UpdateThread,
    Op::DeleteThread,
    Op::SendMessage,
    Op::GetMessage,
    Op::ListMessages,
    Op::UpdateMessage,
    Op::DeleteMessage,
    Op::ListParticipants,
    Op::AddParticipants,
    Op::RemoveParticipant,
    Op::Typing,
    Op::SendReadReceipt,
    Op::ListReadReceipts,
];

impl Op {
    fn is_listing(self) -> bool {
        matches!(
            self,
            Self::ListThreads
                | Self::ListMessages
                | Self::ListParticipants
                | Self::ListReadReceipts
        )
    }

    /// The service answers with no body (204, or 200 for typing and read receipts): a
    /// truncated body has nothing to cut.
    fn bodyless(self) -> bool {
        matches!(
            self,
            Self::UpdateThread
                | Self::DeleteThread
                | Self::UpdateMessage
                | Self::DeleteMessage
                | Self::RemoveParticipant
                | Self::Typing
                | Self::SendReadReceipt
        )
    }
}

/// The faults of the matrix. On a listing each hits the second page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    Status429Hint,
    Status429,
    Status503Hint,
    Status503,
    Status500,
    /// A 500 on every try: the policy gives up with the typed error.
    Status500Always,
    ResetBefore,
    ResetAfter,
    Truncated,
    /// The user's tokens are revoked (before the call, or between two pages of a listing); the
    /// credential's refresher gets a new valid token.
    Revoked401,
}

/// Every fault, in column order.
pub(crate) const CASES: [Case; 10] = [
    Case::Status429Hint,
    Case::Status429,
    Case::Status503Hint,
    Case::Status503,
    Case::Status500,
    Case::Status500Always,
    Case::ResetBefore,
    Case::ResetAfter,
    Case::Truncated,
    Case::Revoked401,
];

impl Case {
    fn label(self) -> &'static str {
        match self {
            Self::Status429Hint => "429+RA",
            Self::Status429 => "429",
            Self::Status503Hint => "503+RA",
            Self::Status503 => "503",
            Self::Status500 => "500",
            Self::Status500Always => "500-always",
            Self::ResetBefore => "rst-pre",
            Self::ResetAfter => "rst-post",
            Self::Truncated => "trunc",
            Self::Revoked401 => "401",
        }
    }

    fn fault(self) -> Option<Fault> {
        let status = |status, retry_after| Fault::Status {
            status,
            retry_after,
        };
        Some(match self {
            Self::Status429Hint => status(429, Some(1)),
            Self::Status429 => status(429, None),
            Self::Status503Hint => status(503, Some(1)),
            Self::Status503 => status(503, None),
            Self::Status500 | Self::Status500Always => status(500, None),
            Self::ResetBefore => Fault::ResetBeforeService,
            Self::ResetAfter => Fault::ResetAfterService,
            Self::Truncated => Fault::TruncatedBody,
            Self::Revoked401 => return None,
        })
    }

    /// The rule for this case's fault: once, or on every request.
    fn rule(self) -> Option<FaultRule> {
        let rule = FaultRule::new(self.fault()?);
        Some(match self {
            Self::Status500Always => rule,
            _ => rule.times(1),
        })
    }
}

/// How a failed call must fail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Failure {
    /// The service's error with this status, not retried.
    Service(u16),
    /// A transport failure after the request was sent.
    Transport,
}

/// The expected outcome of a cell. Counts are for a single-request operation; a listing of
/// `n` pages adds `n - 1` to both (or 1, its first page, when it fails on the second).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Expect {
    /// `None`: the call succeeds.
    pub failure: Option<Failure>,
    /// Requests the emulator received.
    pub received: u64,
    /// Requests its service logic ran.
    pub handled: u64,
    /// The call cannot end sooner (a Retry-After of one second is honoured).
    pub at_least: Duration,
}

/// The table: DESIGN.md §2. Every repeat-harmless operation is retried after every fault; send
/// message only when the service cannot have acted (429, 503 with a hint), and any other failure
/// after sending says it may have been sent. A reset "before the service acts" happens after the
/// request was written, so the client cannot tell it from a reset after: for send message it is
/// an ambiguous failure, not a retry.
pub(crate) fn expect(op: Op, case: Case) -> Expect {
    let ok = |received, handled| Expect {
        failure: None,
        received,
        handled,
        at_least: Duration::ZERO,
    };
    let fail = |failure, received, handled| Expect {
        failure: Some(failure),
        received,
        handled,
        at_least: Duration::ZERO,
    };
    let send = op == Op::SendMessage;
    match case {
        Case::Status429Hint | Case::Status503Hint => Expect {
            at_least: Duration::from_secs(1),
            ..ok(2, 1)
        },
        Case::Status429 => ok(2, 1),
        Case::Status503 if send => fail(Failure::Service(503), 1, 0),
        Case::Status500 if send => fail(Failure::Service(500), 1, 0),
        Case::Status503 | Case::Status500 => ok(2, 1),
        // The first try and the three retries of the default policy, then the last error.
        Case::Status500Always if send => fail(Failure::Service(500), 1, 0),
        Case::Status500Always => fail(Failure::Service(500), 4, 0),
        Case::ResetBefore if send => fail(Failure::Transport, 1, 0),
        Case::ResetBefore => ok(2, 1),
        Case::ResetAfter | Case::Truncated if send => fail(Failure::Transport, 1, 1),
        Case::Truncated if op.bodyless() => ok(1, 1),
        Case::ResetAfter | Case::Truncated => ok(2, 2),
        // The 401 is the service's answer too: two requests handled, one acted on.
        Case::Revoked401 => ok(2, 2),
    }
}

/// What one cell did.
#[derive(Debug)]
pub(crate) struct Report {
    pub op: Op,
    pub case: Case,
    /// Short outcome for the summary, e.g. `ok 2/1` or `E503 mhbs 1/0`.
    pub outcome: String,
    /// Every way the cell differed from the table; empty when it passed.
    pub problems: Vec<String>,
}

/// Runs the whole matrix, a batch of cells at a time, prints the summary and fails on any
/// cell that differs from the table.
pub(crate) fn run_matrix<R: Drive>(transport: &str) {
    let cells: Vec<(Op, Case)> = OPS
        .iter()
        .flat_map(|&op| CASES.iter().map(move |&case| (op, case)))
        .collect();
    let mut reports = Vec::new();
    for batch in cells.chunks(24) {
        std::thread::scope(|s| {
            let handles: Vec<_> = batch
                .iter()
                .map(|&(op, case)| {
                    (
                        op,
                        case,
                        s.spawn(move || R::in_context(|| cell::cell::<R>(op, case))),
                    )
                })
                .collect();
            for (op, case, handle) in handles {
                reports.push(handle.join().unwrap_or_else(|_| Report {
                    op,
                    case,
                    outcome: "PANIC".into(),
                    problems: vec!["the cell panicked".into()],
                }));
            }
        });
    }
    println!("{}", summary(transport, &reports));
    let failures: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.problems
                .iter()
                .map(move |p| format!("{:?} × {}: {p}", r.op, r.case.label()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{transport}: {} cell problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(reports.len(), OPS.len() * CASES.len());
}

fn summary(transport: &str, reports: &[Report]) -> String {
    let mut out = format!("fault matrix ({transport}): outcome received/handled\n");
    out.push_str(&format!("{:<20}", "operation"));
    for case in CASES {
        out.push_str(&format!("{:<17}", case.label()));
    }
    for op in OPS {
        out.push_str(&format!("\n{:<20}", format!("{op:?}")));
        for case in CASES {
            let r = reports.iter().find(|r| r.op == op && r.case == case);
            let text = r.map_or("-".to_owned(), |r| {
                let mark = if r.problems.is_empty() { "" } else { "!" };
                format!("{mark}{}", r.outcome)
            });
            out.push_str(&format!("{text:<17}"));
        }
    }
    out
}
