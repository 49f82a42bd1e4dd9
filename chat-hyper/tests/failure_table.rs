//! Issue 9 §1's connection-level failure table on the async client. The table and its
//! expectations are chat-ureq's (`chat-ureq/tests/failures/mod.rs`), so both transports answer
//! to the same one. Its proxy rows run in `proxy.rs` (options) and `proxy_env.rs`
//! (environment).

mod drive;
#[path = "../../chat-ureq/tests/failures/mod.rs"]
mod failures;
mod runtime;

use chat_hyper::HyperRunner;

#[test]
fn every_connection_failure_is_classified_as_the_table_says() {
    failures::run_table::<HyperRunner>("chat-hyper");
}
