//! Prepared calls: an operation bound to the runner that will execute it, with the operation's
//! optional parameters as builder methods.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use crate::identity::{CreateUser, IssueToken};
use crate::messages::{ChatMessageType, ListMessages, SendMessage, UpdateMessage};
use crate::participants::{ChatParticipant, ListParticipants};
use crate::read_receipts::ListReadReceipts;
use crate::threads::{CreateThread, ListThreads, RetentionPolicy, UpdateThread};
use crate::typing::SendTypingNotification;
use crate::{ChatContext, Error, ListOperation, Operation, Pager, Timestamp};

use super::Runner;

/// One prepared call of the operation `O`: set its optional parameters with the builder
/// methods, then run it. What it gives is `Result<O::Output, Error>`, e.g.
/// `Result<SendMessageResult, Error>` for `send_message`:
///
/// | transport | run it with | gives |
/// |---|---|---|
/// | chat-ureq (blocking) | `.call()` | `Result<O::Output, Error>` |
/// | chat-hyper (async) | `.await` (or `.call().await`) | `Result<O::Output, Error>` |
///
/// ```text
/// let sent = thread.send_message("Hello!").sender_display_name("Alice").call()?; // chat-ureq
/// let sent = thread.send_message("Hello!").sender_display_name("Alice").await?; // chat-hyper
/// ```
///
/// A `Pending` is not a `Result`: `thread.send_message("Hello!")?` does not compile ("the `?`
/// operator can only be applied to values that implement `Try`"); run it first, with `.call()?`
/// or `.await?`. With an async runner a `Pending` is itself a `Future`, so the compiler adds
/// "help: consider `await`ing on the `Future`".
#[doc(alias = "call")]
#[must_use = "a prepared call does nothing until run: `.call()?` (chat-ureq) or `.await?` \
              (chat-hyper) gives its `Result`"]
pub struct Pending<R: Runner, O: Operation + Send + 'static> {
    stage: Stage<R, O>,
}

enum Stage<R: Runner, O: Operation + Send + 'static> {
    /// Built and not started: what [`Pending::call`] (or the first poll) runs.
    Prepared {
        runner: R,
        ctx: O::Context,
        operation: O,
    },
    /// Started by a first poll (async runners only).
    Running(R::Call<O>),
    /// The runner panicked while starting the call.
    Poisoned,
}

// Nothing is pin-projected: the running call is polled through `Pin::new`, which needs it to be
// `Unpin` itself.
impl<R: Runner, O: Operation + Send + 'static> Unpin for Pending<R, O> {}

impl<R: Runner, O: Operation + Send + 'static> Pending<R, O> {
    pub(crate) fn new(runner: &R, ctx: &O::Context, operation: O) -> Self {
        Self {
            stage: Stage::Prepared {
                runner: runner.clone(),
                ctx: ctx.clone(),
                operation,
            },
        }
    }

    fn with_operation(self, set: impl FnOnce(O) -> O) -> Self {
        let stage = match self.stage {
            Stage::Prepared {
                runner,
                ctx,
                operation,
            } => Stage::Prepared {
                runner,
                ctx,
                operation: set(operation),
            },
            started => started,
        };
        Self { stage }
    }

    /// The operation as it will be sent; `None` once the call has started.
    pub fn operation(&self) -> Option<&O> {
        match &self.stage {
            Stage::Prepared { operation, .. } => Some(operation),
            _ => None,
        }
    }

    /// Runs the call. With chat-ureq this is the `Result<O::Output, Error>` itself; with
    /// chat-hyper a `Send + 'static` future of it (awaiting the `Pending` does the same).
    ///
    /// # Panics
    ///
    /// If the runner panicked while a poll of this `Pending` started the call.
    pub fn call(self) -> R::Call<O> {
        match self.stage {
            Stage::Prepared {
                runner,
                ctx,
                operation,
            } => runner.call(ctx, operation),
            Stage::Running(call) => call,
            Stage::Poisoned => panic!("the runner panicked while starting this call"),
        }
    }
}

/// With an async runner a `Pending` is awaited directly: the first poll starts the call.
impl<R, O> Future for Pending<R, O>
where
    R: Runner,
    O: Operation + Send + 'static,
    R::Call<O>: Future + Unpin,
{
    type Output = <R::Call<O> as Future>::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.get_mut();
        if matches!(this.stage, Stage::Prepared { .. }) {
            if let Stage::Prepared {
                runner,
                ctx,
                operation,
            } = std::mem::replace(&mut this.stage, Stage::Poisoned)
            {
                this.stage = Stage::Running(runner.call(ctx, operation));
            }
        }
        match &mut this.stage {
            Stage::Running(call) => Pin::new(call).poll(cx),
            _ => panic!("the runner panicked while starting this call"),
        }
    }
}

