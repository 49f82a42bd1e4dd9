//! Issue 9 §1's connection-level failure table on the async client. The table and its
//! expectations are chat-ureq's (`chat-ureq/tests/failures/mod.rs`), so both transports answer
//! to the same one. Its proxy rows wait for proxy support in chat-hyper (issue 9 part B).

#[path = "../../chat-ureq/tests/failures/mod.rs"]
mod failures;
mod runtime;

use chat_core::{Error, Operation};
use chat_hyper::{CommunicationTokenCredential, HyperRunner};
use failures::Drive;
use runtime::runtime;

impl Drive for HyperRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        runtime().block_on(call)
    }

    fn credential() -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(chat_core::AccessToken::new(
            "table-token",
            std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
        ))
    }

    fn in_context<T>(f: impl FnOnce() -> T) -> T {
        let _entered = runtime().enter();
        f()
    }
}

#[test]
fn every_connection_failure_is_classified_as_the_table_says() {
    failures::run_table::<HyperRunner>("chat-hyper");
}
