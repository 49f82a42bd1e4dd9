//! The listing streams: [`Pages`] and [`Items`] drive a core [`Pager`] through the executor,
//! one page fetch (a boxed `Send` future) at a time. Both are `Stream`s, and both have an
//! inherent `next()` (the [`Next`] future), so reading a listing needs no `StreamExt`.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chat_core::client::Page;
use chat_core::{Error, ListOperation, Pager};
use futures_core::Stream;

use crate::executor::Executor;

/// A boxed, `Send` future, as the prepared calls return.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

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
    /// The pages of `pager`'s listing; an error (a refused continuation token) is yielded once.
    pub(crate) fn new(exec: Arc<Executor>, pager: Result<Pager<L>, Error>) -> Self {
        let state = match pager {
            Ok(pager) => State::Idle(Box::new(pager)),
            Err(e) => State::Failed(e),
        };
        Self { exec, state }
    }

    /// The token of the next page, `None` before the first page, while a page is being fetched,
    /// and after the last.
    pub fn continuation_token(&self) -> Option<&str> {
        match &self.state {
            State::Idle(p) => p.continuation_token(),
            _ => None,
        }
    }
}

impl<L: ListOperation + Send + 'static> Pages<L> {
    /// The next page: `while let Some(page) = pages.next().await` (no `StreamExt` needed).
    /// `None` after the last page or after an error.
    #[allow(clippy::should_implement_trait)] // async: not `Iterator::next`
    pub fn next(&mut self) -> Next<'_, Self> {
        Next { stream: self }
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
                        return Poll::Ready(Some(Ok(Page::new(items, continuation_token))));
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
    /// The items of `pages`, one page buffered at a time.
    pub(crate) fn new(pages: Pages<L>) -> Self {
        Self {
            pages,
            buffer: Vec::new().into_iter(),
        }
    }

    /// The token of the page after the items already fetched; see [`Pages::continuation_token`].
    pub fn continuation_token(&self) -> Option<&str> {
        self.pages.continuation_token()
    }
}

impl<L: ListOperation + Send + 'static> Items<L> {
    /// The next item: `while let Some(item) = items.next().await` (no `StreamExt` needed).
    /// `None` after the last item or after an error.
    #[allow(clippy::should_implement_trait)] // async: not `Iterator::next`
    pub fn next(&mut self) -> Next<'_, Self> {
        Next { stream: self }
    }
}

/// The future of `next()` on a listing ([`Items::next`], [`Pages::next`], and `next()` on a
/// [`crate::PendingList`]): the next item or page, `None` once the listing is over.
#[must_use = "futures do nothing unless awaited"]
pub struct Next<'a, S> {
    stream: &'a mut S,
}

impl<S: Stream + Unpin> Future for Next<'_, S> {
    type Output = Option<S::Item>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut *self.stream).poll_next(cx)
    }
}

impl<S> fmt::Debug for Next<'_, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Next").finish_non_exhaustive()
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
