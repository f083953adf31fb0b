//! Verdicts a grader can stake a grade on, against moto: a busy stream does not hide the
//! student's record, a wait behind a broken step says so, and writes (`run --auto`, `cleanup`)
//! touch only what is provably the lab's.

use crate::common::sandbox::Sandbox;
use crate::common::student::*;
use crate::common::*;
use awslab::aws::Aws;
use awslab::aws::record::is_read;
use awslab::lesson::{Lesson, Source};
use awslab::steps::Consent;
use awslab::steps::removal::Target;
use awslab::wizard::prompt::{Answer, Choice, Scripted};
use serde_json::Value;
use std::time::Duration;

fn lesson() -> Lesson {
    Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).unwrap_or_else(|e| panic!("{e}"))
}

fn writes(calls: &[String]) -> Vec<String> {
    calls.iter().filter(|c| !is_read(c)).cloned().collect()
}

fn calls_in(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// `awslab --lang en ARGS` as `lab`'s account, with the AWS calls it made.
fn awslab(lab: &Lab, args: &[&str]) -> (Run, Vec<String>) {
    let dir = TempDir::new();
    let calls = dir.0.join("calls");
    let run = lab
        .account
        .awslab()
        .env("AWSLAB_RECORD_CALLS", &calls)
        .args(["--lang", "en"])
        .args(args)
        .run();
    (run, calls_in(&calls))
}

// ---------------------------------------------------------------------------------------------
// The access record

#[tokio::test]
async fn a_busy_stream_does_not_hide_the_record_sent_last() {
    let lab = Lab::configured().await;
    // More scanner records than one page of events, all before the student's request.
    lab.put_scanner_records(12_000).await;
    lab.deliver_access_record("ACCEPT").await;
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("traffic.record"), "pass", "{v:#}");
    assert_eq!(run.code(), 0, "{}", run.stderr());
    assert!(
        v.check("traffic.record")["resource"]
            .as_str()
            .unwrap_or("")
            .contains("ACCEPT")
    );
}

#[tokio::test]
async fn a_busy_stream_without_the_record_is_still_waiting() {
    let lab = Lab::configured().await;
    lab.put_scanner_records(3_000).await;
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("traffic.record"), "pending", "{v:#}");
    assert_eq!(run.code(), 3);
}

#[tokio::test]
async fn a_broken_trust_policy_says_no_record_can_come_instead_of_waiting() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec::default()).await;

    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(run.code(), 1, "{v:#}");
    assert_eq!(v.step_status("trust"), "fail");
    // The flow log itself is right; what it delivers through is not.
    assert_eq!(v.step_status("flow-log"), "pass", "{v:#}");
    assert_eq!(v.step_status("traffic"), "skip", "{v:#}");
    let blocked = v.message("traffic.blocked");
    assert!(blocked.contains("trust"), "{blocked}");
    assert!(
        blocked.contains("Waiting longer will not help"),
        "{blocked}"
    );
    assert_eq!(v.check_status("traffic.record"), "skip");
}

// ---------------------------------------------------------------------------------------------
// run --auto never touches a flow log that is not the lab's

#[tokio::test(flavor = "multi_thread")]
async fn auto_run_leaves_other_flow_logs_on_the_vpc_alone() {
    let sandbox = Sandbox::up();
    let lab = sandbox.lab();
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    // Someone's S3 flow log and an unnamed, untagged one to the lab's log group.
    lab.create_s3_flow_log_named(None).await;
    let unnamed = lab
        .create_flow_log(FlowLogSpec {
            name: None,
            ..FlowLogSpec::default()
        })
        .await;
    let before = lab.flow_log_ids().await;

    let dir = TempDir::new();
    let calls = dir.0.join("calls");
    let run = sandbox
        .cmd()
        .env("AWSLAB_RECORD_CALLS", &calls)
        .args(["--sandbox", "--lang", "en", "run", "--auto"])
        .run();
    let calls = calls_in(&calls);
    let out = run.stdout();
    assert_eq!(run.code(), 1, "the flow log step cannot be finished: {out}");
    assert!(
        writes(&calls).is_empty(),
        "nothing is written without --yes: {calls:?}\n{out}"
    );
    assert_eq!(
        lab.flow_log_ids().await,
        before,
        "no flow log deleted or added"
    );
    assert!(
        lab.flow_log_tags(&unnamed).await.is_empty(),
        "the unnamed flow log is not renamed"
    );
    assert!(out.contains(&unnamed), "the question names it: {out}");
    let v = sandbox.verify();
    let msg = v.message("flow-log.exists");
    assert!(
        msg.contains(&unnamed) && msg.contains("has no name"),
        "{msg}"
    );
}

