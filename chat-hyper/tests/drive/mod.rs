//! How the shared tables (`chat-ureq/tests/failures`, `chat-ureq/tests/proxied`) drive the
//! async client: on one runtime per test binary, blocking on each call's future.

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation, Operation};
use chat_hyper::{CommunicationTokenCredential, HyperRunner};

use crate::failures::Drive;
use crate::runtime::runtime;

impl Drive for HyperRunner {
    fn block<O: Operation + Send + 'static>(call: Self::Call<O>) -> Result<O::Output, Error> {
        runtime().block_on(call)
    }

    fn credential() -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(AccessToken::new(
            "table-token",
            std::time::SystemTime::now() + std::time::Duration::from_secs(3600),
        ))
    }

    fn in_context<T>(f: impl FnOnce() -> T) -> T {
        let _entered = runtime().enter();
        f()
    }
}

/// The quickstart flow's additions (only the binaries that include `proxied` use them).
#[allow(dead_code)]
pub(crate) fn token_credential(token: AccessToken) -> CommunicationTokenCredential {
    CommunicationTokenCredential::new(token)
}

/// Every item of a listing.
#[allow(dead_code)]
pub(crate) fn collect<L: ListOperation + Send + 'static>(
    mut list: PendingList<HyperRunner, L>,
) -> Result<Vec<L::Item>, Error> {
    runtime().block_on(async move {
        let mut items = Vec::new();
        while let Some(item) = list.next().await {
            items.push(item?);
        }
        Ok(items)
    })
}
