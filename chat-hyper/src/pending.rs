//! Prepared calls: a core operation bound to the executor that will run it. These two generic
//! types are the whole per-operation surface of the client: every client method returns one.

use std::fmt;
use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chat_core::{ChatContext, Error, ListOperation, Operation, Pager};
use futures_core::Stream;

use crate::executor::Executor;

/// A boxed, `Send` future, as the prepared calls return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

/// One prepared call of the core operation `O`.
///
/// The optional parameters are the core operation's own builder methods, applied with
/// [`Pending::with`]; awaiting it (or [`Pending::call`]) runs it, retries, token refresh and
/// timeouts included. The future is `Send + 'static`, so it can be spawned.
///
/// ```no_run
/// # async fn demo(thread: &chat_hyper::ChatThreadClient) -> Result<(), chat_hyper::Error> {
/// let sent = thread
///     .send_message("Hello!")
///     .with(|m| m.sender_display_name("Alice"))
///     .await?;
/// println!("sent {}", sent.id);
/// # Ok(()) }
/// ```
#[must_use = "a prepared call does nothing until awaited"]
pub struct Pending<O: Operation> {
    exec: Arc<Executor>,
    ctx: O::Context,
    operation: O,
}

impl<O: Operation> Pending<O> {
    pub(crate) fn new(exec: &Arc<Executor>, ctx: &O::Context, operation: O) -> Self {
        Self {
            exec: Arc::clone(exec),
            ctx: ctx.clone(),
            operation,
        }
    }

    /// Sets optional parameters with the core operation's builder methods.
    pub fn with(mut self, set: impl FnOnce(O) -> O) -> Self {
        self.operation = set(self.operation);
        self
    }

    /// The operation as it will be sent.
    pub fn operation(&self) -> &O {
        &self.operation
    }

    /// Runs the call and returns its result (the same as awaiting the prepared call).
    pub async fn call(self) -> Result<O::Output, Error> {
        self.exec.run(self.operation, self.ctx).await
    }
}

impl<O> IntoFuture for Pending<O>
where
    O: Operation + Send + 'static,
    O::Output: Send + 'static,
    O::Context: Send + 'static,
{
    type Output = Result<O::Output, Error>;
    type IntoFuture = BoxFuture<Self::Output>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.call())
    }
}

impl<O: Operation + fmt::Debug> fmt::Debug for Pending<O> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pending")
            .field("operation", &self.operation)
            .finish_non_exhaustive()
    }
}

/// One prepared listing of the core list operation `L`.
///
/// [`PendingList::items`] streams the items (`Result<Item, Error>`, fetched page by page as
/// needed); [`PendingList::pages`] streams the pages with their continuation tokens; a listing
/// resumes with [`PendingList::resume_from`].
#[must_use = "a prepared listing does nothing until streamed"]
pub struct PendingList<L> {
    exec: Arc<Executor>,
    ctx: ChatContext,
    list: L,
    resume: Option<String>,
}

impl<L: ListOperation> PendingList<L> {
    pub(crate) fn new(exec: &Arc<Executor>, ctx: &ChatContext, list: L) -> Self {
        Self {
            exec: Arc::clone(exec),
            ctx: ctx.clone(),
            list,
            resume: None,
        }
    }

    /// Sets optional parameters (page size, start time, skip) with the core operation's builder
    /// methods.
    pub fn with(mut self, set: impl FnOnce(L) -> L) -> Self {
        self.list = set(self.list);
        self
    }

    /// Starts at the page a continuation token (from [`Page::continuation_token`]) points at.
    pub fn resume_from(mut self, continuation_token: impl Into<String>) -> Self {
        self.resume = Some(continuation_token.into());
        self
    }

    /// The listing page by page, as a [`Stream`].
    pub fn pages(self) -> Pages<L> {
        let state = match self.resume {
            None => State::Idle(Box::new(Pager::new(self.list, self.ctx))),
            Some(token) => match Pager::resume(self.list, self.ctx, &token) {
                Ok(pager) => State::Idle(Box::new(pager)),
                Err(e) => State::Failed(e),
            },
        };
        Pages {
            exec: self.exec,
            state,
        }
    }

