//! Issue 9 §1's connection-level failure table on the blocking client: every row's error kind,
//! "may have reached the service" and retries, against chat_testkit's failing endpoints. The
//! table is in `failures/mod.rs`, shared with chat-hyper's twin of this test; its proxy rows
//! run in `proxy_env.rs`.

mod failures;

use chat_core::{Error, Operation};
use chat_ureq::{CommunicationTokenCredential, UreqRunner};
use failures::Drive;

impl Drive for UreqRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        call
    }

    fn credential() -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(chat_core::AccessToken::new(
            "table-token",
            std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
        ))
    }
}

#[test]
fn every_connection_failure_is_classified_as_the_table_says() {
    failures::run_table::<UreqRunner>("chat-ureq");
}
