//! `chat-replay`: tools over recorded sessions.
//!
//! ```text
//! chat-replay check <folder>
//! chat-replay record --upstream <URL | CONNECTION_STRING> --out <FILE> [--port N] [--ca-file PEM]
//! chat-replay serve <FILE> [--port N]
//! ```
//!
//! `check` routes every recorded chat or identity interaction in the folder (recursively,
//! `*.json` test-proxy files) to the core's parser for that operation, prints one line per
//! failure, and ends with `N passed, M failed`. The exit code is 1 when anything failed.
//!
//! `record` and `serve` print `listening on http://127.0.0.1:PORT` and run until Ctrl-C,
//! SIGTERM or the end of their standard input (so a script that starts one in the background
//! gives it an input that stays open, such as a fifo, as `conformance/run.sh` does: a background
//! job reading `/dev/null` stops at once). `record` forwards every request to the upstream
//! (a resource's `https://` endpoint, or an `http://` loopback emulator; a connection string
//! also lets it re-sign identity requests) and writes FILE after every exchange, secrets
//! scrubbed; `--ca-file` trusts the PEM bundle's roots for the upstream instead of the webpki
//! ones. `serve` answers from FILE, and a request that matches nothing gets a 404 naming the
//! part that differs and the closest recorded request. Both print one line per exchange or
//! mismatch on standard error and a report when they stop; the exit code is 1 when an upstream
//! failed (record) or a request did not match or a recorded one was never made (serve).
//!
//! Exit code 2 is a usage or I/O error.

use std::io::{Read as _, Write as _};
use std::process::ExitCode;
use std::time::Duration;

use chat_core::client::ClientOptions;
use chat_testkit::proxy::{RecordingProxy, Upstream};
use chat_testkit::recording::{check_folder, Recording};
use chat_testkit::replay::ReplayServer;

const USAGE: &str = "usage:
  chat-replay check <folder>
  chat-replay record --upstream <URL | CONNECTION_STRING> --out <FILE> [--port N] [--ca-file PEM]
  chat-replay serve <FILE> [--port N]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((command, rest)) if command == "check" => check(rest),
        Some((command, rest)) if command == "record" => record(rest),
        Some((command, rest)) if command == "serve" => serve(rest),
        Some((help, _)) if help == "-h" || help == "--help" => {
            println!("{USAGE}");
            Ok(ExitCode::SUCCESS)
        }
        _ => Err(USAGE.to_owned()),
    };
    result.unwrap_or_else(|message| {
        eprintln!("chat-replay: {message}");
        ExitCode::from(2)
    })
}

fn check(args: &[String]) -> Result<ExitCode, String> {
    let [folder] = args else {
        return Err(USAGE.to_owned());
    };
    let report = check_folder(folder).map_err(|e| e.to_string())?;
    for failure in &report.failures {
        println!("{failure}");
    }
    println!("{}", report.summary());
    Ok(exit(report.failures.is_empty()))
}

fn record(args: &[String]) -> Result<ExitCode, String> {
    let mut options = Options::parse(args, &["--upstream", "--out", "--port", "--ca-file"])?;
    let upstream = options
        .take("--upstream")
        .ok_or("record needs --upstream")?;
    let out = options.take("--out").ok_or("record needs --out")?;
    let mut builder =
        RecordingProxy::builder(Upstream::parse(&upstream).map_err(|e| e.to_string())?, &out)
            .port(options.port()?)
            .on_event(|line| eprintln!("{line}"));
    if let Some(file) = options.take("--ca-file") {
        let pem = std::fs::read(&file).map_err(|e| format!("cannot read {file}: {e}"))?;
        let roots = ClientOptions::default()
            .add_root_certificates_pem(&pem)
            .map_err(|e| format!("{file}: {e}"))?
            .root_certificates;
        for der in roots {
            builder = builder.add_root_certificate(der);
        }
    }
    let proxy = builder.start().map_err(|e| e.to_string())?;
    listening(&proxy.endpoint());
    wait_for_stop(|| {})?;
    let report = proxy.stop().map_err(|e| e.to_string())?;
    println!(
        "recorded {} exchanges to {}",
        report.exchanges,
        report.path.display()
    );
    for failure in &report.failures {
        println!("not recorded: {failure}");
    }
    Ok(exit(report.failures.is_empty()))
}

