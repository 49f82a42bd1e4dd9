//! The hostile servers and proxies table on the blocking client: every misbehaving server of
//! `hostile/mod.rs` against a call and a listing, each cell in a process of its own. The table
//! is shared with chat-hyper's twin of this test.

mod hostile;

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_ureq::{CommunicationTokenCredential, UreqRunner};
use hostile::Drive;

impl Drive for UreqRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        call
    }

    fn collect<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<Vec<L::Item>, Error> {
        list.items().collect()
    }

    fn credential(token: AccessToken) -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(token)
    }
}

#[test]
fn hostile_servers() {
    hostile::run_table::<UreqRunner>("chat-ureq", "hostile_servers");
}
