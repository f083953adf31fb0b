//! The sandbox: a stand-in AWS account on this machine, for students without one, instructors
//! preparing a class, and our own tests. moto in server mode holds the account, seeded with
//! the lab's prerequisites; a loopback web server stands in for the instance; a simulator
//! delivers flow log records as AWS would. Nothing here talks to anything but 127.0.0.1.

pub mod cache;
pub mod deliver;
mod front;
mod iam_lag;
pub mod moto;
pub mod relay;
pub mod sigv4;
pub mod state;
pub mod web;

use crate::aws::seed::{self, Prerequisites};
use crate::aws::{AwsError, Target};
use crate::lesson::Lesson;
use crate::steps::StepSpec;
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;
use tokio::task::JoinHandle;

/// The keys of a sandbox whose state file names none (one an older awslab started).
pub const ACCESS_KEY: &str = "AKIASANDBOXAWSLAB000";
pub const SECRET_KEY: &str = "sandbox-secret-not-a-real-key";
pub const DEFAULT_DELAY: Duration = Duration::from_secs(5);

/// How much like AWS (and unlike the emulator) the sandbox behaves: the delivery delay, the
/// minutes a new flow log takes before it captures anything, and IAM's eventual consistency.
/// The defaults keep the lab quick; `sandbox up` and `run --sandbox` can turn them up so the
/// waits AWS imposes are met, taught and tested here first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Realism {
    /// From a connection to its record in the stream.
    pub delay: Duration,
    /// A flow log captures nothing until this long after it was created.
    pub warmup: Duration,
    /// For this long after an IAM change, what depends on it is refused as AWS refuses it.
    pub iam_delay: Duration,
}

impl Default for Realism {
    fn default() -> Realism {
        Realism {
            delay: DEFAULT_DELAY,
            warmup: Duration::ZERO,
            iam_delay: Duration::ZERO,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("could not install the AWS emulator (moto): {0}")]
    Install(String),
    #[error("could not start the sandbox: {0}")]
    Start(String),
    #[error("could not seed the sandbox: {0}")]
    Seed(#[from] AwsError),
    #[error("sandbox state {path}: {message}")]
    State { path: String, message: String },
    #[error("in the sandbox the test request may only go to this machine, not to {0}")]
    NotLoopback(String),
    /// None of AWSLAB_CACHE_DIR, XDG_CACHE_HOME and HOME is set.
    #[error("no cache directory: AWSLAB_CACHE_DIR, XDG_CACHE_HOME and HOME are all unset")]
    NoCacheDir,
    /// A state file naming an address off this machine: awslab did not write it.
    #[error("sandbox state {path}: {address} is not a loopback address")]
    StateNotLoopback { path: String, address: String },
    /// Neither the lesson nor those it starts from name the VPC the lab works in.
    #[error(
        "lesson {0} names no VPC for the sandbox to seed: give a step its `vpc`, or the lesson a variable `vpc`"
    )]
    NoVpc(String),
}

/// What a running sandbox is: where to reach it and what it runs. Saved as the state file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SandboxInfo {
    pub endpoint: String,
    pub web: String,
    pub region: String,
    pub pids: Vec<u32>,
    /// When each of `pids` started (clock ticks since boot, Linux's /proc/PID/stat field 22),
    /// so that a PID reused after a crash is never taken for the sandbox's; null where the
    /// system has no /proc. State files of older versions have none.
    #[serde(default)]
    pub pid_starts: Vec<Option<u64>>,
    pub account: String,
    pub lesson: String,
    pub vpc_id: String,
    pub instance_id: String,
    pub eni_id: String,
    pub private_ip: String,
    /// The emulator's made-up public IP of the instance: shown, never connected to.
    pub public_ip: Option<String>,
    pub delay_seconds: u64,
    #[serde(default)]
    pub warmup_seconds: u64,
    #[serde(default)]
    pub iam_delay_seconds: u64,
    /// The keys its front door accepts, made at random when it started: only they reach its
    /// emulator. Empty in the state file of an older awslab (its fixed keys then).
    #[serde(default)]
    pub access_key: String,
    #[serde(default)]
    pub secret_key: String,
    /// The file in which its stand-in notes when the last request reached it; None in the
    /// state file of an older awslab.
    #[serde(default)]
    pub requests: Option<std::path::PathBuf>,
}

