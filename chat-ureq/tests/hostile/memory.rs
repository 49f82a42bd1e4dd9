//! The client's memory during one cell, from `/proc/self/status`: the peak resident set
//! (`VmHWM`) against the resident set (`VmRSS`) before the cell. Each cell runs in a process
//! of its own, so the peak is that cell's; it is also reset through `/proc/self/clear_refs`
//! where the kernel allows. (A counting allocator would need `unsafe`, a `GlobalAlloc`, which
//! the workspace forbids; the kernel's own figures need none.)

/// A field of `/proc/self/status`, in bytes.
fn status_field(name: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(name))?;
    let kib: u64 = line
        .trim_start_matches(name)
        .trim_start_matches(':')
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Watches the peak resident set over one cell.
pub(crate) struct PeakWatch {
    before: Option<u64>,
}

impl PeakWatch {
    pub(crate) fn start() -> Self {
        let _ = std::fs::write("/proc/self/clear_refs", "5");
        Self {
            before: status_field("VmRSS"),
        }
    }

    /// How far the resident set rose above where it started, in bytes; `None` where the
    /// system does not say (no Linux `/proc`).
    pub(crate) fn growth(self) -> Option<u64> {
        let peak = status_field("VmHWM")?;
        Some(peak.saturating_sub(self.before?))
    }
}
