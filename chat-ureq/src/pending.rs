//! Prepared calls: a core operation bound to the executor that will run it. These two generic
//! types are the whole per-operation surface of the client: every client method returns one.

use std::fmt;
use std::sync::Arc;

use chat_core::{ChatContext, Error, ListOperation, Operation, Pager};

use crate::executor::Executor;

/// One prepared call of the core operation `O`.
///
/// The optional parameters are the core operation's own builder methods, applied with
/// [`Pending::with`]; [`Pending::call`] runs it (retries, token refresh and timeouts included).
///
/// ```no_run
/// # fn demo(thread: &chat_ureq::ChatThreadClient) -> Result<(), chat_ureq::Error> {
/// let sent = thread
///     .send_message("Hello!")
///     .with(|m| m.sender_display_name("Alice"))
///     .call()?;
/// println!("sent {}", sent.id);
/// # Ok(()) }
/// ```
#[must_use = "a prepared call does nothing until `.call()` runs it"]
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

    /// Runs the call and returns its result.
    pub fn call(self) -> Result<O::Output, Error> {
        self.exec.run(self.operation, self.ctx)
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
/// Iterate it for the items (`Result<Item, Error>`, fetched page by page as needed), or call
/// [`PendingList::pages`] for the pages and their continuation tokens; resume a listing with
/// [`PendingList::resume_from`].
#[must_use = "a prepared listing does nothing until iterated"]
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

    /// The listing page by page.
    pub fn pages(self) -> Pages<L> {
        let state = match self.resume {
            None => State::Paging(Pager::new(self.list, self.ctx)),
            Some(token) => match Pager::resume(self.list, self.ctx, &token) {
                Ok(pager) => State::Paging(pager),
                Err(e) => State::Failed(e),
            },
        };
        Pages {
            exec: self.exec,
            state,
        }
    }
}

impl<L: ListOperation> PendingList<L> {
    /// The items of the listing (the same as iterating the prepared listing).
    pub fn items(self) -> Items<L> {
        self.into_iter()
    }
}

impl<L: ListOperation> IntoIterator for PendingList<L> {
    type Item = Result<L::Item, Error>;
    type IntoIter = Items<L>;

    fn into_iter(self) -> Items<L> {
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

enum State<L> {
    Paging(Pager<L>),
    Failed(Error),
    Done,
}

/// The pages of a listing: an [`Iterator`] of `Result<Page<Item>, Error>`. It stops after the
/// last page or after the first error.
pub struct Pages<L> {
    exec: Arc<Executor>,
    state: State<L>,
}

impl<L: ListOperation> Pages<L> {
    /// The token of the next page, `None` before the first page and after the last.
    pub fn continuation_token(&self) -> Option<&str> {
        match &self.state {
            State::Paging(p) => p.continuation_token(),
            _ => None,
        }
    }
}

impl<L: ListOperation> Iterator for Pages<L> {
    type Item = Result<Page<L::Item>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        match std::mem::replace(&mut self.state, State::Done) {
            State::Done => None,
            State::Failed(e) => Some(Err(e)),
            State::Paging(mut pager) => match self.exec.next_page(&mut pager)? {
                Ok(items) => {
                    let continuation_token = pager.continuation_token().map(str::to_owned);
                    self.state = State::Paging(pager);
                    Some(Ok(Page {
                        items,
                        continuation_token,
                    }))
                }
                Err(e) => Some(Err(e)),
            },
        }
    }
}

impl<L> fmt::Debug for Pages<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pages").finish_non_exhaustive()
    }
}

/// The items of a listing, fetched page by page: an [`Iterator`] of `Result<Item, Error>` that
/// stops after the last item or after the first error.
pub struct Items<L: ListOperation> {
    pages: Pages<L>,
    buffer: std::vec::IntoIter<L::Item>,
}

impl<L: ListOperation> Items<L> {
    /// The token of the page after the items already fetched; see [`Pages::continuation_token`].
    pub fn continuation_token(&self) -> Option<&str> {
        self.pages.continuation_token()
    }
}

impl<L: ListOperation> Iterator for Items<L> {
    type Item = Result<L::Item, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some(item) = self.buffer.next() {
                return Some(Ok(item));
            }
            match self.pages.next()? {
                Ok(page) => self.buffer = page.items.into_iter(),
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl<L: ListOperation> fmt::Debug for Items<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Items").finish_non_exhaustive()
    }
}
