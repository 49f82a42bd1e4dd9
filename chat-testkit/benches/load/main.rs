//! Load that holds (issue 12): chat-hyper with 1,024 calls in flight on one client for 60 s
//! against the emulator, next to bare hyper-util sending the same request the same way in the
//! same run; then a listing of 100,000 messages, page by page, by both transports.
//!
//! ```sh
//! cargo bench -p chat-testkit --bench load
//! cargo bench -p chat-testkit --bench load -- --seconds 20 --in-flight 256 --list-messages 20000
//! ```
//!
//! The server is the `acs-emulator` binary in its own process, and each client runs in a process
//! of its own (this binary with `--child`), so the resident set it reports (`VmRSS`, sampled
//! every second; `VmHWM` for peaks) is the client's alone. It prints throughput, every call's
//! outcome, the resident set over time and whether it is flat over the last half, and the
//! listing's peak resident set at 10,000 and at 100,000 messages. Started without `--bench` (as
//! by `cargo test --benches`) it makes a short smoke run whose figures mean nothing.

#[path = "../common/emulator.rs"]
mod emulator;

use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;

use crate::emulator::{load_average, send_message_request, Server, Setup, Target, CONTENT};

/// Environment variable that hands the user access token to a client process.
const TOKEN_ENV: &str = "LOAD_BENCH_TOKEN";

/// The page size of the listings.
const PAGE_SIZE: u32 = 200;

/// The resident set goal of the in-flight run.
const RSS_GOAL_MB: f64 = 64.0;

/// The share of bare hyper-util's throughput chat-hyper must reach.
const THROUGHPUT_GOAL: f64 = 0.8;

/// The listing's checkpoint before its end.
const LIST_CHECKPOINT: u64 = 10_000;

const USAGE: &str = "usage: cargo bench -p chat-testkit --bench load -- [--seconds N] \
[--in-flight N] [--list-messages N] [--no-listing]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "--help") {
        println!("{USAGE}");
        return ExitCode::SUCCESS;
    }
    let result = match args.first().map(String::as_str) {
        Some("--child") => child(&args[1..]),
        _ => Config::parse(&args).and_then(|config| parent(&config)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("load: {message}");
            ExitCode::FAILURE
        }
    }
}

#[derive(Debug)]
struct Config {
    seconds: u64,
    in_flight: u64,
    list_messages: u64,
    listing: bool,
    quick: bool,
}

impl Config {
    fn parse(args: &[String]) -> Result<Self, String> {
        let quick = !args.iter().any(|a| a == "--bench");
        let mut config = Self {
            seconds: if quick { 4 } else { 60 },
            in_flight: if quick { 64 } else { 1024 },
            list_messages: if quick { 2_000 } else { 100_000 },
            listing: true,
            quick,
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            let mut number = || -> Result<u64, String> {
                let value = args.next().ok_or_else(|| format!("{arg} needs a value"))?;
                value.parse().map_err(|e| format!("{arg} {value:?}: {e}"))
            };
            match arg.as_str() {
                "--bench" => {}
                "--seconds" => config.seconds = number()?.max(2),
                "--in-flight" => config.in_flight = number()?.max(1),
                "--list-messages" => config.list_messages = number()?.max(1),
                "--no-listing" => config.listing = false,
                other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
            }
        }
        Ok(config)
    }
}

/// A client process's figures, as one line of `key=value` pairs.
#[derive(Debug, Default)]
struct Report {
    fields: Vec<(String, String)>,
}

impl Report {
    fn put(&mut self, key: &str, value: impl ToString) {
        self.fields.push((key.to_owned(), value.to_string()));
    }

    fn line(&self) -> String {
        let pairs: Vec<String> = self
            .fields
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("load_result {}", pairs.join(" "))
    }

