//! `awslab verify` against moto: the solved lab, every way of getting a step wrong, setups that
//! are right but written differently, and the errors a user can run into.

use crate::common::student::*;
use crate::common::*;
use aws_sdk_ec2::types::TrafficType;

// ---------------------------------------------------------------------------------------------
// The three big states

#[tokio::test]
async fn a_lab_done_exactly_as_the_course_says_shows_no_warning() {
    // The course's documents, the console's default aggregation interval (10 minutes).
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    lab.ec2
        .create_flow_logs()
        .resource_type(aws_sdk_ec2::types::FlowLogsResourceType::Vpc)
        .resource_ids(&lab.pre.vpc_id)
        .traffic_type(TrafficType::All)
        .log_destination_type(aws_sdk_ec2::types::LogDestinationType::CloudWatchLogs)
        .log_group_name(GROUP)
        .deliver_logs_permission_arn(lab.role_arn(ROLE))
        .max_aggregation_interval(600)
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
    for lang in ["en", "ko"] {
        let (run, v) = lab.account.awslab().args(["--lang", lang]).verify_json();
        assert_eq!(run.code(), 0, "{v:#}");
        let statuses: Vec<String> = v["steps"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|s| s["checks"].as_array().into_iter().flatten())
            .map(|c| c["status"].as_str().unwrap_or("").to_string())
            .collect();
        assert!(!statuses.iter().any(|s| s == "warn"), "{v:#}");
        for step in [
            "policy",
            "role",
            "trust",
            "log-group",
            "flow-log",
            "traffic",
        ] {
            assert_eq!(v.step_status(step), "pass", "{step}: {v:#}");
        }
        // The advice is still there, as tips.
        assert!(
            statuses.iter().filter(|s| *s == "tip").count() >= 2,
            "{statuses:?}"
        );
    }
}

#[tokio::test]
async fn solved_lab_passes_with_full_score() {
    let lab = Lab::solved().await;
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(v.status(), "pass", "{v:#}");
    assert_eq!(run.code(), 0);
    assert_eq!(v.earned(), 100);
    assert_eq!(v["score"]["possible"], 100);
    assert_eq!(v["account"], lab.account.id.as_str());
    assert_eq!(v["region"], REGION);
    let ids: Vec<_> = v["steps"]
        .as_array()
        .map(|s| s.iter().filter_map(|s| s["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        [
            "policy",
            "role",
            "trust",
            "log-group",
            "flow-log",
            "traffic"
        ]
    );
    // The evidence names what was judged, down to the record line.
    let record = v.check("traffic.record");
    assert_eq!(record["status"], "pass");
    let evidence = record["resource"].as_str().unwrap_or("");
    assert!(evidence.contains(&lab.pre.eni_id), "{evidence}");
    assert!(evidence.contains("ACCEPT"), "{evidence}");
    assert!(
        v.check("policy.exists")["resource"]
            .as_str()
            .unwrap_or("")
            .ends_with(":policy/my-flowpolicy")
    );
}

#[tokio::test]
async fn configured_without_record_is_pending() {
    let lab = Lab::configured().await;
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(v.status(), "pending", "{v:#}");
    assert_eq!(run.code(), 3);
    assert_eq!(v.step_status("traffic"), "pending");
    assert_eq!(v.earned(), 80);
    let msg = v.message("traffic.record");
    assert!(
        msg.contains(&lab.pre.private_ip) && msg.contains("80"),
        "{msg}"
    );
}

#[tokio::test]
async fn empty_account_fails_every_step_it_can_judge() {
    let lab = Lab::new().await;
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(run.code(), 1);
    assert_eq!(v.status(), "fail");
    assert_eq!(v.earned(), 0);
    for step in ["policy", "role", "log-group", "flow-log"] {
        assert_eq!(v.step_status(step), "fail", "{step}: {v:#}");
    }
    assert_eq!(v.step_status("trust"), "skip");
    assert_eq!(v.step_status("traffic"), "skip");
    let fix = v.check("policy.exists")["remediation"]
        .as_str()
        .unwrap_or("");
    assert!(
        fix.contains("aws iam create-policy --policy-name my-flowpolicy"),
        "{fix}"
    );
}

// ---------------------------------------------------------------------------------------------
// Mistakes, step by step

#[tokio::test]
async fn policy_missing_an_action_fails() {
    let lab = Lab::new().await;
    let doc = flow_policy().replace("\"logs:PutLogEvents\",", "");
    lab.create_policy(POLICY, &doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "fail");
    let msg = v.message("policy.actions");
    assert!(msg.contains("logs:PutLogEvents"), "{msg}");
    assert!(!msg.contains("logs:CreateLogGroup"), "{msg}");
}

#[tokio::test]
async fn policy_with_a_near_miss_name_is_named() {
    let lab = Lab::new().await;
    lab.create_policy("my-flowpolicy2", &flow_policy()).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.exists"), "fail");
    assert!(v.message("policy.exists").contains("my-flowpolicy2"));
}

#[tokio::test]
async fn only_the_default_policy_version_counts() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    let weaker = flow_policy().replace("\"logs:CreateLogStream\",", "");
    lab.new_default_version(POLICY, &weaker).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "fail", "{v:#}");
    let msg = v.message("policy.actions");
    assert!(
        msg.contains("v2") && msg.contains("logs:CreateLogStream"),
        "{msg}"
    );
}

