//! What the blocking client logs (the README's "Logs"), on the flow shared with chat-hyper
//! (`log_flow/mod.rs`), and the ids its errors carry.

mod log_flow;

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_testkit::log_capture::LogCapture;
use chat_ureq::{CommunicationTokenCredential, UreqRunner};
use log_flow::Blocking;

impl Blocking for UreqRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        call
    }

    fn count_pages<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<usize, Error> {
        let mut pages = 0;
        for page in list.pages() {
            page?;
            pages += 1;
        }
        Ok(pages)
    }

    fn credential(token: AccessToken) -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(token)
    }
}

#[test]
fn the_quickstart_logs_a_span_per_call_an_event_per_try_and_no_secret() {
    log_flow::quickstart_logs::<UreqRunner>(&LogCapture::new());
}

#[test]
fn service_and_transport_errors_show_the_client_request_id() {
    let refused = chat_testkit::faulty::refused_address().unwrap();
    log_flow::errors_show_their_ids::<UreqRunner>(&LogCapture::new(), &format!("http://{refused}"));
}