    fn parse(output: &str) -> Option<Self> {
        let line = output
            .lines()
            .find_map(|l| l.strip_prefix("load_result "))?;
        let fields = line
            .split_whitespace()
            .filter_map(|kv| kv.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Some(Self { fields })
    }

    fn get(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    fn number(&self, key: &str) -> f64 {
        self.get(key).and_then(|v| v.parse().ok()).unwrap_or(0.0)
    }
}

/// `VmRSS` or `VmHWM` of this process, in MB (10^6 bytes).
fn memory_mb(field: &str) -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| {
            v.trim_start_matches(':')
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kib| kib * 1024.0 / 1e6)
}

fn text(e: impl std::fmt::Display) -> String {
    e.to_string()
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(text)
}

/// `--child <mode> <endpoint> <thread id> <amount> [<in flight>]`, token in [`TOKEN_ENV`].
fn child(args: &[String]) -> Result<(), String> {
    let [mode, endpoint, thread_id, amount, rest @ ..] = args else {
        return Err("usage: --child <mode> <endpoint> <thread id> <amount> [<in flight>]".into());
    };
    let target = Target {
        endpoint: endpoint.clone(),
        thread_id: thread_id.clone(),
        token: std::env::var(TOKEN_ENV).map_err(|_| format!("{TOKEN_ENV} is not set"))?,
    };
    let amount: u64 = amount.parse().map_err(text)?;
    let in_flight: u64 = rest.first().map_or(Ok(1), |v| v.parse()).map_err(text)?;
    let report = match mode.as_str() {
        "chat-hyper" | "hyper-util" => in_flight_run(mode, &target, amount, in_flight)?,
        "list-chat-hyper" => list_chat_hyper(&target, amount)?,
        "list-chat-ureq" => list_chat_ureq(&target, amount)?,
        other => return Err(format!("unknown mode {other:?}")),
    };
    println!("{}", report.line());
    Ok(())
}

/// `in_flight` tasks on a two-worker runtime, each sending `send_message` back to back on one
/// client for `seconds`; the resident set is sampled every second.
fn in_flight_run(
    mode: &str,
    target: &Target,
    seconds: u64,
    in_flight: u64,
) -> Result<Report, String> {
    let runtime = runtime()?;
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let samples: Arc<Mutex<Vec<f64>>> = Arc::default();
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let sender = Sender::new(mode, target, &runtime)?;
    runtime.block_on(async {
        let sampler = {
            let samples = Arc::clone(&samples);
            tokio::spawn(async move {
                let mut tick = tokio::time::interval(Duration::from_secs(1));
                tick.tick().await;
                while Instant::now() < deadline {
                    tick.tick().await;
                    samples
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(memory_mb("VmRSS"));
                }
            })
        };
        let tasks: Vec<_> = (0..in_flight)
            .map(|_| {
                let (sender, ok, failed, first_error) = (
                    sender.clone(),
                    Arc::clone(&ok),
                    Arc::clone(&failed),
                    Arc::clone(&first_error),
                );
                tokio::spawn(async move {
                    while Instant::now() < deadline {
                        match sender.send().await {
                            Ok(()) => ok.fetch_add(1, Ordering::Relaxed),
                            Err(e) => {
                                first_error
                                    .lock()
                                    .unwrap_or_else(PoisonError::into_inner)
                                    .get_or_insert(e);
                                failed.fetch_add(1, Ordering::Relaxed)
                            }
                        };
                    }
                })
            })
            .collect();
        let mut panicked = 0;
        for task in tasks {
            if task.await.is_err() {
                panicked += 1;
            }
        }
        let _ = sampler.await;
        if panicked > 0 {
            failed.fetch_add(panicked, Ordering::Relaxed);
        }
    });
    let elapsed = started.elapsed().as_secs_f64();
    let mut report = Report::default();
    report.put("mode", mode);
    report.put("ok", ok.load(Ordering::Relaxed));
    report.put("failed", failed.load(Ordering::Relaxed));
    report.put("seconds", format!("{elapsed:.2}"));
    report.put("peak_mb", format!("{:.1}", memory_mb("VmHWM")));
    if let Sender::Ours(thread) = &sender {
        // What each call in flight holds on the heap: the boxed future `.call()` returns.
        let call = thread.send_message(CONTENT).call();
        report.put("call_future_bytes", std::mem::size_of_val(&*call));
    }
    let samples = samples
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    let joined: Vec<String> = samples.iter().map(|s| format!("{s:.1}")).collect();
    report.put("rss_mb", joined.join(","));
    if let Some(e) = first_error
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
    {
        report.put("first_error", e.replace(char::is_whitespace, "_"));
    }
    Ok(report)
}

/// One of the two clients of the in-flight run.
#[derive(Clone)]
enum Sender {
    Ours(chat_hyper::ChatThreadClient),
    Bare(Arc<Bare>),
}

/// Bare hyper-util's pooled client and the request it repeats.
struct Bare {
    client: Client<HttpConnector, Full<Bytes>>,
    request: chat_core::http::Request<Vec<u8>>,
    body: Bytes,
}

impl Sender {
    fn new(mode: &str, target: &Target, runtime: &tokio::runtime::Runtime) -> Result<Self, String> {
        let _entered = runtime.enter();
        if mode == "chat-hyper" {
            return target.chat_hyper().map(Self::Ours);
        }
        // The same bytes chat-hyper sends, on a bare pooled client with TCP_NODELAY (as
        // chat-hyper's connector sets).
        let request = send_message_request(target)?;
        let body = Bytes::from(request.body().clone());
        let mut connector = HttpConnector::new();
        connector.set_nodelay(true);
        let client = Client::builder(TokioExecutor::new()).build(connector);
        Ok(Self::Bare(Arc::new(Bare {
            client,
            request,
            body,
        })))
    }

