//! Test support: one moto server per test binary on a loopback port, an isolated AWS account
//! per test (moto keeps separate state per account id, and AssumeRole into another account id
//! switches to it), and a hermetic builder for running the real awslab binary.
//!
//! moto is required. Without it the tests fail with instructions; they never skip.
#![allow(dead_code)]

pub mod browser;
pub mod fault_proxy;
pub mod page;
pub mod sandbox;
pub mod student;
pub mod wizard;

use aws_sdk_sts::config::Credentials;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const REGION: &str = "ap-northeast-2";

pub struct Moto {
    pub endpoint: String,
}

/// The moto server of this test binary, started on first use; or the one named by
/// AWSLAB_TEST_ENDPOINT (so CI can share one server between test binaries).
pub fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        if let Ok(endpoint) = std::env::var("AWSLAB_TEST_ENDPOINT") {
            wait_until_up(&endpoint);
            return Moto { endpoint };
        }
        let server = find_moto_server();
        let port = free_port();
        // moto must not outlive the test binary: a shell watches our pid and stops it.
        let script = format!(
            "{server} -H 127.0.0.1 -p {port} >/dev/null 2>&1 & child=$!; \
             while kill -0 {parent} 2>/dev/null; do sleep 1; done; kill $child",
            server = shell_quote(&server.to_string_lossy()),
            parent = std::process::id(),
        );
        // The watcher ends by itself when this process does; nothing here waits for it.
        let watcher = Command::new("sh")
            .arg("-c")
            .arg(script)
            .stdin(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start moto_server: {e}"));
        std::mem::forget(watcher);
        let endpoint = format!("http://127.0.0.1:{port}");
        wait_until_up(&endpoint);
        Moto { endpoint }
    })
}

pub fn find_moto_server() -> PathBuf {
    if let Ok(path) = std::env::var("AWSLAB_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&paths) {
            let candidate = dir.join("moto_server");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!(
        "moto_server not found. The integration tests need the moto emulator: run \
         `python3 -m venv .venv && .venv/bin/pip install 'moto[server]==5.2.1'` in the project \
         root (or set AWSLAB_MOTO_SERVER, or AWSLAB_TEST_ENDPOINT to a running server)."
    );
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("no free loopback port: {e}"))
}

fn wait_until_up(endpoint: &str) {
    let addr = endpoint
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .to_string();
    let deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < deadline {
        if TcpStream::connect(&addr).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("moto at {endpoint} did not start within 60 s");
}

/// A fresh, empty AWS account in the emulator, with credentials for it.
pub struct Account {
    pub id: String,
    pub creds: Credentials,
    pub sdk: aws_types::SdkConfig,
}

static NEXT: AtomicU32 = AtomicU32::new(0);

impl Account {
    pub async fn new() -> Account {
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        // Unique across tests of this binary and across binaries sharing one server.
        let id = format!("{:06}{:06}", std::process::id() % 1_000_000, n);
        Account::with_id(id).await
    }

    /// Credentials for the account `id`, which may already hold something (a member account
    /// the emulator's Organizations made).
    pub async fn with_id(id: String) -> Account {
        let base = sdk_config(Credentials::new(
            "testing",
            "testing",
            None,
            None,
            "awslab-test",
        ));
        let sts = aws_sdk_sts::Client::new(&base);
        let out = sts
            .assume_role()
            .role_arn(format!("arn:aws:iam::{id}:role/awslab-test"))
            .role_session_name("awslab-test")
            .send()
            .await
            .unwrap_or_else(|e| panic!("assume-role into {id}: {e:?}"));
        let c = out.credentials().expect("credentials");
        let creds = Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "awslab-test",
        );
        Account {
            sdk: sdk_config(creds.clone()),
            id,
            creds,
        }
    }

    /// An account reached through another endpoint (a sandbox's emulator).
    pub fn at(endpoint: &str, id: &str, key: &str, secret: &str) -> Account {
        let creds = Credentials::new(key, secret, None, None, "awslab-test");
        Account {
            sdk: sdk_config_at(creds.clone(), endpoint),
            id: id.to_string(),
            creds,
        }
    }

    /// The awslab binary, pointed at this account and nothing else.
    /// The real binary as a student's terminal runs it (for a pseudo-terminal session): a clean
    /// environment with this account's keys and the emulator as the endpoint.
    pub fn terminal_command(&self, home: &TempDir, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_awslab"));
        cmd.args(args)
            .current_dir(&home.0)
            .env_clear()
            .env("HOME", &home.0)
            .env("PATH", "/usr/bin:/bin")
            .env("TERM", "xterm")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", home.0.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.0.join("credentials"))
            .env("AWS_ACCESS_KEY_ID", self.creds.access_key_id())
            .env("AWS_SECRET_ACCESS_KEY", self.creds.secret_access_key())
            .env(
                "AWS_SESSION_TOKEN",
                self.creds.session_token().unwrap_or_default(),
            )
            .env("AWS_ENDPOINT_URL", &moto().endpoint);
        cmd
    }

    pub fn awslab(&self) -> Awslab {
        let mut cmd = Awslab::bare();
        cmd.env("AWS_ACCESS_KEY_ID", self.creds.access_key_id())
            .env("AWS_SECRET_ACCESS_KEY", self.creds.secret_access_key())
            .env(
                "AWS_SESSION_TOKEN",
                self.creds.session_token().unwrap_or_default(),
            )
            .env("AWS_ENDPOINT_URL", &moto().endpoint);
        cmd
    }
}

