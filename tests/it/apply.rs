//! `apply` of every step kind against moto, through the library: an empty account converges to
//! a configured lab, a second run changes nothing, a half-done and partly wrong lab converges
//! (the flow log's re-creation, and changes to IAM resources awslab did not make, only once
//! confirmed), and a policy at IAM's version limit still gets its new default version. Each state is judged by the same engine `verify` uses.

use crate::common::REGION;
use crate::common::student::*;
use aws_sdk_ec2::types::{Filter, TrafficType};
use awslab::aws::{Aws, LESSON_TAG};
use awslab::engine::{self, Verdict};
use awslab::finding::Status;
use awslab::i18n::Lang;
use awslab::lesson::{Lesson, Source};
use awslab::steps::{Change, Consent};

fn lesson() -> Lesson {
    lesson_with(&[])
}

fn lesson_with(overrides: &[(String, String)]) -> Lesson {
    Lesson::load(&Source::Embedded, "vpc-flow-logs", overrides)
        .unwrap_or_else(|e| panic!("lesson: {e}"))
}

fn aws_of(lab: &Lab) -> Aws {
    Aws::from_sdk(lab.account.sdk.clone())
}

/// Applies one step by id.
async fn apply(aws: &Aws, lesson: &Lesson, step: &str, confirm: bool) -> Vec<Change> {
    let spec = &lesson
        .step(step)
        .unwrap_or_else(|| panic!("no step {step}"))
        .spec;
    let proposed = spec
        .apply(aws, &lesson.lab, &Consent::none())
        .await
        .unwrap_or_else(|e| panic!("apply {step}: {e}"));
    if !confirm || !proposed.iter().any(|c| c.destructive) {
        return proposed;
    }
    // As the wizard does: agree to exactly the destructive changes shown, by resource.
    spec.apply(aws, &lesson.lab, &Consent::to(&proposed))
        .await
        .unwrap_or_else(|e| panic!("apply {step} with consent: {e}"))
}

/// Applies every step in the lesson's order, as the wizard will; the changes per step id.
async fn apply_all(aws: &Aws, lesson: &Lesson, confirm: bool) -> Vec<(String, Vec<Change>)> {
    let mut out = Vec::new();
    for step in &lesson.steps {
        out.push((step.id.clone(), apply(aws, lesson, &step.id, confirm).await));
    }
    out
}

/// A verdict read with nothing remembered from before the writes.
async fn verdict(aws: &Aws, lesson: &Lesson) -> Verdict {
    engine::verify(&aws.fresh(), lesson).await
}

fn status(v: &Verdict, step: &str) -> Status {
    v.steps
        .iter()
        .find(|s| s.id == step)
        .map(|s| s.status)
        .unwrap_or_else(|| panic!("no step {step} in the verdict"))
}

fn explain(v: &Verdict) -> String {
    v.steps
        .iter()
        .flat_map(|s| s.findings.iter())
        .map(|f| format!("{} {:?}: {}", f.id, f.status, f.message.render(Lang::En)))
        .collect::<Vec<_>>()
        .join("\n")
}

