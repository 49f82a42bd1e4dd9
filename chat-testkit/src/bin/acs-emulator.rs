//! `acs-emulator`: the offline ACS Chat + Identity emulator as a standalone server.
//!
//! ```text
//! acs-emulator [--port N] [--access-key BASE64] [--tls [--ca-out PATH]]
//!              [--webhook URL]... [--event-schema eventgrid|cloudevents]
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` and `connection string: endpoint=...;accesskey=...`,
//! then serves until Ctrl-C. With `--tls` it serves HTTPS with a certificate made at start and
//! also prints `CA certificate: PATH`, the PEM file a client must trust. Fault rules:
//! `POST /_emulator/faults`; webhook subscriptions: `POST /_emulator/subscriptions` (see the
//! `chat_testkit::emulator` docs).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use chat_core::AccessKey;
use chat_testkit::emulator::{DeliverySchema, Emulator, Subscription, TLS_NAMES};

const HELP: &str = "\
usage: acs-emulator [--port N] [--access-key BASE64] [--tls [--ca-out PATH]]
                    [--webhook URL]... [--event-schema SCHEMA]

An offline emulator of Azure Communication Services Chat and Identity, on 127.0.0.1.

options:
  --port N               listen on port N (default 0: any free port)
  --access-key BASE64    the resource's access key (default: a random one)
  --tls                  serve HTTPS: a certificate authority is generated at start and signs a
                         certificate for 127.0.0.1, localhost and ::1; clients must trust the
                         authority's certificate (PEM), which is written to a file whose path is
                         printed as `CA certificate: PATH`
  --ca-out PATH          with --tls, write that certificate to PATH (default: a file in the
                         temporary directory, removed when the emulator stops)
  --webhook URL          deliver every chat event the emulator's operations cause to URL, an
                         http:// webhook, as Event Grid does: a validation handshake first, then
                         each event at least once, retried with backoff. Repeat for several
                         webhooks. A secret can ride in the URL's query string.
  --event-schema SCHEMA  the envelope of --webhook deliveries: eventgrid (default) or
                         cloudevents
  -h, --help             print this help

Prints `listening on <endpoint>` and `connection string: <connection string>`, then serves
until Ctrl-C. Identity calls are HMAC-signed with the access key, or carry
`Authorization: Bearer` with a Microsoft Entra ID token for https://communication.azure.com
from the emulator's test issuer (HS256 with a published key; see
chat_testkit::emulator::entra).

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
    let mut tls = false;
    let mut ca_out: Option<PathBuf> = None;
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
            "--tls" => tls = true,
            "--ca-out" => ca_out = Some(args.next().ok_or("--ca-out needs a path")?.into()),
            "-h" | "--help" => {
                println!("{HELP}");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    if ca_out.is_some() && !tls {
        return Err("--ca-out needs --tls".into());
    }
    if tls {
        builder = builder.tls_names(&TLS_NAMES);
    }
    let emulator = builder.start().map_err(|e| format!("cannot start: {e}"))?;
    // The certificate file: where the user asked (kept), or a temporary one (removed at exit).
    let ca_file = match emulator.root_certificate_pem() {
        Some(pem) => {
            let (path, temporary) = match ca_out {
                Some(path) => (path, false),
                None => {
                    let name = format!("acs-emulator-{}-ca.pem", emulator.local_addr().port());
                    (std::env::temp_dir().join(name), true)
                }
            };
            std::fs::write(&path, pem)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            Some((path, temporary))
        }
        None => None,
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", emulator.endpoint());
    let _ = writeln!(out, "connection string: {}", emulator.connection_string());
    if let Some((path, _)) = &ca_file {
        let _ = writeln!(out, "CA certificate: {}", path.display());
    }
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
    let waited = runtime
        .block_on(tokio::signal::ctrl_c())
        .map_err(|e| format!("cannot wait for Ctrl-C: {e}"));
    drop(emulator);
    if let Some((path, true)) = &ca_file {
        let _ = std::fs::remove_file(path);
    }
    waited?;
    println!("stopped");
    Ok(())
}
