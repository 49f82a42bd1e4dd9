//! `acs-emulator`: the offline ACS Chat + Identity emulator as a standalone server.
//!
//! ```text
//! acs-emulator [--port N] [--access-key BASE64] [--webhook URL]... [--event-schema eventgrid|cloudevents]
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` and `connection string: endpoint=...;accesskey=...`,
//! then serves until Ctrl-C. Fault rules: `POST /_emulator/faults`; webhook subscriptions:
//! `POST /_emulator/subscriptions` (see the `chat_testkit::emulator` docs).

use std::io::Write as _;
use std::process::ExitCode;

use chat_core::AccessKey;
use chat_testkit::emulator::{DeliverySchema, Emulator, Subscription};

const USAGE: &str = "\
usage: acs-emulator [--port N] [--access-key BASE64] [--webhook URL]... [--event-schema SCHEMA]

An offline emulator of Azure Communication Services Chat and Identity, on 127.0.0.1.

options:
  --port N               listen on port N (default 0: any free port)
  --access-key BASE64    the resource's access key (default: a random one)
  --webhook URL          deliver every chat event the emulator's operations cause to URL, an
                         http:// webhook, as Event Grid does: a validation handshake first, then
                         each event at least once, retried with backoff. Repeat for several
                         webhooks. A secret can ride in the URL's query string.
  --event-schema SCHEMA  the envelope of --webhook deliveries: eventgrid (default) or
                         cloudevents
  -h, --help             print this help

control endpoints (JSON): /_emulator/faults, /_emulator/requests, /_emulator/subscriptions,
/_emulator/delivery-faults; see the chat_testkit::emulator documentation.";

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("acs-emulator: {message}");
            ExitCode::from(2)
        }
    }
}

fn run() -> Result<(), String> {
    let mut builder = Emulator::builder();
    let mut webhooks = Vec::new();
    let mut schema = DeliverySchema::EventGrid;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--port" => {
                let value = args.next().ok_or("--port needs a value")?;
                let port: u16 = value
                    .parse()
                    .map_err(|_| format!("invalid port {value:?}"))?;
                builder = builder.port(port);
            }
            "--access-key" => {
                let value = args.next().ok_or("--access-key needs a value")?;
                let key = AccessKey::from_base64(&value).map_err(|e| e.to_string())?;
                builder = builder.access_key(&key);
            }
            "--webhook" => webhooks.push(args.next().ok_or("--webhook needs a URL")?),
            "--event-schema" => {
                schema = args.next().ok_or("--event-schema needs a value")?.parse()?;
            }
            "-h" | "--help" => {
                println!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let emulator = builder.start().map_err(|e| format!("cannot start: {e}"))?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", emulator.endpoint());
    let _ = writeln!(out, "connection string: {}", emulator.connection_string());
    for url in webhooks {
        let id = emulator
            .subscribe(Subscription::new(url.as_str()).schema(schema))
            .map_err(|e| e.to_string())?;
        let _ = writeln!(out, "webhook {id}: {url} ({schema})");
    }
    let _ = out.flush();
    drop(out);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime
        .block_on(tokio::signal::ctrl_c())
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"))?;
    drop(emulator);
    println!("stopped");
    Ok(())
}