fn describe(changes: &[Change]) -> String {
    changes
        .iter()
        .map(|c| {
            format!(
                "{}{} | {}",
                if c.destructive { "[destructive] " } else { "" },
                c.description.render(Lang::En),
                c.cli
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn changes_of<'a>(all: &'a [(String, Vec<Change>)], step: &str) -> &'a [Change] {
    all.iter()
        .find(|(id, _)| id == step)
        .map(|(_, c)| c.as_slice())
        .unwrap_or_else(|| panic!("no step {step}"))
}

fn has_lesson_tag<K: AsRef<str>, V: AsRef<str>>(tags: impl IntoIterator<Item = (K, V)>) -> bool {
    tags.into_iter()
        .any(|(k, v)| k.as_ref() == LESSON_TAG && v.as_ref() == "vpc-flow-logs")
}

async fn flow_logs(lab: &Lab) -> Vec<aws_sdk_ec2::types::FlowLog> {
    lab.ec2
        .describe_flow_logs()
        .filter(
            Filter::builder()
                .name("resource-id")
                .values(&lab.pre.vpc_id)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe-flow-logs: {e:?}"))
        .flow_logs()
        .to_vec()
}

async fn policy_versions(lab: &Lab) -> Vec<(String, bool)> {
    let mut out: Vec<(String, bool)> = lab
        .iam
        .list_policy_versions()
        .policy_arn(lab.policy_arn(POLICY))
        .send()
        .await
        .unwrap_or_else(|e| panic!("list-policy-versions: {e:?}"))
        .versions()
        .iter()
        .map(|v| {
            (
                v.version_id().unwrap_or_default().to_string(),
                v.is_default_version(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The course's policy without logs:PutLogEvents: the flow log is created, nothing arrives.
fn policy_without_put_log_events() -> String {
    flow_policy().replace("\"logs:PutLogEvents\",", "")
}

// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn empty_account_converges_and_everything_created_carries_the_lesson_tag() {
    let lab = Lab::new().await;
    let lesson = lesson();
    let aws = aws_of(&lab);

    let before = verdict(&aws, &lesson).await;
    assert_eq!(
        status(&before, "policy"),
        Status::Fail,
        "{}",
        explain(&before)
    );

    let all = apply_all(&aws, &lesson, false).await;
    for (step, changes) in &all {
        if step == "traffic" {
            assert!(changes.is_empty(), "traffic is the student's to do");
        } else if step != "trust" {
            assert!(
                !changes.is_empty(),
                "{step} made no change on an empty account"
            );
        }
        assert!(
            changes.iter().all(|c| !c.destructive),
            "{step} on an empty account needs nothing destructive:\n{}",
            describe(changes)
        );
    }
    // Creating the role also attaches the policy, with the trust policy the lesson hands out.
    let role = changes_of(&all, "role");
    assert_eq!(role.len(), 2, "{}", describe(role));
    assert!(
        role[0].cli.contains(
            "--assume-role-policy-document file://awslab-vpc-flow-logs/trust-policy.json"
        ),
        "{}",
        role[0].cli
    );
    assert!(
        role[1]
            .cli
            .contains(&format!("--policy-arn {}", lab.policy_arn(POLICY))),
        "{}",
        role[1].cli
    );
    assert!(
        changes_of(&all, "trust").is_empty(),
        "the role was created with the right trust policy"
    );
    let flow = changes_of(&all, "flow-log");
    assert!(
        flow[0].cli.contains(&lab.pre.vpc_id)
            && flow[0].cli.contains(&lab.role_arn(ROLE))
            && flow[0].cli.contains("--max-aggregation-interval 60")
            && flow[0]
                .cli
                .contains("Key=awslab:lesson,Value=vpc-flow-logs"),
        "{}",
        flow[0].cli
    );

    let after = verdict(&aws, &lesson).await;
    for step in ["policy", "role", "trust", "log-group", "flow-log"] {
        assert!(
            status(&after, step).is_done(),
            "{step} is {:?} after apply:\n{}",
            status(&after, step),
            explain(&after)
        );
    }
    assert_eq!(status(&after, "traffic"), Status::Pending);
    assert_eq!(after.status, Status::Pending, "{}", explain(&after));
    assert_eq!(after.earned, 80);

    // Cleanup will find awslab's resources by the lesson tag.
    let policy_tags = lab
        .iam
        .list_policy_tags()
        .policy_arn(lab.policy_arn(POLICY))
        .send()
        .await
        .unwrap_or_else(|e| panic!("list-policy-tags: {e:?}"));
    assert!(
        has_lesson_tag(policy_tags.tags().iter().map(|t| (t.key(), t.value()))),
        "policy tags: {:?}",
        policy_tags.tags()
    );
    let role_tags = lab
        .iam
        .list_role_tags()
        .role_name(ROLE)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list-role-tags: {e:?}"));
    assert!(
        has_lesson_tag(role_tags.tags().iter().map(|t| (t.key(), t.value()))),
        "role tags: {:?}",
        role_tags.tags()
    );
    let groups = lab
        .logs
        .describe_log_groups()
        .log_group_name_prefix(GROUP)
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe-log-groups: {e:?}"));
    let group_arn = groups
        .log_groups()
        .iter()
        .find(|g| g.log_group_name() == Some(GROUP))
        .and_then(|g| g.log_group_arn())
        .unwrap_or_else(|| panic!("no log group {GROUP}: {groups:?}"))
        .to_string();
    let group_tags = lab
        .logs
        .list_tags_for_resource()
        .resource_arn(&group_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("list-tags-for-resource: {e:?}"));
    assert!(
        has_lesson_tag(group_tags.tags().into_iter().flatten()),
        "log group tags: {:?}",
        group_tags.tags()
    );
    let logs = flow_logs(&lab).await;
    assert_eq!(logs.len(), 1, "{logs:?}");
    let tags: Vec<(&str, &str)> = logs[0]
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or(""), t.value().unwrap_or("")))
        .collect();
    assert!(
        has_lesson_tag(tags.iter().copied()),
        "flow log tags: {tags:?}"
    );
    assert!(
        tags.contains(&("Name", FLOW_LOG)),
        "flow log tags: {tags:?}"
    );
    assert_eq!(logs[0].max_aggregation_interval(), Some(60));
}

#[tokio::test]
async fn applying_again_changes_nothing() {
    let lab = Lab::new().await;
    let lesson = lesson();
    let aws = aws_of(&lab);
    apply_all(&aws, &lesson, true).await;

    let again = apply_all(&aws, &lesson, true).await;
    for (step, changes) in &again {
        assert!(
            changes.is_empty(),
            "{step} changed something on a configured lab:\n{}",
            describe(changes)
        );
    }
    assert_eq!(policy_versions(&lab).await, [("v1".to_string(), true)]);
    assert_eq!(flow_logs(&lab).await.len(), 1);
}

#[tokio::test]
async fn a_lab_the_student_configured_is_left_alone() {
    let lab = Lab::configured().await;
    let lesson = lesson();
    let aws = aws_of(&lab);
    let before: Vec<_> = flow_logs(&lab)
        .await
        .iter()
        .map(|f| f.flow_log_id().map(str::to_string))
        .collect();

    for (step, changes) in apply_all(&aws, &lesson, true).await {
        assert!(changes.is_empty(), "{step}:\n{}", describe(&changes));
    }
    let after: Vec<_> = flow_logs(&lab)
        .await
        .iter()
        .map(|f| f.flow_log_id().map(str::to_string))
        .collect();
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_half_done_and_partly_wrong_lab_converges_and_recreates_the_flow_log_only_when_confirmed()
{
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &policy_without_put_log_events())
        .await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    // Role not attached to the lab's policy: half done.
    lab.create_role("other-role", &trust_policy()).await;
    lab.create_log_group(GROUP).await;
    let wrong = lab
        .create_flow_log(FlowLogSpec {
            role: "other-role",
            ..FlowLogSpec::default()
        })
        .await;
    let lesson = lesson();
    let aws = aws_of(&lab);

    let before = verdict(&aws, &lesson).await;
    for step in ["policy", "role", "trust", "flow-log"] {
        assert_eq!(
            status(&before, step),
            Status::Fail,
            "{step}:\n{}",
            explain(&before)
        );
    }
    assert_eq!(status(&before, "log-group"), Status::Pass);

    let all = apply_all(&aws, &lesson, false).await;
    // Everything in IAM here was made by hand, not by awslab: each change is a question
    // (destructive, naming the resource), and nothing is written until it is agreed to.
    for step in ["policy", "role", "trust"] {
        let changes = changes_of(&all, step);
        assert!(
            changes.len() == 1 && changes[0].destructive && changes[0].resource.is_some(),
            "{step}:\n{}",
            describe(changes)
        );
    }
    let unagreed = verdict(&aws, &lesson).await;
    for step in ["policy", "role", "trust"] {
        assert_eq!(
            status(&unagreed, step),
            Status::Fail,
            "{step}:\n{}",
            explain(&unagreed)
        );
    }
    for step in ["policy", "role", "trust"] {
        let done = apply(&aws, &lesson, step, true).await;
        assert_eq!(done.len(), 1, "{step}:\n{}", describe(&done));
    }
    let policy = changes_of(&all, "policy");
    assert_eq!(policy.len(), 1, "{}", describe(policy));
    assert!(
        policy[0].cli.contains("create-policy-version")
            && policy[0].cli.contains("--set-as-default")
    );
    let role = changes_of(&all, "role");
    assert_eq!(
        role.len(),
        1,
        "only the attachment was missing:\n{}",
        describe(role)
    );
    assert!(
        role[0].cli.starts_with("aws iam attach-role-policy"),
        "{}",
        role[0].cli
    );
    let trust = changes_of(&all, "trust");
    assert_eq!(trust.len(), 1, "{}", describe(trust));
    assert!(
        trust[0].cli.contains("update-assume-role-policy"),
        "{}",
        trust[0].cli
    );
    assert!(changes_of(&all, "log-group").is_empty());
    let flow = changes_of(&all, "flow-log");
    assert_eq!(flow.len(), 1, "{}", describe(flow));
    assert!(flow[0].destructive, "{}", describe(flow));
    assert!(
        flow[0].cli.starts_with(&format!(
            "aws ec2 delete-flow-logs --flow-log-ids {wrong} --region {REGION} && aws ec2 create-flow-logs"
        )),
        "{}",
        flow[0].cli
    );
    let reasons = flow[0].description.render(Lang::En);
    assert!(
        reasons.contains("role") && reasons.contains(&wrong),
        "{reasons}"
    );

    // Unconfirmed: the wrong flow log is still there, untouched, and still judged wrong.
    let logs = flow_logs(&lab).await;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].flow_log_id(), Some(wrong.as_str()));
    assert_eq!(
        logs[0].deliver_logs_permission_arn(),
        Some(lab.role_arn("other-role").as_str())
    );
    let middle = verdict(&aws, &lesson).await;
    for step in ["policy", "role", "trust", "log-group"] {
        assert!(
            status(&middle, step).is_done(),
            "{step}:\n{}",
            explain(&middle)
        );
    }
    assert_eq!(
        status(&middle, "flow-log"),
        Status::Fail,
        "{}",
        explain(&middle)
    );
    // Asking again without confirmation proposes the same and still does nothing.
    let again = apply(&aws, &lesson, "flow-log", false).await;
    assert_eq!(again, flow);

    let confirmed = apply(&aws, &lesson, "flow-log", true).await;
    assert_eq!(confirmed.len(), 2, "{}", describe(&confirmed));
    assert!(confirmed[0].destructive && confirmed[0].cli.contains(&wrong));
    assert!(!confirmed[1].destructive && confirmed[1].cli.starts_with("aws ec2 create-flow-logs"));

    let logs = flow_logs(&lab).await;
    assert_eq!(logs.len(), 1, "{logs:?}");
    assert_ne!(logs[0].flow_log_id(), Some(wrong.as_str()));
    assert_eq!(
        logs[0].deliver_logs_permission_arn(),
        Some(lab.role_arn(ROLE).as_str())
    );
    let after = verdict(&aws, &lesson).await;
    for step in ["policy", "role", "trust", "log-group", "flow-log"] {
        assert!(
            status(&after, step).is_done(),
            "{step}:\n{}",
            explain(&after)
        );
    }
    assert_eq!(after.status, Status::Pending, "{}", explain(&after));

    for (step, changes) in apply_all(&aws, &lesson, true).await {
        assert!(
            changes.is_empty(),
            "{step} after converging:\n{}",
            describe(&changes)
        );
    }
}

#[tokio::test]
async fn a_flow_log_with_the_wrong_traffic_type_is_recreated_when_confirmed() {
    let lab = Lab::configured().await;
    // Replace the right one with a REJECT-only one: the lab's accepted request never shows.
    let right = flow_logs(&lab).await;
    lab.ec2
        .delete_flow_logs()
        .flow_log_ids(right[0].flow_log_id().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("delete-flow-logs: {e:?}"));
    lab.create_flow_log(FlowLogSpec {
        traffic: TrafficType::Reject,
        ..FlowLogSpec::default()
    })
    .await;
    let lesson = lesson();
    let aws = aws_of(&lab);

    let proposed = apply(&aws, &lesson, "flow-log", false).await;
    assert!(
        proposed.len() == 1 && proposed[0].destructive,
        "{}",
        describe(&proposed)
    );
    assert!(
        proposed[0]
            .description
            .render(Lang::En)
            .contains("traffic-type")
    );
    assert_eq!(
        flow_logs(&lab).await[0].traffic_type(),
        Some(&TrafficType::Reject)
    );

    apply(&aws, &lesson, "flow-log", true).await;
    let logs = flow_logs(&lab).await;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].traffic_type(), Some(&TrafficType::All));
    let after = verdict(&aws, &lesson).await;
    assert_eq!(
        status(&after, "flow-log"),
        Status::Pass,
        "{}",
        explain(&after)
    );
}

#[tokio::test]
async fn a_flow_log_without_a_name_is_named_only_with_consent_never_recreated() {
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
    let lesson = lesson();
    let aws = aws_of(&lab);

    // Not provably the lab's: a question naming it, and no write.
    let proposed = apply(&aws, &lesson, "flow-log", false).await;
    assert_eq!(proposed.len(), 1, "{}", describe(&proposed));
    assert!(proposed[0].destructive);
    assert_eq!(proposed[0].resource.as_deref(), Some(id.as_str()));
    assert!(flow_logs(&lab).await[0].tags().is_empty());

    let changes = apply(&aws, &lesson, "flow-log", true).await;
    assert_eq!(changes.len(), 1, "{}", describe(&changes));
    assert_eq!(
        changes[0].cli,
        format!(
            "aws ec2 create-tags --resources {id} --tags Key=Name,Value={FLOW_LOG} --region {REGION}"
        )
    );
    let logs = flow_logs(&lab).await;
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].flow_log_id(), Some(id.as_str()));
    assert!(
        logs[0]
            .tags()
            .iter()
            .any(|t| t.key() == Some("Name") && t.value() == Some(FLOW_LOG)),
        "{:?}",
        logs[0].tags()
    );
    let after = verdict(&aws, &lesson).await;
    assert_eq!(
        status(&after, "flow-log"),
        Status::Pass,
        "{}",
        explain(&after)
    );
    assert!(apply(&aws, &lesson, "flow-log", false).await.is_empty());
}

