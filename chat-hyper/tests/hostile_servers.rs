//! The hostile servers and proxies table on the async client. The table, the misbehaving
//! server and the expected outcomes are chat-ureq's (`chat-ureq/tests/hostile/mod.rs`), so
//! both transports answer to the same one. Each cell runs in a process of its own, driving the
//! async client on a current-thread runtime.

#[path = "../../chat-ureq/tests/hostile/mod.rs"]
mod hostile;

use std::sync::OnceLock;

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_hyper::{CommunicationTokenCredential, HyperRunner};
use futures_util::TryStreamExt;
use hostile::Drive;
use tokio::runtime::Runtime;

fn runtime() -> &'static Runtime {
    static RUNTIME: OnceLock<Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap()
    })
}

impl Drive for HyperRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        runtime().block_on(call)
    }

    fn collect<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<Vec<L::Item>, Error> {
        runtime().block_on(list.items().try_collect())
    }

    fn credential(token: AccessToken) -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(token)
    }

    fn in_context<T>(f: impl FnOnce() -> T) -> T {
        let _entered = runtime().enter();
        f()
    }
}

#[test]
fn hostile_servers() {
    hostile::run_table::<HyperRunner>("chat-hyper", "hostile_servers");
}