#[tokio::test]
async fn explicit_deny_in_the_policy_wins() {
    let lab = Lab::new().await;
    let doc = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"logs:*","Resource":"*"},
        {"Effect":"Deny","Action":"logs:PutLogEvents","Resource":"*"}]}"#;
    lab.create_policy(POLICY, doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "fail");
    let msg = v.message("policy.actions");
    assert!(
        msg.contains("explicitly denies") && msg.contains("logs:PutLogEvents"),
        "{msg}"
    );
}

#[tokio::test]
async fn policy_scoped_to_another_log_group_fails() {
    let lab = Lab::new().await;
    let doc = flow_policy().replace(
        "\"Resource\": \"*\"",
        "\"Resource\": \"arn:aws:logs:*:*:log-group:OtherGroup:*\"",
    );
    lab.create_policy(POLICY, &doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "fail", "{v:#}");
}

#[tokio::test]
async fn role_missing_fails_and_trust_is_skipped() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(
        v.step_status("policy"),
        "pass",
        "the course's policy, a tip at most"
    );
    assert_eq!(v.check_status("role.exists"), "fail");
    assert_eq!(v.step_status("trust"), "skip");
    assert!(v.message("trust.trusts-service").contains(ROLE));
}

#[tokio::test]
async fn role_without_the_policy_attached_fails() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("role.exists"), "pass");
    assert_eq!(v.check_status("role.policy-attached"), "fail");
    let fix = v.check("role.policy-attached")["remediation"]
        .as_str()
        .unwrap_or("");
    assert!(fix.contains("attach-role-policy"), "{fix}");
    assert_eq!(v.step_status("trust"), "pass", "trust is judged on its own");
}

#[tokio::test]
async fn trust_with_the_console_default_ec2_principal_fails() {
    let lab = Lab::new().await;
    lab.create_role(ROLE, &trust_for("ec2.amazonaws.com")).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("trust.trusts-service"), "fail");
    assert!(
        v.message("trust.trusts-service")
            .contains("ec2.amazonaws.com")
    );
}

#[tokio::test]
async fn trust_with_another_principal_fails_and_names_it() {
    let lab = Lab::new().await;
    lab.create_role(ROLE, &trust_for("lambda.amazonaws.com"))
        .await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("trust.trusts-service"), "fail");
    assert!(
        v.message("trust.trusts-service")
            .contains("lambda.amazonaws.com")
    );
}

#[tokio::test]
async fn trust_condition_naming_another_account_fails() {
    let lab = Lab::new().await;
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow",
        "Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole",
        "Condition":{"StringEquals":{"aws:SourceAccount":"999999999999"}}}]}"#;
    lab.create_role(ROLE, doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("trust.trusts-service"), "fail", "{v:#}");
    assert!(
        v.message("trust.trusts-service")
            .contains("aws:SourceAccount")
    );
}

