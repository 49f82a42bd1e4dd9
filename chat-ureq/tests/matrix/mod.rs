//! The fault matrix, shared by both transports' `fault_matrix` tests: every chat operation
//! against every injected fault, each cell on a fresh emulator, with the expected outcome of
//! each cell written down once (DESIGN.md §2's retry rules, §6's matrix).
//!
//! A transport plugs in through [`Drive`]: how to wait for one call and how to page through a
//! listing. Everything else (seeding, injecting, counting, checking the emulator's state) is
//! here, so the two transports are held to the very same table.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chat_core::client::{ChatClient, ClientOptions, Connect, IdentityClient, PendingList};
use chat_core::identifier::CommunicationIdentifier;
use chat_core::messages::ChatMessageType;
use chat_core::participants::ChatParticipant;
use chat_core::{AccessToken, Error, ListOperation, Operation, RetryOptions};
use chat_testkit::emulator::{Emulator, Fault, FaultRule};

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
                        s.spawn(move || R::in_context(|| cell::<R>(op, case))),
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

/// One cell's world: an emulator, its owner user and clients.
struct World<R: Drive> {
    emulator: Arc<Emulator>,
    owner: String,
    chat: ChatClient<R>,
    identity: IdentityClient<R>,
    options: ClientOptions,
    thread: String,
}

impl<R: Drive> World<R> {
    fn new() -> Self {
        let emulator = Arc::new(Emulator::start());
        let owner = emulator.create_user();
        let options = ClientOptions::default()
            .allow_loopback_http(true)
            .retry(RetryOptions::default().with_initial_delay(Duration::from_millis(5)));
        let chat = Self::client_for(&emulator, &owner, &options);
        let identity = IdentityClient::<R>::from_connection_string_with_options(
            &emulator.connection_string(),
            options.clone(),
        )
        .unwrap();
        let thread = R::block(chat.create_chat_thread("matrix").call())
            .unwrap()
            .thread
            .id;
        Self {
            emulator,
            owner,
            chat,
            identity,
            options,
            thread,
        }
    }

    fn client_for(emulator: &Arc<Emulator>, user: &str, options: &ClientOptions) -> ChatClient<R> {
        let token = |e: &Emulator, u: &str| {
            let jwt = e.issue_token(u, &["chat"]).ok_or("no such user")?;
            AccessToken::from_jwt(jwt).map_err(|e| e.to_string())
        };
        let initial = token(emulator, user).unwrap();
        let (e, u) = (Arc::clone(emulator), user.to_owned());
        let refresh: Refresh = Arc::new(move || token(&e, &u));
        let credential = R::credential(initial, refresh);
        ChatClient::<R>::with_options(&emulator.endpoint(), credential, options.clone()).unwrap()
    }

    /// A new user, already a participant of the thread.
    fn participant(&self) -> String {
        let user = self.emulator.create_user();
        let who = ChatParticipant::new(CommunicationIdentifier::from_raw_id(&user));
        let t = self.chat.chat_thread_client(&self.thread);
        let added = R::block(t.add_participants(vec![who]).call()).unwrap();
        assert!(added.failed_participants.is_empty());
        user
    }

    fn send(&self, text: &str) -> String {
        let t = self.chat.chat_thread_client(&self.thread);
        R::block(t.send_message(text).call()).unwrap().id
    }

    fn revoke(&self) {
        R::block(self.identity.revoke_tokens(&self.owner).call()).unwrap();
    }

    /// Requests the emulator saw for chat paths so far: (received, handled).
    fn counts(&self) -> (u64, u64) {
        ["GET", "POST", "PATCH", "DELETE", "PUT"]
            .iter()
            .map(|m| self.emulator.request_count_matching(m, "/chat"))
            .fold((0, 0), |(r, h), c| (r + c.received, h + c.handled))
    }

    fn messages(&self) -> Vec<chat_core::messages::ChatMessage> {
        let t = self.chat.chat_thread_client(&self.thread);
        R::collect_pages(t.list_messages(), &mut |_, _, _| {})
            .unwrap()
            .0
    }