fn serve(args: &[String]) -> Result<ExitCode, String> {
    let (file, rest) = args.split_first().ok_or("serve needs a recording file")?;
    let mut options = Options::parse(rest, &["--port"])?;
    let recording = Recording::load(file).map_err(|e| e.to_string())?;
    let server =
        ReplayServer::for_clients(options.port()?, &recording).map_err(|e| e.to_string())?;
    listening(&server.endpoint());
    let mut reported = 0;
    wait_for_stop(|| {
        let mismatches = server.mismatches();
        for mismatch in mismatches.iter().skip(reported) {
            eprintln!("mismatch: {mismatch}");
        }
        reported = mismatches.len();
    })?;
    let mismatches = server.mismatches();
    for mismatch in mismatches.iter().skip(reported) {
        eprintln!("mismatch: {mismatch}");
    }
    let unused = server.remaining();
    println!(
        "answered {} of {} recorded requests; {} did not match",
        server.answered(),
        recording.entries.len(),
        mismatches.len()
    );
    if !unused.is_empty() {
        println!("never requested: entries {unused:?}");
    }
    Ok(exit(mismatches.is_empty() && unused.is_empty()))
}

/// `--name value` pairs, each name at most once.
struct Options(Vec<(String, String)>);

impl Options {
    fn parse(args: &[String], known: &[&str]) -> Result<Self, String> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut args = args.iter();
        while let Some(name) = args.next() {
            if !known.contains(&name.as_str()) {
                return Err(format!("unknown argument {name:?}\n{USAGE}"));
            }
            if pairs.iter().any(|(n, _)| n == name) {
                return Err(format!("{name} given twice"));
            }
            let value = args.next().ok_or(format!("{name} needs a value"))?;
            pairs.push((name.clone(), value.clone()));
        }
        Ok(Self(pairs))
    }

    fn take(&mut self, name: &str) -> Option<String> {
        let index = self.0.iter().position(|(n, _)| n == name);
        index.map(|i| self.0.swap_remove(i).1)
    }

    fn port(&mut self) -> Result<u16, String> {
        match self.take("--port") {
            None => Ok(0),
            Some(value) => value.parse().map_err(|_| format!("invalid port {value:?}")),
        }
    }
}

fn listening(endpoint: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {endpoint}");
    let _ = out.flush();
}

fn exit(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// Runs `tick` every 200 ms until Ctrl-C, SIGTERM or the end of standard input.
fn wait_for_stop(mut tick: impl FnMut()) -> Result<(), String> {
    let (eof_tx, mut eof) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let mut stdin = std::io::stdin().lock();
        let mut sink = [0u8; 1024];
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
        let _ = eof_tx.send(());
    });
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| e.to_string())?;
    runtime.block_on(async {
        let mut terminate = terminate_signal()?;
        let mut ticks = tokio::time::interval(Duration::from_millis(200));
        loop {
            tokio::select! {
                signal = tokio::signal::ctrl_c() => {
                    return signal.map_err(|e| format!("cannot wait for Ctrl-C: {e}"));
                }
                () = terminate.recv() => return Ok(()),
                _ = &mut eof => return Ok(()),
                _ = ticks.tick() => tick(),
            }
        }
    })
}

/// SIGTERM, where there is one.
struct Terminate(#[cfg(unix)] tokio::signal::unix::Signal);

impl Terminate {
    async fn recv(&mut self) {
        #[cfg(unix)]
        self.0.recv().await;
        #[cfg(not(unix))]
        std::future::pending::<()>().await;
    }
}

fn terminate_signal() -> Result<Terminate, String> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let signal = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        Ok(Terminate(signal))
    }
    #[cfg(not(unix))]
    Ok(Terminate())
}