#[tokio::test]
async fn trust_that_denies_the_service_fails() {
    let lab = Lab::new().await;
    let doc = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"},
        {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}"#;
    lab.create_role(ROLE, doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("trust.trusts-service"), "fail");
}

#[tokio::test]
async fn log_group_in_another_region_is_pointed_out() {
    let lab = Lab::new().await;
    lab.create_log_group_in("us-east-1", GROUP).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("log-group.exists"), "fail");
    let msg = v.message("log-group.exists");
    assert!(msg.contains("us-east-1"), "{msg}");
}

#[tokio::test]
async fn log_group_with_a_near_miss_name_is_pointed_out() {
    let lab = Lab::new().await;
    lab.create_log_group("MyVpc22-Logs").await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("log-group.exists"), "fail");
    assert!(v.message("log-group.exists").contains("MyVpc22-Logs"));
}

#[tokio::test]
async fn flow_log_missing_fails_with_the_create_command() {
    let lab = Lab::new().await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("flow-log.exists"), "fail");
    let fix = v.check("flow-log.exists")["remediation"]
        .as_str()
        .unwrap_or("");
    assert!(
        fix.contains("create-flow-logs") && fix.contains(&lab.pre.vpc_id),
        "{fix}"
    );
}

#[tokio::test]
async fn flow_log_to_the_wrong_log_group_fails() {
    let lab = Lab::new().await;
    lab.create_log_group("OtherGroup").await;
    lab.create_flow_log(FlowLogSpec {
        group: "OtherGroup",
        ..Default::default()
    })
    .await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("flow-log.log-group"), "fail");
    assert!(v.message("flow-log.log-group").contains("OtherGroup"));
}

#[tokio::test]
async fn flow_log_through_the_wrong_role_fails_and_says_to_recreate() {
    let lab = Lab::new().await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec {
        role: "some-other-role",
        ..Default::default()
    })
    .await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("flow-log.role"), "fail");
    let fix = v.check("flow-log.role")["remediation"]
        .as_str()
        .unwrap_or("");
    assert!(fix.contains("delete-flow-logs"), "{fix}");
}

#[tokio::test]
async fn flow_log_recording_only_rejects_fails() {
    let lab = Lab::new().await;
    lab.create_log_group(GROUP).await;
    lab.create_flow_log(FlowLogSpec {
        traffic: TrafficType::Reject,
        ..Default::default()
    })
    .await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("flow-log.traffic-type"), "fail");
}

#[tokio::test]
async fn flow_log_recording_only_accepts_fails_with_the_recreate_fix() {
    let lab = Lab::configured().await;
    // Replace the ALL flow log with an ACCEPT one.
    let fl = lab
        .ec2
        .describe_flow_logs()
        .send()
        .await
        .expect("describe")
        .flow_logs()
        .first()
        .and_then(|f| f.flow_log_id().map(str::to_string))
        .expect("a flow log");
    lab.ec2
        .delete_flow_logs()
        .flow_log_ids(fl)
        .send()
        .await
        .expect("delete");
    lab.create_flow_log(FlowLogSpec {
        traffic: TrafficType::Accept,
        ..Default::default()
    })
    .await;
    lab.deliver_access_record("ACCEPT").await;
    // The accepted request shows up, but the REJECT records the next lesson reads never would:
    // the lab asks for All, and the student hears so now rather than one lesson later.
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("flow-log.traffic-type"), "fail", "{v:#}");
    assert!(commands_of(&v, "flow-log.traffic-type").contains("--traffic-type ALL"));
    assert_eq!(v.step_status("traffic"), "pass", "{v:#}");
    assert_eq!(v.status(), "fail", "{v:#}");
    assert_eq!(run.code(), 1);
}

fn commands_of(v: &serde_json::Value, id: &str) -> String {
    v.check(id)["commands"].to_string()
}

