//! The state file of a sandbox kept running by `awslab sandbox up`, and the processes it
//! names: whether they still run, and stopping them.

use super::{SandboxError, SandboxInfo};
use std::path::PathBuf;
use std::time::{Duration, Instant};

pub fn dir() -> PathBuf {
    super::moto::cache_dir().join("sandbox")
}

pub fn path() -> PathBuf {
    dir().join("state.json")
}

pub fn log_path() -> PathBuf {
    dir().join("sandbox.log")
}

pub fn read() -> Result<Option<SandboxInfo>, SandboxError> {
    let path = path();
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
    serde_json::from_str(&text)
        .map(Some)
        .map_err(|e| SandboxError::State {
            path: path.display().to_string(),
            message: format!(
                "not a sandbox state file ({e}); remove it or run `awslab sandbox down`"
            ),
        })
}

pub fn write(info: &SandboxInfo) -> Result<(), SandboxError> {
    let err = |e: std::io::Error| SandboxError::State {
        path: path().display().to_string(),
        message: e.to_string(),
    };
    std::fs::create_dir_all(dir()).map_err(err)?;
    let tmp = dir().join(format!("state.json.{}", std::process::id()));
    let text = serde_json::to_string_pretty(info).unwrap_or_default();
    std::fs::write(&tmp, text).map_err(err)?;
    // Rename is atomic: a reader never sees half a file.
    std::fs::rename(&tmp, path()).map_err(err)
}

pub fn remove() {
    let _ = std::fs::remove_file(path());
}

/// Whether `pid` is a live process of ours (awslab or the emulator), not a recycled pid.
pub fn alive(pid: u32) -> bool {
    let Ok(pid_t) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists and may be signalled.
    if unsafe { libc::kill(pid_t, 0) } != 0 {
        return false;
    }
    match std::fs::read(format!("/proc/{pid}/cmdline")) {
        Ok(cmdline) => {
            let cmdline = String::from_utf8_lossy(&cmdline);
            cmdline.contains("awslab") || cmdline.contains("moto")
        }
        // No /proc (not Linux): trust kill(0).
        Err(_) => !std::path::Path::new("/proc/self").exists(),
    }
}

pub fn any_alive(info: &SandboxInfo) -> bool {
    info.pids.iter().any(|p| alive(*p))
}

fn signal(pid: u32, sig: libc::c_int) {
    if let Ok(pid) = libc::pid_t::try_from(pid) {
        // SAFETY: sending a signal has no memory effects in this process.
        unsafe {
            libc::kill(pid, sig);
        }
    }
}

/// Stops every process of the sandbox: politely, then for certain.
pub fn stop(info: &SandboxInfo) {
    for pid in &info.pids {
        if alive(*pid) && *pid != std::process::id() {
            signal(*pid, libc::SIGTERM);
        }
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline
        && info
            .pids
            .iter()
            .any(|p| *p != std::process::id() && alive(*p))
    {
        std::thread::sleep(Duration::from_millis(100));
    }
    for pid in &info.pids {
        if alive(*pid) && *pid != std::process::id() {
            signal(*pid, libc::SIGKILL);
        }
    }
}
