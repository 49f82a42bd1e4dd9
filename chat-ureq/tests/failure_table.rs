//! Issue 9 §1's connection-level failure table on the blocking client: every row's error kind,
//! "may have reached the service" and retries, against chat_testkit's failing endpoints. The
//! table is in `failures/mod.rs`, shared with chat-hyper's twin of this test; its proxy rows
//! run in `proxy_env.rs` (`HTTPS_PROXY`) and `proxy.rs` (`ClientOptions::proxy`).

mod failures;
#[path = "failures/ureq.rs"]
mod ureq_drive;

use chat_ureq::UreqRunner;

#[test]
fn every_connection_failure_is_classified_as_the_table_says() {
    failures::run_table::<UreqRunner>("chat-ureq");
}
