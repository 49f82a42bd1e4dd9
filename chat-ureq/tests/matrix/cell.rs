//! One cell of the fault matrix: a fresh emulator, seeded for the operation, the fault armed,
//! the operation run, and the emulator's requests and state checked against the table.

use std::time::Instant;

use chat_core::client::PendingList;
use chat_core::identifier::CommunicationIdentifier;
use chat_core::messages::ChatMessageType;
use chat_core::participants::ChatParticipant;
use chat_core::{Error, ListOperation};
use chat_testkit::log_capture::LogCapture;

use super::world::World;
use super::{expect, Case, Drive, Failure, Op, Report};

/// Where the operation under test starts and ends: its start, and the emulator's request
/// counts before and after it (`None`: when it returns).
struct Window {
    started: Instant,
    before: (u64, u64),
    after: Option<(u64, u64)>,
    /// The log capture's marks at the same two points.
    logs_before: (usize, usize),
    logs_after: Option<(usize, usize)>,
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
    window.logs_before = world.logs.mark();
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
            window.logs_after = Some(world.logs.mark());
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

/// A cell, with everything the transport logs on its thread captured.
pub(super) fn cell<R: Drive>(op: Op, case: Case) -> Report {
    let logs = LogCapture::new();
    tracing::subscriber::with_default(logs.clone(), || logged_cell::<R>(op, case, logs))
}

fn logged_cell<R: Drive>(op: Op, case: Case, logs: LogCapture) -> Report {
    let w = World::<R>::new(logs);
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
        logs_before: w.logs.mark(),
        logs_after: None,
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
    let logs_after = window.logs_after.unwrap_or_else(|| w.logs.mark());
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
    // The logs: one span per call (a page is a call), one event per try the emulator received.
    let calls = match (op.is_listing(), &ran) {
        (false, _) => 1,
        (true, Err(_)) => 2,
        (true, Ok(_)) => pages,
    };
    problems.extend(log_problems(
        &w.logs,
        window.logs_before,
        logs_after,
        calls,
        received,
    ));
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

/// What the logs of the operation under test got wrong: the number of call spans, of try
/// events, tries not in a call's span, a span without its outcome; and anywhere in the cell,
/// a planted value or the telltale of a credential.
fn log_problems(
    logs: &LogCapture,
    before: (usize, usize),
    after: (usize, usize),
    calls: usize,
    received: u64,
) -> Vec<String> {
    let ours = |target: &str| target == chat_core::log::trace::TARGET;
    let spans: Vec<_> = logs.spans()[before.0..after.0]
        .iter()
        .filter(|s| s.name == "call" && ours(&s.target))
        // The 401 cells revoke the user's tokens with the identity client, between two pages
        // of a listing: a call of its own, not counted with the chat requests.
        .filter(|s| s.field("operation") != Some("RevokeTokens"))
        .cloned()
        .collect();
    let tries: Vec<_> = logs.events()[before.1..after.1]
        .iter()
        .filter(|e| ours(&e.target))
        .filter(|e| matches!(e.message(), Some("response" | "transport failure")))
        .filter(|e| e.field("path").is_some_and(|p| p.starts_with("/chat")))
        .cloned()
        .collect();
    let mut problems = Vec::new();
    if spans.len() != calls {
        problems.push(format!("{} call spans, want {calls}", spans.len()));
    }
    if tries.len() as u64 != received {
        problems.push(format!("{} try events, want {received}", tries.len()));
    }
    if !tries
        .iter()
        .all(|e| spans.iter().any(|s| Some(s.id) == e.span))
    {
        problems.push("a try event outside its call's span".to_owned());
    }
    for span in &spans {
        let in_span = tries.iter().filter(|e| e.span == Some(span.id)).count();
        if span.field("tries") != Some(in_span.to_string().as_str())
            || span.field("outcome").is_none()
        {
            problems.push(format!("span {span:?} with {in_span} try events"));
        }
    }
    let planted = [
        "exactly once",
        "created once",
        "renamed",
        "edited",
        "read me",
        "authorization",
        "bearer",
        "signature",
        // The header of every JWT the emulator signs.
        "eyJhbGciOiJIUzI1NiIs",
    ];
    for (value, line) in logs.leaks(&planted) {
        problems.push(format!("logged {value:?}: {line}"));
    }
    problems
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