    fn participants(&self) -> Vec<String> {
        let t = self.chat.chat_thread_client(&self.thread);
        R::collect_pages(t.list_participants(), &mut |_, _, _| {})
            .unwrap()
            .0
            .iter()
            .map(|p| p.identifier.raw_id().to_owned())
            .collect()
    }

    fn threads(&self) -> Vec<(String, String)> {
        R::collect_pages(self.chat.list_chat_threads(), &mut |_, _, _| {})
            .unwrap()
            .0
            .into_iter()
            .map(|t| (t.id, t.topic))
            .collect()
    }
}

/// Where the operation under test starts and ends: its start, and the emulator's request
/// counts before and after it (`None`: when it returns).
struct Window {
    started: Instant,
    before: (u64, u64),
    after: Option<(u64, u64)>,
}

/// The result of running an operation: its own check of what it returned, or the error.
type Ran = Result<Result<(), String>, Error>;

/// What a listing must hold: the seeded items (projected to strings), in this order or, for
/// listings whose order depends on timestamps that may tie, in any order.
struct Truth {
    items: Vec<String>,
    ordered: bool,
}

/// Pages through `list` with the cell's fault arriving between the first and second page;
/// the items (as keys) must be the clean listing's, each once, in order, and the seeded ones
/// must all be there, once.
#[allow(clippy::too_many_arguments)]
fn listing<R: Drive, L: ListOperation + Send + 'static>(
    world: &World<R>,
    make: impl Fn() -> PendingList<R, L>,
    key: impl Fn(&L::Item) -> String,
    project: impl Fn(&L::Item) -> Option<String>,
    truth: &Truth,
    arm: &dyn Fn(),
    pages_seen: &mut usize,
    window: &mut Window,
) -> Ran {
    let (clean, clean_pages) = R::collect_pages(make(), &mut |_, _, _| {}).unwrap();
    let clean: Vec<String> = clean.iter().map(&key).collect();
    // The clean listing is not part of the cell's counts.
    window.started = Instant::now();
    window.before = world.counts();
    let mut first: Option<(usize, Option<String>)> = None;
    let listed = R::collect_pages(make(), &mut |i, n, token| {
        if i == 0 {
            first = Some((n, token.map(str::to_owned)));
            arm();
        }
    });
    let (items, pages) = match listed {
        Ok(listed) => listed,
        Err(e) => {
            // Given up on the second page: nothing is lost either, for a caller that resumes
            // from the first page's continuation token once the service is back.
            world.emulator.clear_faults();
            window.after = Some(world.counts());
            let resumed = match first {
                Some((n, Some(token))) => {
                    R::collect_pages(make().resume_from(token), &mut |_, _, _| {})
                        .map(|(rest, _)| {
                            let mut all: Vec<String> = clean.iter().take(n).cloned().collect();
                            all.extend(rest.iter().map(&key));
                            all
                        })
                        .map_err(|e| e.to_string())
                }
                _ => Err("no continuation token after the first page".to_owned()),
            };
            return match resumed {
                Ok(all) if all == clean => Err(e),
                Ok(all) => Ok(Err(format!("resumed listing {all:?}, want {clean:?}"))),
                Err(why) => Ok(Err(format!("resuming failed: {why}"))),
            };
        }
    };
    *pages_seen = clean_pages;
    let got: Vec<String> = items.iter().map(&key).collect();
    let mut seen: Vec<String> = items.iter().filter_map(&project).collect();
    let mut want = truth.items.clone();
    if !truth.ordered {
        seen.sort();
        want.sort();
    }
    Ok(if seen != want {
        Err(format!("listed {seen:?}, seeded {want:?}"))
    } else if clean_pages < 2 {
        Err(format!(
            "the listing has {clean_pages} page(s): the fault cannot fall between pages"
        ))
    } else if pages != clean_pages || got != clean {
        Err(format!(
            "listing differs: {got:?} in {pages} pages, want {clean:?} in {clean_pages}"
        ))
    } else {
        Ok(())
    })
}

