//! awslab against an unreliable endpoint: a loopback fault proxy in front of moto throttles,
//! fails with 500/503, or does not answer at all; stdout closes early; Ctrl-C arrives while the
//! wizard waits. Every outcome is a verdict or a clear error, in bounded time, never a panic.
//! Nothing leaves 127.0.0.1.

use crate::common::fault_proxy::{self, Fault, FaultProxy};
use crate::common::sandbox::{Sandbox, awslab_in};
use crate::common::student::*;
use crate::common::*;
use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// Far above what any of these runs needs; only a hang reaches it.
const BOUND: Duration = Duration::from_secs(150);

/// The lab's account, reached through `proxy` instead of moto.
fn through(lab: &Lab, proxy: &FaultProxy) -> Awslab {
    let mut cmd = lab.account.awslab();
    cmd.env("AWS_ENDPOINT_URL", &proxy.endpoint);
    cmd
}

fn assert_no_panic(run: &Run) {
    assert!(
        !run.stderr().contains("panicked"),
        "awslab panicked:\n{}",
        run.stderr()
    );
    assert_ne!(run.code(), 101, "exit 101 is a panic:\n{}", run.stderr());
}

/// The services the faults hit, so a test knows its faults reached every client.
fn services_hit(proxy: &FaultProxy) -> BTreeSet<String> {
    proxy
        .injected()
        .iter()
        .map(|(call, _)| call.split(':').next().unwrap_or("").to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_gets_through_a_throttling_burst_in_every_service() {
    let lab = Lab::solved().await;
    let proxy = FaultProxy::start(&moto().endpoint, fault_proxy::throttle_first(2));
    let run = through(&lab, &proxy)
        .args(["verify", "--format", "json"])
        .run_within(BOUND);
    assert_no_panic(&run);
    let v = run.json();
    assert_eq!(v.status(), "pass", "{v:#}\n{}", run.stderr());
    assert_eq!(run.code(), 0);
    assert_eq!(v.earned(), 100);
    // Every operation was throttled twice before it got through, in all four services.
    assert_eq!(
        services_hit(&proxy),
        ["ec2", "iam", "logs", "sts"].map(String::from).into(),
        "{:?}",
        proxy.injected()
    );
    let forwarded: BTreeSet<String> = proxy.forwarded().into_iter().collect();
    let throttled: BTreeSet<String> = proxy.injected().into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        forwarded, throttled,
        "each operation got through after its burst"
    );
    assert!(proxy.injected().iter().all(|(_, f)| *f == Fault::Throttle));
}

#[tokio::test(flavor = "multi_thread")]
async fn verify_gets_through_transient_server_errors() {
    let lab = Lab::solved().await;
    let rule = fault_proxy::random(
        7,
        0.3,
        vec![Fault::Status(500), Fault::Status(503), Fault::Drop],
        2,
    );
    let proxy = FaultProxy::start(&moto().endpoint, rule);
    let run = through(&lab, &proxy)
        .args(["verify", "--format", "json"])
        .run_within(BOUND);
    assert_no_panic(&run);
    let v = run.json();
    assert_eq!(v.status(), "pass", "{v:#}\n{}", run.stderr());
    assert_eq!(run.code(), 0);
    assert_eq!(v.earned(), 100);
    let injected = proxy.injected();
    assert!(
        injected.len() >= 3,
        "the seed must inject faults for this test to mean anything: {injected:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_setup_keeps_its_verdict_under_throttling() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    lab.attach(ROLE, POLICY).await;
    let proxy = FaultProxy::start(&moto().endpoint, fault_proxy::throttle_first(2));
    let run = through(&lab, &proxy)
        .args(["verify", "--format", "json"])
        .run_within(BOUND);
    assert_no_panic(&run);
    let v = run.json();
    assert_eq!(run.code(), 1, "{v:#}");
    assert_eq!(v.status(), "fail");
    assert_eq!(v.step_status("trust"), "fail");
    assert_eq!(v.step_status("log-group"), "fail");
    assert!(!proxy.injected().is_empty());
    // The very verdict verify gives without the faults.
    let (_, direct) = lab.account.awslab().verify_json();
    let statuses = |v: &serde_json::Value| -> Vec<(String, String)> {
        v["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["checks"].as_array().into_iter().flatten())
            .map(|c| (c["id"].to_string(), c["status"].to_string()))
            .collect()
    };
    assert_eq!(statuses(&v), statuses(&direct));
    assert_eq!(v["score"], direct["score"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn grade_under_throttling_gives_every_student_the_right_score() {
    let solved = Lab::solved().await;
    let empty = Lab::new().await;
    let trust = Lab::new().await;
    trust.create_policy(POLICY, &flow_policy()).await;
    trust
        .create_role(ROLE, &trust_for("ec2.amazonaws.com"))
        .await;
    trust.attach(ROLE, POLICY).await;
    trust.create_log_group(GROUP).await;
    trust.create_flow_log(FlowLogSpec::default()).await;
    let cases = [
        ("solved", &solved, 100, "pass"),
        ("empty", &empty, 0, "fail"),
        ("trust", &trust, 65, "fail"),
    ];

    let dir = TempDir::new();
    let mut text = String::from("student,account_id,region\n");
    for (name, lab, _, _) in &cases {
        text.push_str(&format!("{name},{},{REGION}\n", lab.account.id));
    }
    let roster = dir.0.join("roster.csv");
    std::fs::write(&roster, text).expect("roster");

    let proxy = FaultProxy::start(&moto().endpoint, fault_proxy::throttle_first(2));
    let mut cmd = Awslab::bare();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &proxy.endpoint);
    let run = cmd
        .args(["grade", "--jobs", "3", "--format", "json", "--roster"])
        .args([&roster])
        .run_within(BOUND);
    assert_no_panic(&run);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let v = run.json();
    let students = v["students"].as_array().expect("students");
    assert_eq!(students.len(), 3);
    for ((name, lab, score, status), s) in cases.iter().zip(students) {
        assert_eq!(s["student"], *name);
        assert_eq!(s["account"], lab.account.id.as_str());
        assert_eq!(s["score"], *score, "{name}: {:#}", s["verify"]);
        assert_eq!(s["verify"]["status"], *status, "{name}");
        assert!(s["error"].is_null(), "{name}: {}", s["error"]);
    }
    // Each student's own account was throttled (a key id per assumed role), and so was the
    // instructor's AssumeRole.
    let injected = proxy.injected();
    assert!(
        injected.iter().any(|(c, _)| c == "sts:AssumeRole"),
        "{injected:?}"
    );
    assert!(
        injected
            .iter()
            .filter(|(c, _)| c == "iam:ListPolicies")
            .count()
            >= 6,
        "{injected:?}"
    );
}

#[test]
fn an_endpoint_that_never_answers_is_a_clear_error_in_bounded_time() {
    let proxy = FaultProxy::start(&moto().endpoint, fault_proxy::always(Fault::Hang));
    let mut cmd = Awslab::bare();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &proxy.endpoint);
    let started = Instant::now();
    let run = cmd.args(["verify"]).run_within(BOUND);
    let took = started.elapsed();
    assert_no_panic(&run);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    assert!(took < Duration::from_secs(90), "took {took:?}");
    let all = format!("{}{}", run.stdout(), run.stderr());
    assert!(all.contains("did not answer in time"), "{all}");
    assert!(
        !proxy.injected().is_empty(),
        "the request reached the proxy"
    );
    assert!(proxy.forwarded().is_empty());
}

#[test]
fn a_closed_port_is_a_clear_error_in_bounded_time() {
    // A port that was free a moment ago; nothing listens on it.
    let port = free_port();
    let mut cmd = Awslab::bare();
    cmd.env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"));
    let started = Instant::now();
    let run = cmd.args(["verify", "--format", "json"]).run_within(BOUND);
    let took = started.elapsed();
    assert_no_panic(&run);
    assert_eq!(run.code(), 2, "{}\n{}", run.stdout(), run.stderr());
    assert!(took < Duration::from_secs(90), "took {took:?}");
    let all = format!("{}{}", run.stdout(), run.stderr());
    assert!(all.contains("Could not reach AWS"), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stdout_closed_before_the_verdict_is_not_a_panic() {
    let lab = Lab::solved().await;
    for format in ["json", "text", "junit"] {
        let mut cmd = lab.account.awslab();
        let mut child = cmd
            .args(["verify", "--format", format])
            .command()
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn awslab");
        // The reader goes away before awslab has written anything.
        drop(child.stdout.take());
        let run = wait_bounded(child, BOUND);
        assert_no_panic(&run);
        assert_eq!(run.code(), 0, "{format}: {}", run.stderr());
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stdout_closed_after_the_first_line_is_not_a_panic() {
    let lab = Lab::new().await;
    let mut cmd = lab.account.awslab();
    let mut child = cmd
        .args(["verify", "--format", "text", "--lang", "en"])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn awslab");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("one line");
    let run = wait_bounded(child, BOUND);
    assert_no_panic(&run);
    assert_eq!(
        run.code(),
        1,
        "the verdict's code: an empty account fails: {}",
        run.stderr()
    );
}

/// Waits for a spawned child with stdout already taken, reading its stderr.
fn wait_bounded(mut child: std::process::Child, limit: Duration) -> Run {
    use std::io::Read;
    let err = child.stderr.take();
    let reader = std::thread::spawn(move || {
        let mut buf = Vec::new();
        if let Some(mut e) = err {
            let _ = e.read_to_end(&mut buf);
        }
        buf
    });
    let deadline = Instant::now() + limit;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("awslab hung past {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    Run {
        output: std::process::Output {
            status,
            stdout: Vec::new(),
            stderr: reader.join().unwrap_or_default(),
        },
    }
}

/// A wizard run that is interrupted with SIGINT once it waits for the record.
struct Interrupted {
    run: Run,
    /// How long after SIGINT it ended.
    took: Duration,
    /// Processes that were awslab's descendants just before SIGINT.
    descendants: Vec<u32>,
}

/// `awslab <sandbox> run --auto` interrupted while it waits for the record; `sandbox` is
/// `--sandbox` (the running one) or `--private-sandbox`.
fn interrupt_while_waiting(mut cmd: Awslab, sandbox: &str) -> Interrupted {
    use std::io::Read;
    let mut child = cmd
        .args([
            sandbox, "--lang", "en", "run", "--auto", "--wait", "5", "--poll", "1",
        ])
        .command()
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn awslab run");
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("stdout");
    let out_thread = std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            all.push_str(&line);
            all.push('\n');
            let _ = tx.send(line);
        }
        all
    });
    let mut stderr = child.stderr.take().expect("stderr");
    let err_thread = std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        buf
    });
    let deadline = Instant::now() + BOUND;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok(line) if line.contains("Waiting for the access record") => break,
            Ok(_) => {}
            Err(_) => {
                let _ = child.kill();
                let _ = child.wait();
                let err = err_thread.join().unwrap_or_default();
                panic!(
                    "the wizard never said it was waiting:\n{}\n{}",
                    out_thread.join().unwrap_or_default(),
                    String::from_utf8_lossy(&err)
                );
            }
        }
    }
    let descendants = descendants_of(pid);
    // SAFETY: kill(2) on our own child's pid.
    let sent = unsafe { libc::kill(pid as i32, libc::SIGINT) };
    assert_eq!(sent, 0, "SIGINT could not be sent");
    let sent_at = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if sent_at.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("awslab run did not end within 30 s of SIGINT");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let took = sent_at.elapsed();
    Interrupted {
        run: Run {
            output: std::process::Output {
                status,
                stdout: out_thread.join().unwrap_or_default().into_bytes(),
                stderr: err_thread.join().unwrap_or_default(),
            },
        },
        took,
        descendants,
    }
}

/// The parent pid of a process, from /proc (None when it is gone).
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may contain spaces: the fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

fn alive(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => {
            let state = stat[stat.rfind(')').map(|i| i + 1).unwrap_or(0)..]
                .split_whitespace()
                .next()
                .unwrap_or("");
            state != "Z" && state != "X"
        }
        Err(_) => false,
    }
}

