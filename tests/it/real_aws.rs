//! What a real account does that the emulator does not, played by the sandbox and met by the
//! wizard: IAM propagation (`--iam-delay`), a new flow log's warm-up (`--warmup`), and which
//! refusals are waited out and which are not.

use crate::common::fault_proxy::{self, Fault, FaultProxy};
use crate::common::sandbox::Sandbox;
use crate::common::student::*;
use crate::common::*;
use awslab::aws::Aws;
use awslab::lesson::{Lesson, Source};
use awslab::steps::Consent;
use std::sync::Arc;

fn lesson() -> Lesson {
    Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).unwrap_or_else(|e| panic!("{e}"))
}

/// `awslab --sandbox --lang en run --auto ARGS` in `sandbox`.
fn auto_run(sandbox: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut cmd = sandbox.cmd();
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.args(["--sandbox", "--lang", "en", "run", "--auto"])
        .args(args)
        .run()
}

#[tokio::test(flavor = "multi_thread")]
async fn with_an_iam_delay_the_auto_run_waits_out_propagation_and_writes_once() {
    let sandbox = Sandbox::up_with(&["--iam-delay", "20"]);
    let run = auto_run(&sandbox, &[], &[]);
    assert_eq!(run.code(), 0, "{}\n{}", run.stdout(), run.stderr());
    let said = run.stderr();
    assert!(
        said.contains("IAM has not propagated") && said.contains("ec2:CreateFlowLogs"),
        "the wait is shown: {said}"
    );
    assert!(said.contains("iam:AttachRolePolicy"), "{said}");
    // Everything exists once: the refusals were waited out, not answered with new resources.
    let lab = sandbox.lab();
    let policies = lab
        .iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .expect("list-policies");
    assert_eq!(policies.policies().len(), 1);
    let versions = lab
        .iam
        .list_policy_versions()
        .policy_arn(lab.policy_arn(POLICY))
        .send()
        .await
        .expect("list-policy-versions");
    assert_eq!(versions.versions().len(), 1);
    let attached = lab
        .iam
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .expect("list-attached-role-policies");
    assert_eq!(attached.attached_policies().len(), 1);
    assert_eq!(lab.flow_log_ids().await.len(), 1);
    assert_eq!(sandbox.verify().status(), "pass");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_warmup_the_record_comes_from_a_request_sent_again() {
    let sandbox = Sandbox::up_with(&["--warmup", "20"]);
    let run = auto_run(&sandbox, &[], &[]);
    let out = run.stdout();
    assert_eq!(run.code(), 0, "{out}\n{}", run.stderr());
    assert!(out.contains("sends the request again every 5 s"), "{out}");
    assert!(out.contains("Score 100/100"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_warmup_and_no_second_request_no_record_comes() {
    // The same lab with re-sending switched off (a switch for this test only): the one request
    // falls in the warm-up, so nothing can arrive. This is what makes the test above mean
    // something.
    let sandbox = Sandbox::up_with(&["--warmup", "20"]);
    let run = auto_run(&sandbox, &[("AWSLAB_NO_RESEND", "1")], &["--wait", "0.4"]);
    let out = run.stdout();
    assert_ne!(run.code(), 0, "{out}");
    assert!(out.contains("No access record"), "{out}");
    assert!(!out.contains("sends the request again"), "{out}");
}

/// The lab up to the flow log, applied through `proxy`; the flow log step's answer.
async fn flow_log_through(
    proxy: &FaultProxy,
    lab: &Lab,
) -> Result<Vec<awslab::steps::Change>, awslab::aws::AwsError> {
    let lesson = lesson();
    let direct = Aws::from_sdk(lab.account.sdk.clone());
    for id in ["policy", "role", "trust", "log-group"] {
        let step = lesson.step(id).expect("a step");
        step.spec
            .apply(&direct, &lesson.lab, &Consent::none())
            .await
            .unwrap_or_else(|e| panic!("apply {id}: {e}"));
    }
    let through = Aws::from_sdk(sdk_config_at(lab.account.creds.clone(), &proxy.endpoint));
    lesson
        .step("flow-log")
        .expect("a flow log step")
        .spec
        .apply(&through, &lesson.lab, &Consent::none())
        .await
}

fn ec2_error(code: &str, message: &str) -> Fault {
    Fault::Answer(
        400,
        "text/xml",
        format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>{code}</Code><Message>{message}</Message></Error></Errors><RequestID>1</RequestID></Response>"
        ),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn not_yet_assumable_is_waited_out_and_other_refusals_are_not() {
    // Twice "not propagated yet", then through: created on the third try.
    let lab = Lab::new().await;
    let propagating = ec2_error("InvalidParameter", "Unable to assume given IAM role.");
    let proxy = FaultProxy::start(
        &moto().endpoint,
        Arc::new(move |r: &fault_proxy::Request| {
            (r.operation == "CreateFlowLogs" && r.nth <= 2).then(|| propagating.clone())
        }),
    );
    let changes = flow_log_through(&proxy, &lab)
        .await
        .unwrap_or_else(|e| panic!("flow log: {e}"));
    assert_eq!(changes.len(), 1, "{changes:?}");
    let tries = proxy
        .injected()
        .iter()
        .filter(|(c, _)| c == "ec2:CreateFlowLogs")
        .count();
    assert_eq!(tries, 2);
    assert_eq!(lab.flow_log_ids().await.len(), 1);

    // Another InvalidParameter is about the input: reported at once, asked once.
    let lab = Lab::new().await;
    let invalid = ec2_error(
        "InvalidParameter",
        "Invalid Flow Log Max Aggregation Interval",
    );
    let proxy = FaultProxy::start(
        &moto().endpoint,
        Arc::new(move |r: &fault_proxy::Request| {
            (r.operation == "CreateFlowLogs").then(|| invalid.clone())
        }),
    );
    let started = std::time::Instant::now();
    let err = flow_log_through(&proxy, &lab)
        .await
        .expect_err("the refusal is reported");
    assert!(err.to_string().contains("Aggregation Interval"), "{err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    let tries = proxy
        .injected()
        .iter()
        .filter(|(c, _)| c == "ec2:CreateFlowLogs")
        .count();
    assert_eq!(tries, 1, "not retried");
    assert!(lab.flow_log_ids().await.is_empty());
}
