//! The client surface, written once for every transport: [`ChatClient`], [`ChatThreadClient`]
//! and [`IdentityClient`] build operation values and bind them to a [`Runner`] as a [`Pending`]
//! call (or a [`PendingList`] listing), whose builder methods set the optional parameters.
//!
//! A transport supplies only how to execute: it implements [`Runner`] (run one operation, page
//! through one listing, make a request id) and [`Connect`] (build itself from
//! [`ClientOptions`]), then names the clients with type aliases, e.g.
//! `pub type ChatClient = chat_core::client::ChatClient<MyRunner>;`. What a call returns is the
//! runner's choice: a blocking runner returns the result, an async runner returns a future (and
//! a [`Pending`] can then be `.await`ed directly).
//!
//! Like the rest of this crate, nothing here does I/O, reads a clock or draws a random number:
//! the idempotency token of `create_chat_thread` comes from [`Runner::new_request_id`].

mod clients;
mod options;
mod pending;
mod proxy;

pub use clients::{ChatClient, ChatThreadClient, IdentityClient};
pub use options::{ClientOptions, DEFAULT_PER_CALL_TIMEOUT, DEFAULT_PER_TRY_TIMEOUT};
pub use pending::{Page, Pending, PendingList};
pub use proxy::{Proxy, ProxyRules, ProxyServer};

use crate::{Auth, Error, ListOperation, Operation, Pager};

/// How a transport executes what the clients build.
///
/// `Call<O>` is what running one operation gives (the result itself for a blocking transport, a
/// future of it for an async one); `Pages<L>` and `Items<L>` are the transport's iterators or
/// streams over a listing, fed by a core [`Pager`]; `Next` is what [`PendingList::next`] gives
/// (the next item, or a future of it). Cloning a runner must be cheap and share its
/// connections and credential.
///
/// `Next` is why an async listing needs no `StreamExt`: a transport cannot implement a foreign
/// `Stream` trait for this crate's [`PendingList`] (the orphan rule), and this crate has no
/// async dependency, so the runner names the type of `next()` instead.
pub trait Runner: Clone {
    /// What running one operation gives.
    type Call<O: Operation + Send + 'static>;
    /// A listing page by page.
    type Pages<L: ListOperation + Send + 'static>;
    /// A listing item by item.
    type Items<L: ListOperation + Send + 'static>;
    /// What [`PendingList::next`] gives: the next item of a listing (blocking), or a future of
    /// it (async).
    type Next<'a, L: ListOperation + Send + 'static>
    where
        Self: 'a;

    /// Runs `operation` in `ctx` (retries, token refresh and timeouts included).
    fn call<O: Operation + Send + 'static>(&self, ctx: O::Context, operation: O) -> Self::Call<O>;

    /// The pages of a listing; `pager` is an error when a continuation token was not valid, and
    /// the listing then yields that error once.
    fn pages<L: ListOperation + Send + 'static>(
        &self,
        pager: Result<Pager<L>, Error>,
    ) -> Self::Pages<L>;

    /// The items of a listing, fetched page by page (see [`Runner::pages`]).
    fn items<L: ListOperation + Send + 'static>(
        &self,
        pager: Result<Pager<L>, Error>,
    ) -> Self::Items<L>;

    /// The next item of `items` (`None` after the last item, or after an error).
    fn next_item<'a, L: ListOperation + Send + 'static>(
        items: &'a mut Self::Items<L>,
    ) -> Self::Next<'a, L>;

    /// A fresh unique id (a UUID): the idempotency token of a thread creation when the caller
    /// gives none.
    fn new_request_id(&self) -> String;
}

/// How a transport builds its [`Runner`] for a client: the construction behind
/// [`ChatClient::new`] and [`IdentityClient::from_connection_string`].
pub trait Connect: Runner + Sized {
    /// The user credential chat clients take (a token credential).
    type Credential;

    /// A runner for `options`, authorizing its requests with `auth`; `credential` supplies the
    /// tokens of [`Auth::Bearer`] (identity clients have none).
    fn connect(
        options: &ClientOptions,
        auth: Auth,
        credential: Option<Self::Credential>,
    ) -> Result<Self, Error>;
}

#[cfg(test)]
mod tests;