    /// The items of the listing, as a [`Stream`].
    pub fn items(self) -> Items<L> {
        Items {
            pages: self.pages(),
            buffer: Vec::new().into_iter(),
        }
    }
}

impl<L: fmt::Debug> fmt::Debug for PendingList<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingList")
            .field("list", &self.list)
            .field("resume", &self.resume.is_some())
            .finish_non_exhaustive()
    }
}

/// One page of a listing.
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
    /// The continuation token, `None` after the last page.
    pub fn continuation_token(&self) -> Option<&str> {
        self.continuation_token.as_deref()
    }
}

type Fetch<L> = BoxFuture<(
    Box<Pager<L>>,
    Option<Result<Vec<<L as ListOperation>::Item>, Error>>,
)>;

enum State<L: ListOperation> {
    Idle(Box<Pager<L>>),
    Fetching(Fetch<L>),
    Failed(Error),
    Done,
}

/// The pages of a listing: a [`Stream`] of `Result<Page<Item>, Error>`. It ends after the last
/// page or after the first error.
pub struct Pages<L: ListOperation> {
    exec: Arc<Executor>,
    state: State<L>,
}

// Nothing is pin-projected: the pager is boxed and the fetch future is a pinned box.
impl<L: ListOperation> Unpin for Pages<L> {}

impl<L: ListOperation> Pages<L> {
    /// The token of the next page, `None` before the first page, while a page is being fetched,
    /// and after the last.
    pub fn continuation_token(&self) -> Option<&str> {
        match &self.state {
            State::Idle(p) => p.continuation_token(),
            _ => None,
        }
    }
}

impl<L> Stream for Pages<L>
where
    L: ListOperation + Send + 'static,
    L::Item: Send + 'static,
{
    type Item = Result<Page<L::Item>, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match std::mem::replace(&mut self.state, State::Done) {
                State::Done => return Poll::Ready(None),
                State::Failed(e) => return Poll::Ready(Some(Err(e))),
                State::Idle(mut pager) => {
                    let exec = Arc::clone(&self.exec);
                    self.state = State::Fetching(Box::pin(async move {
                        let page = exec.next_page(&mut pager).await;
                        (pager, page)
                    }));
                }
                State::Fetching(mut fetch) => match fetch.as_mut().poll(cx) {
                    Poll::Pending => {
                        self.state = State::Fetching(fetch);
                        return Poll::Pending;
                    }
                    Poll::Ready((_, None)) => return Poll::Ready(None),
                    Poll::Ready((_, Some(Err(e)))) => return Poll::Ready(Some(Err(e))),
                    Poll::Ready((pager, Some(Ok(items)))) => {
                        let continuation_token = pager.continuation_token().map(str::to_owned);
                        self.state = State::Idle(pager);
                        return Poll::Ready(Some(Ok(Page {
                            items,
                            continuation_token,
                        })));
                    }
                },
            }
        }
    }
}

impl<L: ListOperation> fmt::Debug for Pages<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// The items of a listing, fetched page by page: a [`Stream`] of `Result<Item, Error>` that
/// ends after the last item or after the first error.
pub struct Items<L: ListOperation> {
    pages: Pages<L>,
    buffer: std::vec::IntoIter<L::Item>,
}

impl<L: ListOperation> Unpin for Items<L> {}

impl<L: ListOperation> Items<L> {
    /// The token of the page after the items already fetched; see [`Pages::continuation_token`].
    pub fn continuation_token(&self) -> Option<&str> {
        self.pages.continuation_token()
    }
}

impl<L> Stream for Items<L>
where
    L: ListOperation + Send + 'static,
    L::Item: Send + 'static,
{
    type Item = Result<L::Item, Error>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Poll::Ready(Some(Ok(item)));
            }
            match Pin::new(&mut self.pages).poll_next(cx) {
                Poll::Ready(Some(Ok(page))) => self.buffer = page.items.into_iter(),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

impl<L: ListOperation> fmt::Debug for Items<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}
