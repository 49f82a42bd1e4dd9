//! The listing iterators: [`Pages`] and [`Items`] drive a core [`Pager`] through the executor,
//! one blocking page fetch at a time.

use std::fmt;
use std::sync::Arc;

use chat_core::client::Page;
use chat_core::{Error, ListOperation, Pager};

use crate::executor::Executor;

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
    /// The pages of `pager`'s listing; an error (a refused continuation token) is yielded once.
    pub(crate) fn new(exec: Arc<Executor>, pager: Result<Pager<L>, Error>) -> Self {
        let state = match pager {
            Ok(pager) => State::Paging(pager),
            Err(e) => State::Failed(e),
        };
        Self { exec, state }
    }

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
                    Some(Ok(Page::new(items, continuation_token)))
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
