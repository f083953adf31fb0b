//! The state file of a sandbox kept running by `awslab sandbox up`, and the processes it
//! names: whether they still run, and stopping them.
//!
//! A process is the sandbox's only if both its PID and its start time match what the state
//! file recorded: after a crash the PID may belong to something else by now, and nothing
//! about that process (its name, its command line) proves otherwise. The start time comes
//! from /proc (Linux); see [`alive`] for systems without it.

use super::{SandboxError, SandboxInfo};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub use super::cache::sandbox_dir as dir;

pub fn path() -> Result<PathBuf, SandboxError> {
    Ok(dir()?.join("state.json"))
}

pub fn log_path() -> Result<PathBuf, SandboxError> {
    Ok(dir()?.join("sandbox.log"))
}

/// The running sandbox's state, if there is a state file. A file that does not parse, or that
/// sends awslab anywhere but this machine, is refused: awslab never wrote it.
pub fn read() -> Result<Option<SandboxInfo>, SandboxError> {
    let path = path()?;
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(SandboxError::State {
                path: path.display().to_string(),
                message: e.to_string(),
            });
        }
    };
    let info: SandboxInfo = serde_json::from_str(&text).map_err(|e| SandboxError::State {
        path: path.display().to_string(),
        message: format!("not a sandbox state file ({e}); remove it or run `awslab sandbox down`"),
    })?;
    for address in [&info.endpoint, &info.web] {
        if super::loopback(address).is_err() {
            return Err(SandboxError::StateNotLoopback {
                path: path.display().to_string(),
                address: address.clone(),
            });
        }
    }
    Ok(Some(info))
}

/// Writes the state file atomically (a reader never sees half a file), readable by its owner
/// only.
pub fn write(info: &SandboxInfo) -> Result<(), SandboxError> {
    let path = path()?;
    let dir = dir()?;
    let err = |e: std::io::Error| SandboxError::State {
        path: path.display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(&dir).map_err(err)?;
    let tmp = dir.join(format!("state.json.{}", std::process::id()));
    let text = serde_json::to_string_pretty(info).unwrap_or_default();
    // A leftover of a crashed writer with the same PID may have other permissions.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let written = options.open(&tmp).and_then(|mut file| {
        use std::io::Write;
        file.write_all(text.as_bytes())?;
        file.sync_all()
    });
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(err(e));
    }
    // Rename is atomic: a reader never sees half a file.
    std::fs::rename(&tmp, &path).map_err(err)
}

pub fn remove() {
    if let Ok(path) = path() {
        let _ = std::fs::remove_file(path);
    }
}

/// When process `pid` started, in clock ticks since boot: field 22 (starttime) of
/// /proc/PID/stat. None where there is no /proc, or no such process.
pub fn start_time(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    parse_start_time(&stat)
}

/// Field 22 of a /proc/PID/stat line. Field 2, the command name, is in parentheses and may
/// itself hold spaces and parentheses, so fields are counted from the last ')'.
fn parse_start_time(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // after_name begins with field 3 (the state): field 22 is the 20th from there.
    after_name.split_whitespace().nth(19)?.parse().ok()
}

/// Whether this system can tell a process's start time (Linux: /proc).
pub fn has_start_times() -> bool {
    std::path::Path::new("/proc/self/stat").exists()
}

/// Whether `pid` is the live process the state file recorded, started at `started` (clock
/// ticks since boot), and not a recycled PID.
///
/// With /proc, PID and start time must both match; a record without a start time (a state file
/// of an older awslab, or a hand-written one) matches nothing, so it is never signalled.
/// Without /proc (macOS, the BSDs), the PID is all there is: a process that may be signalled
/// counts as the sandbox's.
pub fn alive(pid: u32, started: Option<u64>) -> bool {
    if !exists(pid) {
        return false;
    }
    if !has_start_times() {
        return true;
    }
    match (started, start_time(pid)) {
        (Some(recorded), Some(now)) => recorded == now,
        _ => false,
    }
}