impl SandboxInfo {
    /// How awslab reaches the sandbox's account.
    pub fn target(&self) -> Target {
        Target {
            profile: None,
            region: Some(self.region.clone()),
            endpoint_url: Some(self.endpoint.clone()),
            credentials: Some(self.keys()),
        }
    }

    /// Its access key and secret.
    pub fn keys(&self) -> (String, String) {
        if self.access_key.is_empty() {
            (ACCESS_KEY.to_string(), SECRET_KEY.to_string())
        } else {
            (self.access_key.clone(), self.secret_key.clone())
        }
    }

    /// Each process of the sandbox with its recorded start time, if one was recorded.
    pub fn processes(&self) -> impl Iterator<Item = (u32, Option<u64>)> + '_ {
        self.pids
            .iter()
            .enumerate()
            .map(|(i, pid)| (*pid, self.pid_starts.get(i).copied().flatten()))
    }

    /// Where the lab's test request goes: the loopback stand-in, checked to be loopback.
    pub fn probe_address(&self) -> Result<SocketAddr, SandboxError> {
        loopback(&self.web)
    }
}

/// Parses `http://host:port` and refuses anything that is not a loopback address: the
/// emulator's public IPs belong to real hosts we must never touch.
pub fn loopback(url: &str) -> Result<SocketAddr, SandboxError> {
    let host_port = url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap_or("");
    let addr: SocketAddr = host_port
        .parse()
        .map_err(|_| SandboxError::NotLoopback(url.to_string()))?;
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_loopback() => Ok(addr),
        IpAddr::V6(ip) if ip.is_loopback() => Ok(addr),
        _ => Err(SandboxError::NotLoopback(url.to_string())),
    }
}

/// A sandbox running inside this process: the emulator (a child process), the stand-in web
/// server and the simulator (tasks). Dropping it stops all three.
pub struct Running {
    pub info: SandboxInfo,
    moto: moto::MotoProcess,
    tasks: Vec<JoinHandle<()>>,
    /// Where the stand-in notes the time of the last request that reached it.
    requests: Option<std::path::PathBuf>,
}

/// Set once this process has run a private sandbox (one that goes away with the process): what
/// awslab says when it stops must not promise that the student's progress is kept.
static PRIVATE_USED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Whether this process ran a private sandbox, whose account disappears when it ends.
pub fn private_sandbox_used() -> bool {
    PRIVATE_USED.load(std::sync::atomic::Ordering::Relaxed)
}

impl SandboxInfo {
    /// The `export` lines (POSIX shell) that point the AWS CLI and the SDKs at this sandbox:
    /// what `awslab sandbox env` prints and the wizard shows, so commands work when pasted.
    pub fn export_lines(&self) -> String {
        format!(
            "export AWS_ENDPOINT_URL={endpoint}\nexport AWS_ACCESS_KEY_ID={key}\nexport AWS_SECRET_ACCESS_KEY={secret}\nexport AWS_REGION={region}\nexport AWS_DEFAULT_REGION={region}\nunset AWS_PROFILE AWS_SESSION_TOKEN\n",
            endpoint = self.endpoint,
            key = self.keys().0,
            secret = self.keys().1,
            region = self.region,
        )
    }

    /// Its web server standing in for the instance, as the checks name it.
    pub fn stand_in(&self) -> crate::aws::StandIn {
        crate::aws::StandIn {
            url: format!("{}/", self.web.trim_end_matches('/')),
            delay_seconds: self.delay_seconds + self.warmup_seconds,
        }
    }