#[tokio::test]
async fn flow_log_without_a_name_tag_is_not_taken_for_the_labs() {
    // It may be anyone's: awslab names it, and says how to name it, but does not judge it.
    let lab = Lab::new().await;
    lab.create_log_group(GROUP).await;
    let id = lab
        .create_flow_log(FlowLogSpec {
            name: None,
            ..Default::default()
        })
        .await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("flow-log.exists"), "fail", "{v:#}");
    let msg = v.message("flow-log.exists");
    assert!(msg.contains(&id) && msg.contains("has no name"), "{msg}");
    let fix = v.check("flow-log.exists")["remediation"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert!(
        fix.contains(&format!("create-tags --resources {id}")),
        "{fix}"
    );
    assert_eq!(v.step("flow-log")["earned"], 0);
}

#[tokio::test]
async fn flow_log_to_s3_fails() {
    let lab = Lab::new().await;
    lab.create_s3_flow_log().await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("flow-log.destination"), "fail", "{v:#}");
}

#[tokio::test]
async fn only_rejected_records_fail_the_traffic_step() {
    let lab = Lab::configured().await;
    lab.deliver_access_record("REJECT").await;
    let (run, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("traffic.record"), "fail", "{v:#}");
    assert!(v.message("traffic.record").contains("REJECT"));
    assert_eq!(run.code(), 1);
}

#[tokio::test]
async fn a_record_for_another_port_does_not_count() {
    let lab = Lab::configured().await;
    let line = format!(
        "2 {} {} 127.0.0.1 {} 51234 22 6 5 420 1 2 ACCEPT OK",
        lab.account.id, lab.pre.eni_id, lab.pre.private_ip
    );
    lab.put_record(GROUP, &line).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("traffic.record"), "pending", "{v:#}");
}

#[tokio::test]
async fn a_missing_vpc_fails_at_the_flow_log_step() {
    let lab = Lab::configured().await;
    let (_, v) = lab
        .account
        .awslab()
        .args(["--set", "vpc=NoSuchVpc"])
        .verify_json();
    assert_eq!(v.check_status("flow-log.vpc"), "fail");
    assert!(v.message("flow-log.vpc").contains("NoSuchVpc"));
    assert_eq!(v.step_status("traffic"), "skip");
}

// ---------------------------------------------------------------------------------------------
// Right, but written differently

#[tokio::test]
async fn policy_with_wildcards_lists_and_split_statements_passes() {
    let lab = Lab::new().await;
    // DescribeLogGroups is authorised on every group of the region at once
    // (`log-group::log-stream:`), so it needs a statement of its own.
    let doc = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":["LOGS:createlogGROUP","logs:Describe*"],"Resource":["arn:aws:logs:*:*:log-group:MyVpc22-Log:*"]},
        {"Effect":"Allow","Action":"logs:DescribeLogGroups","Resource":"arn:aws:logs:*:*:log-group:*"},
        {"Effect":"Allow","Action":"logs:*","Resource":"arn:aws:logs:*:*:log-group:MyVpc22-Log:log-stream:*"}]}"#;
    lab.create_policy(POLICY, doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "pass", "{v:#}");
    assert_eq!(
        v.step_status("policy"),
        "pass",
        "no wildcard-resource warning: {v:#}"
    );
}

#[tokio::test]
async fn describe_log_groups_scoped_to_one_group_is_not_allowed() {
    // What AWS answers: "not authorized to perform: logs:DescribeLogGroups on resource:
    // arn:aws:logs:REGION:ACCOUNT:log-group::log-stream:".
    let lab = Lab::new().await;
    let doc = r#"{"Version":"2012-10-17","Statement":[
        {"Effect":"Allow","Action":"logs:*","Resource":"arn:aws:logs:*:*:log-group:MyVpc22-Log:*"}]}"#;
    lab.create_policy(POLICY, doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "fail", "{v:#}");
    let msg = v.message("policy.actions");
    assert!(msg.contains("logs:DescribeLogGroups"), "{msg}");
    assert!(!msg.contains("logs:PutLogEvents"), "{msg}");
}

