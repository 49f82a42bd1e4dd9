//! Prepared calls: an operation bound to the runner that will execute it, with the operation's
//! optional parameters as builder methods.

use std::collections::BTreeMap;
use std::fmt;
use std::future::{Future, IntoFuture};

use crate::identity::{CreateUser, IssueToken};
use crate::messages::{ChatMessageType, ListMessages, SendMessage, UpdateMessage};
use crate::participants::{ChatParticipant, ListParticipants};
use crate::read_receipts::ListReadReceipts;
use crate::threads::{CreateThread, ListThreads, RetentionPolicy, UpdateThread};
use crate::typing::SendTypingNotification;
use crate::{ChatContext, Error, ListOperation, Operation, Pager, Timestamp};

use super::Runner;

/// One prepared call of the operation `O`: set its optional parameters with the builder
/// methods, then run it with [`Pending::call`] (or, with an async runner, `.await` it).
///
/// ```text
/// let sent = thread.send_message("Hello!").sender_display_name("Alice").call()?; // blocking
/// let sent = thread.send_message("Hello!").sender_display_name("Alice").await?; // async
/// ```
#[must_use = "a prepared call does nothing until it is called or awaited"]
pub struct Pending<R, O: Operation> {
    runner: R,
    ctx: O::Context,
    operation: O,
}

impl<R, O: Operation> Pending<R, O> {
    pub(crate) fn new(runner: &R, ctx: &O::Context, operation: O) -> Self
    where
        R: Clone,
    {
        Self {
            runner: runner.clone(),
            ctx: ctx.clone(),
            operation,
        }
    }

    fn map(mut self, set: impl FnOnce(O) -> O) -> Self {
        self.operation = set(self.operation);
        self
    }

    /// The operation as it will be sent.
    pub fn operation(&self) -> &O {
        &self.operation
    }
}

impl<R: Runner, O: Operation + Send + 'static> Pending<R, O> {
    /// Runs the call: the result with a blocking runner, a future of it with an async one.
    pub fn call(self) -> R::Call<O> {
        self.runner.call(self.ctx, self.operation)
    }
}

impl<R, O> IntoFuture for Pending<R, O>
where
    R: Runner,
    O: Operation + Send + 'static,
    R::Call<O>: Future,
{
    type Output = <R::Call<O> as Future>::Output;
    type IntoFuture = R::Call<O>;

    fn into_future(self) -> R::Call<O> {
        self.call()
    }
}

impl<R, O: Operation + fmt::Debug> fmt::Debug for Pending<R, O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

impl<R> Pending<R, CreateThread> {
    /// The initial participants (besides the creator).
    pub fn participants(self, participants: Vec<ChatParticipant>) -> Self {
        self.map(|o| o.participants(participants))
    }

    /// The thread's metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.map(|o| o.metadata(metadata))
    }

    /// The thread's retention policy.
    pub fn retention_policy(self, policy: RetentionPolicy) -> Self {
        self.map(|o| o.retention_policy(policy))
    }

    /// The idempotency token (`repeatability-request-id`) instead of the generated one: a
    /// repeat with the same token returns the thread created first.
    pub fn repeatability_request_id(self, id: impl Into<String>) -> Self {
        self.map(|o| o.repeatability_request_id(id))
    }
}

impl<R> Pending<R, UpdateThread> {
    /// The new topic.
    pub fn topic(self, topic: impl Into<String>) -> Self {
        self.map(|o| o.topic(topic))
    }

    /// The new metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.map(|o| o.metadata(metadata))
    }

    /// The new retention policy.
    pub fn retention_policy(self, policy: RetentionPolicy) -> Self {
        self.map(|o| o.retention_policy(policy))
    }
}

impl<R> Pending<R, SendMessage> {
    /// The message type (text by default).
    pub fn message_type(self, message_type: ChatMessageType) -> Self {
        self.map(|o| o.message_type(message_type))
    }

    /// The sender's display name, shown to the other participants.
    pub fn sender_display_name(self, name: impl Into<String>) -> Self {
        self.map(|o| o.sender_display_name(name))
    }

