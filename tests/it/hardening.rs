//! Hardening (issue 13): the sandbox's processes are known by PID and start time, its state
//! file only ever sends awslab to this machine, the cache is never a shared directory, proxies
//! never stand between awslab and a loopback endpoint, the test request never goes to an
//! emulator's public IP, and grading bounds each account and renews assumed roles.
//!
//! Nothing here connects to anything but 127.0.0.1: public and documentation addresses only
//! appear in files and arguments, and where a request could escape, a loopback listener
//! stands in the way and counts it.

use crate::common::fault_proxy::{Fault, FaultProxy, Request, Rule};
use crate::common::sandbox::awslab_in;
use crate::common::student::*;
use crate::common::*;
use awslab::sandbox::state::start_time;
use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const BOUND: Duration = Duration::from_secs(150);

/// A documentation address (TEST-NET-3): written into files, never contacted.
const PUBLIC_ENDPOINT: &str = "http://203.0.113.9:5000";

// ---------------------------------------------------------------------------------------------
// Helpers

/// A live process that has nothing to do with awslab, but whose command line says "moto".
struct Lookalike(Child);

impl Lookalike {
    fn spawn() -> Lookalike {
        let child = Command::new("bash")
            .args(["-c", "exec -a moto-lookalike sleep 60"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn the lookalike");
        let pid = child.id();
        // Until bash has exec'd, the command line is bash's own.
        let deadline = Instant::now() + Duration::from_secs(10);
        while !cmdline(pid).contains("moto-lookalike") {
            assert!(Instant::now() < deadline, "the lookalike never exec'd");
            std::thread::sleep(Duration::from_millis(20));
        }
        Lookalike(child)
    }

    fn pid(&self) -> u32 {
        self.0.id()
    }

    fn running(&mut self) -> bool {
        matches!(self.0.try_wait(), Ok(None))
    }
}

impl Drop for Lookalike {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cmdline(pid: u32) -> String {
    std::fs::read(format!("/proc/{pid}/cmdline"))
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

fn state_file(cache: &TempDir) -> PathBuf {
    cache.0.join("sandbox").join("state.json")
}

/// A state file as a crashed sandbox, an older awslab or a hand would leave it.
fn write_state(cache: &TempDir, endpoint: &str, web: &str, pids: &[u32], starts: Option<&[u64]>) {
    let mut state = serde_json::json!({
        "endpoint": endpoint, "web": web, "region": REGION,
        "pids": pids, "account": "123456789012", "lesson": "vpc-flow-logs",
        "vpc_id": "vpc-1", "instance_id": "i-1", "eni_id": "eni-1", "private_ip": "10.0.0.1",
        "public_ip": null, "delay_seconds": 1
    });
    if let Some(starts) = starts {
        state["pid_starts"] = serde_json::json!(starts);
    }
    let path = state_file(cache);
    std::fs::create_dir_all(path.parent().expect("sandbox dir")).expect("mkdir");
    std::fs::write(&path, state.to_string()).expect("write the state file");
}

/// A loopback TCP listener that answers every connection with `response` and counts them.
fn listener(response: &'static str) -> (String, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let url = format!("http://{}/", listener.local_addr().expect("address"));
    let count = Arc::new(AtomicUsize::new(0));
    let seen = count.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            seen.fetch_add(1, Ordering::SeqCst);
            read_request_head(&mut stream);
            let _ = stream.write_all(response.as_bytes());
        }
    });
    (url, count)
}

const OK_200: &str = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nConnection: close\r\n\r\nok\n";

// ---------------------------------------------------------------------------------------------
// The sandbox's processes and state file

#[test]
fn sandbox_down_never_signals_a_recycled_pid_whose_command_line_says_moto() {
    let mut lookalike = Lookalike::spawn();
    let pid = lookalike.pid();
    assert!(cmdline(pid).contains("moto"), "{}", cmdline(pid));
    let started = start_time(pid).expect("the lookalike's start time");
    let cache = TempDir::new();

    // An older state file (no start times), and one whose start time is not this process's:
    // the PID was reused since.
    let cases: [(&str, Option<Vec<u64>>); 2] = [
        ("no start time", None),
        ("another start time", Some(vec![started + 1])),
    ];
    for (case, starts) in cases {
        write_state(
            &cache,
            "http://127.0.0.1:1",
            "http://127.0.0.1:2",
            &[pid],
            starts.as_deref(),
        );
        let run = awslab_in(&cache)
            .args(["sandbox", "down"])
            .run_within(Duration::from_secs(30));
        assert_eq!(run.code(), 0, "{case}: {}", run.stderr());
        std::thread::sleep(Duration::from_millis(300));
        assert!(lookalike.running(), "{case}: sandbox down killed {pid}");
        assert!(!state_file(&cache).exists(), "{case}: stale state left");
        assert!(
            run.stderr().contains("no longer running"),
            "{case}: {}",
            run.stderr()
        );
    }

    // `status` and `up` look at the same record the same way.
    write_state(
        &cache,
        "http://127.0.0.1:1",
        "http://127.0.0.1:2",
        &[pid],
        Some(&[started + 1]),
    );
    let run = awslab_in(&cache).args(["sandbox", "status"]).run();
    assert_eq!(run.code(), 1, "not running: {}", run.stderr());
    assert!(lookalike.running(), "sandbox status killed {pid}");
}

#[test]
fn a_state_file_naming_another_machine_is_refused_without_a_connection() {
    let mut lookalike = Lookalike::spawn();
    let pid = lookalike.pid();
    let started = start_time(pid);
    for (endpoint, web, named) in [
        (PUBLIC_ENDPOINT, "http://127.0.0.1:2", "203.0.113.9"),
        (
            "http://127.0.0.1:1",
            "http://198.51.100.20:80",
            "198.51.100.20",
        ),
        (
            "http://sandbox.example.com:5000",
            "http://127.0.0.1:2",
            "example.com",
        ),
    ] {
        let cache = TempDir::new();
        // The PID and start time of a live process: were the file trusted, it would be signalled.
        write_state(
            &cache,
            endpoint,
            web,
            &[pid],
            started.as_ref().map(std::slice::from_ref),
        );
        let calls = cache.0.join("calls.txt");
        let started_at = Instant::now();
        let run = awslab_in(&cache)
            .env("AWSLAB_RECORD_CALLS", &calls)
            .args(["--sandbox", "--lang", "en", "verify"])
            .run_within(Duration::from_secs(30));
        assert_eq!(run.code(), 2, "{endpoint} {web}: {}", run.stderr());
        let err = run.stderr();
        assert!(err.contains(named), "{err}");
        assert!(err.contains("not this machine"), "{err}");
        assert!(err.contains("state.json"), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(
            started_at.elapsed() < Duration::from_secs(10),
            "no connection was tried"
        );
        let sent = std::fs::read_to_string(&calls).unwrap_or_default();
        assert!(sent.trim().is_empty(), "AWS calls were sent: {sent}");

        // `down` refuses it too, and signals nothing it names.
        let run = awslab_in(&cache)
            .args(["--lang", "en", "sandbox", "down"])
            .run_within(Duration::from_secs(30));
        assert_eq!(run.code(), 2, "{}", run.stderr());
        assert!(lookalike.running(), "down signalled {pid}");
        assert!(state_file(&cache).exists(), "left for the user to look at");
    }

    // In Korean too, from the catalogue.
    let cache = TempDir::new();
    write_state(&cache, PUBLIC_ENDPOINT, "http://127.0.0.1:2", &[], None);
    let run = awslab_in(&cache)
        .args(["--sandbox", "--lang", "ko", "verify"])
        .run_within(Duration::from_secs(30));
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("이 컴퓨터가 아닌 주소"),
        "{}",
        run.stderr()
    );
}

#[test]
fn without_a_cache_directory_awslab_says_so_instead_of_using_tmp() {
    for command in [
        &["sandbox", "status"][..],
        &["sandbox", "down"][..],
        &["--sandbox", "verify"][..],
    ] {
        let mut cmd = Awslab::bare();
        cmd.command()
            .env_remove("HOME")
            .env_remove("XDG_CACHE_HOME")
            .env_remove("AWSLAB_CACHE_DIR");
        let run = cmd
            .args(["--lang", "en"])
            .args(command)
            .run_within(Duration::from_secs(30));
        assert_eq!(run.code(), 2, "{command:?}: {}", run.stderr());
        let err = run.stderr();
        for var in ["AWSLAB_CACHE_DIR", "XDG_CACHE_HOME", "HOME"] {
            assert!(err.contains(var), "{command:?} does not name {var}: {err}");
        }
        assert!(err.contains("/tmp"), "says why not /tmp: {err}");
    }
    // Empty is as good as unset.
    let mut cmd = Awslab::bare();
    cmd.env("HOME", "")
        .env("XDG_CACHE_HOME", "")
        .env("AWSLAB_CACHE_DIR", "");
    let run = cmd
        .args(["sandbox", "status"])
        .run_within(Duration::from_secs(30));
    assert_eq!(run.code(), 2, "{}", run.stderr());
}

/// Stops the sandbox of `cache` when the test ends, however it ends.
struct Down<'a>(&'a TempDir);