// ---------------------------------------------------------------------------------------------
// cleanup keeps what anything else relies on

/// The lab as `run --auto` builds it: every resource tagged.
async fn built_by_awslab(lab: &Lab) {
    lab.apply_steps(usize::MAX).await;
}

fn resources(out: &Value) -> Vec<&Value> {
    out["resources"]
        .as_array()
        .map(|r| r.iter().collect())
        .unwrap_or_default()
}

fn resource<'a>(out: &'a Value, kind: &str) -> &'a Value {
    resources(out)
        .into_iter()
        .find(|r| r["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind} in {out:#}"))
}

#[tokio::test]
async fn cleanup_keeps_the_role_and_log_group_other_flow_logs_use() {
    let lab = Lab::new().await;
    built_by_awslab(&lab).await;
    lab.create_s3_flow_log_named(None).await;
    let other = lab.create_subnet_flow_log(GROUP, ROLE).await;

    let (run, calls) = awslab(&lab, &["cleanup", "--yes", "--format", "json"]);
    let out = run.json();
    assert_eq!(run.code(), 1, "something is left: {out:#}");
    assert_eq!(resource(&out, "flow-log")["result"], "deleted", "{out:#}");
    let role = resource(&out, "role");
    assert_eq!(role["result"], "kept", "{out:#}");
    assert!(
        role["note"].as_str().unwrap_or("").contains(&other),
        "{role:#}"
    );
    let group = resource(&out, "log-group");
    assert_eq!(group["result"], "kept", "{out:#}");
    assert!(
        group["note"].as_str().unwrap_or("").contains(&other),
        "{group:#}"
    );
    assert_eq!(resource(&out, "policy")["result"], "kept", "{out:#}");
    assert!(
        resources(&out)
            .iter()
            .all(|r| r["resource"] != other.as_str()),
        "the other flow log is not even planned: {out:#}"
    );
    let writes = writes(&calls);
    assert_eq!(writes, ["ec2:DeleteFlowLogs"], "{writes:?}");
    assert_eq!(
        lab.flow_log_ids().await.len(),
        2,
        "the S3 and subnet flow logs stay"
    );
}

#[tokio::test]
async fn cleanup_asks_about_a_tagged_flow_log_renamed_since_and_keeps_it_without_a_terminal() {
    let lab = Lab::new().await;
    built_by_awslab(&lab).await;
    let ids = lab.flow_log_ids().await;
    let id = ids.first().cloned().unwrap_or_default();
    lab.ec2
        .create_tags()
        .resources(&id)
        .tags(
            aws_sdk_ec2::types::Tag::builder()
                .key("Name")
                .value("someone-elses")
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-tags: {e:?}"));

    for extra in [&[][..], &["--include-untagged"][..]] {
        let mut args = vec!["cleanup", "--yes", "--format", "json"];
        args.extend_from_slice(extra);
        let (run, calls) = awslab(&lab, &args);
        let out = run.json();
        let fl = resource(&out, "flow-log");
        assert_eq!(fl["tagged"], true);
        assert_eq!(fl["named"], false);
        assert_eq!(fl["result"], "kept", "{extra:?}: {out:#}");
        assert!(
            fl["note"].as_str().unwrap_or("").contains("renamed"),
            "{fl:#}"
        );
        // The role it delivers through must wait for it.
        assert_eq!(resource(&out, "role")["result"], "kept", "{out:#}");
        assert!(
            !writes(&calls).iter().any(|w| w == "ec2:DeleteFlowLogs"),
            "{calls:?}"
        );
    }
    assert_eq!(lab.flow_log_ids().await, ids);
}

#[tokio::test]
async fn cleanup_keeps_a_role_with_an_inline_policy_or_a_wider_trust() {
    for case in ["inline", "trust"] {
        let lab = Lab::new().await;
        built_by_awslab(&lab).await;
        match case {
            "inline" => {
                lab.put_inline(ROLE, "team-extra", &flow_policy()).await;
            }
            _ => {
                let wider = trust_policy().replace(
                    "\"vpc-flow-logs.amazonaws.com\"",
                    "[\"vpc-flow-logs.amazonaws.com\", \"ec2.amazonaws.com\"]",
                );
                lab.iam
                    .update_assume_role_policy()
                    .role_name(ROLE)
                    .policy_document(wider)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("update-assume-role-policy: {e:?}"));
            }
        }
        let (run, calls) = awslab(&lab, &["cleanup", "--yes", "--format", "json"]);
        let out = run.json();
        let role = resource(&out, "role");
        assert_eq!(role["action"], "keep", "{case}: {out:#}");
        let note = role["note"].as_str().unwrap_or("");
        let expected = if case == "inline" {
            "team-extra"
        } else {
            "ec2.amazonaws.com"
        };
        assert!(note.contains(expected), "{case}: {note}");
        assert!(
            !writes(&calls)
                .iter()
                .any(|w| w.starts_with("iam:Delete") || w == "iam:DetachRolePolicy"),
            "{case}: {calls:?}"
        );
    }
}