/// Every process below `root`, found by walking /proc.
fn descendants_of(root: u32) -> Vec<u32> {
    let all: Vec<(u32, u32)> = std::fs::read_dir("/proc")
        .map(|d| {
            d.flatten()
                .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
                .filter_map(|pid| Some((pid, parent_of(pid)?)))
                .collect()
        })
        .unwrap_or_default();
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(all.iter().filter(|(_, pp)| *pp == parent).map(|(p, _)| *p));
        i += 1;
    }
    found.remove(0);
    found
}

#[test]
fn ctrl_c_while_waiting_for_the_record_in_a_shared_sandbox_ends_promptly() {
    let sandbox = Sandbox::up();
    let moto_pids = sandbox.pids();
    let out = interrupt_while_waiting(sandbox.cmd(), "--sandbox");
    assert_no_panic(&out.run);
    assert_eq!(out.run.code(), 130, "{}", out.run.stderr());
    assert!(out.took < Duration::from_secs(10), "took {:?}", out.took);
    // The shared sandbox is not the wizard's to stop.
    assert!(
        moto_pids.iter().all(|p| alive(*p)),
        "the shared sandbox keeps running: {moto_pids:?}"
    );
}

#[test]
fn ctrl_c_while_waiting_in_a_private_sandbox_leaves_no_process_behind() {
    let cache = TempDir::new();
    let out = interrupt_while_waiting(awslab_in(&cache), "--private-sandbox");
    assert_no_panic(&out.run);
    assert_eq!(out.run.code(), 130, "{}", out.run.stderr());
    assert!(out.took < Duration::from_secs(10), "took {:?}", out.took);
    assert!(
        !out.descendants.is_empty(),
        "the private sandbox's moto must have been found among awslab's children"
    );
    // Give the kernel a moment to reap what awslab killed; bounded.
    let deadline = Instant::now() + Duration::from_secs(15);
    while out.descendants.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let left: Vec<_> = out.descendants.iter().filter(|p| alive(**p)).collect();
    assert!(left.is_empty(), "left running after Ctrl-C: {left:?}");
}

