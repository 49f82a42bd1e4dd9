//! What the run prints: the machine, the table, the system call breakdown.

use crate::emulator::load_average;
use crate::measure::Sample;
use crate::rows::{ListingBytes, Row};
use crate::strace::Syscalls;
use crate::Config;

/// One client's samples (one per round) and, if counted, its system calls.
#[derive(Debug)]
pub(crate) struct RowResult {
    pub(crate) row: Row,
    pub(crate) samples: Vec<Sample>,
    pub(crate) syscalls: Option<Result<Syscalls, String>>,
}

impl RowResult {
    fn total(&self, field: impl Fn(&Sample) -> u64) -> u64 {
        self.samples.iter().map(field).sum()
    }

    fn per_request(&self, field: impl Fn(&Sample) -> u64) -> f64 {
        self.total(field) as f64 / self.total(|s| s.requests).max(1) as f64
    }

    /// The median round's process CPU per request (per listed message for a listing row).
    fn cpu(&self) -> f64 {
        let mut rounds: Vec<f64> = self.samples.iter().map(Sample::cpu_per_request).collect();
        rounds.sort_by(f64::total_cmp);
        match rounds.len() {
            0 => 0.0,
            n if n % 2 == 1 => rounds[n / 2],
            n => (rounds[n / 2 - 1] + rounds[n / 2]) / 2.0,
        }
    }

    fn range(&self) -> (f64, f64) {
        self.samples
            .iter()
            .map(Sample::cpu_per_request)
            .fold((f64::INFINITY, 0.0), |(lo, hi), x| (lo.min(x), hi.max(x)))
    }
}

/// The header: what runs where.
pub(crate) fn machine(config: &Config) {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|l| l.strip_prefix("model name"))
        .map_or("unknown CPU", |m| m.trim_start_matches([' ', '\t', ':']));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    println!(
        "client CPU per send_message: {model}, {cores} cores, Linux {}, load average {}",
        kernel.trim(),
        load_average()
    );
    println!(
        "placement: clients on {}, server on {}",
        pinning(config.client_cpus.as_deref()),
        pinning(config.server_cpus.as_deref())
    );
    if config.quick {
        println!("quick smoke run (not started by `cargo bench`): figures are not meaningful");
    }
    let python = if config.python {
        format!(
            " ({} for Python, after {})",
            config.python_requests, config.python_warmup
        )
    } else {
        String::new()
    };
    println!(
        "server: acs-emulator in its own process on 127.0.0.1; each client in its own process \
         on one kept-alive connection: {} round(s) of {} requests after {} warm-up{python}",
        config.rounds, config.requests, config.warmup
    );
}

fn pinning(cpus: Option<&str>) -> String {
    cpus.map_or_else(|| "any CPU".into(), |c| format!("CPU {c}"))
}

/// The table, the ratios to chat-ureq, and the system call breakdown.
pub(crate) fn table(results: &[RowResult], config: &Config) {
    println!();
    println!(
        "{:<40} {:>9} {:>11} {:>15} {:>7} {:>7} {:>8} {:>9} {:>9} {:>7}",
        "client",
        "requests",
        "CPU µs/req",
        "rounds min-max",
        "user",
        "sys",
        "main thr",
        "wall µs",
        "syscalls",
        "EAGAIN"
    );
    for r in results {
        let (lo, hi) = r.range();
        let (calls, eagain) = match &r.syscalls {
            Some(Ok(s)) => (
                format!("{:.2}", s.per_request(s.total)),
                format!("{:.2}", s.per_request(s.eagain)),
            ),
            Some(Err(_)) => ("error".to_owned(), "-".to_owned()),
            None => ("-".to_owned(), "-".to_owned()),
        };
        println!(
            "{:<40} {:>9} {:>11.1} {:>15} {:>7.1} {:>7.1} {:>8.1} {:>9.1} {:>9} {:>7}",
            r.row.label(),
            r.total(|s| s.requests),
            r.cpu(),
            format!("{lo:.1}-{hi:.1}"),
            r.per_request(|s| s.user_us),
            r.per_request(|s| s.sys_us),
            r.per_request(|s| s.thread_us),
            r.per_request(|s| s.wall_us),
            calls,
            eagain
        );
    }
    println!(
        "CPU = the client process's CPU clock (user + sys, all threads) per request, median \
         round; user, sys, main thread and wall are over all rounds; user/sys is the kernel's \
         tick-sampled split; wall includes waiting for the server, which shares the cores. Load \
         average after the run: {}",
        load_average()
    );

    if let Some(ours) = results.iter().find(|r| r.row == Row::ChatUreq) {
        let base = ours.cpu();
        let ratios: Vec<String> = results
            .iter()
            .filter(|r| r.row != Row::ChatUreq && base > 0.0)
            .map(|r| format!("{} {:.2}x", r.row.key(), r.cpu() / base))
            .collect();
        if !ratios.is_empty() {
            println!("CPU relative to chat-ureq: {}", ratios.join(", "));
        }
    }

    let counted: Vec<&RowResult> = results.iter().filter(|r| r.syscalls.is_some()).collect();
    if !counted.is_empty() {
        println!();
        println!(
            "system calls per request, all threads (strace -f, {} requests after 20 warm-up):",
            config.strace_requests
        );
        for r in counted {
            match &r.syscalls {
                Some(Ok(s)) => println!("  {:<10} {}", r.row.key(), s.breakdown()),
                Some(Err(e)) => println!("  {:<10} not counted: {e}", r.row.key()),
                None => {}
            }
        }
    }
}