#[tokio::test]
async fn a_policy_attached_after_the_plan_keeps_its_versions() {
    let lab = Lab::new().await;
    built_by_awslab(&lab).await;
    // A second version, so the policy has history to lose.
    lab.new_default_version(POLICY, &flow_policy()).await;
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let plan = awslab::steps::cleanup_plan(&aws.fresh(), &lesson.lab)
        .await
        .unwrap_or_else(|e| panic!("plan: {e}"));
    let policy = plan
        .iter()
        .find(|r| matches!(r.target, Target::Policy { .. }))
        .expect("the policy is planned");
    assert!(matches!(&policy.target, Target::Policy { versions, .. } if versions.len() == 1));

    // Between the plan and the deletion, someone attaches it to another role.
    lab.create_role("someone-elses-role", &trust_policy()).await;
    lab.attach("someone-elses-role", POLICY).await;
    let result = awslab::steps::remove(&aws.fresh(), policy).await;
    let err = result.expect_err("the deletion is refused");
    assert!(err.to_string().contains("someone-elses-role"), "{err}");
    let versions = lab
        .iam
        .list_policy_versions()
        .policy_arn(lab.policy_arn(POLICY))
        .send()
        .await
        .expect("list-policy-versions");
    assert_eq!(versions.versions().len(), 2, "no version was deleted");
}

// ---------------------------------------------------------------------------------------------
// IAM as AWS evaluates it, for the requests the Flow Logs service really makes

/// The course's policy with a condition block added to its statement.
fn flow_policy_with(condition: &str) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogGroups", "logs:DescribeLogStreams"], "Resource": "*", "Condition": {condition}}}]}}"#
    )
}

/// Steps 1 to 5 as the course says, but with `policy` as the policy's document.
async fn configured_with_policy(policy: &str) -> Lab {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, policy).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec::default()).await;
    lab
}

#[tokio::test]
async fn conditions_are_judged_against_the_delivery_request() {
    // (condition, policy step status): each decided as AWS would for the delivery calls, made
    // in the lab's region, now, over TLS.
    let cases = [
        (
            r#"{"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}"#.to_string(),
            "fail",
        ),
        (
            format!(r#"{{"StringEqualsIfExists": {{"aws:RequestedRegion": "{REGION}"}}}}"#),
            "pass",
        ),
        (
            r#"{"DateLessThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}"#.to_string(),
            "fail",
        ),
        (
            r#"{"DateLessThan": {"aws:CurrentTime": "2099-01-01T00:00:00Z"}}"#.to_string(),
            "pass",
        ),
        (
            r#"{"Bool": {"aws:SecureTransport": "true"}}"#.to_string(),
            "pass",
        ),
        // The service's calls come from AWS's own network: awslab cannot know the address,
        // and what it cannot decide does not earn the step.
        (
            r#"{"IpAddress": {"aws:SourceIp": "121.134.0.0/16"}}"#.to_string(),
            "fail",
        ),
        // Never from a documentation range, though: that is decided.
        (
            r#"{"IpAddress": {"aws:SourceIp": "203.0.113.0/24"}}"#.to_string(),
            "fail",
        ),
    ];
    for (condition, expected) in cases {
        let lab = configured_with_policy(&flow_policy_with(&condition)).await;
        let (_, v) = lab.account.awslab().verify_json();
        assert_eq!(
            v.check_status("policy.actions"),
            expected,
            "{condition}: {v:#}"
        );
        if condition.contains("121.134.") {
            let msg = v.message("policy.actions");
            assert!(
                msg.contains("aws:SourceIp") && msg.contains("statement 1"),
                "the message names the statement and the condition: {msg}"
            );
            assert_eq!(v.step("policy")["earned"], 0);
        }
    }
}

#[tokio::test]
async fn not_action_allows_everything_else() {
    let lab = configured_with_policy(
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*"}]}"#,
    )
    .await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "pass", "{v:#}");
    assert_eq!(v.step_status("role"), "pass", "{v:#}");
}