impl<R: Runner, O: Operation + Send + 'static + fmt::Debug> fmt::Debug for Pending<R, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("operation", &self.operation())
            .finish_non_exhaustive()
    }
}

impl<R: Runner> Pending<R, CreateThread> {
    /// The initial participants (besides the creator).
    pub fn participants(self, participants: Vec<ChatParticipant>) -> Self {
        self.with_operation(|o| o.participants(participants))
    }

    /// The thread's metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.with_operation(|o| o.metadata(metadata))
    }

    /// The thread's retention policy.
    pub fn retention_policy(self, policy: RetentionPolicy) -> Self {
        self.with_operation(|o| o.retention_policy(policy))
    }

    /// The idempotency token (`repeatability-request-id`) instead of the generated one: a
    /// repeat with the same token returns the thread created first.
    pub fn repeatability_request_id(self, id: impl Into<String>) -> Self {
        self.with_operation(|o| o.repeatability_request_id(id))
    }
}

impl<R: Runner> Pending<R, UpdateThread> {
    /// The new topic.
    pub fn topic(self, topic: impl Into<String>) -> Self {
        self.with_operation(|o| o.topic(topic))
    }

    /// The new metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.with_operation(|o| o.metadata(metadata))
    }

    /// The new retention policy.
    pub fn retention_policy(self, policy: RetentionPolicy) -> Self {
        self.with_operation(|o| o.retention_policy(policy))
    }
}

impl<R: Runner> Pending<R, SendMessage> {
    /// The message type (text by default).
    pub fn message_type(self, message_type: ChatMessageType) -> Self {
        self.with_operation(|o| o.message_type(message_type))
    }

    /// The sender's display name, shown to the other participants (free text: an empty name
    /// is sent as given, and means "no name").
    pub fn sender_display_name(self, name: impl Into<String>) -> Self {
        self.with_operation(|o| o.sender_display_name(name))
    }

    /// The message's metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.with_operation(|o| o.metadata(metadata))
    }
}

impl<R: Runner> Pending<R, UpdateMessage> {
    /// The new metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.with_operation(|o| o.metadata(metadata))
    }
}

impl<R: Runner> Pending<R, SendTypingNotification> {
    /// The sender's display name, shown to the other participants (free text: an empty name
    /// is sent as given, and means "no name").
    pub fn sender_display_name(self, name: impl Into<String>) -> Self {
        self.with_operation(|o| o.sender_display_name(name))
    }
}

impl<R: Runner> Pending<R, CreateUser> {
    /// How long the token created with the user lives, 60 to 1440 minutes.
    pub fn expires_in_minutes(self, minutes: u32) -> Self {
        self.with_operation(|o| o.expires_in_minutes(minutes))
    }
}

impl<R: Runner> Pending<R, IssueToken> {
    /// How long the token lives, 60 to 1440 minutes (the service's default is 1440).
    pub fn expires_in_minutes(self, minutes: u32) -> Self {
        self.with_operation(|o| o.expires_in_minutes(minutes))
    }
}

/// One prepared listing of the list operation `L`: set its optional parameters (page size,
/// start time, skip) with the builder methods, then read it item by item with
/// [`PendingList::next`] (or a `for` loop with a blocking runner), or take its
/// [`PendingList::items`] or [`PendingList::pages`], the runner's iterators or streams.
///
/// ```text
/// for message in thread.list_messages() { let message = message?; }           // blocking
/// let mut messages = thread.list_messages();                                   // async
/// while let Some(message) = messages.next().await { let message = message?; }
/// ```
#[must_use = "a listing does nothing until read: `for item in listing` (chat-ureq) or \
              `while let Some(item) = listing.next().await` (chat-hyper)"]
pub struct PendingList<R: Runner, L: ListOperation + Send + 'static> {
    runner: R,
    ctx: ChatContext,
    list: L,
    resume: Option<String>,
    /// The items, once [`PendingList::next`] has started reading them.
    started: Option<R::Items<L>>,
}