    /// Whether a request reached the stand-in (let in or turned away) at or after `since_ms`
    /// (milliseconds since the epoch); None when the sandbox does not say (an older awslab's).
    pub fn request_since(&self, since_ms: i64) -> Option<bool> {
        let file = self.requests.as_ref()?;
        let last: Option<i64> = std::fs::read_to_string(file)
            .ok()
            .and_then(|t| t.trim().parse().ok());
        Some(last.is_some_and(|ms| ms >= since_ms))
    }

    /// A sandbox started by this very process, which stops with it (not `sandbox up`'s).
    pub fn is_private(&self) -> bool {
        self.pids.first() == Some(&std::process::id())
    }
}

impl Running {
    pub fn moto_pid(&self) -> u32 {
        self.moto.pid()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
        if let Some(path) = &self.requests {
            let _ = std::fs::remove_file(path);
        }
    }
}

/// The file in which the stand-in on `port` notes when the last request reached it (let in or
/// turned away), in milliseconds since the epoch: how the wizard, in another process, knows
/// whether the student's request was sent at all.
fn requests_file(port: u16) -> Result<std::path::PathBuf, SandboxError> {
    Ok(state::dir()?.join(format!("stand-in-{port}.last")))
}

/// Passes every connection the stand-in saw on to the simulator, noting its time first.
async fn note_requests(
    mut seen: tokio::sync::mpsc::UnboundedReceiver<web::Connection>,
    forward: tokio::sync::mpsc::UnboundedSender<web::Connection>,
    file: Option<std::path::PathBuf>,
) {
    while let Some(connection) = seen.recv().await {
        if let Some(file) = &file {
            let ms = connection
                .start
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_millis())
                .unwrap_or(0);
            if let Some(dir) = file.parent() {
                let _ = std::fs::create_dir_all(dir);
            }
            let _ = std::fs::write(file, ms.to_string());
        }
        if forward.send(connection).is_err() {
            return;
        }
    }
}

/// The lesson values the sandbox needs: the VPC's name (the lesson's, else the one of a lesson
/// it starts from) and the instance's port (its last request's, else HTTP's, where the
/// stand-in answers).
fn lab_shape(lesson: &Lesson, before: &[Lesson]) -> Result<(String, u16), SandboxError> {
    let vpc = std::iter::once(lesson)
        .chain(before.iter().rev())
        .find_map(Lesson::vpc)
        .ok_or_else(|| SandboxError::NoVpc(lesson.id.clone()))?;
    let port = lesson
        .steps
        .iter()
        .rev()
        .find_map(|s| match &s.spec {
            StepSpec::Traffic(p) => Some(p.port),
            _ => None,
        })
        .unwrap_or(80);
    Ok((vpc.to_string(), port))
}

pub fn sdk_config(endpoint: &str, region: &str, key: &str, secret: &str) -> aws_types::SdkConfig {
    crate::aws::static_sdk_config(endpoint, region, key, secret, "awslab-sandbox")
}