#[tokio::test]
async fn a_permissions_boundary_without_logs_blocks_the_role() {
    let lab = Lab::configured().await;
    lab.create_policy(
        "ec2-only-boundary",
        r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ec2:*", "Resource": "*"}]}"#,
    )
    .await;
    lab.iam
        .put_role_permissions_boundary()
        .role_name(ROLE)
        .permissions_boundary(lab.policy_arn("ec2-only-boundary"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("put-role-permissions-boundary: {e:?}"));
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(
        v.check_status("policy.actions"),
        "pass",
        "the policy itself is right"
    );
    assert_eq!(v.check_status("role.effective"), "fail", "{v:#}");
    let msg = v.message("role.effective");
    assert!(
        msg.contains("ec2-only-boundary") && msg.contains("logs:PutLogEvents"),
        "{msg}"
    );
    assert_eq!(v.step("role")["earned"], 0);
}

#[tokio::test]
async fn an_inline_conditional_deny_on_the_role_is_weighed() {
    // A Deny whose condition is false for the delivery calls (they use TLS) does not apply;
    // one awslab cannot decide counts as denying.
    let cases = [
        (r#"{"Bool": {"aws:SecureTransport": "false"}}"#, "pass"),
        (
            r#"{"NotIpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
            "fail",
        ),
    ];
    for (condition, expected) in cases {
        let lab = Lab::configured().await;
        lab.put_inline(
            ROLE,
            "guard",
            &format!(
                r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "Guard", "Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*", "Condition": {condition}}}]}}"#
            ),
        )
        .await;
        let (_, v) = lab.account.awslab().verify_json();
        assert_eq!(v.step_status("role"), expected, "{condition}: {v:#}");
        if expected == "fail" {
            // The service never calls from 10.0.0.0/8: the Deny applies, decidedly.
            let msg = v.message("role.effective");
            assert!(
                msg.contains("Sid Guard") && msg.contains("denied by"),
                "{msg}"
            );
        }
    }
}

#[tokio::test]
async fn an_arn_like_source_arn_with_a_missing_segment_never_matches() {
    let lab = Lab::configured().await;
    let account = lab.account.id.clone();
    let trust = |pattern: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Principal": {{"Service": "vpc-flow-logs.amazonaws.com"}}, "Action": "sts:AssumeRole", "Condition": {{"ArnLike": {{"aws:SourceArn": "{pattern}"}}}}}}]}}"#
        )
    };
    for (pattern, expected) in [
        // The account segment is missing: six segments are needed, so nothing matches.
        (format!("arn:aws:ec2:{REGION}:vpc-flow-log/*"), "fail"),
        (
            format!("arn:aws:ec2:{REGION}:{account}:vpc-flow-log/*"),
            "pass",
        ),
    ] {
        lab.iam
            .update_assume_role_policy()
            .role_name(ROLE)
            .policy_document(trust(&pattern))
            .send()
            .await
            .unwrap_or_else(|e| panic!("update-assume-role-policy: {e:?}"));
        let (_, v) = lab.account.awslab().verify_json();
        assert_eq!(v.step_status("trust"), expected, "{pattern}: {v:#}");
    }
}

#[tokio::test]
async fn a_role_and_a_policy_with_paths_pass() {
    let lab = Lab::new().await;
    let policy = lab
        .iam
        .create_policy()
        .policy_name(POLICY)
        .path("/course/")
        .policy_document(flow_policy())
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-policy: {e:?}"));
    let policy_arn = policy
        .policy()
        .and_then(|p| p.arn())
        .unwrap_or_default()
        .to_string();
    assert!(policy_arn.contains("/course/"), "{policy_arn}");
    lab.iam
        .create_role()
        .role_name(ROLE)
        .path("/lab/")
        .assume_role_policy_document(trust_policy())
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-role: {e:?}"));
    lab.iam
        .attach_role_policy()
        .role_name(ROLE)
        .policy_arn(&policy_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("attach-role-policy: {e:?}"));
    lab.create_log_group(GROUP).await;
    lab.ec2
        .create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&lab.pre.vpc_id)
        .traffic_type(aws_sdk_ec2::types::TrafficType::All)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::CloudWatchLogs)
        .log_group_name(GROUP)
        .deliver_logs_permission_arn(format!("arn:aws:iam::{}:role/lab/{ROLE}", lab.account.id))
        .tag_specifications(
            aws_sdk_ec2::types::TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::VpcFlowLog)
                .tags(
                    aws_sdk_ec2::types::Tag::builder()
                        .key("Name")
                        .value(FLOW_LOG)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-flow-logs: {e:?}"));
    lab.deliver_access_record("ACCEPT").await;
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(v.status(), "pass", "{v:#}");
    assert_eq!(run.code(), 0);
}

