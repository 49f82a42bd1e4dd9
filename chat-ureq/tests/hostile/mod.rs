//! The hostile servers and proxies table, shared by both transports' `hostile_servers` tests:
//! every [`Case`] of a misbehaving server, against a call (`get_message`) and a listing
//! (`list_messages`), with the outcome each must reach written down once. No panic, no hang
//! past the call's budget, and the client's memory bounded by [`MEMORY_BOUND`].
//!
//! Each cell runs in a process of its own (this test binary again, told which cell by
//! [`CELL_ENV`]): its peak resident set is then the cell's alone, a panic stays in its cell,
//! and a cell that hangs is stopped and reported. The parent prints the table.

mod memory;
mod server;

use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_core::client::{ChatClient, ClientOptions, Connect, PendingList};
use chat_core::messages::ChatMessage;
use chat_core::{
    AccessToken, Error, ListOperation, Operation, RetryOptions, TransportErrorKind,
    MAX_RESPONSE_BODY_BYTES,
};

use memory::PeakWatch;
use server::{Foreign, HostileServer, THREAD};

/// Environment variable naming the one cell a child process runs (`<case>:<target>`).
const CELL_ENV: &str = "HOSTILE_CELL";

/// How much a cell may raise the client's resident set: one response body at the limit
/// (`chat_core::MAX_RESPONSE_BODY_BYTES`, 16 MiB; a larger declared length is refused before
/// anything is allocated), plus the half-size buffer a doubling step may still hold while an
/// allocator copies (glibc moves large blocks without a copy; others may not), plus 8 MiB for
/// everything else of a call (the transports' head limits are far below: ureq reads at most
/// 64 KiB of head, hyper about 400 KiB and 100 headers).
pub(crate) const MEMORY_BOUND: u64 =
    (MAX_RESPONSE_BODY_BYTES + MAX_RESPONSE_BODY_BYTES / 2) as u64 + 8 * 1024 * 1024;

/// The whole call's budget (tries and delays), as the client is configured.
const BUDGET: Duration = Duration::from_secs(30);

/// Far past the budget: a cell still running then has hung.
const HANG: Duration = Duration::from_secs(150);

/// What a transport supplies to run the table.
pub(crate) trait Drive: Connect + Send + Sync + 'static {
    /// Runs one prepared call to its end.
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error>;
    /// All items of a listing (stopping at the first error).
    fn collect<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<Vec<L::Item>, Error>;
    /// A static credential.
    fn credential(token: AccessToken) -> Self::Credential;
    /// Runs `f` where the transport's clients can be built and used.
    fn in_context<T>(f: impl FnOnce() -> T) -> T {
        f()
    }
}

/// The misbehaviours.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Case {
    /// `content-length` of 100 MB, and the bytes.
    HugeBody,
    /// A chunked body that never ends.
    EndlessChunked,
    /// 10,000 headers.
    ManyHeaders,
    /// One header of 1 MB.
    HugeHeader,
    /// The body at one byte a second (the per-try timeout must end it).
    Trickle,
    /// `content-length` 1000 bytes larger than the body, then the connection closes.
    LongerLength,
    /// `content-length` shorter than what follows: junk after the body, on a kept connection.
    ShorterLength,
    /// A chunk size that is not hex.
    MalformedChunk,
    /// HTTP/1.0, no length: the body ends when the connection closes.
    Http10NoLength,
    /// 100 `102 Processing` responses before the answer.
    Repeated1xx,
    /// Bytes that are not UTF-8 inside a JSON string.
    InvalidUtf8,
    /// A message with an extra field of JSON nested 100,000 deep (skipped, not recursed into).
    DeepJson,
    /// A 200 whose body is a proxy's HTML page.
    HtmlProxyPage,
    /// Page 2's `nextLink` points back to page 1 (with the thread id unencoded, as the service
    /// writes it, where the client's first request encoded it: the pager refuses the loop when
    /// page 2's link comes round again).
    NextLinkLoop,
    /// Page 1's `nextLink` points to another host.
    NextLinkOtherHost,
    /// Page 1's `nextLink` points to `https` on the same host and port.
    NextLinkOtherScheme,
}

pub(crate) const CASES: [Case; 16] = [
    Case::HugeBody,
    Case::EndlessChunked,
    Case::ManyHeaders,
    Case::HugeHeader,
    Case::Trickle,
    Case::LongerLength,
    Case::ShorterLength,
    Case::MalformedChunk,
    Case::Http10NoLength,
    Case::Repeated1xx,
    Case::InvalidUtf8,
    Case::DeepJson,
    Case::HtmlProxyPage,
    Case::NextLinkLoop,
    Case::NextLinkOtherHost,
    Case::NextLinkOtherScheme,
];