#[tokio::test]
async fn a_policy_at_the_version_limit_gives_up_its_oldest_version_not_in_force() {
    let lab = Lab::new().await;
    let bad = policy_without_put_log_events();
    lab.create_policy(POLICY, &bad).await;
    // v1..v5, with v3 in force: v1 is the oldest not in force, v3 must survive.
    for n in 2..=5 {
        lab.iam
            .create_policy_version()
            .policy_arn(lab.policy_arn(POLICY))
            .policy_document(&bad)
            .set_as_default(n == 3)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create-policy-version: {e:?}"));
    }
    let lesson = lesson();
    let aws = aws_of(&lab);

    // The policy was made by hand, not by awslab: its versions change only with consent.
    let asked = apply(&aws, &lesson, "policy", false).await;
    assert!(
        asked.len() == 1 && asked[0].destructive,
        "{}",
        describe(&asked)
    );
    assert_eq!(policy_versions(&lab).await.len(), 5);
    let changes = apply(&aws, &lesson, "policy", true).await;
    assert_eq!(changes.len(), 2, "{}", describe(&changes));
    assert!(
        changes[0].cli.contains("delete-policy-version")
            && changes[0].cli.contains("--version-id v1 "),
        "{}",
        changes[0].cli
    );
    assert!(
        changes[1].cli.contains("create-policy-version"),
        "{}",
        changes[1].cli
    );
    assert!(changes[1].description.render(Lang::En).contains("v6"));
    assert_eq!(
        policy_versions(&lab).await,
        [
            ("v2".to_string(), false),
            ("v3".to_string(), false),
            ("v4".to_string(), false),
            ("v5".to_string(), false),
            ("v6".to_string(), true),
        ]
    );
    let after = verdict(&aws, &lesson).await;
    // Done, with the course's `"Resource": "*"` warned about.
    assert!(status(&after, "policy").is_done(), "{}", explain(&after));
    assert!(apply(&aws, &lesson, "policy", false).await.is_empty());
}

#[tokio::test]
async fn a_missing_vpc_is_not_created() {
    let lab = Lab::new().await;
    let lesson = lesson_with(&[("vpc".to_string(), "NoSuchVpc".to_string())]);
    let aws = aws_of(&lab);
    let changes = apply(&aws, &lesson, "flow-log", true).await;
    assert!(changes.is_empty(), "{}", describe(&changes));
    let vpcs = lab
        .ec2
        .describe_vpcs()
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe-vpcs: {e:?}"));
    assert!(
        vpcs.vpcs()
            .iter()
            .all(|v| v.tags().iter().all(|t| t.value() != Some("NoSuchVpc"))),
        "apply created a VPC"
    );
    assert!(flow_logs(&lab).await.is_empty());
}
