//! DESIGN.md §6's fault matrix on the blocking client: every chat operation × every fault, on
//! the in-process emulator; nothing duplicated, nothing lost. The table is in `matrix/mod.rs`,
//! shared with chat-hyper's twin of this test.

mod matrix;

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_ureq::{CommunicationTokenCredential, TokenRefreshOptions, UreqRunner};
use matrix::{Drive, Refresh};

impl Drive for UreqRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        call
    }

    fn collect_pages<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
        between: &mut dyn FnMut(usize, usize, Option<&str>),
    ) -> Result<(Vec<L::Item>, usize), Error> {
        let mut items = Vec::new();
        let mut count = 0;
        for page in list.pages() {
            let page = page?;
            between(count, page.items.len(), page.continuation_token());
            items.extend(page.items);
            count += 1;
        }
        Ok((items, count))
    }

    fn credential(initial: AccessToken, refresh: Refresh) -> CommunicationTokenCredential {
        let options = TokenRefreshOptions::new(move || refresh()).initial_token(initial);
        CommunicationTokenCredential::with_refresher(options)
    }
}

#[test]
fn every_operation_through_every_fault() {
    matrix::run_matrix::<UreqRunner>("chat-ureq");
}