/// What a cell runs against the server.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Target {
    Call,
    Listing,
}

/// The outcome a cell must reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// The right message (or the two messages of the listing).
    Correct,
    /// A transport error of this kind (or the call's timeout, for [`TransportErrorKind::Timeout`]).
    Transport(TransportErrorKind),
    /// A 2xx whose body is not the expected JSON.
    Deserialize,
    /// A `nextLink` already followed.
    RepeatedLink,
    /// A `nextLink` to another scheme, host or port.
    ForeignLink,
}

impl Case {
    fn name(self) -> String {
        format!("{self:?}")
    }

    fn parse(name: &str) -> Option<Self> {
        CASES.into_iter().find(|c| c.name() == name)
    }

    fn expect(self, target: Target) -> Expect {
        use TransportErrorKind as K;
        match self {
            Self::HugeBody
            | Self::EndlessChunked
            | Self::ManyHeaders
            | Self::HugeHeader
            | Self::MalformedChunk => Expect::Transport(K::Protocol),
            Self::LongerLength => Expect::Transport(K::Io),
            Self::Trickle => Expect::Transport(K::Timeout),
            Self::ShorterLength | Self::Http10NoLength | Self::Repeated1xx | Self::DeepJson => {
                Expect::Correct
            }
            Self::InvalidUtf8 | Self::HtmlProxyPage => Expect::Deserialize,
            // The call has no nextLink: the server answers it correctly.
            _ if target == Target::Call => Expect::Correct,
            Self::NextLinkLoop => Expect::RepeatedLink,
            Self::NextLinkOtherHost | Self::NextLinkOtherScheme => Expect::ForeignLink,
        }
    }

    /// The per-try timeout: short where the case is a slow server, so the test stays short.
    fn per_try_timeout(self) -> Duration {
        match self {
            Self::Trickle => Duration::from_secs(2),
            _ => Duration::from_secs(20),
        }
    }
}

/// Runs the table: the parent spawns one child per cell; a child runs its cell.
pub(crate) fn run_table<R: Drive>(label: &str, test_name: &str) {
    if let Ok(cell) = std::env::var(CELL_ENV) {
        let (case, target) = cell.split_once(':').expect("cell is <case>:<target>");
        let case = Case::parse(case).expect("a known case");
        let target = if target == "call" {
            Target::Call
        } else {
            Target::Listing
        };
        run_cell::<R>(case, target);
        return;
    }
    let mut report = format!(
        "hostile servers, {label} (memory bound {} MiB per cell):\n{:<22} {:<8} {:>9} {:>11}  outcome\n",
        MEMORY_BOUND >> 20,
        "case",
        "target",
        "ms",
        "peak +KiB"
    );
    let mut failures = Vec::new();
    for case in CASES {
        for key in ["call", "listing"] {
            let cell = format!("{}:{key}", case.name());
            match spawn_cell(test_name, &cell) {
                Ok(line) => {
                    let _ = writeln!(report, "{:<22} {key:<8} {line}", case.name());
                }
                Err(why) => {
                    let _ = writeln!(report, "{:<22} {key:<8} FAILED", case.name());
                    failures.push(format!("{cell}: {why}"));
                }
            }
        }
    }
    println!("{report}");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

/// Runs this test binary again for one cell; returns its result line.
fn spawn_cell(test_name: &str, cell: &str) -> Result<String, String> {
    let mut child = Command::new(std::env::current_exe().map_err(|e| e.to_string())?)
        .args([test_name, "--exact", "--nocapture", "--test-threads=1"])
        .env(CELL_ENV, cell)
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    // Reading the pipes on threads keeps a chatty child from blocking on a full pipe.
    let stdout = child.stdout.take().map(read_all);
    let stderr = child.stderr.take().map(read_all);
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| e.to_string())? {
            break status;
        }
        if started.elapsed() > HANG {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {HANG:?}: hung"));
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let out = stdout
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    let err = stderr
        .map(|h| h.join().unwrap_or_default())
        .unwrap_or_default();
    let line = out
        .lines()
        .find_map(|l| l.split_once("hostile_cell ").map(|(_, rest)| rest));
    match line {
        Some(line) if status.success() => Ok(line.to_owned()),
        _ => {
            let panic = err
                .lines()
                .skip_while(|l| !l.contains("panicked at"))
                .nth(1)
                .unwrap_or_default();
            Err(format!("{status}: {panic}"))
        }
    }
}

fn read_all(mut pipe: impl std::io::Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut text = String::new();
        let _ = pipe.read_to_string(&mut text);
        text
    })
}