impl<R: Runner, L: ListOperation + Send + 'static> PendingList<R, L> {
    pub(crate) fn new(runner: &R, ctx: &ChatContext, list: L) -> Self {
        Self {
            runner: runner.clone(),
            ctx: ctx.clone(),
            list,
            resume: None,
            started: None,
        }
    }

    fn with_list(mut self, set: impl FnOnce(L) -> L) -> Self {
        self.list = set(self.list);
        self
    }

    /// The listing as it will be requested.
    pub fn operation(&self) -> &L {
        &self.list
    }

    /// Starts at the page a continuation token (from [`Page::continuation_token`]) points at.
    pub fn resume_from(mut self, continuation_token: impl Into<String>) -> Self {
        self.resume = Some(continuation_token.into());
        self
    }

    fn pager(&self) -> Result<Pager<L>, Error> {
        match &self.resume {
            None => Ok(Pager::new(self.list.clone(), self.ctx.clone())),
            Some(token) => Pager::resume(self.list.clone(), self.ctx.clone(), token),
        }
    }

    /// The next item, fetching the next page when the current one is used up: with chat-ureq
    /// `Option<Result<Item, Error>>`, with chat-hyper a future of it (`.next().await`, no
    /// `StreamExt` needed). `None` after the last item or after an error. Set the builder
    /// options before the first `next()`.
    #[allow(clippy::should_implement_trait)] // also async: not `Iterator::next`
    pub fn next(&mut self) -> R::Next<'_, L> {
        let items = match self.started.take() {
            Some(items) => items,
            None => self.runner.items(self.pager()),
        };
        R::next_item(self.started.insert(items))
    }

    /// The listing page by page, each [`Page`] with its continuation token: an `Iterator`
    /// (chat-ureq) or a `Stream` with an inherent `next()` (chat-hyper) of
    /// `Result<Page<Item>, Error>`. Starts from the first page (or the one
    /// [`PendingList::resume_from`] names), even after [`PendingList::next`].
    pub fn pages(self) -> R::Pages<L> {
        self.runner.pages(self.pager())
    }

    /// The items of the listing, fetched page by page as needed: an `Iterator` (chat-ureq) or a
    /// `Stream` with an inherent `next()` (chat-hyper) of `Result<Item, Error>`. After
    /// [`PendingList::next`], the items not yet read.
    pub fn items(self) -> R::Items<L> {
        match self.started {
            Some(items) => items,
            None => self.runner.items(self.pager()),
        }
    }
}

impl<R, L> IntoIterator for PendingList<R, L>
where
    R: Runner,
    L: ListOperation + Send + 'static,
    R::Items<L>: Iterator,
{
    type Item = <R::Items<L> as Iterator>::Item;
    type IntoIter = R::Items<L>;

    fn into_iter(self) -> R::Items<L> {
        self.items()
    }
}

impl<R: Runner, L: ListOperation + Send + 'static + fmt::Debug> fmt::Debug for PendingList<R, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingList")
            .field("list", &self.list)
            .field("resume", &self.resume.is_some())
            .field("started", &self.started.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: Runner> PendingList<R, ListThreads> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.with_list(|l| l.max_page_size(n))
    }

    /// Only threads updated since this time.
    pub fn start_time(self, t: Timestamp) -> Self {
        self.with_list(|l| l.start_time(t))
    }
}

impl<R: Runner> PendingList<R, ListMessages> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.with_list(|l| l.max_page_size(n))
    }

    /// Only messages since this time.
    pub fn start_time(self, t: Timestamp) -> Self {
        self.with_list(|l| l.start_time(t))
    }
}

impl<R: Runner> PendingList<R, ListParticipants> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.with_list(|l| l.max_page_size(n))
    }

    /// Skips this many participants.
    pub fn skip(self, n: u32) -> Self {
        self.with_list(|l| l.skip(n))
    }
}

impl<R: Runner> PendingList<R, ListReadReceipts> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.with_list(|l| l.max_page_size(n))
    }

    /// Skips this many read receipts.
    pub fn skip(self, n: u32) -> Self {
        self.with_list(|l| l.skip(n))
    }
}

/// One page of a listing, as the runners' page iterators and streams yield it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of the page.
    pub items: Vec<T>,
    /// Where the listing continues, `None` after the last page. Pass it to
    /// [`PendingList::resume_from`] to continue later.
    pub continuation_token: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items` followed by the page `continuation_token` points at.
    pub fn new(items: Vec<T>, continuation_token: Option<String>) -> Self {
        Self {
            items,
            continuation_token,
        }
    }

    /// The continuation token, `None` after the last page.
    pub fn continuation_token(&self) -> Option<&str> {
        self.continuation_token.as_deref()
    }
}
