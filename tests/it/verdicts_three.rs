//! Verdicts, round three: lab states a class showed, each judged as AWS would judge it, in
//! `verify` (both languages where the words matter): several flow logs with the lab's name, a
//! filter that leaves out the records a lesson needs, IAM keys that can be decided without their
//! value, the second lesson's steps proved out of order, one timeline across an ENI's streams, a
//! network ACL judged entry by entry, and a record that names another account.

use crate::common::student::*;
use crate::common::*;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use aws_sdk_ec2::types::{
    Filter, FlowLogsResourceType, IpPermission, IpRange, LogDestinationType, PortRange, RuleAction,
    TrafficType,
};
use serde_json::Value;

const LESSON2: &str = "flow-logs-troubleshooting";

fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// A default-format record of TCP from a client to the instance's port 80, its window ending
/// `ago` seconds before now.
fn record(lab: &Lab, action: &str, ago: i64) -> String {
    let end = now_secs() - ago;
    format!(
        "2 {} {} 198.51.100.7 {} 51234 80 6 5 420 {} {end} {action} OK",
        lab.account.id,
        lab.pre.eni_id,
        lab.pre.private_ip,
        end - 10
    )
}

/// Writes `line` into the ENI's stream `eni-…-{suffix}` of the lab's group, stamped `ago`
/// seconds before now (as the record's window ends).
async fn put(lab: &Lab, suffix: &str, line: &str, ago: i64) {
    let stream = format!("{}-{suffix}", lab.pre.eni_id);
    let _ = lab
        .logs
        .create_log_stream()
        .log_group_name(GROUP)
        .log_stream_name(&stream)
        .send()
        .await;
    lab.logs
        .put_log_events()
        .log_group_name(GROUP)
        .log_stream_name(&stream)
        .log_events(
            InputLogEvent::builder()
                .timestamp((now_secs() - ago) * 1000)
                .message(line)
                .build()
                .unwrap_or_else(|e| panic!("log event: {e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("put-log-events: {e:?}"));
}

/// `verify LESSON --format json` in `lang`: the exit code and the verdict.
fn verify(lab: &Lab, lesson: &str, lang: &str) -> (i32, Value) {
    let run = lab
        .account
        .awslab()
        .args(["--lang", lang, "verify", lesson, "--format", "json"])
        .run();
    (run.code(), run.json())
}

fn remediation(v: &Value, id: &str) -> String {
    v.check(id)["remediation"]
        .as_str()
        .unwrap_or("")
        .to_string()
}

fn commands(v: &Value, id: &str) -> String {
    v.check(id)["commands"]
        .as_array()
        .map(|c| {
            c.iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join("\n")
        })
        .unwrap_or_default()
}

/// Policy, role with its policy, and the log group, as the course says; no flow log yet.
async fn up_to_the_log_group(lab: &Lab) {
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
}

/// Port 80 of the lab's security group, taken away (`false`) or put back (`true`) by hand.
async fn port_80(lab: &Lab, open: bool) {
    let permission = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(80)
        .to_port(80)
        .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
        .build();
    if open {
        lab.ec2
            .authorize_security_group_ingress()
            .group_id(&lab.pre.security_group_id)
            .ip_permissions(permission)
            .send()
            .await
            .unwrap_or_else(|e| panic!("authorize: {e:?}"));
    } else {
        lab.ec2
            .revoke_security_group_ingress()
            .group_id(&lab.pre.security_group_id)
            .ip_permissions(permission)
            .send()
            .await
            .unwrap_or_else(|e| panic!("revoke: {e:?}"));
    }
}

/// The first lesson done, its ACCEPT record 50 s old (records older than the flow log are
/// not its own).
async fn first_lesson_done() -> Lab {
    let lab = Lab::configured().await;
    put(&lab, "all", &record(&lab, "ACCEPT", 50), 50).await;
    lab
}

#[tokio::test(flavor = "multi_thread")]
async fn of_two_flow_logs_with_the_lab_name_the_right_one_is_judged_in_either_order() {
    for right_first in [true, false] {
        let lab = Lab::new().await;
        up_to_the_log_group(&lab).await;
        lab.create_log_group("Old-Log").await;
        let leftover = FlowLogSpec {
            group: "Old-Log",
            traffic: TrafficType::Accept,
            ..FlowLogSpec::default()
        };
        let (right, old) = if right_first {
            let right = lab.create_flow_log(FlowLogSpec::default()).await;
            (right, lab.create_flow_log(leftover).await)
        } else {
            let old = lab.create_flow_log(leftover).await;
            (lab.create_flow_log(FlowLogSpec::default()).await, old)
        };
        let (_, v) = verify(&lab, "vpc-flow-logs", "en");
        assert_eq!(v.step_status("flow-log"), "pass", "{right_first}: {v:#}");
        assert_eq!(v.check("flow-log.exists")["resource"], right.as_str());
        assert_eq!(v.check_status("flow-log.others"), "tip");
        let note = v.message("flow-log.others");
        assert!(note.contains(&old) && note.contains(&right), "{note}");
        assert!(commands(&v, "flow-log.others").contains(&old));
        assert!(!commands(&v, "flow-log.others").contains(&right));
        // The wait for the record is not skipped behind a failed flow log.
        assert_eq!(v.step_status("traffic"), "pending", "{v:#}");
        assert_eq!(v.status(), "pending");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_accept_filter_fails_the_flow_log_and_is_named_in_the_second_lesson() {
    let lab = Lab::new().await;
    up_to_the_log_group(&lab).await;
    let id = lab
        .create_flow_log(FlowLogSpec {
            traffic: TrafficType::Accept,
            ..FlowLogSpec::default()
        })
        .await;
    put(&lab, "accept", &record(&lab, "ACCEPT", 50), 50).await;
    let (code, v) = verify(&lab, "vpc-flow-logs", "en");
    assert_eq!(code, 1);
    assert_eq!(v.check_status("flow-log.traffic-type"), "fail", "{v:#}");
    assert_eq!(v.step("flow-log")["earned"], 0);
    let fix = remediation(&v, "flow-log.traffic-type");
    assert!(fix.contains("Console") && fix.contains(&id), "{fix}");
    let cli = commands(&v, "flow-log.traffic-type");
    assert!(
        cli.contains(&format!("delete-flow-logs --flow-log-ids {id}"))
            && cli.contains("--traffic-type ALL"),
        "{cli}"
    );

    // The second lesson: the port closed, and no REJECT can ever arrive.
    port_80(&lab, false).await;
    for lang in ["en", "ko"] {
        let (code, v) = verify(&lab, LESSON2, lang);
        assert_eq!(v.step_status("close-port"), "pass", "{v:#}");
        assert_eq!(v.check_status("rejected.filter"), "fail", "{lang}: {v:#}");
        let msg = v.message("rejected.filter");
        assert!(msg.contains("ACCEPT") && msg.contains("REJECT"), "{msg}");
        assert!(commands(&v, "rejected.filter").contains("--traffic-type ALL"));
        assert_eq!(v.status(), "fail");
        assert_eq!(code, 1);
    }
}

/// The first lesson with an inline policy `guard` on the role; the role step's verdict.
async fn role_with_inline(guard: &str) -> Value {
    let lab = Lab::configured().await;
    lab.put_inline(
        ROLE,
        "guard",
        &format!(r#"{{"Version": "2012-10-17", "Statement": [{guard}]}}"#),
    )
    .await;
    verify(&lab, "vpc-flow-logs", "en").1
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_that_can_be_decided_are_decided() {
    // A Deny of sessions issued before a date long before the role was made never applies.
    let v = role_with_inline(
        r#"{"Sid": "OldSessions", "Effect": "Deny", "Action": "logs:*", "Resource": "*",
            "Condition": {"DateLessThan": {"aws:TokenIssueTime": "2001-01-01T00:00:00Z"}}}"#,
    )
    .await;
    assert_eq!(v.step_status("role"), "pass", "{v:#}");

    // Sessions issued after it: every one. A denial, said as one.
    let v = role_with_inline(
        r#"{"Sid": "NewSessions", "Effect": "Deny", "Action": "logs:*", "Resource": "*",
            "Condition": {"DateGreaterThan": {"aws:TokenIssueTime": "2001-01-01T00:00:00Z"}}}"#,
    )
    .await;
    assert_eq!(v.check_status("role.effective"), "fail", "{v:#}");
    let msg = v.message("role.effective");
    assert!(
        msg.contains("denied by guard, statement 1 (Sid NewSessions)"),
        "{msg}"
    );
    assert!(!msg.contains("cannot"), "decided, not undecidable: {msg}");

    // The source-IP guard: the service calls from AWS's own public addresses, never from the
    // office's documentation range; whether the key is there or not, the Deny applies.
    let v = role_with_inline(
        r#"{"Sid": "OfficeOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]},
                          "Bool": {"aws:ViaAWSService": "false"}}}"#,
    )
    .await;
    assert_eq!(v.check_status("role.effective"), "fail", "{v:#}");
    let msg = v.message("role.effective");
    assert!(
        msg.contains("Sid OfficeOnly") && !msg.contains("cannot"),
        "{msg}"
    );

    // A public range may hold the service's address: that alone is undecidable, and says so,
    // naming the key.
    let v = role_with_inline(
        r#"{"Sid": "Campus", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "121.134.0.0/16"}}}"#,
    )
    .await;
    let msg = v.message("role.effective");
    assert!(
        msg.contains("aws:SourceIp") && msg.contains("cannot"),
        "{msg}"
    );
}

/// The first lesson with the role's trust policy `trust`; the trust step's verdict.
async fn with_trust(trust: &str) -> Value {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, trust).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec::default()).await;
    verify(&lab, "vpc-flow-logs", "en").1
}

#[tokio::test(flavor = "multi_thread")]
async fn an_organisation_guard_denies_the_service_unless_services_are_exempt() {
    let allow = r#"{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}"#;
    let guard = |extra: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{allow}, {{"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {{"StringNotEquals": {{"aws:PrincipalOrgID": "o-abc123def4"}}{extra}}}}}]}}"#
        )
    };
    // A service principal belongs to no organisation: the guard shuts it out, decidedly.
    let v = with_trust(&guard("")).await;
    assert_eq!(v.check_status("trust.trusts-service"), "fail", "{v:#}");
    let msg = v.message("trust.trusts-service");
    assert!(
        msg.contains("denied by") && msg.contains("statement 2 (Sid OrgOnly)"),
        "{msg}"
    );
    assert!(!msg.contains("cannot"), "{msg}");
    // The usual exemption for AWS services lets it in.
    let v = with_trust(&guard(
        r#", "Bool": {"aws:PrincipalIsAWSService": "false"}"#,
    ))
    .await;
    assert_eq!(v.step_status("trust"), "pass", "{v:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_port_put_back_before_the_accept_arrived_is_pending_not_failed() {
    let lab = first_lesson_done().await;
    port_80(&lab, false).await;
    put(&lab, "all", &record(&lab, "REJECT", 30), 30).await;
    port_80(&lab, true).await;
    for lang in ["en", "ko"] {
        let (code, v) = verify(&lab, LESSON2, lang);
        assert_eq!(v.step_status("close-port"), "pass", "{lang}: {v:#}");
        assert_eq!(v.step_status("rejected"), "pass");
        assert_eq!(v.step_status("reopened"), "pending", "{v:#}");
        assert_eq!(v.status(), "pending");
        assert_eq!(v.earned(), 65);
        assert_eq!(code, 3);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn right_after_closing_nothing_says_open_the_port_again() {
    let lab = first_lesson_done().await;
    port_80(&lab, false).await;
    let (code, v) = verify(&lab, LESSON2, "en");
    assert_eq!(v.step_status("close-port"), "pass", "{v:#}");
    assert_eq!(v.step_status("rejected"), "pending");
    // reopened waits behind rejected: no advice to put the rule back.
    assert_eq!(v.step_status("reopened"), "skip", "{v:#}");
    let all = v.to_string();
    assert!(
        !all.contains("authorize-security-group-ingress"),
        "advice that undoes close-port: {v:#}"
    );
    assert_eq!(v.status(), "pending");
    assert_eq!(code, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unnamed_reject_only_flow_log_gets_every_finding_at_once_recreate_first() {
    let lab = Lab::new().await;
    up_to_the_log_group(&lab).await;
    let id = lab
        .create_flow_log(FlowLogSpec {
            traffic: TrafficType::Reject,
            name: None,
            ..FlowLogSpec::default()
        })
        .await;
    let (_, v) = verify(&lab, "vpc-flow-logs", "en");
    let checks = v.step("flow-log")["checks"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        checks[0]["id"], "flow-log.traffic-type",
        "recreating comes first: {v:#}"
    );
    assert_eq!(v.check_status("flow-log.exists"), "fail");
    assert!(
        v.message("flow-log.exists").contains(&id),
        "{}",
        v.message("flow-log.exists")
    );
    // No create-tags for a flow log that is to be deleted; the new one carries the name.
    let all = commands(&v, "flow-log.exists") + &commands(&v, "flow-log.traffic-type");
    assert!(!all.contains("create-tags"), "{all}");
    assert!(
        all.contains(&format!("delete-flow-logs --flow-log-ids {id}"))
            && all.contains("Key=Name,Value=my-flowlog"),
        "{all}"
    );
    // The traffic step says what is on the VPC instead of "no flow log".
    let traffic = v.message("traffic.record");
    assert!(
        traffic.contains(&id) && traffic.contains("REJECT"),
        "{traffic}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_records_of_an_eni_are_one_timeline_across_streams() {
    let lab = first_lesson_done().await;
    // A second, REJECT-only flow log on the instance's ENI into the same group.
    lab.ec2
        .create_flow_logs()
        .resource_type(FlowLogsResourceType::NetworkInterface)
        .resource_ids(&lab.pre.eni_id)
        .traffic_type(TrafficType::Reject)
        .log_destination_type(LogDestinationType::CloudWatchLogs)
        .log_group_name(GROUP)
        .deliver_logs_permission_arn(lab.role_arn(ROLE))
        .send()
        .await
        .unwrap_or_else(|e| panic!("create-flow-logs on the ENI: {e:?}"));
    port_80(&lab, false).await;
    let rejected = record(&lab, "REJECT", 30);
    put(&lab, "reject", &rejected, 30).await;
    put(&lab, "all", &rejected, 30).await;
    // The old ACCEPT comes before the REJECT: no "ACCEPT follows REJECT", and the port is
    // still closed.
    let (_, v) = verify(&lab, LESSON2, "en");
    assert_eq!(v.step_status("rejected"), "pass", "{v:#}");
    assert_eq!(v.step_status("reopened"), "fail", "{v:#}");
    assert_eq!(v.check_status("reopened.port"), "fail");
    assert!(v.earned() < 100);

    // Put back and answered: the ACCEPT in one stream follows the REJECT in the other.
    port_80(&lab, true).await;
    put(&lab, "all", &record(&lab, "ACCEPT", 10), 10).await;
    let (code, v) = verify(&lab, LESSON2, "en");
    assert_eq!(v.status(), "pass", "{v:#}");
    assert_eq!(code, 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_network_acl_closes_the_port_only_where_nobody_gets_in() {
    let lab = first_lesson_done().await;
    let acls = lab
        .ec2
        .describe_network_acls()
        .filters(
            Filter::builder()
                .name("association.subnet-id")
                .values(&lab.pre.subnet_id)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("describe-network-acls: {e:?}"));
    let acl = acls
        .network_acls()
        .first()
        .and_then(|a| a.network_acl_id())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("the subnet's network ACL"));
    let entry = |number: i32, allow: bool, cidr: &'static str| {
        let acl = acl.clone();
        let ec2 = lab.ec2.clone();
        async move {
            ec2.create_network_acl_entry()
                .network_acl_id(acl)
                .rule_number(number)
                .protocol("6")
                .rule_action(if allow {
                    RuleAction::Allow
                } else {
                    RuleAction::Deny
                })
                .egress(false)
                .cidr_block(cidr)
                .port_range(PortRange::builder().from(80).to(80).build())
                .send()
                .await
                .unwrap_or_else(|e| panic!("create-network-acl-entry: {e:?}"));
        }
    };
    // Some addresses allowed first, then port 80 denied to all: those addresses still get in.
    entry(40, true, "203.0.113.0/24").await;
    entry(50, false, "0.0.0.0/0").await;
    let (_, v) = verify(&lab, LESSON2, "en");
    assert_eq!(v.check_status("close-port.port"), "fail", "{v:#}");
    // Denied to all before anyone is allowed: closed.
    entry(30, false, "0.0.0.0/0").await;
    let (_, v) = verify(&lab, LESSON2, "en");
    assert_eq!(v.check_status("close-port.port"), "pass", "{v:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_port_closed_again_after_the_accept_no_longer_holds_reopened() {
    let lab = first_lesson_done().await;
    port_80(&lab, false).await;
    put(&lab, "all", &record(&lab, "REJECT", 30), 30).await;
    port_80(&lab, true).await;
    put(&lab, "all", &record(&lab, "ACCEPT", 10), 10).await;
    let (code, v) = verify(&lab, LESSON2, "en");
    assert_eq!((code, v.status()), (0, "pass"), "{v:#}");
    port_80(&lab, false).await;
    let (_, v) = verify(&lab, LESSON2, "en");
    assert_eq!(v.check_status("reopened.port"), "fail", "{v:#}");
    assert!(v.message("reopened.port").contains("closed again"));
    assert!(commands(&v, "reopened.port").contains("authorize-security-group-ingress"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_naming_another_account_or_eni_is_not_the_lab_s() {
    let lab = Lab::configured().await;
    let forged = record(&lab, "ACCEPT", 40)
        .replace(&lab.account.id, "999999999999")
        .replace(&lab.pre.eni_id, "eni-0123456789abcdef0");
    put(&lab, "all", &forged, 40).await;
    let (code, v) = verify(&lab, "vpc-flow-logs", "en");
    assert_eq!(v.step_status("traffic"), "pending", "{v:#}");
    assert_eq!(code, 3);
    // Only the ENI forged: still not the lab's.
    let other_eni = record(&lab, "ACCEPT", 30).replace(&lab.pre.eni_id, "eni-0123456789abcdef0");
    put(&lab, "all", &other_eni, 30).await;
    assert_eq!(
        verify(&lab, "vpc-flow-logs", "en").1.step_status("traffic"),
        "pending"
    );
    put(&lab, "all", &record(&lab, "ACCEPT", 20), 20).await;
    let (code, v) = verify(&lab, "vpc-flow-logs", "en");
    assert_eq!((code, v.status()), (0, "pass"), "{v:#}");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_role_s_tags_decide_principal_tag_conditions_on_delivery() {
    let lab = Lab::configured().await;
    lab.iam
        .tag_role()
        .role_name(ROLE)
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("course")
                .value("flowlogs")
                .build()
                .unwrap_or_else(|e| panic!("tag: {e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("tag-role: {e:?}"));
    let guard = |value: &str| {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "CourseOnly", "Effect": "Deny", "Action": "logs:*", "Resource": "*", "Condition": {{"StringNotEquals": {{"aws:PrincipalTag/course": "{value}"}}}}}}]}}"#
        )
    };
    lab.put_inline(ROLE, "guard", &guard("flowlogs")).await;
    let (_, v) = verify(&lab, "vpc-flow-logs", "en");
    assert_eq!(v.step_status("role"), "pass", "{v:#}");
    lab.put_inline(ROLE, "guard", &guard("other")).await;
    let (_, v) = verify(&lab, "vpc-flow-logs", "en");
    let msg = v.message("role.effective");
    assert!(
        msg.contains("Sid CourseOnly") && !msg.contains("cannot"),
        "{msg}"
    );
}
