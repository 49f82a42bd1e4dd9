//! What the async client logs (the README's "Logs"), on the flow shared with chat-ureq
//! (`chat-ureq/tests/log_flow/mod.rs`), and the ids its errors carry. Each test drives its
//! futures on its own current-thread runtime, so everything it logs (also in tasks the client
//! spawns) reaches the test's own subscriber.

#[path = "../../chat-ureq/tests/log_flow/mod.rs"]
mod log_flow;

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_hyper::{CommunicationTokenCredential, HyperRunner};
use chat_testkit::log_capture::LogCapture;
use log_flow::Blocking;
use tokio::runtime::Runtime;

thread_local! {
    static RUNTIME: Runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
}

impl Blocking for HyperRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        RUNTIME.with(|rt| rt.block_on(call))
    }

    fn count_pages<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<usize, Error> {
        RUNTIME.with(|rt| {
            rt.block_on(async {
                let mut pages = list.pages();
                let mut count = 0;
                while let Some(page) = pages.next().await {
                    page?;
                    count += 1;
                }
                Ok(count)
            })
        })
    }

    fn credential(token: AccessToken) -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(token)
    }
}

#[test]
fn the_quickstart_logs_a_span_per_call_an_event_per_try_and_no_secret() {
    log_flow::quickstart_logs::<HyperRunner>(&LogCapture::new());
}

#[test]
fn service_and_transport_errors_show_the_client_request_id() {
    let refused = chat_testkit::faulty::refused_address().unwrap();
    log_flow::errors_show_their_ids::<HyperRunner>(
        &LogCapture::new(),
        &format!("http://{refused}"),
    );
}
