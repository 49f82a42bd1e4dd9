//! `acs-emulator`: the offline ACS Chat + Identity emulator as a standalone server.
//!
//! ```text
//! acs-emulator [--port N] [--access-key BASE64]
//! ```
//!
//! Prints `listening on http://127.0.0.1:PORT` and `connection string: endpoint=...;accesskey=...`,
//! then serves until Ctrl-C. Fault rules: `POST /_emulator/faults` (see the
//! `chat_testkit::emulator` docs).

use std::io::Write as _;
use std::process::ExitCode;

use chat_core::AccessKey;
use chat_testkit::emulator::Emulator;

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
            "-h" | "--help" => {
                println!("usage: acs-emulator [--port N] [--access-key BASE64]");
                return Ok(());
            }
            other => return Err(format!("unknown argument {other:?} (try --help)")),
        }
    }
    let emulator = builder.start().map_err(|e| format!("cannot start: {e}"))?;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", emulator.endpoint());
    let _ = writeln!(out, "connection string: {}", emulator.connection_string());
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
