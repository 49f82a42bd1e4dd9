//! How the proxy tests run the quickstart flow on the blocking client.

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation};
use chat_ureq::{CommunicationTokenCredential, UreqRunner};

use crate::proxied::Flow;

impl Flow for UreqRunner {
    fn token_credential(token: AccessToken) -> CommunicationTokenCredential {
        CommunicationTokenCredential::new(token)
    }

    fn collect<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<Vec<L::Item>, Error> {
        list.into_iter().collect()
    }
}