    async fn send(&self) -> Result<(), String> {
        match self {
            Self::Ours(thread) => thread.send_message(CONTENT).await.map(drop).map_err(text),
            Self::Bare(bare) => {
                let Bare {
                    client,
                    request,
                    body,
                } = &**bare;
                let mut fresh = chat_core::http::Request::new(Full::new(body.clone()));
                *fresh.method_mut() = request.method().clone();
                *fresh.uri_mut() = request.uri().clone();
                *fresh.headers_mut() = request.headers().clone();
                let response = client.request(fresh).await.map_err(text)?;
                let status = response.status();
                response.into_body().collect().await.map_err(text)?;
                if status.as_u16() == 201 {
                    Ok(())
                } else {
                    Err(format!("send_message answered {status}"))
                }
            }
        }
    }
}

/// Lists the thread with chat-hyper's item stream, noting the resident set at
/// [`LIST_CHECKPOINT`] messages and at the end.
fn list_chat_hyper(target: &Target, expected: u64) -> Result<Report, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(text)?;
    let _entered = runtime.enter();
    let thread = target.chat_hyper()?;
    let mut watch = ListWatch::new(expected);
    runtime.block_on(async {
        let mut items = thread.list_messages().max_page_size(PAGE_SIZE).items();
        while let Some(message) = items.next().await {
            watch.saw(&message.map_err(text)?);
        }
        Ok::<(), String>(())
    })?;
    Ok(watch.report("chat-hyper"))
}

/// Lists the thread with chat-ureq's item iterator (see [`list_chat_hyper`]).
fn list_chat_ureq(target: &Target, expected: u64) -> Result<Report, String> {
    let thread = target.chat_ureq()?;
    let mut watch = ListWatch::new(expected);
    for message in thread.list_messages().max_page_size(PAGE_SIZE) {
        watch.saw(&message.map_err(text)?);
    }
    Ok(watch.report("chat-ureq"))
}

/// Counts listed messages and notes the resident set at the checkpoint.
struct ListWatch {
    expected: u64,
    seen: u64,
    /// The last sequence id, and whether every one so far was lower than the one before.
    last: Option<u64>,
    ordered: bool,
    at_checkpoint: Option<(f64, f64)>,
    started: Instant,
    start_rss: f64,
}

impl ListWatch {
    fn new(expected: u64) -> Self {
        Self {
            expected,
            seen: 0,
            last: None,
            ordered: true,
            at_checkpoint: None,
            started: Instant::now(),
            start_rss: memory_mb("VmRSS"),
        }
    }