pub fn sdk_config(creds: Credentials) -> aws_types::SdkConfig {
    sdk_config_at(creds, &moto().endpoint)
}

pub fn sdk_config_at(creds: Credentials, endpoint: &str) -> aws_types::SdkConfig {
    aws_types::SdkConfig::builder()
        .behavior_version(aws_config::BehaviorVersion::latest())
        .region(aws_types::region::Region::new(REGION))
        .endpoint_url(endpoint)
        .credentials_provider(aws_credential_types::provider::SharedCredentialsProvider::new(creds))
        .build()
}

/// A hermetic invocation of the real binary: empty environment, its own HOME.
pub struct Awslab {
    cmd: Command,
    _home: TempDir,
}

impl Awslab {
    pub fn bare() -> Awslab {
        let home = TempDir::new();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_awslab"));
        // Run in the temporary home: what awslab writes where it runs (the wizard's lab
        // folder) never lands in the repository.
        cmd.current_dir(&home.0)
            .env_clear()
            .env("HOME", &home.0)
            .env("PATH", "/usr/bin:/bin")
            .env("AWS_REGION", REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .env("AWS_CONFIG_FILE", home.0.join("config"))
            .env("AWS_SHARED_CREDENTIALS_FILE", home.0.join("credentials"))
            .env("LANG", "C")
            .stdin(Stdio::null());
        Awslab { cmd, _home: home }
    }

    pub fn args<I, S>(&mut self, args: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        self.cmd.args(args);
        self
    }

    pub fn env(&mut self, key: &str, value: impl AsRef<std::ffi::OsStr>) -> &mut Self {
        self.cmd.env(key, value);
        self
    }

    pub fn run(&mut self) -> Run {
        let output = self
            .cmd
            .output()
            .unwrap_or_else(|e| panic!("cannot run awslab: {e}"));
        Run { output }
    }

    /// The command itself, to spawn it with pipes or signals.
    pub fn command(&mut self) -> &mut Command {
        &mut self.cmd
    }

    /// Runs it, killing it and failing the test if it does not end within `limit`.
    pub fn run_within(&mut self, limit: Duration) -> Run {
        use std::io::Read;
        let mut child = self
            .cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run awslab: {e}"));
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut buf = Vec::new();
                if let Some(mut p) = pipe {
                    let _ = p.read_to_end(&mut buf);
                }
                buf
            })
        };
        let out = drain(
            child
                .stdout
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let err = drain(
            child
                .stderr
                .take()
                .map(|p| Box::new(p) as Box<dyn Read + Send>),
        );
        let deadline = Instant::now() + limit;
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for awslab") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let stderr = err.join().unwrap_or_default();
                panic!(
                    "awslab did not end within {limit:?} (hung); stderr:\n{}",
                    String::from_utf8_lossy(&stderr)
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Run {
            output: Output {
                status,
                stdout: out.join().unwrap_or_default(),
                stderr: err.join().unwrap_or_default(),
            },
        }
    }

    /// `verify --format json`, parsed.
    pub fn verify_json(&mut self) -> (Run, serde_json::Value) {
        let run = self.args(["verify", "--format", "json"]).run();
        let json = run.json();
        (run, json)
    }
}

pub struct Run {
    pub output: Output,
}

impl Run {
    pub fn code(&self) -> i32 {
        self.output.status.code().unwrap_or(-1)
    }
    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }
    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.output.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
                self.stdout(),
                self.stderr()
            )
        })
    }
}

