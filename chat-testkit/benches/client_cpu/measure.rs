//! CPU counters of the running client process: the process CPU clock (user + system, all
//! threads, exited ones included, ns-precise) and the calling thread's, from `clock_gettime`;
//! the user/system split from `/proc/self/stat` (clock ticks, sampled by the kernel).
//!
//! A measured loop is bracketed by two `stat` calls of marker paths that do not exist, so a
//! `strace -f` log of the process can be cut to exactly the loop's system calls.

use std::fs;
use std::time::Instant;

use rustix::time::{clock_gettime, ClockId, Timespec};

/// Clock ticks per second of `/proc/<pid>/stat` times (`USER_HZ`, 100 on every Linux ABI).
const USER_HZ: u64 = 100;

/// Path stat'ed just before the measured loop (see [`crate::strace`]).
pub(crate) const MARKER_START: &str = "/client-cpu-bench-marker-start";
/// Path stat'ed just after the measured loop.
pub(crate) const MARKER_END: &str = "/client-cpu-bench-marker-end";

/// Set (to anything) to read CPU time from `/proc` ticks instead of the vDSO clocks, as a
/// client must under valgrind: `CLIENT_CPU_NO_VDSO=1 valgrind --tool=callgrind <client>`.
pub(crate) const NO_VDSO_ENV: &str = "CLIENT_CPU_NO_VDSO";

/// Prefix of the one line a client process prints with its figures.
pub(crate) const RESULT_PREFIX: &str = "client_cpu_result";

/// One client's figures for one loop of `requests` requests.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Sample {
    pub(crate) requests: u64,
    /// User + system CPU of the whole process.
    pub(crate) cpu_us: u64,
    /// The kernel's split of it (tick-sampled).
    pub(crate) user_us: u64,
    pub(crate) sys_us: u64,
    /// CPU of the thread that ran the loop.
    pub(crate) thread_us: u64,
    pub(crate) wall_us: u64,
}

impl Sample {
    /// The line a client process prints; [`Sample::parse`] reads it back (also from Python).
    pub(crate) fn line(&self) -> String {
        format!(
            "{RESULT_PREFIX} requests={} cpu_us={} user_us={} sys_us={} thread_us={} wall_us={}",
            self.requests, self.cpu_us, self.user_us, self.sys_us, self.thread_us, self.wall_us
        )
    }

    /// Finds and reads the result line in a client's output.
    pub(crate) fn parse(output: &str) -> Option<Self> {
        let line = output.lines().find_map(|l| l.strip_prefix(RESULT_PREFIX))?;
        let field = |name: &str| -> Option<u64> {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))?
                .parse()
                .ok()
        };
        Some(Self {
            requests: field("requests")?,
            cpu_us: field("cpu_us")?,
            user_us: field("user_us")?,
            sys_us: field("sys_us")?,
            thread_us: field("thread_us")?,
            wall_us: field("wall_us")?,
        })
    }

    /// Process CPU (user + system) per request, in µs.
    pub(crate) fn cpu_per_request(&self) -> f64 {
        self.per_request(self.cpu_us)
    }

    pub(crate) fn per_request(&self, total_us: u64) -> f64 {
        total_us as f64 / self.requests.max(1) as f64
    }
}

#[derive(Clone, Copy, Debug)]
struct Counters {
    process_ns: u64,
    thread_ns: u64,
    user_ticks: u64,
    sys_ticks: u64,
    at: Instant,
}

fn nanos(t: Timespec) -> u64 {
    let secs = u64::try_from(t.tv_sec).unwrap_or(0);
    let nanos = u64::try_from(t.tv_nsec).unwrap_or(0);
    secs * 1_000_000_000 + nanos
}

impl Counters {
    fn read() -> Result<Self, String> {
        let stat = fs::read_to_string("/proc/self/stat").map_err(|e| format!("/proc: {e}"))?;
        // Fields after the command name (which may hold spaces): state is field 3, utime 14,
        // stime 15.
        let rest = stat
            .rsplit_once(')')
            .map(|(_, rest)| rest)
            .ok_or("/proc/self/stat: no command name")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let tick = |i: usize| -> Result<u64, String> {
            fields
                .get(i)
                .and_then(|f| f.parse().ok())
                .ok_or_else(|| format!("/proc/self/stat: field {}", i + 3))
        };
        let (user_ticks, sys_ticks) = (tick(11)?, tick(12)?);
        let (process_ns, thread_ns) = if std::env::var_os(NO_VDSO_ENV).is_some() {
            // Under valgrind, whose auxiliary vector rustix's vDSO lookup cannot read: the
            // ticks will do (callgrind counts instructions anyway).
            let ns = (user_ticks + sys_ticks) * (1_000_000_000 / USER_HZ);
            (ns, ns)
        } else {
            (
                nanos(clock_gettime(ClockId::ProcessCPUTime)),
                nanos(clock_gettime(ClockId::ThreadCPUTime)),
            )
        };
        Ok(Self {
            process_ns,
            thread_ns,
            user_ticks,
            sys_ticks,
            at: Instant::now(),
        })
    }
}

/// Runs `run(warmup)` unmeasured (connection set up, pools and caches warm), then
/// `run(requests)` between counter reads and strace markers.
pub(crate) fn measure(
    warmup: u64,
    requests: u64,
    mut run: impl FnMut(u64) -> Result<(), String>,
) -> Result<Sample, String> {
    run(warmup)?;
    let before = Counters::read()?;
    let _ = fs::metadata(MARKER_START);
    run(requests)?;
    let _ = fs::metadata(MARKER_END);
    let after = Counters::read()?;
    let us_per_tick = 1_000_000 / USER_HZ;
    Ok(Sample {
        requests,
        cpu_us: after.process_ns.saturating_sub(before.process_ns) / 1000,
        user_us: after.user_ticks.saturating_sub(before.user_ticks) * us_per_tick,
        sys_us: after.sys_ticks.saturating_sub(before.sys_ticks) * us_per_tick,
        thread_us: after.thread_ns.saturating_sub(before.thread_ns) / 1000,
        wall_us: u64::try_from(after.at.duration_since(before.at).as_micros()).unwrap_or(u64::MAX),
    })
}