impl Drop for Down<'_> {
    fn drop(&mut self) {
        let _ = awslab_in(self.0).args(["sandbox", "down"]).run();
    }
}

#[test]
fn proxies_in_the_environment_never_stand_between_awslab_and_the_sandbox() {
    // A proxy nothing listens on: anything sent through it fails ("dispatch failure").
    let dead = format!("http://127.0.0.1:{}", free_port());
    let with_proxies = |cmd: &mut Awslab| {
        for var in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
        ] {
            cmd.env(var, &dead);
        }
    };
    let cache = TempDir::new();
    let mut up = awslab_in(&cache);
    with_proxies(&mut up);
    let run = up
        .args(["sandbox", "up", "--delay", "1", "--format", "json"])
        .run_within(BOUND);
    let _down = Down(&cache);
    assert_eq!(
        run.code(),
        0,
        "sandbox up:\n{}\n{}",
        run.stdout(),
        run.stderr()
    );
    let info = run.json();

    // The state file: owner-only, and every process with its start time.
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(state_file(&cache))
        .expect("state file")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "state file mode {:o}", mode & 0o777);
    let pids: Vec<u64> = info["pids"]
        .as_array()
        .expect("pids")
        .iter()
        .filter_map(|p| p.as_u64())
        .collect();
    let starts: Vec<Option<u64>> = info["pid_starts"]
        .as_array()
        .expect("pid_starts")
        .iter()
        .map(|s| s.as_u64())
        .collect();
    assert_eq!(pids.len(), 2, "{info:#}");
    let now: Vec<Option<u64>> = pids.iter().map(|p| start_time(*p as u32)).collect();
    assert_eq!(starts, now, "{info:#}");
    assert!(starts.iter().all(Option::is_some), "{info:#}");

    let mut verify = awslab_in(&cache);
    with_proxies(&mut verify);
    let run = verify
        .args(["--sandbox", "verify", "--format", "json"])
        .run_within(BOUND);
    assert_eq!(run.code(), 1, "an empty lab fails: {}", run.stderr());
    let v = run.json();
    assert!(v["error"].is_null(), "{v:#}");
    assert_eq!(v["account"], info["account"]);

    // The whole lab, test request to the stand-in included.
    let mut wizard = awslab_in(&cache);
    with_proxies(&mut wizard);
    let run = wizard
        .args([
            "--sandbox",
            "--lang",
            "en",
            "run",
            "--auto",
            "--wait",
            "2",
            "--poll",
            "0.5",
        ])
        .run_within(BOUND);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(
        run.stdout().contains("The instance answered (HTTP 200)"),
        "{}",
        run.stdout()
    );
    assert!(
        run.stdout().contains("The access record arrived"),
        "{}",
        run.stdout()
    );
}