    fn saw(&mut self, message: &chat_core::messages::ChatMessage) {
        self.seen += 1;
        // Messages list newest first: sequence ids only go down (no repeat, no skip back).
        let sequence: u64 = message.sequence_id.parse().unwrap_or(0);
        if self.last.is_some_and(|last| sequence >= last) {
            self.ordered = false;
        }
        self.last = Some(sequence);
        if self.seen == LIST_CHECKPOINT.min(self.expected) && self.at_checkpoint.is_none() {
            self.at_checkpoint = Some((memory_mb("VmRSS"), memory_mb("VmHWM")));
        }
    }

    fn report(&self, client: &str) -> Report {
        let mut report = Report::default();
        let (rss, hwm) = self.at_checkpoint.unwrap_or_default();
        report.put("client", client);
        report.put("listed", self.seen);
        report.put("ordered", self.ordered);
        report.put(
            "seconds",
            format!("{:.2}", self.started.elapsed().as_secs_f64()),
        );
        report.put("start_rss_mb", format!("{:.1}", self.start_rss));
        report.put("checkpoint_rss_mb", format!("{rss:.1}"));
        report.put("checkpoint_peak_mb", format!("{hwm:.1}"));
        report.put("end_rss_mb", format!("{:.1}", memory_mb("VmRSS")));
        report.put("end_peak_mb", format!("{:.1}", memory_mb("VmHWM")));
        report
    }
}

fn run_child(args: &[String], target: &Target) -> Result<Report, String> {
    let output = Command::new(std::env::current_exe().map_err(text)?)
        .arg("--child")
        .args(args)
        .env(TOKEN_ENV, &target.token)
        .stdin(Stdio::null())
        .output()
        .map_err(text)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    match Report::parse(&stdout) {
        Some(report) if output.status.success() => Ok(report),
        _ => Err(format!(
            "{} failed ({}): {}{}",
            args.first().map_or("child", String::as_str),
            output.status,
            stdout.trim(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
    }
}

fn parent(config: &Config) -> Result<(), String> {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |m| m.trim_start_matches([' ', '\t', ':']));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "load: {model}, {cores} cores, load average {}; acs-emulator in its own process, each \
         client in its own",
        load_average()
    );
    if config.quick {
        println!("quick smoke run (not started by `cargo bench`): figures are not meaningful");
    }
    let server = Server::start(None)?;
    let setup = Setup::new(&server)?;

    println!();
    println!(
        "{} calls in flight on one client (send_message, a two-worker tokio runtime) for {} s:",
        config.in_flight, config.seconds
    );
    let mut runs = Vec::new();
    for mode in ["chat-hyper", "hyper-util"] {
        let target = setup.target(&format!("load {mode}"))?;
        let args = [
            mode.to_owned(),
            target.endpoint.clone(),
            target.thread_id.clone(),
            config.seconds.to_string(),
            config.in_flight.to_string(),
        ];
        let report = run_child(&args, &target)?;
        print_run(&report);
        runs.push(report);
    }
    let ours = runs[0].number("ok") / runs[0].number("seconds").max(f64::MIN_POSITIVE);
    let bare = runs[1].number("ok") / runs[1].number("seconds").max(f64::MIN_POSITIVE);
    let ratio = ours / bare.max(f64::MIN_POSITIVE);
    let (peak, flat) = rss_verdict(&runs[0]);
    println!("goals (issue 12), this run:");
    println!(
        "  chat-hyper throughput / bare hyper-util: {ratio:.2}x (goal {THROUGHPUT_GOAL}x): {}",
        verdict(ratio >= THROUGHPUT_GOAL)
    );
    println!(
        "  chat-hyper resident set, highest sample: {peak:.1} MB (goal < {RSS_GOAL_MB} MB): {}",
        verdict(peak < RSS_GOAL_MB)
    );
    println!(
        "  chat-hyper resident set flat over the last half: {}",
        verdict(flat)
    );
    println!(
        "  every call completed: {}",
        verdict(runs[0].number("failed") == 0.0)
    );

    if config.listing {
        println!();
        let started = Instant::now();
        let target = setup.seeded(config.list_messages)?;
        println!(
            "listing {} messages, pages of {PAGE_SIZE} (seeded in {:.0} s), load average {}:",
            config.list_messages,
            started.elapsed().as_secs_f64(),
            load_average()
        );
        for mode in ["list-chat-hyper", "list-chat-ureq"] {
            let args = [
                mode.to_owned(),
                target.endpoint.clone(),
                target.thread_id.clone(),
                config.list_messages.to_string(),
            ];
            let report = run_child(&args, &target)?;
            println!(
                "  {:<10} listed {} ({}) in {} s; resident set: start {} MB, at {} messages {} MB \
                 (peak {} MB), at {} {} MB (peak {} MB)",
                report.get("client").unwrap_or("?"),
                report.get("listed").unwrap_or("?"),
                if report.get("ordered") == Some("true") {
                    "newest first, no repeat"
                } else {
                    "OUT OF ORDER"
                },
                report.get("seconds").unwrap_or("?"),
                report.get("start_rss_mb").unwrap_or("?"),
                LIST_CHECKPOINT.min(config.list_messages),
                report.get("checkpoint_rss_mb").unwrap_or("?"),
                report.get("checkpoint_peak_mb").unwrap_or("?"),
                report.get("listed").unwrap_or("?"),
                report.get("end_rss_mb").unwrap_or("?"),
                report.get("end_peak_mb").unwrap_or("?"),
            );
        }
    }
    println!();
    println!("load average at the end: {}", load_average());
    Ok(())
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "MISSED"
    }
}