/// The listing rows: CPU per listed message and page bytes per CPU second.
pub(crate) fn listing_table(results: &[RowResult], bytes: &ListingBytes) {
    println!();
    println!(
        "client CPU per listed message (pages of {}, {:.0} bytes of page per message):",
        crate::rows::LIST_PAGE_SIZE,
        bytes.per_message()
    );
    println!(
        "{:<40} {:>9} {:>11} {:>15} {:>7} {:>7} {:>9} {:>11} {:>9}",
        "client",
        "messages",
        "CPU µs/msg",
        "rounds min-max",
        "user",
        "sys",
        "wall µs",
        "MB/CPU-s",
        "Python/x"
    );
    let python = results
        .iter()
        .find(|r| r.row == Row::PythonList)
        .map(RowResult::cpu);
    for r in results {
        let (lo, hi) = r.range();
        let cpu = r.cpu();
        println!(
            "{:<40} {:>9} {:>11.2} {:>15} {:>7.2} {:>7.2} {:>9.2} {:>11.0} {:>9}",
            r.row.label(),
            r.total(|s| s.requests),
            cpu,
            format!("{lo:.2}-{hi:.2}"),
            r.per_request(|s| s.user_us),
            r.per_request(|s| s.sys_us),
            r.per_request(|s| s.wall_us),
            throughput(bytes, cpu),
            python.map_or("-".into(), |p| format!(
                "{:.0}x",
                p / cpu.max(f64::MIN_POSITIVE)
            ))
        );
    }
    println!(
        "MB/CPU-s = bytes of page bodies per second of client CPU. Load average after the \
         listings: {}",
        load_average()
    );
}

/// Page bytes per client CPU second, in MB/s (bytes per µs).
fn throughput(bytes: &ListingBytes, cpu_us_per_message: f64) -> f64 {
    bytes.per_message() / cpu_us_per_message.max(f64::MIN_POSITIVE)
}

/// Issue 12's goals, each met or missed, from this run's figures.
pub(crate) fn goals(send: &[RowResult], list: &[RowResult], bytes: Option<&ListingBytes>) {
    let cpu = |rows: &[RowResult], row: Row| rows.iter().find(|r| r.row == row).map(RowResult::cpu);
    // Calls of the kinds made on (nearly) every send; the rare ones are printed beside.
    let calls = |row: Row| {
        send.iter()
            .find(|r| r.row == row)
            .and_then(|r| match &r.syscalls {
                Some(Ok(s)) => Some((s.steady_per_request(), s.rare_per_request())),
                _ => None,
            })
    };
    let mut lines = Vec::new();
    // (what, measured, goal, lower is better)
    let mut goal = |what: String, measured: Option<f64>, target: f64, at_most: bool, unit: &str| {
        let line = match measured {
            None => format!("  {what}: not measured in this run"),
            Some(m) => {
                let met = if at_most { m <= target } else { m >= target };
                let by = if at_most {
                    m / target - 1.0
                } else {
                    1.0 - m / target
                };
                if met {
                    format!("  {what}: {m:.2}{unit} (goal {target}{unit}): met")
                } else {
                    format!(
                        "  {what}: {m:.2}{unit} (goal {target}{unit}): MISSED by {:.0} %",
                        by * 100.0
                    )
                }
            }
        };
        lines.push(line);
    };
    let ratio =
        |a: Option<f64>, b: Option<f64>| a.zip(b).map(|(a, b)| a / b.max(f64::MIN_POSITIVE));
    for row in [Row::ChatUreq, Row::ChatHyper] {
        let (steady, rare) = calls(row).unzip();
        let rare = rare.filter(|r| *r > 0.0).map_or(String::new(), |r| {
            format!(" (plus {r:.3} per send of calls made less than once per 100 sends)")
        });
        goal(
            format!("{} system calls per kept-alive send{rare}", row.key()),
            steady,
            4.0,
            true,
            "",
        );
    }
    goal(
        "chat-ureq CPU / socket loop".into(),
        ratio(cpu(send, Row::ChatUreq), cpu(send, Row::Socket)),
        1.3,
        true,
        "x",
    );
    goal(
        "chat-hyper CPU / bare hyper-util".into(),
        ratio(cpu(send, Row::ChatHyper), cpu(send, Row::HyperUtil)),
        1.1,
        true,
        "x",
    );
    for row in [Row::ChatUreq, Row::ChatHyper] {
        goal(
            format!("Python CPU / {} per send", row.key()),
            ratio(cpu(send, Row::Python), cpu(send, row)),
            15.0,
            false,
            "x",
        );
    }
    for row in [Row::ChatUreqList, Row::ChatHyperList] {
        goal(
            format!("Python CPU / {} per listed message", row.key()),
            ratio(cpu(list, Row::PythonList), cpu(list, row)),
            100.0,
            false,
            "x",
        );
        goal(
            format!("{} page bytes per client CPU second", row.key()),
            bytes.zip(cpu(list, row)).map(|(b, c)| throughput(b, c)),
            300.0,
            false,
            " MB/s",
        );
    }
    println!();
    println!("goals (issue 12), this run:");
    for line in lines {
        println!("{line}");
    }
}