fn cell<R: Drive>(op: Op, case: Case) -> Report {
    let w = World::<R>::new();
    let t = w.chat.chat_thread_client(&w.thread);
    let arm = || match case.rule() {
        Some(rule) => w.emulator.inject(rule),
        None => w.revoke(),
    };
    // Seeding, before the fault is armed.
    let mut seeded_message = String::new();
    // The other user of participant cells; the created thread's id in create-thread cells.
    let mut other_user = String::new();
    let mut truth = Truth {
        items: Vec::new(),
        ordered: true,
    };
    match op {
        Op::ListThreads => {
            truth.items.push("matrix".to_owned());
            truth.ordered = false;
            for i in 0..4 {
                let topic = format!("extra {i}");
                R::block(w.chat.create_chat_thread(&topic).call()).unwrap();
                truth.items.push(topic);
            }
        }
        Op::GetMessage | Op::UpdateMessage | Op::DeleteMessage | Op::SendReadReceipt => {
            seeded_message = w.send("seed");
        }
        Op::ListMessages => {
            for i in 0..5 {
                let text = format!("m{i}");
                w.send(&text);
                // Newest first.
                truth.items.insert(0, text);
            }
        }
        Op::ListParticipants => {
            // Joining order, the creator first.
            truth.items.push(w.owner.clone());
            for _ in 0..4 {
                truth.items.push(w.participant());
            }
        }
        Op::AddParticipants => other_user = w.emulator.create_user(),
        Op::RemoveParticipant => other_user = w.participant(),
        Op::ListReadReceipts => {
            let message = w.send("read me");
            truth.ordered = false;
            truth.items.push(w.owner.clone());
            for _ in 0..4 {
                let user = w.participant();
                truth.items.push(user.clone());
                let theirs = World::<R>::client_for(&w.emulator, &user, &w.options);
                let call = theirs
                    .chat_thread_client(&w.thread)
                    .send_read_receipt(&message);
                R::block(call.call()).unwrap();
            }
            R::block(t.send_read_receipt(&message).call()).unwrap();
        }
        _ => {}
    }
    if !op.is_listing() {
        arm();
    }
    let mut window = Window {
        started: Instant::now(),
        before: w.counts(),
        after: None,
    };
    let mut pages = 1;
    let ran: Ran = match op {
        Op::CreateThread => R::block(w.chat.create_chat_thread("created once").call()).map(|r| {
            other_user = r.thread.id;
            Ok(())
        }),
        Op::ListThreads => listing(
            &w,
            || w.chat.list_chat_threads().max_page_size(2),
            |t| t.id.clone(),
            |t| Some(t.topic.clone()),
            &truth,
            &arm,
            &mut pages,
            &mut window,
        ),
        Op::GetThread => R::block(t.get_properties().call())
            .map(|p| check(p.topic == "matrix" && p.id == w.thread, "thread properties")),
        Op::UpdateThread => R::block(t.update_topic("renamed").call()).map(|()| Ok(())),
        Op::DeleteThread => R::block(w.chat.delete_chat_thread(&w.thread).call()).map(|()| Ok(())),
        Op::SendMessage => R::block(t.send_message("exactly once").call()).map(|_| Ok(())),
        Op::GetMessage => R::block(t.get_message(&seeded_message).call()).map(|m| {
            let text = m.content.and_then(|c| c.message);
            check(text.as_deref() == Some("seed"), "message content")
        }),
        Op::ListMessages => listing(
            &w,
            || t.list_messages().max_page_size(2),
            |m| format!("{}:{}", m.id, m.version),
            |m| m.content.as_ref().and_then(|c| c.message.clone()),
            &truth,
            &arm,
            &mut pages,
            &mut window,
        ),
        Op::UpdateMessage => {
            R::block(t.update_message(&seeded_message, "edited").call()).map(|()| Ok(()))
        }
        Op::DeleteMessage => R::block(t.delete_message(&seeded_message).call()).map(|()| Ok(())),
        Op::ListParticipants => listing(
            &w,
            || t.list_participants().max_page_size(2),
            |p| p.identifier.raw_id().to_owned(),
            |p| Some(p.identifier.raw_id().to_owned()),
            &truth,
            &arm,
            &mut pages,
            &mut window,
        ),
        Op::AddParticipants => {
            let who = ChatParticipant::new(CommunicationIdentifier::from_raw_id(&other_user));
            R::block(t.add_participants(vec![who]).call())
                .map(|r| check(r.failed_participants.is_empty(), "no failed participants"))
        }
        Op::RemoveParticipant => {
            let who = CommunicationIdentifier::from_raw_id(&other_user);
            R::block(t.remove_participant(who).call()).map(|()| Ok(()))
        }
        Op::Typing => R::block(t.send_typing_notification().call()).map(|()| Ok(())),
        Op::SendReadReceipt => {
            R::block(t.send_read_receipt(&seeded_message).call()).map(|()| Ok(()))
        }
        Op::ListReadReceipts => listing(
            &w,
            || t.list_read_receipts().max_page_size(2),
            |r| format!("{}:{}", r.sender.raw_id(), r.chat_message_id),
            |r| Some(r.sender.raw_id().to_owned()),
            &truth,
            &arm,
            &mut pages,
            &mut window,
        ),
    };
    let elapsed = window.started.elapsed();
    w.emulator.clear_faults();
    let (before, after) = (window.before, window.after.unwrap_or_else(|| w.counts()));
    let (received, handled) = (after.0 - before.0, after.1 - before.1);

    let want = expect(op, case);
    let extra = match (op.is_listing(), want.failure) {
        (false, _) => 0,
        (true, Some(_)) => 1,
        (true, None) => pages.saturating_sub(1) as u64,
    };
    let (want_received, want_handled) = (want.received + extra, want.handled + extra);
    let mut problems = Vec::new();
    let outcome = match &ran {
        Ok(_) => format!("ok {received}/{handled}"),
        Err(e) => {
            let kind = match e {
                Error::Service(s) => format!("E{}", s.status),
                Error::Transport(_) => "Enet".to_owned(),
                other => format!("E{other}"),
            };
            let mhbs = if e.may_have_been_sent() { " mhbs" } else { "" };
            format!("{kind}{mhbs} {received}/{handled}")
        }
    };
    match (&ran, want.failure) {
        (Ok(Ok(())), None) => {}
        (Ok(Err(why)), None) => problems.push(why.clone()),
        (Ok(_), Some(f)) => problems.push(format!("succeeded, but should fail with {f:?}")),
        (Err(e), None) => problems.push(format!("failed: {e:?}")),
        (Err(e), Some(f)) => {
            let kind_ok = match (f, e) {
                (Failure::Service(s), Error::Service(got)) => got.status == s,
                (Failure::Transport, Error::Transport(t)) => t.may_have_reached_service,
                _ => false,
            };
            if !kind_ok {
                problems.push(format!("failed with {e:?}, want {f:?}"));
            }
            // Every failure in the table is one the client cannot rule out having acted on.
            if !e.may_have_been_sent() {
                problems.push(format!("may_have_been_sent() is false for {e:?}"));
            }
        }
    }
    if (received, handled) != (want_received, want_handled) {
        problems.push(format!(
            "requests received/handled {received}/{handled}, want {want_received}/{want_handled}"
        ));
    }
    if elapsed < want.at_least {
        problems.push(format!("ended after {elapsed:?}, before the Retry-After"));
    }
    // Did the service act? For a single request, whether any try reached the service logic
    // (a 401 is answered there too, but never acts, and is always followed by a try that does).
    let acted = handled > 0;
    if let Err(why) = state_check(&w, op, &seeded_message, &other_user, acted) {
        problems.push(why);
    }
    Report {
        op,
        case,
        outcome,
        problems,
    }
}

