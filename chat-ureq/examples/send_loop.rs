//! Sends N messages on one kept-alive connection to the in-process emulator and prints the time
//! per call: a quick look at the client's per-operation cost (`strace -f -c` it for syscalls).
//!
//! ```sh
//! cargo run --release -p chat-ureq --example send_loop -- 2000
//! ```

use std::time::Instant;

use chat_testkit::emulator::Emulator;
use chat_ureq::identity::TokenScope;
use chat_ureq::{ChatClient, ClientOptions, CommunicationTokenCredential, Error, IdentityClient};

fn main() -> Result<(), Error> {
    let n: u32 = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(1000);
    let emulator = Emulator::start();
    let options = ClientOptions::default().allow_loopback_http(true);
    let identity = IdentityClient::from_connection_string_with_options(
        &emulator.connection_string(),
        options.clone(),
    )?;
    let user = identity.create_user_and_token([TokenScope::Chat]).call()?;
    let token = user
        .access_token
        .ok_or_else(|| Error::token_refresh("no token"))?;
    let chat = ChatClient::with_options(
        &emulator.endpoint(),
        CommunicationTokenCredential::new(token),
        options,
    )?;
    let thread = chat.create_chat_thread("loop").call()?.thread.id;
    let thread = chat.chat_thread_client(thread);
    let started = Instant::now();
    for i in 0..n {
        thread.send_message(format!("message {i}")).call()?;
    }
    let elapsed = started.elapsed();
    println!(
        "{n} send_message calls in {elapsed:?}: {:?} per call",
        elapsed / n
    );
    Ok(())
}
