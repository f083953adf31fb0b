//! Safe re-runs of `awslab run --auto`: on a solved lab it writes nothing; on a half-done or
//! wrong lab it fixes only what is wrong; after an interruption at any step it completes
//! without duplicates. The binary runs only with `--sandbox`, so the wizard's test request
//! goes to the sandbox's loopback stand-in and never to the emulator's made-up public IP.

use crate::common::sandbox::Sandbox;
use crate::common::student::*;
use crate::common::*;
use awslab::aws::record::is_read;

/// `awslab --sandbox run vpc-flow-logs --auto --yes` in `sandbox`; the run and the AWS calls it
/// made. The lesson is named: `run` alone goes on to the next lesson once this one is done.
fn auto_run(sandbox: &Sandbox) -> (Run, Vec<String>) {
    let dir = TempDir::new();
    let calls = dir.0.join("calls");
    let run = sandbox
        .cmd()
        .env("AWSLAB_RECORD_CALLS", &calls)
        .args([
            "--sandbox",
            "--lang",
            "en",
            "run",
            "vpc-flow-logs",
            "--auto",
            "--yes",
        ])
        .run();
    let calls = std::fs::read_to_string(&calls)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect();
    (run, calls)
}

fn writes(calls: &[String]) -> Vec<&str> {
    calls
        .iter()
        .map(String::as_str)
        .filter(|c| !is_read(c))
        .collect()
}

/// How many of the lab's resources exist: policies, their versions, roles, flow logs.
async fn counts(lab: &Lab) -> (usize, usize, usize, usize) {
    let policies = lab
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("list-policies");
    let named: Vec<_> = policies
        .policies()
        .iter()
        .filter(|p| p.policy_name() == Some(POLICY))
        .collect();
    let versions = match named.first() {
        Some(p) => lab
            .iam
            .list_policy_versions()
            .policy_arn(p.arn().unwrap_or_default())
            .send()
            .await
            .expect("list-policy-versions")
            .versions()
            .len(),
        None => 0,
    };
    let roles = lab.iam.list_roles().send().await.expect("list-roles");
    let roles = roles
        .roles()
        .iter()
        .filter(|r| r.role_name() == ROLE)
        .count();
    let flow_logs = lab
        .ec2
        .describe_flow_logs()
        .send()
        .await
        .expect("describe-flow-logs")
        .flow_logs()
        .len();
    (named.len(), versions, roles, flow_logs)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_auto_run_on_a_solved_lab_writes_nothing() {
    let sandbox = Sandbox::up();
    let (run, calls) = auto_run(&sandbox);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(!writes(&calls).is_empty(), "the first run built the lab");

    let (run, calls) = auto_run(&sandbox);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert!(run.stdout().contains("Score 100/100"), "{}", run.stdout());
    assert!(!calls.is_empty());
    assert!(
        writes(&calls).is_empty(),
        "a solved lab is left as it is: {calls:?}"
    );
    assert_eq!(counts(&sandbox.lab()).await, (1, 1, 1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_auto_run_on_a_half_done_wrong_lab_fixes_only_what_is_wrong() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    // Policy and attachment right; the console's default trust (EC2); log group there; no
    // flow log yet.
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;

    let (run, calls) = auto_run(&sandbox);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    assert_eq!(
        writes(&calls),
        ["iam:UpdateAssumeRolePolicy", "ec2:CreateFlowLogs"],
        "only the trust policy and the missing flow log"
    );
    assert_eq!(sandbox.verify().status(), "pass");
    assert_eq!(counts(&lab).await, (1, 1, 1, 1));
}

/// The run stopped after `done` steps (applied through the library, as the wizard's "do it
/// for me" does), then `awslab run --auto` again.
async fn interrupted_after(done: usize) {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.apply_steps(done).await;
    let (run, calls) = auto_run(&sandbox);
    assert_eq!(
        run.code(),
        0,
        "after {done} steps:\n{}\n{}",
        run.stdout(),
        run.stderr()
    );
    assert_eq!(
        counts(&lab).await,
        (1, 1, 1, 1),
        "after {done} steps: one policy with one version, one role, one flow log"
    );
    let writes = writes(&calls);
    for (step, create) in [
        (1, "iam:CreatePolicy"),
        (2, "iam:CreateRole"),
        (4, "logs:CreateLogGroup"),
        (5, "ec2:CreateFlowLogs"),
    ] {
        assert_eq!(
            writes.contains(&create),
            done < step,
            "after {done} steps, {create}: {writes:?}"
        );
    }
    let v = sandbox.verify();
    assert_eq!(v.status(), "pass", "after {done} steps: {v:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn interrupted_after_the_policy_it_completes_without_duplicates() {
    interrupted_after(1).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn interrupted_after_the_trust_policy_it_completes_without_duplicates() {
    interrupted_after(3).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn interrupted_after_the_flow_log_it_completes_without_duplicates() {
    interrupted_after(5).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn interrupted_between_creating_the_role_and_attaching_it_completes() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    let (run, calls) = auto_run(&sandbox);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let writes = writes(&calls);
    assert!(writes.contains(&"iam:AttachRolePolicy"), "{writes:?}");
    assert!(!writes.contains(&"iam:CreateRole"), "{writes:?}");
    assert!(!writes.contains(&"iam:CreatePolicy"), "{writes:?}");
    assert_eq!(counts(&lab).await, (1, 1, 1, 1));
    assert_eq!(sandbox.verify().status(), "pass");
}