/// Starts a sandbox in this process: emulator, seed, stand-in server, simulator. `before` are
/// the lessons `lesson` starts from: the simulator judges delivery with the trust step of
/// whichever of them sets up the flow log's role.
pub async fn start(
    lesson: &Lesson,
    before: &[Lesson],
    region: &str,
    realism: Realism,
    show_progress: bool,
) -> Result<Running, SandboxError> {
    let server = tokio::task::spawn_blocking(move || moto::find_or_install(show_progress))
        .await
        .map_err(|e| SandboxError::Start(e.to_string()))??;
    let moto = moto::MotoProcess::start(&server).await?;
    // Its only way in: the front door, on a port this process binds and keeps, which answers
    // requests signed with this sandbox's own random keys.
    let (key, secret) =
        sigv4::random_keys().map_err(|e| SandboxError::Start(format!("random keys: {e}")))?;
    let (endpoint, door) = front::start(front::Door {
        moto: moto.socket.clone(),
        key: key.clone(),
        secret: secret.clone(),
        iam_delay: realism.iam_delay,
    })
    .await
    .map_err(|e| SandboxError::Start(format!("front door: {e}")))?;
    let sdk = sdk_config(&endpoint, region, &key, &secret);
    let (vpc_name, port) = lab_shape(lesson, before)?;
    let pre: Prerequisites = seed::prerequisites(&sdk, &vpc_name, port).await?;
    let account = crate::aws::Aws::from_sdk(sdk.clone())
        .identity()
        .await?
        .account;

    let listener = web::bind()
        .await
        .map_err(|e| SandboxError::Start(format!("web server: {e}")))?;
    let web_addr = listener
        .local_addr()
        .map_err(|e| SandboxError::Start(format!("web server: {e}")))?;
    let (tx, seen) = tokio::sync::mpsc::unbounded_channel();
    let (forward, rx) = tokio::sync::mpsc::unbounded_channel();
    let body = format!(
        "Hello from {} in {vpc_name} (awslab sandbox stand-in for {}:{port})\n",
        pre.instance_id,
        pre.public_ip.as_deref().unwrap_or("?")
    );
    // The stand-in lets in what the instance's security group and network ACL let in.
    let gate: web::Gate = {
        let (sdk, vpc) = (sdk.clone(), vpc_name.clone());
        std::sync::Arc::new(move |client| {
            let (sdk, vpc) = (sdk.clone(), vpc.clone());
            Box::pin(async move { deliver::admits(&sdk, &vpc, port, client).await })
        })
    };
    let web_task = tokio::spawn(web::serve(listener, body, tx, gate));
    let delivery = std::iter::once(lesson)
        .chain(before)
        .find(|l| l.steps.iter().any(|s| matches!(s.spec, StepSpec::Trust(_))))
        .unwrap_or(lesson);
    let simulator = deliver::Simulator {
        sdk,
        lesson: delivery.clone(),
        pre: pre.clone(),
        vpc_name,
        port,
        delay: realism.delay,
        warmup: realism.warmup,
    };
    let sim_task = tokio::spawn(simulator.run(rx));
    let requests = requests_file(web_addr.port()).ok();
    let log_task = tokio::spawn(note_requests(seen, forward, requests.clone()));
    let tasks = vec![door, web_task, sim_task, log_task];
    let info = SandboxInfo {
        endpoint,
        web: format!("http://{web_addr}"),
        region: region.to_string(),
        pids: vec![std::process::id(), moto.pid()],
        pid_starts: vec![
            state::start_time(std::process::id()),
            state::start_time(moto.pid()),
        ],
        account,
        lesson: lesson.id.clone(),
        vpc_id: pre.vpc_id,
        instance_id: pre.instance_id,
        eni_id: pre.eni_id,
        private_ip: pre.private_ip,
        public_ip: pre.public_ip,
        delay_seconds: realism.delay.as_secs(),
        warmup_seconds: realism.warmup.as_secs(),
        iam_delay_seconds: realism.iam_delay.as_secs(),
        access_key: key,
        secret_key: secret,
        requests: requests.clone(),
    };
    PRIVATE_USED.store(true, std::sync::atomic::Ordering::Relaxed);
    Ok(Running {
        info,
        moto,
        tasks,
        requests,
    })
}

#[cfg(test)]
mod tests {
    use super::loopback;

    #[test]
    fn only_loopback_probe_targets_are_allowed() {
        assert!(loopback("http://127.0.0.1:8080").is_ok());
        assert!(loopback("http://127.3.4.5:80/x").is_ok());
        assert!(loopback("http://[::1]:80").is_ok());
        // Only parsed, never contacted: an address of the kind moto hands out as a public IP.
        let emulator_public_ip = format!("http://{}:80", ["54", "214", "151", "238"].join("."));
        for bad in [
            emulator_public_ip.as_str(),
            "http://10.0.0.1:80",
            "http://example.com",
            "",
            "http://0.0.0.0:80",
        ] {
            assert!(loopback(bad).is_err(), "{bad}");
        }
    }
}