fn samples(report: &Report) -> Vec<f64> {
    report
        .get("rss_mb")
        .unwrap_or_default()
        .split(',')
        .filter_map(|s| s.parse().ok())
        .collect()
}

/// The highest resident-set sample, and whether the last half of the samples is flat: its
/// least-squares slope moves it less than 1 MB over that half, and its range is under 4 MB.
fn rss_verdict(report: &Report) -> (f64, bool) {
    let all = samples(report);
    let peak = all.iter().copied().fold(0.0, f64::max);
    let half = &all[all.len() / 2..];
    if half.len() < 2 {
        return (peak, false);
    }
    let n = half.len() as f64;
    let mean_x = (n - 1.0) / 2.0;
    let mean_y = half.iter().sum::<f64>() / n;
    let (mut num, mut den) = (0.0, 0.0);
    for (i, y) in half.iter().enumerate() {
        let dx = i as f64 - mean_x;
        num += dx * (y - mean_y);
        den += dx * dx;
    }
    let drift = num / den * n; // MB over the half
    let (lo, hi) = half.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), y| {
        (lo.min(*y), hi.max(*y))
    });
    (peak, drift.abs() < 1.0 && hi - lo < 4.0)
}

fn print_run(report: &Report) {
    let ok = report.number("ok");
    let seconds = report.number("seconds");
    let all = samples(report);
    let half = &all[all.len() / 2..];
    let (lo, hi) = half.iter().fold((f64::INFINITY, 0.0_f64), |(lo, hi), y| {
        (lo.min(*y), hi.max(*y))
    });
    println!(
        "  {:<10} {:>9.0} calls/s ({} ok, {} failed in {:.1} s); resident set: highest sample \
         {:.1} MB, last half {:.1}-{:.1} MB, peak (VmHWM) {} MB",
        report.get("mode").unwrap_or("?"),
        ok / seconds.max(f64::MIN_POSITIVE),
        ok,
        report.number("failed"),
        seconds,
        all.iter().copied().fold(0.0, f64::max),
        lo,
        hi,
        report.get("peak_mb").unwrap_or("?")
    );
    println!(
        "             resident set each second (MB): {}",
        report.get("rss_mb").unwrap_or("")
    );
    if let Some(bytes) = report.get("call_future_bytes") {
        println!(
            "             each call in flight: a boxed future of {bytes} bytes (send_message)"
        );
    }
    if let Some(e) = report.get("first_error") {
        println!("             first error: {e}");
    }
}
