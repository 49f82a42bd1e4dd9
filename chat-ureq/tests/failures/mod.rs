//! The connection-level failure table (issue 9 §1, DESIGN.md §9's one failure model), shared by
//! both transports' `failure_table` tests like the fault matrix: every way a connection can fail
//! below HTTP, with the [`TransportErrorKind`] and "may have reached the service" each must give,
//! written down once. For every row and both kinds of operation (a read, whose repeat is
//! harmless, and send message, whose repeat is visible) a cell checks
//! - the error: `Error::Transport` with the row's kind and `may_have_reached_service`, and
//!   `may_have_been_sent()` saying the same;
//! - the retry decision: what `chat_core::retry::decide` makes of that error, and that the
//!   client did it — counted by the server where there is one (connections or requests), and
//!   otherwise seen in the time the call took (two retries wait at least 2.4 s under the
//!   table's policy; a lower bound only, so a slow machine cannot fail it).
//!
//! The proxy rows need a client that goes through a proxy: [`run_proxy_rows`] takes one, set
//! in the environment (`HTTPS_PROXY`, each transport's `proxy_env.rs`) or in the options
//! (each transport's `proxy.rs`).
// Each test binary that includes this module runs part of it.
#![allow(dead_code)]

mod rows;

use std::time::{Duration, Instant, SystemTime};

use chat_core::client::{ChatClient, ClientOptions, Connect};
use chat_core::retry::{decide, Outcome, RetryDecision};
use chat_core::{Error, Idempotency, Operation, RetryOptions, TransportError, TransportErrorKind};
use chat_testkit::http_proxy::ConnectProxy;

pub(crate) use rows::{Row, Via, ROWS};

/// What a transport supplies to run the table.
pub(crate) trait Drive: Connect + Send + Sync + 'static {
    /// Runs one prepared call to its end.
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error>;
    /// A credential holding a valid static token.
    fn credential() -> Self::Credential;
    /// Runs `f` where the transport's clients can be built and used.
    fn in_context<T>(f: impl FnOnce() -> T) -> T {
        f()
    }
}

/// The two operations each row is tried with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    /// Get thread properties: a read, retried after any transient failure.
    Read,
    /// Send message: retried only when the service cannot have acted.
    Send,
}

impl Op {
    fn idempotency(self) -> Idempotency {
        match self {
            Self::Read => Idempotency::Idempotent,
            Self::Send => Idempotency::NotIdempotent,
        }
    }
}

/// What every cell's error must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Expect {
    pub kind: TransportErrorKind,
    pub may_have_reached_service: bool,
}

/// The table. Failures before a byte of the request was written (no such host, refused, no
/// connection in time, a TLS handshake that fails, a proxy that will not open the tunnel) did
/// not reach the service; any failure once the request was written may have.
pub(crate) fn expect(row: Row) -> Expect {
    use TransportErrorKind as K;
    let (kind, may_have_reached_service) = match row {
        Row::UnresolvableHost | Row::Refused => (K::Connect, false),
        Row::ConnectHangs => (K::Timeout, false),
        Row::TlsUntrusted | Row::TlsOtherHost => (K::Tls, false),
        Row::TlsHandshakeStalls => (K::Timeout, false),
        Row::TlsHandshakeReset => (K::Connect, false),
        Row::Proxy407 | Row::Proxy502 | Row::ProxyCloses => (K::Connect, false),
        Row::CloseBeforeResponse
        | Row::ResetBeforeResponse
        | Row::ResetAfterHead
        | Row::ResetMidBody => (K::Io, true),
        Row::NoResponse => (K::Timeout, true),
    };
    Expect {
        kind,
        may_have_reached_service,
    }
}

/// The retry policy of every cell: two retries, the first after about a second.
pub(crate) fn policy() -> RetryOptions {
    RetryOptions::default()
        .with_max_retries(2)
        .with_initial_delay(Duration::from_secs(1))
        .with_max_delay(Duration::from_secs(10))
}

/// The least time two retries wait under [`policy`]: 1 s and 2 s, each jittered down by 20 %.
const TWO_RETRY_DELAYS: Duration = Duration::from_millis(2400);

/// The per-try limit of the rows that wait for a timeout.
pub(crate) const SHORT_TRY: Duration = Duration::from_secs(1);

/// Whether the core retries a failure like `expect` for `op`.
fn retried(op: Op, expect: Expect) -> bool {
    let error = if expect.may_have_reached_service {
        TransportError::after_sending(expect.kind, "table")
    } else {
        TransportError::before_sending(expect.kind, "table")
    };
    matches!(
        decide(
            &policy(),
            op.idempotency(),
            Outcome::Transport(&error),
            0,
            Duration::ZERO,
            SystemTime::now(),
            0.5,
        ),
        RetryDecision::RetryAfter(_)
    )
}

/// What one cell saw.
#[derive(Debug)]
pub(crate) struct Report {
    pub row: Row,
    pub op: Op,
    /// `(kind, may_have_reached_service)` of the error, when it was a transport error.
    pub got: Option<(TransportErrorKind, bool)>,
    pub tries: String,
    pub problems: Vec<String>,
}

/// Where a row's client goes and how to count its tries.
pub(crate) struct Target {
    pub endpoint: String,
    pub options: ClientOptions,
    /// Tries as the far end counted them (connections or requests), when it can.
    pub tries: Option<Box<dyn Fn() -> usize + Send>>,
    /// What must live as long as the cell (servers, listeners).
    pub _keep: Box<dyn Send>,
}