/// The head of one HTTP request (up to its blank line), as a tiny loopback server reads it
/// before answering; whatever arrived when the client stops sending.
pub fn read_request_head(stream: &mut TcpStream) -> Vec<u8> {
    use std::io::Read;
    let mut request = Vec::new();
    let mut buf = [0u8; 2048];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    request
}

pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let path = std::env::temp_dir().join(format!(
            "awslab-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("temp dir: {e}"));
        TempDir(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        stop_sandbox_in(&self.0);
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Stops a sandbox whose state lies in `dir`, as a cache directory (AWSLAB_CACHE_DIR) or as a
/// home (HOME): a test that started one (awslab without credentials starts the student's
/// sandbox, which outlives the command) leaves no process behind, whatever it asserted.
pub fn stop_sandbox_in(dir: &std::path::Path) {
    for state in [
        dir.join("sandbox/state.json"),
        dir.join(".cache/awslab/sandbox/state.json"),
    ] {
        let Ok(text) = std::fs::read_to_string(&state) else {
            continue;
        };
        let Ok(mut info) = serde_json::from_str::<awslab::sandbox::SandboxInfo>(&text) else {
            continue;
        };
        // Only what provably is a sandbox of this folder: the awslab under test, or an
        // emulator whose socket lies in it. A test may write a state file naming any process.
        let awslab = std::path::Path::new(env!("CARGO_BIN_EXE_awslab"));
        let ours = |pid: u32| {
            let exe = std::fs::read_link(format!("/proc/{pid}/exe")).ok();
            let cmdline = std::fs::read(format!("/proc/{pid}/cmdline"))
                .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
                .unwrap_or_default();
            exe.as_deref() == Some(awslab)
                || (cmdline.contains("moto_server") && cmdline.contains(&*dir.to_string_lossy()))
        };
        let keep: Vec<usize> = (0..info.pids.len())
            .filter(|i| ours(info.pids[*i]))
            .collect();
        info.pid_starts = keep
            .iter()
            .map(|i| info.pid_starts.get(*i).copied().flatten())
            .collect();
        info.pids = keep.iter().map(|i| info.pids[*i]).collect();
        awslab::sandbox::state::stop(&info);
    }
}

/// Accessors for the verify JSON, so tests read like the contract.
pub trait VerdictJson {
    fn status(&self) -> &str;
    fn step(&self, id: &str) -> &serde_json::Value;
    fn step_status(&self, id: &str) -> &str;
    fn check(&self, id: &str) -> &serde_json::Value;
    fn check_status(&self, id: &str) -> &str;
    fn message(&self, id: &str) -> String;
    fn earned(&self) -> u64;
}

impl VerdictJson for serde_json::Value {
    fn status(&self) -> &str {
        self["status"].as_str().unwrap_or("<none>")
    }
    fn step(&self, id: &str) -> &serde_json::Value {
        self["steps"]
            .as_array()
            .and_then(|s| s.iter().find(|s| s["id"] == id))
            .unwrap_or_else(|| panic!("no step {id} in {self:#}"))
    }
    fn step_status(&self, id: &str) -> &str {
        self.step(id)["status"].as_str().unwrap_or("<none>")
    }
    fn check(&self, id: &str) -> &serde_json::Value {
        let step = id.split('.').next().unwrap_or(id);
        self.step(step)["checks"]
            .as_array()
            .and_then(|c| c.iter().find(|c| c["id"] == id))
            .unwrap_or_else(|| panic!("no check {id} in {:#}", self.step(step)))
    }
    fn check_status(&self, id: &str) -> &str {
        self.check(id)["status"].as_str().unwrap_or("<none>")
    }
    fn message(&self, id: &str) -> String {
        self.check(id)["message"].as_str().unwrap_or("").to_string()
    }
    fn earned(&self) -> u64 {
        self["score"]["earned"].as_u64().unwrap_or(0)
    }
}

/// The pinned AWS CLI that scripts/test.sh installs: the commands awslab prints are run with it,
/// as a student or instructor pastes them.
pub fn aws_cli() -> PathBuf {
    let path = std::env::var_os("AWSLAB_AWS_CLI")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".venv-awscli/bin/aws"));
    assert!(
        path.is_file(),
        "the AWS CLI is not at {}: the by-hand tests run every printed command with it. Run the \
         tests with ./scripts/test.sh, which installs it (or set AWSLAB_AWS_CLI)",
        path.display()
    );
    path
}