#[tokio::test]
async fn apply_attaches_a_policy_made_with_a_path_by_its_own_arn() {
    let lab = Lab::new().await;
    lab.iam
        .create_policy()
        .policy_name(POLICY)
        .path("/course/")
        .policy_document(flow_policy())
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-policy: {e:?}"));
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let role = lesson.step("role").expect("a role step");
    let asked = role
        .spec
        .apply(&aws, &lesson.lab, &Consent::none())
        .await
        .unwrap_or_else(|e| panic!("apply role: {e}"));
    // The policy was made by hand, not by awslab: attaching it is asked about first.
    let changes = role
        .spec
        .apply(&aws, &lesson.lab, &Consent::to(&asked))
        .await
        .unwrap_or_else(|e| panic!("apply role: {e}"));
    assert!(
        changes
            .iter()
            .any(|c| c.cli.contains("policy/course/my-flowpolicy")),
        "{changes:?}"
    );
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.step_status("role"), "pass", "{v:#}");
}

// ---------------------------------------------------------------------------------------------
// A destructive change only for the resource shown and agreed to

/// The wizard from the flow log step on `lab`'s account, with scripted answers; its transcript
/// and the questions it asked.
async fn wizard_at_flow_log(lab: &Lab, answers: Vec<Answer>) -> (String, Vec<String>) {
    let mut prompt = Scripted::new(answers);
    let opts = crate::common::wizard::options(Some("flow-log"), Duration::from_secs(1));
    let (_, out) = crate::common::wizard::run(lab, None, &mut prompt, opts).await;
    (out, prompt.asked)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_wizard_names_an_unnamed_flow_log_only_when_asked_about_that_one() {
    for agree in [false, true] {
        let lab = Lab::new().await;
        lab.create_policy(POLICY, &flow_policy()).await;
        lab.create_role(ROLE, &trust_policy()).await;
        lab.attach(ROLE, POLICY).await;
        lab.create_log_group(GROUP).await;
        let id = lab
            .create_flow_log(FlowLogSpec {
                name: None,
                ..FlowLogSpec::default()
            })
            .await;
        let (out, asked) = wizard_at_flow_log(
            &lab,
            vec![
                Answer::Choose(Choice::DoIt),
                Answer::Confirm(agree),
                Answer::Choose(Choice::Quit),
            ],
        )
        .await;
        let question = asked
            .iter()
            .find(|q| q.contains(&id))
            .unwrap_or_else(|| panic!("no question names {id}: {asked:?}\n{out}"));
        assert!(question.contains(FLOW_LOG), "{question}");
        let tags = lab.flow_log_tags(&id).await;
        let named = tags.iter().any(|(k, v)| k == "Name" && v == FLOW_LOG);
        assert_eq!(named, agree, "agreed {agree}: {tags:?}\n{out}");
        assert_eq!(
            lab.flow_log_ids().await,
            std::slice::from_ref(&id),
            "nothing created or deleted"
        );
    }
}

#[tokio::test]
async fn consent_to_one_flow_log_does_not_replace_another_found_later() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    let wrong = || FlowLogSpec {
        traffic: aws_sdk_ec2::types::TrafficType::Reject,
        ..FlowLogSpec::default()
    };
    let first = lab.create_flow_log(wrong()).await;
    let lesson = lesson();
    let aws = Aws::from_sdk(lab.account.sdk.clone());
    let step = lesson.step("flow-log").expect("a flow log step");
    let shown = step
        .spec
        .apply(&aws, &lesson.lab, &Consent::none())
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].resource.as_deref(), Some(first.as_str()));

    // Before the student answers, the flow log is replaced by hand with another wrong one.
    lab.ec2
        .delete_flow_logs()
        .flow_log_ids(&first)
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete-flow-logs: {e:?}"));
    let second = lab.create_flow_log(wrong()).await;

    let done = step
        .spec
        .apply(&aws, &lesson.lab, &Consent::to(&shown))
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    assert_eq!(done.len(), 1, "{done:?}");
    assert!(done[0].destructive, "only asked again, not done: {done:?}");
    assert_eq!(done[0].resource.as_deref(), Some(second.as_str()));
    assert_eq!(
        lab.flow_log_ids().await,
        [second],
        "the new one is untouched"
    );
}
