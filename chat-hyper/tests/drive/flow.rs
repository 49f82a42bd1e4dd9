//! The quickstart flow of `chat-ureq/tests/proxied` on the async client.

use chat_core::client::PendingList;
use chat_core::{AccessToken, Error, ListOperation};
use chat_hyper::{CommunicationTokenCredential, HyperRunner};

use crate::proxied::Flow;

impl Flow for HyperRunner {
    fn token_credential(token: AccessToken) -> CommunicationTokenCredential {
        crate::drive::token_credential(token)
    }

    fn collect<L: ListOperation + Send + 'static>(
        list: PendingList<Self, L>,
    ) -> Result<Vec<L::Item>, Error> {
        crate::drive::collect(list)
    }
}