/// Runs one cell: builds the row's target, makes the call, checks it against the table.
pub(crate) fn cell<R: Drive>(row: Row, op: Op, target: Target) -> Report {
    let expect = expect(row);
    let options = target.options.clone().retry(policy());
    let started = Instant::now();
    let result = R::in_context(|| {
        let chat = ChatClient::<R>::with_options(&target.endpoint, R::credential(), options)
            .map_err(|e| format!("client: {e}"))?;
        let thread = chat.chat_thread_client("19:table@thread.v2");
        Ok::<_, String>(match op {
            Op::Read => R::block(thread.get_properties().call()).map(drop),
            Op::Send => R::block(thread.send_message("table").call()).map(drop),
        })
    });
    let elapsed = started.elapsed();
    let mut problems = Vec::new();
    let mut got = None;
    match result {
        Err(e) => problems.push(e),
        Ok(Ok(())) => problems.push("the call succeeded".into()),
        Ok(Err(Error::Transport(t))) => {
            got = Some((t.kind, t.may_have_reached_service));
            if (t.kind, t.may_have_reached_service)
                != (expect.kind, expect.may_have_reached_service)
            {
                problems.push(format!(
                    "got ({:?}, may_have_reached_service {}), table says ({:?}, {}): {}",
                    t.kind,
                    t.may_have_reached_service,
                    expect.kind,
                    expect.may_have_reached_service,
                    t.message
                ));
            }
            let err = Error::Transport(t);
            if err.may_have_been_sent() != expect.may_have_reached_service {
                problems.push(format!(
                    "may_have_been_sent() is {}",
                    err.may_have_been_sent()
                ));
            }
        }
        Ok(Err(other)) => problems.push(format!("not a transport error: {other:?}")),
    }
    let retries = if retried(op, expect) { 2 } else { 0 };
    let tries = match &target.tries {
        Some(count) => {
            let counted = count();
            if counted != 1 + retries {
                problems.push(format!(
                    "{counted} tries reached the far end, {} expected",
                    1 + retries
                ));
            }
            format!("{counted} tries")
        }
        None if retries > 0 => {
            if elapsed < TWO_RETRY_DELAYS {
                problems.push(format!(
                    "ended after {elapsed:?}: not retried (two retries wait at least {TWO_RETRY_DELAYS:?})"
                ));
            }
            "retried".into()
        }
        None => "-".into(),
    };
    Report {
        row,
        op,
        got,
        tries,
        problems,
    }
}

/// Runs every row that needs no proxy, all cells at once, prints the table and fails on any
/// cell that differs from it.
pub(crate) fn run_table<R: Drive>(transport: &str) {
    let cells: Vec<(Row, Op)> = ROWS
        .iter()
        .filter(|row| !row.needs_proxy())
        .flat_map(|&row| [Op::Read, Op::Send].map(|op| (row, op)))
        .collect();
    let reports = run_cells::<R>(&cells, &|(row, _)| rows::target(row));
    finish(transport, &reports, cells.len());
}

/// Runs the proxy rows through `proxy`, named `via` the environment (the caller sets it) or the
/// options, one row at a time since the proxy's behaviour is the row's.
pub(crate) fn run_proxy_rows<R: Drive>(transport: &str, proxy: &ConnectProxy, via: Via) {
    let mut reports = Vec::new();
    let rows: Vec<Row> = ROWS.into_iter().filter(|row| row.needs_proxy()).collect();
    for &row in &rows {
        rows::set_proxy_behaviour(row, proxy);
        let cells = [(row, Op::Read), (row, Op::Send)];
        reports.extend(run_cells::<R>(&cells, &|op| {
            rows::proxied_target(op, proxy, via)
        }));
    }
    finish(transport, &reports, rows.len() * 2);
}

fn run_cells<R: Drive>(
    cells: &[(Row, Op)],
    target: &(dyn Fn((Row, Op)) -> Target + Sync),
) -> Vec<Report> {
    std::thread::scope(|s| {
        let handles: Vec<_> = cells
            .iter()
            .map(|&(row, op)| {
                let handle = s.spawn(move || cell::<R>(row, op, target((row, op))));
                (row, op, handle)
            })
            .collect();
        handles
            .into_iter()
            .map(|(row, op, handle)| {
                handle.join().unwrap_or_else(|_| Report {
                    row,
                    op,
                    got: None,
                    tries: "-".into(),
                    problems: vec!["the cell panicked".into()],
                })
            })
            .collect()
    })
}

fn finish(transport: &str, reports: &[Report], cells: usize) {
    let mut out = format!(
        "failure table ({transport}): (kind, may_have_reached_service) and tries\n{:<24}{:<34}{:<34}",
        "row", "read (idempotent)", "send message"
    );
    let mut rows: Vec<Row> = reports.iter().map(|r| r.row).collect();
    rows.dedup();
    for row in rows {
        out.push_str(&format!("\n{:<24}", row.label()));
        for op in [Op::Read, Op::Send] {
            let text =
                reports
                    .iter()
                    .find(|r| r.row == row && r.op == op)
                    .map_or("-".to_owned(), |r| {
                        let mark = if r.problems.is_empty() { "" } else { "!" };
                        let got = r.got.map_or("no transport error".to_owned(), |(k, m)| {
                            format!("({k:?}, {m})")
                        });
                        format!("{mark}{got} {}", r.tries)
                    });
            out.push_str(&format!("{text:<34}"));
        }
    }
    println!("{out}");
    let failures: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.problems
                .iter()
                .map(move |p| format!("{} × {:?}: {p}", r.row.label(), r.op))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{transport}: {} cell problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(reports.len(), cells);
}