/// Whether the sandbox's first process (the one serving it) still runs.
pub fn running(info: &SandboxInfo) -> bool {
    info.processes()
        .next()
        .is_some_and(|(pid, started)| alive(pid, started))
}

/// The memory the sandbox's processes hold now (resident set, /proc/PID/status `VmRSS`), in
/// MB; None where the system does not say (no /proc).
pub fn memory_mb(info: &SandboxInfo) -> Option<u64> {
    let mut kb = 0;
    for (pid, started) in info.processes() {
        if !alive(pid, started) {
            continue;
        }
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        kb += parse_rss_kb(&status)?;
    }
    Some(kb.div_ceil(1024))
}

/// The `VmRSS:  123456 kB` line of /proc/PID/status.
fn parse_rss_kb(status: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

pub fn any_alive(info: &SandboxInfo) -> bool {
    info.processes().any(|(pid, started)| alive(pid, started))
}

/// Whether process `pid` exists and may be signalled.
#[cfg(unix)]
fn exists(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // 0 and negative values address process groups, never one process.
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    pid > 0 && unsafe { libc::kill(pid, 0) } == 0
}

/// Without POSIX signals (Windows, where the sandbox runs under WSL 2) no process is known to
/// be the sandbox's, so none is ever signalled.
#[cfg(not(unix))]
fn exists(_pid: u32) -> bool {
    false
}

#[derive(Clone, Copy)]
enum Stop {
    /// SIGTERM: the process may clean up.
    Politely,
    /// SIGKILL.
    ForCertain,
}

#[cfg(unix)]
fn signal(pid: u32, how: Stop) {
    let sig = match how {
        Stop::Politely => libc::SIGTERM,
        Stop::ForCertain => libc::SIGKILL,
    };
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        if pid <= 0 {
            return;
        }
        // SAFETY: sending a signal has no memory effects in this process.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

#[cfg(not(unix))]
fn signal(_pid: u32, _how: Stop) {}

/// Stops every process of the sandbox, politely, then for certain; each only while it is
/// still the process the state file recorded.
pub fn stop(info: &SandboxInfo) {
    let ours = |pid: u32, started: Option<u64>| pid != std::process::id() && alive(pid, started);
    for (pid, started) in info.processes() {
        if ours(pid, started) {
            signal(pid, Stop::Politely);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline && info.processes().any(|(p, s)| ours(p, s)) {
        std::thread::sleep(Duration::from_millis(100));
    }
    for (pid, started) in info.processes() {
        if ours(pid, started) {
            signal(pid, Stop::ForCertain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_start_time_is_field_22_even_with_a_hostile_command_name() {
        let fields: Vec<String> = (3..=52).map(|n| n.to_string()).collect();
        let tail = format!("S {}", fields[1..].join(" "));
        for name in ["(sleep)", "(a b) c)", "(moto ) 1 2 3)"] {
            let stat = format!("4242 {name} {tail}");
            assert_eq!(parse_start_time(&stat), Some(22), "{stat}");
        }
        assert_eq!(parse_start_time("4242 (x"), None);
        assert_eq!(parse_start_time("4242 (x) S 1 2"), None);
    }

    #[test]
    fn resident_memory_is_read_from_the_status_file() {
        let status = "Name:\tmoto\nVmPeak:\t  9000 kB\nVmRSS:\t  123456 kB\nThreads:\t4\n";
        assert_eq!(parse_rss_kb(status), Some(123_456));
        assert_eq!(parse_rss_kb("Name:\tx\n"), None);
    }

    #[test]
    fn this_process_is_recognised_only_with_its_own_start_time() {
        let me = std::process::id();
        if !has_start_times() {
            return;
        }
        let started = start_time(me).expect("our own start time");
        assert!(alive(me, Some(started)));
        assert!(!alive(me, Some(started + 1)), "a wrong start time");
        assert!(!alive(me, None), "no start time recorded");
        assert!(!alive(0, Some(started)));
    }
}
