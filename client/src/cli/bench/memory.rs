//! The server's memory, read from /proc: for a server on this machine only.

use serde::Serialize;

/// Resident memory now (VmRSS) and at its highest so far (VmHWM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub(super) struct Memory {
    pub(super) rss_kib: u64,
    pub(super) hwm_kib: u64,
}

impl Memory {
    pub(super) fn read(pid: u32) -> Result<Memory, String> {
        let path = format!("/proc/{pid}/status");
        let status = std::fs::read_to_string(&path).map_err(|e| {
            format!("cannot read {path} ({e}): --server-pid takes the process id of a server running on this machine")
        })?;
        Memory::parse(&status).ok_or_else(|| format!("{path} gives no VmRSS or VmHWM"))
    }

    fn parse(status: &str) -> Option<Memory> {
        let field = |name: &str| -> Option<u64> {
            let line = status.lines().find(|line| line.starts_with(name))?;
            line[name.len()..].split_whitespace().next()?.parse().ok()
        };
        Some(Memory {
            rss_kib: field("VmRSS:")?,
            hwm_kib: field("VmHWM:")?,
        })
    }

    /// `31.2 MiB (peak 40.0 MiB)`.
    pub(super) fn human(&self) -> String {
        let mib = |kib: u64| kib as f64 / 1024.0;
        format!(
            "{:.1} MiB (peak {:.1} MiB)",
            mib(self.rss_kib),
            mib(self.hwm_kib)
        )
    }
}

/// The server's memory around a run.
#[derive(Debug, Clone, Serialize)]
pub(super) struct ServerMemory {
    pub(super) pid: u32,
    /// After seeding, before the load.
    pub(super) before: Memory,
    /// While every watch stream was open (watch only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(super) streams_open: Option<Memory>,
    pub(super) after: Memory,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_fields_are_read_in_kib() {
        let status =
            "Name:\trelais-server\nVmHWM:\t   40960 kB\nVmRSS:\t   31948 kB\nThreads:\t3\n";
        assert_eq!(
            Memory::parse(status),
            Some(Memory {
                rss_kib: 31_948,
                hwm_kib: 40_960
            })
        );
        assert_eq!(Memory::parse("Name:\tx\n"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn this_process_can_be_read() {
        let memory = Memory::read(std::process::id()).unwrap();
        assert!(memory.rss_kib > 0 && memory.hwm_kib >= memory.rss_kib);
    }
}
