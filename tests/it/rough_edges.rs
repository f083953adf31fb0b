//! Rough edges a new user hits: arguments checked before work starts, a skipped step that a
//! later one needs, quitting a private sandbox, cleanup's questions, and messages with nothing
//! left unfilled.

use crate::common::sandbox::awslab_in;
use crate::common::student::*;
use crate::common::*;
use awslab::aws::Aws;
use awslab::lesson::{Lesson, Source};
use awslab::sandbox::SandboxInfo;
use awslab::wizard::prompt::{Answer, Choice, Scripted};
use std::time::Duration;

fn lesson() -> Lesson {
    Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).unwrap_or_else(|e| panic!("{e}"))
}

async fn wizard(
    lab: &Lab,
    sandbox: Option<&SandboxInfo>,
    from: Option<&str>,
    answers: Vec<Answer>,
) -> String {
    let mut prompt = Scripted::new(answers);
    let opts = crate::common::wizard::options(from, Duration::from_secs(1));
    crate::common::wizard::run(lab, sandbox, &mut prompt, opts)
        .await
        .1
}

#[test]
fn a_bad_from_step_is_a_usage_error_before_any_work() {
    let cache = TempDir::new();
    for lang in ["en", "ko"] {
        let run = awslab_in(&cache)
            .env("AWSLAB_MOTO_SERVER", "/nonexistent/moto_server")
            .args([
                "--lang",
                lang,
                "--sandbox",
                "run",
                "--auto",
                "--from",
                "nope",
            ])
            .run();
        assert_eq!(run.code(), 2, "{}", run.stderr());
        let err = run.stderr();
        assert!(err.contains("nope") && err.contains("flow-log"), "{err}");
        assert!(run.stdout().is_empty(), "no intro: {}", run.stdout());
    }
    // No sandbox was even tried: the emulator named here does not exist, so a sandbox started
    // before the check would have ended the run with that error instead.
}

#[tokio::test(flavor = "multi_thread")]
async fn doing_a_step_whose_prerequisite_was_skipped_says_which_first_and_writes_nothing() {
    let lab = Lab::new().await;
    // The student skipped the policy; "do it for me" on the role.
    let out = wizard(
        &lab,
        None,
        Some("role"),
        vec![Answer::Choose(Choice::DoIt), Answer::Choose(Choice::Quit)],
    )
    .await;
    assert!(
        // The step it needs is named by its title, not its id.
        out.contains("builds on the step \u{201c}Create the IAM policy my-flowpolicy\u{201d}")
            && out.contains("nothing was changed"),
        "{out}"
    );
    let roles = lab.iam.list_roles().send().await.expect("list-roles");
    assert!(roles.roles().is_empty(), "no half-made role: {roles:?}");
}

