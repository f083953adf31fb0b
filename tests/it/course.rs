//! One sandbox for the whole course: a student with no AWS account and no flags at all goes
//! through both lessons, every command finding the same sandbox, which outlives each command
//! until `awslab sandbox down`; a second shell set up with `awslab sandbox env` is the sandbox
//! too. And what a student sees when there is no account to work in.

use crate::common::sandbox::*;
use crate::common::*;
use serde_json::Value;
use std::time::{Duration, Instant};

const SECOND: &str = "flow-logs-troubleshooting";

fn alive(pid: u32) -> bool {
    std::fs::read(format!("/proc/{pid}/cmdline")).is_ok_and(|c| !c.is_empty())
}

/// A student's shell in `home`: no credentials, no endpoint, no flags; the emulator awslab
/// would otherwise install comes from the test's venv.
fn student(home: &TempDir) -> Awslab {
    let mut cmd = Awslab::bare();
    cmd.env("HOME", &home.0)
        .env("AWSLAB_MOTO_SERVER", find_moto_server());
    cmd.command().current_dir(&home.0);
    cmd
}

fn pids(info: &Value) -> Vec<u32> {
    info["pids"]
        .as_array()
        .map(|p| {
            p.iter()
                .filter_map(Value::as_u64)
                .map(|p| p as u32)
                .collect()
        })
        .unwrap_or_default()
}

/// The `export NAME=value` lines of `sandbox env`, as (name, value).
fn exports(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| l.strip_prefix("export "))
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[test]
fn a_student_without_an_account_does_the_course_in_one_sandbox() {
    let home = TempDir::new();
    // Lesson 1 by the wizard: it starts the sandbox, which stays when the wizard ends.
    let run = student(&home)
        .args(["--lang", "en", "run", "--auto"])
        .run_within(Duration::from_secs(240));
    let (out, err) = (run.stdout(), run.stderr());
    assert_eq!(run.code(), 0, "{out}\n{err}");
    assert!(out.contains("Score 100/100"), "{out}");
    assert!(err.contains("keeps running"), "said when it starts: {err}");
    assert!(
        out.contains("awslab sandbox down"),
        "the end says how to stop it: {out}"
    );
    assert!(!out.contains("nothing to clean up"), "{out}");
    // The course goes on: the end of lesson 1 names lesson 2.
    assert!(
        out.contains("Next in the course")
            && out.contains("`awslab run flow-logs-troubleshooting`"),
        "{out}"
    );

    let status = student(&home)
        .args(["sandbox", "status", "--format", "json"])
        .run();
    assert_eq!(
        status.code(),
        0,
        "the sandbox outlives the wizard: {}",
        status.stderr()
    );
    let info = status.json();
    let pids = pids(&info);
    assert!(
        pids.len() >= 2 && pids.iter().all(|p| alive(*p)),
        "{info:#}"
    );
    let public_ip = info["public_ip"]
        .as_str()
        .unwrap_or("no public ip")
        .to_string();

    // verify, with no flags, finds the same sandbox.
    let (run, v) = student(&home).verify_json();
    assert_eq!(run.code(), 0, "{v:#}\n{}", run.stderr());
    assert_eq!(v.earned(), 100, "{v:#}");

    // `awslab run` alone goes on with the first lesson not done: lesson 2, in the same sandbox.
    let run = student(&home)
        .args(["--lang", "en", "run", "--auto"])
        .run_within(Duration::from_secs(240));
    let out = run.stdout();
    assert_eq!(run.code(), 0, "{out}\n{}", run.stderr());
    assert!(out.contains("on to the next lesson not done yet"), "{out}");
    assert!(out.contains("Score 100/100"), "{out}");
    // And by its name.
    let run = student(&home)
        .args(["--lang", "en", "run", SECOND, "--auto"])
        .run_within(Duration::from_secs(240));
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(run.stdout().contains("Score 100/100"), "{}", run.stdout());

    // A second shell set up as the README says is the sandbox too: the stand-in's address in
    // every command, no cost warning, and both lessons pass there.
    let env = student(&home).args(["sandbox", "env"]).run();
    assert_eq!(env.code(), 0, "{}", env.stderr());
    let second_shell = || {
        let mut cmd = Awslab::bare();
        cmd.env("HOME", &home.0);
        for (k, v) in exports(&env.stdout()) {
            cmd.env(&k, v);
        }
        cmd
    };
    for lesson in ["vpc-flow-logs", SECOND] {
        let run = second_shell()
            .args(["--lang", "en", "verify", lesson])
            .run();
        let out = run.stdout() + &run.stderr();
        assert_eq!(run.code(), 0, "{out}");
        assert!(!out.contains(&public_ip), "no public IP in {out}");
        let run = second_shell()
            .args(["--lang", "en", "run", lesson, "--auto"])
            .run_within(Duration::from_secs(240));
        let out = run.stdout() + &run.stderr();
        assert_eq!(run.code(), 0, "{out}");
        assert!(out.contains("You are in the sandbox"), "{out}");
        assert!(!out.contains("real AWS account"), "no cost warning: {out}");
        assert!(!out.contains(&public_ip), "no public IP in {out}");
    }

    let run = student(&home)
        .args(["--lang", "en", "cleanup", "--yes"])
        .run();
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());

    let down = student(&home).args(["sandbox", "down"]).run();
    assert_eq!(down.code(), 0, "{}", down.stderr());
    let deadline = Instant::now() + Duration::from_secs(15);
    while pids.iter().any(|p| alive(*p)) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        pids.iter().all(|p| !alive(*p)),
        "left running after sandbox down: {pids:?}"
    );
}