#[tokio::test]
async fn course_policy_passes_with_a_least_privilege_tip() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("policy.actions"), "pass");
    assert_eq!(v.check_status("policy.least-privilege"), "tip");
    assert_eq!(v.step_status("policy"), "pass", "a tip changes no status");
    assert!(
        v.message("policy.least-privilege")
            .contains("log-group:MyVpc22-Log:*")
    );
}

#[tokio::test]
async fn permissions_from_an_inline_policy_pass_with_a_warning() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.put_inline(ROLE, "inline-logs", &flow_policy()).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("role.policy-attached"), "warn", "{v:#}");
    assert!(v.message("role.policy-attached").contains("inline-logs"));
}

#[tokio::test]
async fn trust_with_a_service_list_and_deputy_conditions_passes_cleanly() {
    let lab = Lab::new().await;
    let doc = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow",
        "Principal":{{"Service":["ec2.amazonaws.com","vpc-flow-logs.amazonaws.com"]}},
        "Action":["sts:AssumeRole"],
        "Condition":{{"StringEquals":{{"aws:SourceAccount":"{acct}"}},
                     "ArnLike":{{"aws:SourceArn":"arn:aws:ec2:{REGION}:{acct}:vpc-flow-log/*"}}}}}}]}}"#,
        acct = lab.account.id
    );
    lab.create_role(ROLE, &doc).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.step_status("trust"), "pass", "{v:#}");
}

#[tokio::test]
async fn custom_log_format_records_are_parsed_with_that_format() {
    let lab = Lab::new().await;
    lab.create_policy(POLICY, &flow_policy()).await;
    lab.create_role(ROLE, &trust_policy()).await;
    lab.attach(ROLE, POLICY).await;
    lab.create_log_group(GROUP).await;
    let format = "${version} ${vpc-id} ${interface-id} ${srcaddr} ${dstaddr} ${dstport} ${protocol} ${action} ${log-status}";
    lab.create_flow_log(FlowLogSpec {
        format: Some(format),
        ..Default::default()
    })
    .await;
    let line = format!(
        "5 {}   {} 127.0.0.1 {}  80 6 ACCEPT OK",
        lab.pre.vpc_id, lab.pre.eni_id, lab.pre.private_ip
    );
    lab.put_record(GROUP, &line).await;
    let (_, v) = lab.account.awslab().verify_json();
    assert_eq!(v.check_status("traffic.record"), "pass", "{v:#}");
}

// ---------------------------------------------------------------------------------------------
// Output formats and options

#[tokio::test]
async fn junit_output_is_well_formed_and_counts_failures() {
    let lab = Lab::new().await;
    let run = lab
        .account
        .awslab()
        .args(["verify", "--format", "junit"])
        .run();
    assert_eq!(run.code(), 1);
    let xml = run.stdout();
    let doc = roxmltree::Document::parse(&xml).unwrap_or_else(|e| panic!("{e}\n{xml}"));
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    assert!(cases.len() >= 6, "{xml}");
    let failures = doc
        .descendants()
        .filter(|n| n.has_tag_name("failure"))
        .count();
    let suite = doc
        .descendants()
        .find(|n| n.has_tag_name("testsuite"))
        .expect("a testsuite");
    assert_eq!(
        suite.attribute("failures"),
        Some(failures.to_string().as_str())
    );
    assert!(failures >= 4, "{xml}");
}

#[tokio::test]
async fn text_output_in_korean_names_the_fix() {
    let lab = Lab::new().await;
    let run = lab
        .account
        .awslab()
        .args(["verify", "--lang", "ko", "--no-color"])
        .run();
    assert_eq!(run.code(), 1);
    let out = run.stdout();
    assert!(out.contains("고객 관리형 정책이 없습니다"), "{out}");
    assert!(out.contains("aws iam create-policy"), "{out}");
    assert!(
        !out.contains("\u{1b}["),
        "no color codes when not a terminal"
    );
}

