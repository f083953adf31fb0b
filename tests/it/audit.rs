//! A read-only audit of the real binary: every AWS operation it sends is recorded
//! (AWSLAB_RECORD_CALLS) and judged with `awslab::aws::record::is_read`. verify, grade, explain
//! and cleanup --dry-run only read, whatever the account holds; the wizard and cleanup --yes
//! write; cleanup without --yes and without a terminal refuses and writes nothing.

use crate::common::sandbox::Sandbox;
use crate::common::student::*;
use crate::common::*;
use awslab::aws::record::is_read;
use std::time::Duration;

const BOUND: Duration = Duration::from_secs(150);

/// Runs `cmd` with call recording on; the operations it sent, in order.
fn recorded(cmd: &mut Awslab) -> (Run, Vec<String>) {
    let dir = TempDir::new();
    let file = dir.0.join("calls.txt");
    let run = cmd.env("AWSLAB_RECORD_CALLS", &file).run_within(BOUND);
    assert!(
        !run.stderr().contains("panicked"),
        "awslab panicked:\n{}",
        run.stderr()
    );
    let text = std::fs::read_to_string(&file).unwrap_or_else(|e| {
        panic!(
            "AWSLAB_RECORD_CALLS was not written ({e}); exit {}:\n{}",
            run.code(),
            run.stderr()
        )
    });
    let calls = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(String::from)
        .collect();
    (run, calls)
}

fn writes(calls: &[String]) -> Vec<&String> {
    calls.iter().filter(|c| !is_read(c)).collect()
}

fn assert_only_reads(what: &str, run: &Run, calls: &[String]) {
    assert!(
        !calls.is_empty(),
        "{what} must have read the account (exit {}): {}",
        run.code(),
        run.stderr()
    );
    assert!(
        writes(calls).is_empty(),
        "{what} wrote: {:?}",
        writes(calls)
    );
}

/// A lab with a mistake in every step it can: near-miss policy, EC2 trust, no log group.
async fn broken() -> Lab {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy().replace("\"logs:PutLogEvents\",", ""))
        .await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    lab.create_log_group("Other").await;
    lab.create_flow_log(FlowLogSpec {
        group: "Other",
        ..Default::default()
    })
    .await;
    lab
}

async fn audit_read_only_commands(lab: &Lab, expect_verify: i32) {
    let (run, calls) = recorded(lab.account.awslab().args(["verify", "--format", "json"]));
    assert_eq!(run.code(), expect_verify, "{}", run.stderr());
    assert_only_reads("verify", &run, &calls);
    assert!(calls.iter().any(|c| c.starts_with("iam:")), "{calls:?}");
    assert!(calls.iter().any(|c| c.starts_with("ec2:")), "{calls:?}");
    assert!(calls.iter().any(|c| c.starts_with("logs:")), "{calls:?}");

    let (run, calls) = recorded(lab.account.awslab().args(["cleanup", "--dry-run"]));
    // A dry run only shows the plan: it succeeds whatever is there to remove.
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_only_reads("cleanup --dry-run", &run, &calls);
    let (run, calls) = recorded(lab.account.awslab().args([
        "cleanup",
        "--dry-run",
        "--include-untagged",
        "--format",
        "json",
    ]));
    assert_only_reads("cleanup --dry-run --include-untagged", &run, &calls);

    // Without --yes and without a terminal, cleanup may look but not touch. What the test made
    // carries no lesson tag: it is kept without a question, and left (exit 1).
    let (run, calls) = recorded(lab.account.awslab().args(["cleanup"]));
    assert_eq!(
        run.code(),
        1,
        "untagged resources are kept: {}",
        run.stdout()
    );
    assert!(writes(&calls).is_empty(), "cleanup wrote: {calls:?}");
    // Counting them in asks to delete, which needs --yes: refused (exit 2).
    let (run, calls) = recorded(lab.account.awslab().args(["cleanup", "--include-untagged"]));
    assert_eq!(
        run.code(),
        2,
        "cleanup without --yes must refuse: {}",
        run.stderr()
    );
    assert!(writes(&calls).is_empty(), "cleanup wrote: {calls:?}");

    // grade: the instructor assumes a role into the account, then only reads.
    let dir = TempDir::new();
    let roster = dir.0.join("roster.csv");
    std::fs::write(
        &roster,
        format!("student,account_id\nkim,{}\n", lab.account.id),
    )
    .expect("roster");
    let mut grade = Awslab::bare();
    grade
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &moto().endpoint)
        .args(["grade", "--format", "json", "--out"])
        .args([dir.0.join("out")])
        .args(["--roster"])
        .args([&roster]);
    let (run, calls) = recorded(&mut grade);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert_only_reads("grade", &run, &calls);
    assert!(calls.iter().any(|c| c == "sts:AssumeRole"), "{calls:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_solved_lab_is_only_read() {
    let lab = Lab::solved().await;
    audit_read_only_commands(&lab, 0).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_broken_lab_is_only_read() {
    let lab = broken().await;
    audit_read_only_commands(&lab, 1).await;
}

#[test]
fn explain_sends_nothing_at_all() {
    let dir = TempDir::new();
    let file = dir.0.join("calls.txt");
    let run = Awslab::bare()
        .env("AWSLAB_RECORD_CALLS", &file)
        // An endpoint nothing listens on: a call would be an error, not a silent success.
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{}", free_port()))
        .args([
            "explain",
            "2 123456789010 eni-0a1b2c3d 203.0.113.5 10.0.1.4 51234 80 6 5 420 1700000000 1700000060 ACCEPT OK",
        ])
        .run_within(BOUND);
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let text = std::fs::read_to_string(&file).expect("calls file written");
    assert!(text.trim().is_empty(), "explain called AWS: {text}");
}

#[test]
fn the_wizard_writes_and_cleanup_yes_deletes_in_the_sandbox() {
    let sandbox = Sandbox::up();
    let (run, calls) = recorded(sandbox.cmd().args([
        "--sandbox",
        "--lang",
        "en",
        "run",
        "--auto",
        "--wait",
        "2",
        "--poll",
        "0.5",
    ]));
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let wrote = writes(&calls);
    for op in [
        "iam:CreatePolicy",
        "iam:CreateRole",
        "iam:AttachRolePolicy",
        "logs:CreateLogGroup",
        "ec2:CreateFlowLogs",
    ] {
        assert!(wrote.iter().any(|c| *c == op), "{op} missing in {wrote:?}");
    }

    // Refused without --yes: nothing deleted, and the lab still passes.
    let (run, calls) = recorded(sandbox.cmd().args(["--sandbox", "cleanup"]));
    assert_eq!(run.code(), 2, "refused without --yes: {}", run.stdout());
    assert!(writes(&calls).is_empty(), "{calls:?}");
    let (run, calls) = recorded(sandbox.cmd().args(["--sandbox", "cleanup", "--dry-run"]));
    assert_only_reads("cleanup --dry-run", &run, &calls);
    assert_eq!(sandbox.verify().status(), "pass");

    let (run, calls) = recorded(sandbox.cmd().args(["--sandbox", "cleanup", "--yes"]));
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let wrote = writes(&calls);
    for op in [
        "ec2:DeleteFlowLogs",
        "logs:DeleteLogGroup",
        "iam:DetachRolePolicy",
        "iam:DeleteRole",
        "iam:DeletePolicy",
    ] {
        assert!(wrote.iter().any(|c| *c == op), "{op} missing in {wrote:?}");
    }
    assert!(
        wrote
            .iter()
            .all(|c| c.contains(":Delete") || c.contains(":Detach")),
        "cleanup only deletes: {wrote:?}"
    );
}