fn check(ok: bool, what: &str) -> Result<(), String> {
    if ok {
        Ok(())
    } else {
        Err(format!("wrong {what}"))
    }
}

/// The emulator's state after the cell is exactly as if the operation ran once, or, when the
/// service never acted on it, as if it never ran.
fn state_check<R: Drive>(
    w: &World<R>,
    op: Op,
    message: &str,
    other: &str,
    acted: bool,
) -> Result<(), String> {
    let once = usize::from(acted);
    let count_of = |kind: ChatMessageType, who: &str| {
        w.messages()
            .iter()
            .filter(|m| m.message_type == kind)
            .filter(|m| {
                m.content
                    .as_ref()
                    .is_some_and(|c| c.participants.iter().any(|p| p.identifier.raw_id() == who))
            })
            .count()
    };
    let t = w.chat.chat_thread_client(&w.thread);
    match op {
        Op::CreateThread => {
            let held: Vec<String> = w
                .threads()
                .into_iter()
                .filter(|(_, topic)| topic == "created once")
                .map(|(id, _)| id)
                .collect();
            // A retry after the service acted gets the first creation back (one
            // repeatability-request-id per call): the returned thread is the one held.
            let returned_held = other.is_empty() || held == [other];
            check(
                held.len() == once && returned_held,
                &format!("created threads {held:?}, the call returned {other:?}"),
            )
        }
        Op::UpdateThread => {
            let topic = R::block(t.get_properties().call())
                .map_err(|e| e.to_string())?
                .topic;
            let want = if acted { "renamed" } else { "matrix" };
            check(topic == want, &format!("topic {topic:?}"))
        }
        Op::DeleteThread => {
            let gone = !w.threads().iter().any(|(id, _)| *id == w.thread);
            check(gone == acted, &format!("thread deleted: {gone}"))
        }
        Op::SendMessage => {
            let copies = w
                .messages()
                .iter()
                .filter(|m| {
                    m.content.as_ref().and_then(|c| c.message.as_deref()) == Some("exactly once")
                })
                .count();
            check(
                copies == once,
                &format!("message copies: {copies}, want {once}"),
            )
        }
        Op::UpdateMessage => {
            let texts: Vec<_> = w
                .messages()
                .into_iter()
                .filter(|m| m.message_type == ChatMessageType::Text)
                .collect();
            let want = if acted { "edited" } else { "seed" };
            let edited = texts.len() == 1
                && texts[0].id == message
                && texts[0].edited_on.is_some() == acted
                && texts[0].content.as_ref().and_then(|c| c.message.as_deref()) == Some(want);
            check(edited, &format!("message after the edit: {texts:?}"))
        }
        Op::DeleteMessage => {
            let m = R::block(t.get_message(message).call()).map_err(|e| e.to_string())?;
            check(
                m.deleted_on.is_some() == acted && m.content.is_none() == acted,
                &format!("message after the deletion: {m:?}"),
            )
        }
        Op::AddParticipants => {
            let listed = w.participants().iter().filter(|p| *p == other).count();
            let announced = count_of(ChatMessageType::ParticipantAdded, other);
            check(
                listed == once && announced == once,
                &format!("added participant: listed {listed}, announced {announced}"),
            )
        }
        Op::RemoveParticipant => {
            let listed = w.participants().iter().filter(|p| *p == other).count();
            let announced = count_of(ChatMessageType::ParticipantRemoved, other);
            check(
                listed == 1 - once && announced == once,
                &format!("removed participant: listed {listed}, announced {announced}"),
            )
        }
        Op::SendReadReceipt => {
            let receipts = R::collect_pages(t.list_read_receipts(), &mut |_, _, _| {})
                .map_err(|e| e.to_string())?
                .0;
            let mine = receipts
                .iter()
                .filter(|r| r.sender.raw_id() == w.owner && r.chat_message_id == message)
                .count();
            check(
                receipts.len() == once && mine == once,
                &format!("read receipts: {receipts:?}"),
            )
        }
        _ => Ok(()),
    }
}