fn sandbox_info(lab: &Lab, pid: u32) -> SandboxInfo {
    SandboxInfo {
        endpoint: moto().endpoint.clone(),
        web: "http://127.0.0.1:9".to_string(),
        region: REGION.to_string(),
        // This process: what a private sandbox records.
        pids: vec![pid],
        pid_starts: Vec::new(),
        account: lab.account.id.clone(),
        lesson: "vpc-flow-logs".to_string(),
        vpc_id: lab.pre.vpc_id.clone(),
        instance_id: lab.pre.instance_id.clone(),
        eni_id: lab.pre.eni_id.clone(),
        private_ip: lab.pre.private_ip.clone(),
        public_ip: None,
        delay_seconds: 1,
        warmup_seconds: 0,
        iam_delay_seconds: 0,
        access_key: String::new(),
        secret_key: String::new(),
        requests: None,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn quitting_a_private_sandbox_does_not_promise_the_progress_is_kept() {
    let lab = Lab::new().await;
    let info = sandbox_info(&lab, std::process::id());
    let out = wizard(&lab, Some(&info), None, vec![Answer::Choose(Choice::Quit)]).await;
    assert!(out.contains("private sandbox"), "{out}");
    assert!(out.contains("awslab sandbox up"), "{out}");
    assert!(!out.contains("Your progress is in the account"), "{out}");
    // Outside a private sandbox, the progress is kept and said so.
    let out = wizard(&lab, None, None, vec![Answer::Choose(Choice::Quit)]).await;
    assert!(out.contains("Your progress is in the account"), "{out}");
}

#[tokio::test]
async fn a_trust_condition_for_another_account_names_the_service_with_nothing_unfilled() {
    let lab = Lab::configured().await;
    let trust = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole", "Condition": {"StringEquals": {"aws:SourceAccount": "999999999999"}}}]}"#;
    lab.iam
        .update_assume_role_policy()
        .role_name(ROLE)
        .policy_document(trust)
        .send()
        .await
        .unwrap_or_else(|e| panic!("update-assume-role-policy: {e:?}"));
    for lang in ["en", "ko"] {
        let (_, v) = lab.account.awslab().args(["--lang", lang]).verify_json();
        assert_eq!(v.check_status("trust.trusts-service"), "fail", "{v:#}");
        let msg = v.message("trust.trusts-service");
        assert!(msg.contains("vpc-flow-logs.amazonaws.com"), "{msg}");
        assert!(!msg.contains('{'), "{msg}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_to_the_cleanup_plan_ends_it_without_more_questions() {
    let lab = Lab::new().await;
    // Built by awslab, then the flow log renamed: the plan asks once for all, and would ask
    // about the renamed flow log on its own.
    lab.apply_steps(usize::MAX).await;
    let id = lab
        .flow_log_ids()
        .await
        .first()
        .cloned()
        .unwrap_or_default();
    lab.ec2
        .create_tags()
        .resources(&id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("renamed")
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-tags: {e:?}"));
    let home = TempDir::new();
    let cmd = lab
        .account
        .terminal_command(&home, &["--lang", "en", "--no-color", "cleanup"]);
    let transcript = tokio::task::spawn_blocking(move || {
        let mut p = rexpect::session::spawn_command(cmd, Some(60_000)).expect("spawn in a pty");
        p.exp_string("[y/N]").expect("the plan's question");
        // A key alone answers nothing: the question waits for Enter.
        p.send("n").expect("key");
        p.flush().expect("flush");
        std::thread::sleep(Duration::from_millis(500));
        p.send_line("").expect("enter");
        let (rest, _) = p.exp_regex("Left \\(\\d+\\):").expect("the summary");
        p.exp_eof().expect("exits");
        rest
    })
    .await
    .expect("pty session");
    assert!(
        !transcript.contains("Delete it as well?"),
        "no per-resource question after no: {transcript}"
    );
    assert_eq!(lab.flow_log_ids().await, [id], "nothing deleted");
}

#[tokio::test(flavor = "multi_thread")]
async fn in_the_sandbox_the_fix_names_the_stand_in_not_the_made_up_public_ip() {
    let sandbox = crate::common::sandbox::Sandbox::up();
    sandbox.lab().configure().await;
    let v = sandbox.verify();
    assert_eq!(v.check_status("traffic.record"), "pending", "{v:#}");
    let fix = v.check("traffic.record")["remediation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    let web = sandbox.str("web");
    assert!(fix.contains(&web), "{fix}");
    let public_ip = sandbox.str("public_ip");
    assert!(!public_ip.is_empty());
    assert!(!fix.contains(&public_ip), "{fix}");
    assert!(!fix.contains("minutes"), "{fix}");
    let msg = v.message("traffic.record");
    assert!(msg.contains("In the sandbox"), "{msg}");
}

#[tokio::test]
async fn a_right_older_version_is_made_the_default_again_not_copied_into_a_new_one() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.new_default_version(POLICY, &flow_policy().replace("\"logs:PutLogEvents\",", ""))
        .await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "fail", "{v:#}");
    let fix = v.check("policy.actions")["remediation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        fix.contains("aws iam set-default-policy-version")
            && fix.contains("--version-id v1")
            && !fix.contains("create-policy-version"),
        "{fix}"
    );
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let spec = &lesson.step("policy").expect("a policy step").spec;
    // The policy was made by hand, not by awslab: the change is asked about first.
    let asked = spec
        .apply(&aws, &lesson.lab, &awslab::steps::Consent::none())
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    assert!(asked.len() == 1 && asked[0].destructive, "{asked:?}");
    let changes = spec
        .apply(&aws, &lesson.lab, &awslab::steps::Consent::to(&asked))
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert!(
        changes[0].cli.contains("set-default-policy-version"),
        "{changes:?}"
    );
    let versions = lab
        .iam
        .list_policy_versions()
        .policy_arn(lab.policy_arn(POLICY))
        .send()
        .await
        .expect("list-policy-versions");
    let mut ids: Vec<(String, bool)> = versions
        .versions()
        .iter()
        .map(|v| {
            (
                v.version_id().unwrap_or_default().to_string(),
                v.is_default_version(),
            )
        })
        .collect();
    ids.sort();
    assert_eq!(ids, [("v1".to_string(), true), ("v2".to_string(), false)]);
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "pass", "{v:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_role_fix_is_the_whole_step_and_shows_the_trust_policy_it_uses() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    for (lang, console) in [
        ("en", "Custom trust policy"),
        ("ko", "사용자 지정 신뢰 정책"),
    ] {
        let (_, v) = lab.account.awslab().args(["--lang", lang]).verify_json();
        let fix = v.check("role.exists")["remediation"]
            .as_str()
            .unwrap_or("")
            .to_string();
        assert!(
            fix.contains(
                "--assume-role-policy-document file://awslab-vpc-flow-logs/trust-policy.json"
            ) && fix.contains(&format!(
                "aws iam attach-role-policy --role-name {ROLE} --policy-arn {}",
                lab.policy_arn(POLICY)
            )) && fix.contains(console),
            "{fix}"
        );
    }
    // The wizard's role step shows the trust policy before any fix points at it.
    let out = wizard(&lab, None, Some("role"), vec![Answer::Choose(Choice::Quit)]).await;
    let role_step = out.split("[2/6]").nth(1).unwrap_or("");
    assert!(
        role_step.contains("(trust-policy.json)")
            && role_step.contains("vpc-flow-logs.amazonaws.com"),
        "{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn hints_written_for_aws_read_right_in_the_sandbox() {
    let lab = Lab::configured().await;
    // A sandbox some other process runs (pid 1 is never this test).
    let info = sandbox_info(&lab, 1);
    let answers = vec![
        Answer::Choose(Choice::Hint),
        Answer::Choose(Choice::Hint),
        Answer::Choose(Choice::Quit),
    ];
    let out = wizard(&lab, Some(&info), Some("traffic"), answers.clone()).await;
    assert!(
        out.contains("In the sandbox a web server on this machine"),
        "{out}"
    );
    assert!(out.contains("a few seconds after the request"), "{out}");
    assert!(
        !out.contains("EC2 console → Instances") && !out.contains("5 minutes late"),
        "{out}"
    );
    let out = wizard(&lab, None, Some("traffic"), answers).await;
    assert!(
        out.contains("EC2 console → Instances"),
        "on AWS the AWS hint: {out}"
    );
}