    /// The message's metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.map(|o| o.metadata(metadata))
    }
}

impl<R> Pending<R, UpdateMessage> {
    /// The new metadata.
    pub fn metadata(self, metadata: BTreeMap<String, String>) -> Self {
        self.map(|o| o.metadata(metadata))
    }
}

impl<R> Pending<R, SendTypingNotification> {
    /// The sender's display name, shown to the other participants.
    pub fn sender_display_name(self, name: impl Into<String>) -> Self {
        self.map(|o| o.sender_display_name(name))
    }
}

impl<R> Pending<R, CreateUser> {
    /// How long the token created with the user lives, 60 to 1440 minutes.
    pub fn expires_in_minutes(self, minutes: u32) -> Self {
        self.map(|o| o.expires_in_minutes(minutes))
    }
}

impl<R> Pending<R, IssueToken> {
    /// How long the token lives, 60 to 1440 minutes (the service's default is 1440).
    pub fn expires_in_minutes(self, minutes: u32) -> Self {
        self.map(|o| o.expires_in_minutes(minutes))
    }
}

/// One prepared listing of the list operation `L`: set its optional parameters (page size,
/// start time, skip) with the builder methods, then take its [`PendingList::items`] or its
/// [`PendingList::pages`], the runner's iterators or streams.
#[must_use = "a prepared listing does nothing until iterated or streamed"]
pub struct PendingList<R, L> {
    runner: R,
    ctx: ChatContext,
    list: L,
    resume: Option<String>,
}

impl<R: Clone, L> PendingList<R, L> {
    pub(crate) fn new(runner: &R, ctx: &ChatContext, list: L) -> Self {
        Self {
            runner: runner.clone(),
            ctx: ctx.clone(),
            list,
            resume: None,
        }
    }

    fn map(mut self, set: impl FnOnce(L) -> L) -> Self {
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
}

impl<R: Runner, L: ListOperation + Send + 'static> PendingList<R, L> {
    fn pager(self) -> (R, Result<Pager<L>, Error>) {
        let pager = match self.resume {
            None => Ok(Pager::new(self.list, self.ctx)),
            Some(token) => Pager::resume(self.list, self.ctx, &token),
        };
        (self.runner, pager)
    }

    /// The listing page by page, each [`Page`] with its continuation token.
    pub fn pages(self) -> R::Pages<L> {
        let (runner, pager) = self.pager();
        runner.pages(pager)
    }

    /// The items of the listing, fetched page by page as needed.
    pub fn items(self) -> R::Items<L> {
        let (runner, pager) = self.pager();
        runner.items(pager)
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

impl<R, L: fmt::Debug> fmt::Debug for PendingList<R, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingList")
            .field("list", &self.list)
            .field("resume", &self.resume.is_some())
            .finish_non_exhaustive()
    }
}

impl<R: Clone> PendingList<R, ListThreads> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.map(|l| l.max_page_size(n))
    }

    /// Only threads updated since this time.
    pub fn start_time(self, t: Timestamp) -> Self {
        self.map(|l| l.start_time(t))
    }
}

impl<R: Clone> PendingList<R, ListMessages> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.map(|l| l.max_page_size(n))
    }

    /// Only messages since this time.
    pub fn start_time(self, t: Timestamp) -> Self {
        self.map(|l| l.start_time(t))
    }
}

impl<R: Clone> PendingList<R, ListParticipants> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.map(|l| l.max_page_size(n))
    }

    /// Skips this many participants.
    pub fn skip(self, n: u32) -> Self {
        self.map(|l| l.skip(n))
    }
}

impl<R: Clone> PendingList<R, ListReadReceipts> {
    /// The page size the service is asked for.
    pub fn max_page_size(self, n: u32) -> Self {
        self.map(|l| l.max_page_size(n))
    }

    /// Skips this many read receipts.
    pub fn skip(self, n: u32) -> Self {
        self.map(|l| l.skip(n))
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