/// One cell, in a child process: runs it, checks its outcome and memory, prints its line.
fn run_cell<R: Drive>(case: Case, target: Target) {
    let foreign = Foreign::start();
    let server = HostileServer::start(case, "127.0.0.1:0", Arc::clone(&foreign));
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .per_try_timeout(case.per_try_timeout())
        .retry(
            RetryOptions::default()
                .with_max_retries(1)
                .with_initial_delay(Duration::from_millis(10))
                .with_max_delay(Duration::from_secs(1))
                .with_max_elapsed(BUDGET),
        );
    let token = AccessToken::new(
        "hostile-token",
        std::time::SystemTime::now() + Duration::from_secs(3600),
    );
    let chat = R::in_context(|| {
        ChatClient::<R>::with_options(&server.endpoint, R::credential(token), options).unwrap()
    });
    let thread = chat.chat_thread_client(THREAD);
    // A case with junk after the body must leave the next call unharmed: run it twice.
    let runs = if case == Case::ShorterLength { 2 } else { 1 };

    let watch = PeakWatch::start();
    let started = Instant::now();
    let mut outcomes = Vec::new();
    for _ in 0..runs {
        let outcome = R::in_context(|| match target {
            Target::Call => R::block(thread.get_message("1").call()).map(|m| vec![m]),
            Target::Listing => R::collect(thread.list_messages()),
        });
        outcomes.push(outcome);
    }
    let elapsed = started.elapsed();
    let growth = watch.growth();

    let expected = case.expect(target);
    let mut described = Vec::new();
    for outcome in &outcomes {
        described.push(check(expected, target, outcome));
    }
    match case {
        Case::NextLinkOtherHost => {
            assert_eq!(foreign.connections(), 0, "the foreign host was called")
        }
        Case::NextLinkOtherScheme => {
            let seen = server.seen();
            assert_eq!(
                seen.len(),
                1,
                "only the first page may be requested: {seen:?}"
            );
            assert!(!seen[0].target.contains("page=2"), "{seen:?}");
        }
        _ => {}
    }
    if let Some(growth) = growth {
        assert!(
            growth <= MEMORY_BOUND,
            "{case:?} {target:?}: the resident set rose by {growth} bytes, past {MEMORY_BOUND}"
        );
    }
    println!(
        "hostile_cell {:>9} {:>11}  {}",
        elapsed.as_millis(),
        growth.map_or("-".into(), |g| (g / 1024).to_string()),
        described.join("; ")
    );
}

/// Checks an outcome against the expectation; describes it for the table.
fn check(expected: Expect, target: Target, outcome: &Result<Vec<ChatMessage>, Error>) -> String {
    match (expected, outcome) {
        (Expect::Correct, Ok(messages)) => {
            let ids: Vec<&str> = messages.iter().map(|m| m.id.as_str()).collect();
            let want: &[&str] = if target == Target::Call {
                &["1"]
            } else {
                &["1", "2"]
            };
            assert_eq!(ids, want);
            let text = messages[0]
                .content
                .as_ref()
                .and_then(|c| c.message.as_deref());
            assert_eq!(text, Some("hello"));
            format!("correct ({} message(s))", messages.len())
        }
        (Expect::Transport(kind), Err(Error::Transport(e))) if e.kind == kind => {
            format!("transport {kind:?}: {}", first_line(&e.to_string()))
        }
        (Expect::Transport(TransportErrorKind::Timeout), Err(e @ Error::CallTimeout { .. })) => {
            format!("call timeout: {e}")
        }
        (Expect::Deserialize, Err(e @ Error::Deserialize { .. })) => {
            format!("deserialize: {}", first_line(&e.to_string()))
        }
        (Expect::RepeatedLink, Err(Error::RepeatedLink { link })) => {
            format!("repeated link refused: {}", path_and_query(link))
        }
        (Expect::ForeignLink, Err(Error::ForeignLink { link })) => {
            format!("foreign link refused: {link}")
        }
        (expected, outcome) => panic!("expected {expected:?}, got {outcome:?}"),
    }
}

/// A link less its scheme and authority (the port differs from run to run).
fn path_and_query(link: &str) -> &str {
    link.find("/chat/").map_or(link, |i| &link[i..])
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.len() > 90 {
        let cut = (0..=90)
            .rev()
            .find(|i| line.is_char_boundary(*i))
            .unwrap_or(0);
        format!("{}...", &line[..cut])
    } else {
        line.to_owned()
    }
}