#[tokio::test]
async fn set_overrides_a_variable() {
    let lab = Lab::new().await;
    lab.create_log_group("ClassGroup").await;
    let (_, v) = lab
        .account
        .awslab()
        .args(["--set", "log_group=ClassGroup"])
        .verify_json();
    assert_eq!(v.check_status("log-group.exists"), "pass", "{v:#}");
}

// ---------------------------------------------------------------------------------------------
// Could not check: exit 2, a clear message, never a panic

#[test]
fn no_credentials_exit_2_with_an_explanation() {
    let run = Awslab::bare()
        .env("AWS_ENDPOINT_URL", &moto().endpoint)
        .args(["verify"])
        .run();
    assert_eq!(run.code(), 2, "{}{}", run.stdout(), run.stderr());
    let all = run.stdout() + &run.stderr();
    assert!(all.contains("credentials"), "{all}");
    assert!(!all.contains("panicked"), "{all}");
}

#[test]
fn unreachable_endpoint_exit_2_quickly() {
    let port = free_port(); // nothing listens there
    let started = std::time::Instant::now();
    let run = Awslab::bare()
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}"))
        .args(["verify", "--format", "json"])
        .run();
    assert_eq!(run.code(), 2, "{}{}", run.stdout(), run.stderr());
    let v = run.json();
    assert_eq!(v.status(), "error");
    assert!(
        v["error"]
            .as_str()
            .unwrap_or("")
            .contains("GetCallerIdentity"),
        "{v:#}"
    );
    assert!(!run.stderr().contains("panicked"));
    // Bounded, not the SDK's unbounded defaults (generous: this is not a timing test).
    assert!(started.elapsed() < std::time::Duration::from_secs(60));
}

#[test]
fn unknown_variable_in_set_is_a_clear_error() {
    let run = Awslab::bare().args(["verify", "--set", "nope=1"]).run();
    assert_eq!(run.code(), 2);
    assert!(
        run.stderr().contains("nope") && run.stderr().contains("log_group"),
        "{}",
        run.stderr()
    );
}

#[test]
fn malformed_lesson_names_file_and_line() {
    let dir = TempDir::new();
    let lesson_dir = dir.0.join("broken");
    std::fs::create_dir_all(&lesson_dir).expect("mkdir");
    std::fs::write(
        lesson_dir.join("lesson.toml"),
        "id = \"broken\"\nschema = 1\ntitle = 5\n",
    )
    .expect("write");
    let run = Awslab::bare()
        .args(["--lessons"])
        .args([&dir.0])
        .args(["verify", "broken"])
        .run();
    assert_eq!(run.code(), 2);
    let err = run.stderr();
    assert!(
        err.contains("broken/lesson.toml") && err.contains("line 3"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn lessons_lists_the_builtin_lesson() {
    let run = Awslab::bare().args(["lessons", "--format", "json"]).run();
    assert_eq!(run.code(), 0);
    let v = run.json();
    assert_eq!(v[0]["id"], "vpc-flow-logs");
    assert_eq!(v[0]["points"], 100);
}

// ---------------------------------------------------------------------------------------------
// What verify sends

#[tokio::test]
async fn verify_only_reads_and_asks_each_question_once() {
    let lab = Lab::solved().await;
    let dir = TempDir::new();
    let log = dir.0.join("calls.txt");
    let run = lab
        .account
        .awslab()
        .env("AWSLAB_RECORD_CALLS", &log)
        .args(["verify", "--format", "json"])
        .run();
    assert_eq!(run.code(), 0, "{}", run.stderr());
    let text = std::fs::read_to_string(&log).expect("the call log was written");
    let calls: Vec<&str> = text.lines().filter(|l| !l.is_empty()).collect();
    for call in &calls {
        assert!(awslab::aws::record::is_read(call), "verify wrote: {call}");
    }
    let mut unique = calls.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(
        unique.len(),
        calls.len(),
        "a question asked twice: {calls:?}"
    );
    assert!(calls.contains(&"logs:GetLogEvents"), "{calls:?}");
    assert!(calls.len() <= 13, "{} calls: {calls:?}", calls.len());
}