// ---------------------------------------------------------------------------------------------
// The test request outside the sandbox

/// `run --auto` on `lab` with its emulator as `--endpoint-url`, plus `extra`.
fn auto_run(lab: &Lab, extra: &[&str]) -> Awslab {
    let mut cmd = lab.account.awslab();
    cmd.args([
        "--lang",
        "en",
        "--endpoint-url",
        &moto().endpoint,
        "run",
        "--auto",
        "--wait",
        "0.05",
        "--poll",
        "0.5",
    ])
    .args(extra);
    cmd
}

#[tokio::test(flavor = "multi_thread")]
async fn with_an_emulators_endpoint_the_test_request_never_goes_to_the_public_ip() {
    let lab = Lab::configured().await;
    let public_ip = lab
        .pre
        .public_ip
        .clone()
        .expect("the emulator made up a public IP");
    // Were a request sent to the public IP, the environment's proxy, a loopback listener, would
    // receive it instead of the real host, and count it. The emulator itself is reached
    // directly (NO_PROXY), as it would be without this guard.
    let (proxy, proxied) = listener(OK_200);
    let run = auto_run(&lab, &[])
        .env("HTTP_PROXY", proxy.trim_end_matches('/'))
        .env("http_proxy", proxy.trim_end_matches('/'))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .run_within(BOUND);
    let out = run.stdout();
    assert_eq!(
        run.code(),
        3,
        "pending, as nothing was sent:\n{out}\n{}",
        run.stderr()
    );
    assert!(
        out.contains("awslab did not send the test request"),
        "{out}"
    );
    assert!(
        out.contains(&public_ip),
        "names the address it did not use: {out}"
    );
    assert!(
        out.contains("--probe-url"),
        "says what to do instead: {out}"
    );
    assert!(!out.contains("The instance answered"), "{out}");
    assert!(
        !out.contains(&format!("$ curl --max-time 10 http://{public_ip}")),
        "{out}"
    );
    assert_eq!(
        proxied.load(Ordering::SeqCst),
        0,
        "a request left for the public IP"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn probe_url_is_where_the_request_goes_and_redirects_are_not_followed() {
    let lab = Lab::configured().await;

    // Not on this machine, with an emulator's endpoint: refused before any work.
    let run = auto_run(&lab, &["--probe-url", "http://198.51.100.7/"]).run_within(BOUND);
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(
        run.stderr().contains("only go to this machine"),
        "{}",
        run.stderr()
    );
    assert!(
        !run.stdout().contains("[1/"),
        "nothing was done: {}",
        run.stdout()
    );
    let run = auto_run(&lab, &["--probe-url", "not a url"]).run_within(BOUND);
    assert_eq!(run.code(), 2, "{}", run.stderr());

    // A web server on this machine answers.
    let (server, requests) = listener(OK_200);
    let run = auto_run(&lab, &["--probe-url", &server]).run_within(BOUND);
    let out = run.stdout();
    assert_eq!(
        run.code(),
        3,
        "pending: no record arrives\n{out}\n{}",
        run.stderr()
    );
    assert!(
        out.contains(&format!("$ curl --max-time 10 {server}")),
        "{out}"
    );
    assert!(out.contains("The instance answered (HTTP 200)"), "{out}");
    assert!(requests.load(Ordering::SeqCst) >= 1);

    // A redirect is reported as one, and the address it names is never visited.
    let (elsewhere, visits) = listener(OK_200);
    let redirect: &'static str = Box::leak(
        format!("HTTP/1.1 302 Found\r\nLocation: {elsewhere}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            .into_boxed_str(),
    );
    let (redirecting, _) = listener(redirect);
    let run = auto_run(&lab, &["--probe-url", &redirecting]).run_within(BOUND);
    let out = run.stdout();
    assert_eq!(run.code(), 3, "{out}\n{}", run.stderr());
    assert!(out.contains("answered with a redirect (HTTP 302)"), "{out}");
    assert!(out.contains(&elsewhere), "{out}");
    assert_eq!(
        visits.load(Ordering::SeqCst),
        0,
        "the redirect was followed"
    );
}

#[test]
fn probe_url_does_not_apply_in_the_sandbox() {
    let cache = TempDir::new();
    let run = awslab_in(&cache)
        .args(["--sandbox", "--lang", "en", "run", "--auto"])
        .args(["--probe-url", "http://127.0.0.1:1/"])
        .run_within(Duration::from_secs(30));
    assert_eq!(run.code(), 2, "{}", run.stderr());
    assert!(run.stderr().contains("stand-in"), "{}", run.stderr());
}

// ---------------------------------------------------------------------------------------------
// Grading

#[tokio::test(flavor = "multi_thread")]
async fn an_account_whose_calls_hang_is_reported_as_timed_out_and_the_rest_are_graded() {
    let (a, b, hanging) = (
        Lab::solved().await,
        Lab::solved().await,
        Lab::solved().await,
    );
    // The hanging student is reached through a profile, so its calls carry a key id known
    // here, and only its calls hang.
    let key = hanging.account.creds.access_key_id().to_string();
    let rule: Rule = Arc::new(move |r: &Request| (r.key_id == key).then_some(Fault::Hang));
    let proxy = FaultProxy::start(&moto().endpoint, rule);
    let dir = TempDir::new();
    let creds = &hanging.account.creds;
    std::fs::write(
        dir.0.join("credentials"),
        format!(
            "[hanging]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = {}\n",
            creds.access_key_id(),
            creds.secret_access_key(),
            creds.session_token().unwrap_or_default()
        ),
    )
    .expect("credentials file");
    let roster = dir.0.join("roster.csv");
    std::fs::write(
        &roster,
        format!(
            "student,account_id,profile\nkim,{},\nhang,,hanging\nlee,{},\n",
            a.account.id, b.account.id
        ),
    )
    .expect("roster");

    let mut cmd = Awslab::bare();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &proxy.endpoint)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.0.join("credentials"))
        .args([
            "--lang",
            "en",
            "grade",
            "--jobs",
            "3",
            "--account-timeout",
            "5",
        ])
        .args(["--format", "json", "--roster"])
        .args([&roster]);
    let started = Instant::now();
    let run = cmd.run_within(BOUND);
    let took = started.elapsed();
    assert_eq!(
        run.code(),
        2,
        "one account could not be graded: {}",
        run.stderr()
    );
    // The SDK's own limits would give up on a hanging call only after 30 s.
    assert!(took < Duration::from_secs(25), "took {took:?}");
    let v = run.json();
    let students = v["students"].as_array().expect("students");
    assert_eq!(students.len(), 3);
    for (i, name) in [(0, "kim"), (2, "lee")] {
        let s = &students[i];
        assert_eq!(s["student"], name);
        assert_eq!(s["score"], 100, "{s:#}");
        assert!(s["error"].is_null(), "{s:#}");
    }
    let timed_out = &students[1];
    assert_eq!(timed_out["student"], "hang");
    let error = timed_out["error"].as_str().unwrap_or_default();
    assert!(
        error.contains("did not finish within 5 s") && error.contains("--account-timeout"),
        "{timed_out:#}"
    );
    assert_eq!(timed_out["verify"]["status"], "error", "{timed_out:#}");
    assert!(
        proxy.injected().iter().all(|(_, f)| *f == Fault::Hang),
        "{:?}",
        proxy.injected()
    );

    // Out of range values are refused by the command line.
    let run = Awslab::bare()
        .args(["grade", "--account-timeout", "0", "--roster"])
        .args([&roster])
        .run();
    assert_eq!(run.code(), 2, "{}", run.stderr());
}

