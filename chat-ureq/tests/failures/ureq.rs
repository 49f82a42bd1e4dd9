//! How the failure table drives the blocking client (both chat-ureq test binaries that run
//! rows of it include this file).

use chat_core::{Error, Operation};
use chat_ureq::{CommunicationTokenCredential, UreqRunner};

use crate::failures::Drive;

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
