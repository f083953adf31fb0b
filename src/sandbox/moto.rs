//! The emulator behind the sandbox: moto in server mode, found on the machine or installed once
//! into awslab's cache, started on a free loopback port and stopped with its owner.

use super::SandboxError;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The moto release awslab is tested with.
pub const MOTO_VERSION: &str = "5.2.1";

fn venv_dir() -> Result<PathBuf, SandboxError> {
    Ok(super::cache::cache_dir()?.join("moto-venv"))
}

/// moto_server from AWSLAB_MOTO_SERVER, PATH, or awslab's cache; None if it must be installed.
pub fn find() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("AWSLAB_MOTO_SERVER").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(path));
    }
    // Without a cache directory there is no cached copy; PATH may still have one.
    if let Ok(venv) = venv_dir() {
        let cached = venv.join("bin").join("moto_server");
        if cached.is_file() {
            return Some(cached);
        }
    }
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join("moto_server"))
        .find(|p| p.is_file())
}

/// Finds moto, or installs it into the cache (python3 -m venv + pip), showing a spinner.
pub fn find_or_install(show_progress: bool) -> Result<PathBuf, SandboxError> {
    if let Some(found) = find() {
        return Ok(found);
    }
    let venv = venv_dir()?;
    let spinner = show_progress.then(|| {
        let s = indicatif::ProgressBar::new_spinner();
        s.enable_steady_tick(Duration::from_millis(120));
        s.set_message(format!(
            "Installing the AWS emulator (moto {MOTO_VERSION}) into {} — first use only, about a minute",
            venv.display()
        ));
        s
    });
    let result = install(&venv);
    if let Some(s) = spinner {
        s.finish_and_clear();
    }
    result?;
    let server = venv.join("bin").join("moto_server");
    if server.is_file() {
        Ok(server)
    } else {
        Err(SandboxError::Install(format!(
            "pip finished but {} is missing",
            server.display()
        )))
    }
}

fn install(venv: &Path) -> Result<(), SandboxError> {
    if let Some(parent) = venv.parent() {
        std::fs::create_dir_all(parent)
            .map_err(|e| SandboxError::Install(format!("{}: {e}", parent.display())))?;
    }
    let python = which("python3").ok_or_else(|| {
        SandboxError::Install(
            "python3 was not found. Install Python 3 (with venv and pip), e.g. \
             `sudo apt-get install python3 python3-venv python3-pip`, then try again."
                .into(),
        )
    })?;
    run_quiet(
        Command::new(&python).args(["-m", "venv"]).arg(venv),
        "python3 -m venv failed (on Debian/Ubuntu: sudo apt-get install python3-venv)",
    )?;
    run_quiet(
        Command::new(venv.join("bin").join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("moto[server]=={MOTO_VERSION}"),
        ]),
        "pip could not install moto (is PyPI reachable?)",
    )
}

fn run_quiet(cmd: &mut Command, what: &str) -> Result<(), SandboxError> {
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| SandboxError::Install(format!("{what}: {e}")))?;
    if out.status.success() {
        Ok(())
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        Err(SandboxError::Install(format!(
            "{what}:\n{}",
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        )))
    }
}

fn which(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A running moto_server, killed when dropped (its socket's folder removed).
pub struct MotoProcess {
    child: Child,
    /// The Unix socket it listens on, in a folder only this user may enter: no other user of
    /// the machine can reach it, and no TCP port is chosen and then handed over.
    pub socket: PathBuf,
    folder: PathBuf,
}

/// Sockets of the sandboxes of this process, numbered.
static SOCKETS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A new folder for one emulator's socket, readable by this user only (0700): in the cache
/// directory, or in the system's temporary folder when that path would be too long for a Unix
/// socket (about 100 bytes). Created new, never taken over.
fn socket_folder() -> Result<PathBuf, SandboxError> {
    let n = SOCKETS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("moto-{}-{n}", std::process::id());
    let in_cache = super::cache::sandbox_dir()?.join(&name);
    let short_enough = in_cache.join("moto.sock").as_os_str().len() < 100;
    let folder = if short_enough {
        std::fs::create_dir_all(super::cache::sandbox_dir()?)
            .map_err(|e| SandboxError::Start(format!("sandbox folder: {e}")))?;
        // A leftover of a crashed sandbox with this PID is this user's own.
        let _ = std::fs::remove_dir_all(&in_cache);
        in_cache
    } else {
        let (tag, _) = super::sigv4::random_keys()
            .map_err(|e| SandboxError::Start(format!("random name: {e}")))?;
        std::env::temp_dir().join(format!("awslab-{}", tag.to_ascii_lowercase()))
    };
    let mut builder = std::fs::DirBuilder::new();
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(&folder)
        .map_err(|e| SandboxError::Start(format!("{}: {e}", folder.display())))?;
    Ok(folder)
}

impl MotoProcess {
    /// Starts moto on a Unix socket of its own and waits until it listens. Call it from a
    /// thread that lives as long as the sandbox (not a `spawn_blocking` thread): Linux sends
    /// the parent-death signal when the spawning *thread* ends.
    pub async fn start(server: &Path) -> Result<MotoProcess, SandboxError> {
        let folder = socket_folder()?;
        let socket = folder.join("moto.sock");
        let mut cmd = Command::new(server);
        cmd.arg("-H")
            .arg(format!("unix://{}", socket.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        die_with_parent(&mut cmd);
        let child = match cmd.spawn() {
            Ok(child) => child,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&folder);
                return Err(SandboxError::Start(format!("{}: {e}", server.display())));
            }
        };
        let mut moto = MotoProcess {
            child,
            socket,
            folder,
        };
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if tokio::net::UnixStream::connect(&moto.socket).await.is_ok() {
                return Ok(moto);
            }
            if let Ok(Some(status)) = moto.child.try_wait() {
                return Err(SandboxError::Start(format!(
                    "moto_server exited at start ({status})"
                )));
            }
            if Instant::now() > deadline {
                return Err(SandboxError::Start(
                    "moto_server did not start listening within 60 s".into(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for MotoProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.folder);
    }
}

/// On Linux the kernel stops the child when its parent dies, however the parent dies
/// (SIGKILL included): the sandbox never leaves an orphan emulator behind.
fn die_with_parent(cmd: &mut Command) {
    #[cfg(target_os = "linux")]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: prctl is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
                Ok(())
            });
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = cmd;
}