/// moto hands out credentials that expire when asked (DurationSeconds is not checked against
/// AWS's 900 s minimum) but never refuses expired ones, so an expired session cannot fail
/// here as it would on AWS. What can be shown is the renewal itself: with 2 s sessions, a
/// call made after the first session ended goes out under a new AssumeRole.
#[tokio::test(flavor = "multi_thread")]
async fn assumed_role_credentials_are_renewed_once_the_session_nears_its_end() {
    let account = Account::new().await;
    let base = sdk_config(aws_sdk_sts::config::Credentials::new(
        "testing", "testing", None, None, "test",
    ));
    let arn = format!("arn:aws:iam::{}:role/grader", account.id);
    let aws = awslab::aws::Aws::assume_role_for(
        &base,
        Some(REGION),
        &arn,
        Some("class-2026".into()),
        "awslab-grade",
        Duration::from_secs(2),
    )
    .await
    .expect("assume the role");
    let assumed = |aws: &awslab::aws::Aws| {
        aws.calls()
            .iter()
            .filter(|c| *c == "sts:AssumeRole")
            .count()
    };
    assert_eq!(aws.identity().await.expect("identity").account, account.id);
    assert_eq!(assumed(&aws), 1, "{:?}", aws.calls());

    tokio::time::sleep(Duration::from_secs(3)).await;
    let later = aws.fresh();
    assert_eq!(
        later.identity().await.expect("identity").account,
        account.id
    );
    assert!(assumed(&later) >= 2, "renewed: {:?}", later.calls());

    // A role that cannot be assumed is still reported at once, as the service's answer to
    // sts:AssumeRole (here: a session name longer than STS allows).
    let err = awslab::aws::Aws::assume_role(&base, None, &arn, None, &"x".repeat(65))
        .await
        .err()
        .expect("the session name is refused");
    assert_eq!(err.operation, "sts:AssumeRole", "{err}");
    assert_eq!(err.code.as_deref(), Some("ValidationError"), "{err}");
    assert!(
        err.detail.contains(&format!("cannot assume {arn}")),
        "{err}"
    );
}