#[test]
fn the_proxy_tells_the_services_apart() {
    // The proxy's own self-check: a throttle for each service in that service's format, which
    // the SDK (the same one awslab uses) reads as a throttling error.
    let proxy = FaultProxy::start(&moto().endpoint, fault_proxy::always(Fault::Throttle));
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    rt.block_on(async {
        let creds = aws_sdk_sts::config::Credentials::new("testing", "testing", None, None, "t");
        let sdk = sdk_config_at(creds, &proxy.endpoint)
            .into_builder()
            .retry_config(aws_config::retry::RetryConfig::disabled())
            .build();
        let iam = aws_sdk_iam::Client::new(&sdk).list_roles().send().await;
        let ec2 = aws_sdk_ec2::Client::new(&sdk).describe_vpcs().send().await;
        let logs = aws_sdk_cloudwatchlogs::Client::new(&sdk)
            .describe_log_groups()
            .send()
            .await;
        let sts = aws_sdk_sts::Client::new(&sdk)
            .get_caller_identity()
            .send()
            .await;
        use aws_sdk_sts::error::ProvideErrorMetadata;
        assert_eq!(
            iam.err()
                .and_then(|e| e.code().map(String::from))
                .as_deref(),
            Some("Throttling")
        );
        assert_eq!(
            ec2.err()
                .and_then(|e| e.code().map(String::from))
                .as_deref(),
            Some("RequestLimitExceeded")
        );
        assert_eq!(
            logs.err()
                .and_then(|e| e.code().map(String::from))
                .as_deref(),
            Some("ThrottlingException")
        );
        assert_eq!(
            sts.err()
                .and_then(|e| e.code().map(String::from))
                .as_deref(),
            Some("Throttling")
        );
    });
    let calls: Vec<String> = proxy.injected().into_iter().map(|(c, _)| c).collect();
    assert_eq!(
        calls,
        [
            "iam:ListRoles",
            "ec2:DescribeVpcs",
            "logs:DescribeLogGroups",
            "sts:GetCallerIdentity"
        ]
    );
}
