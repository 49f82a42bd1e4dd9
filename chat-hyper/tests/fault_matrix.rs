//! DESIGN.md §6's fault matrix on the async client: every chat operation × every fault, on the
//! in-process emulator; nothing duplicated, nothing lost. The table and its expectations are
//! chat-ureq's (`chat-ureq/tests/matrix/mod.rs`), so both transports answer to the same one.
//! The cells run on plain threads, each driving the async client's futures on one shared
//! multi-threaded runtime.

#[path = "../../chat-ureq/tests/matrix/mod.rs"]
mod matrix;
mod runtime;

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_hyper::{CommunicationTokenCredential, HyperRunner, TokenRefreshOptions};
use matrix::{Drive, Refresh};
use runtime::runtime;

impl Drive for HyperRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        runtime().block_on(call)
    }

    fn collect_pages<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
        between: &mut dyn FnMut(usize, usize, Option<&str>),
    ) -> Result<(Vec<L::Item>, usize), Error> {
        let mut pages = list.pages();
        let mut items = Vec::new();
        let mut count = 0;
        while let Some(page) = runtime().block_on(pages.next()) {
            let page = page?;
            between(count, page.items.len(), page.continuation_token());
            items.extend(page.items);
            count += 1;
        }
        Ok((items, count))
    }

    fn credential(initial: AccessToken, refresh: Refresh) -> CommunicationTokenCredential {
        let options =
            TokenRefreshOptions::new(move || std::future::ready(refresh())).initial_token(initial);
        CommunicationTokenCredential::with_refresher(options)
    }

    fn in_context<T>(f: impl FnOnce() -> T) -> T {
        let _entered = runtime().enter();
        f()
    }
}

#[test]
fn every_operation_through_every_fault() {
    matrix::run_matrix::<HyperRunner>("chat-hyper");
}