/// No Rust debug output in what a person reads.
fn assert_plain(text: &str) {
    for debug in [
        "{ source:",
        "DispatchFailure(",
        "ConnectorError",
        "panicked",
    ] {
        assert!(!text.contains(debug), "{debug} in:\n{text}");
    }
}

#[test]
fn without_credentials_or_a_sandbox_verify_says_how_to_practise() {
    let home = TempDir::new();
    for (lang, sandbox_words) in [("en", "awslab run"), ("ko", "샌드박스")] {
        let run = student(&home)
            .args(["--lang", lang, "verify"])
            .run_within(Duration::from_secs(30));
        let out = run.stdout() + &run.stderr();
        assert_eq!(run.code(), 2, "{out}");
        assert!(out.contains(sandbox_words), "{out}");
        assert!(out.contains("aws configure"), "{out}");
        assert_plain(&out);
    }
    // It started nothing.
    assert!(!home.0.join(".cache/awslab/sandbox/state.json").exists());
}

#[test]
fn aws_errors_read_as_sentences_without_debug_output() {
    let dead = format!("http://127.0.0.1:{}", free_port());
    // No credentials, an endpoint; credentials, a dead endpoint.
    for creds in [false, true] {
        let mut cmd = Awslab::bare();
        cmd.env("AWS_ENDPOINT_URL", &dead);
        if creds {
            cmd.env("AWS_ACCESS_KEY_ID", "testing")
                .env("AWS_SECRET_ACCESS_KEY", "testing");
        }
        let run = cmd.args(["--lang", "en", "verify"]).run();
        let out = run.stdout() + &run.stderr();
        assert_eq!(run.code(), 2, "{out}");
        assert!(out.contains("sts:GetCallerIdentity"), "{out}");
        assert_plain(&out);
    }
    // -v keeps the whole chain, for a bug report.
    let run = Awslab::bare()
        .env("AWS_ENDPOINT_URL", &dead)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .args(["-v", "--lang", "en", "verify"])
        .run();
    assert!(run.stdout().contains("DispatchFailure"), "{}", run.stdout());
}

#[test]
fn a_sandbox_whose_emulator_stopped_is_said_to_be_one() {
    let sandbox = Sandbox::up();
    let moto = sandbox.pids()[1];
    // SAFETY: kill(2) on the emulator this test's sandbox started.
    unsafe {
        libc::kill(moto as i32, libc::SIGKILL);
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    while alive(moto) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    for args in [
        &["verify"][..],
        &["--sandbox", "verify"][..],
        &["lessons", "--state"][..],
        &["cleanup", "--dry-run"][..],
    ] {
        let run = sandbox
            .cmd()
            .args(["--lang", "en"])
            .args(args)
            .run_within(Duration::from_secs(60));
        let out = run.stdout() + &run.stderr();
        assert_eq!(run.code(), 2, "{args:?}: {out}");
        assert!(out.contains("does not answer"), "{args:?}: {out}");
        assert!(out.contains("awslab sandbox down"), "{args:?}: {out}");
        assert_plain(&out);
    }
}

/// Enter at the last step before any request was sent: the stand-in saw none, so the wizard
/// says so and goes back to the step's menu, instead of waiting for a record that cannot come
/// and ending with advice about the flow log. Sent then, the record arrives.
#[tokio::test(flavor = "multi_thread")]
async fn enter_at_the_last_step_without_a_request_goes_back_to_the_menu() {
    let sandbox = Sandbox::up();
    sandbox.lab().configure().await;
    let folder = TempDir::new();
    let cmd = sandbox.terminal(
        &folder,
        &["--sandbox", "run", "--lang", "en", "--from", "traffic"],
    );
    let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
    // The menu keeps its cursor where the student left it: down once, the first time only.
    let myself = |p: &mut rexpect::session::PtySession, down: bool| {
        p.exp_string("What would you like to do?")
            .expect("the step's question");
        if down {
            p.send("\x1b[B").expect("down to I'll do it myself");
        }
        p.send_line("").expect("enter");
        p.exp_string("Press Enter when you have sent the request")
            .expect("the pause");
    };
    myself(&mut p, true);
    p.send_line("").expect("Enter, with no request sent");
    p.exp_string("No request reached the instance's stand-in")
        .expect("said that nothing was sent");
    myself(&mut p, false);
    sandbox.request();
    p.send_line("").expect("Enter, the request sent");
    p.exp_string("The access record arrived")
        .expect("the record of the request");
    // The end offers the next lesson; not now.
    p.exp_string("now?").expect("the next lesson offered");
    p.send_line("n").expect("no");
    p.exp_eof().expect("exits");
}

/// Working in a real account never depends on the sandbox's state: without any cache
/// directory, verify reads the account as before.
#[tokio::test(flavor = "multi_thread")]
async fn a_real_account_needs_no_cache_directory() {
    let account = Account::new().await;
    let mut cmd = account.awslab();
    cmd.command()
        .env_remove("HOME")
        .env_remove("XDG_CACHE_HOME")
        .env_remove("AWSLAB_CACHE_DIR");
    let run = cmd
        .args(["--lang", "en", "verify", "--format", "json"])
        .run();
    assert_eq!(run.code(), 1, "an empty account fails: {}", run.stderr());
    assert!(run.json()["error"].is_null(), "{}", run.stdout());
}
