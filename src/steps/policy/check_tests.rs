//! The pure check of `iam-policy`, row by row: what was observed → the findings.

use super::{Observed, check};
use crate::finding::Status::*;
use crate::steps::fixtures::*;

/// A policy document allowing `actions` on `resource`, with `extra` statements after it.
fn allow(actions: &[&str], resource: &str, extra: &str) -> String {
    let actions: Vec<String> = actions.iter().map(|a| format!("\"{a}\"")).collect();
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": [{}], "Resource": "{resource}"}}{extra}]}}"#,
        actions.join(", ")
    )
}

const ALL: &[&str] = &[
    "logs:CreateLogGroup",
    "logs:CreateLogStream",
    "logs:PutLogEvents",
    "logs:DescribeLogGroups",
    "logs:DescribeLogStreams",
];

fn missing(similar: &[&str]) -> Observed {
    Observed {
        policy: None,
        document: None,
        document_created: None,
        similar: similar.iter().map(|s| s.to_string()).collect(),
        right_version: None,
    }
}

type Row<'a> = (&'a str, Observed, &'a [Expected<'a>]);

#[test]
fn each_observation_gives_exactly_these_findings() {
    let narrow = format!(
        r#"{{"Version": "2012-10-17", "Statement": [
            {{"Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents", "logs:DescribeLogStreams"],
              "Resource": "arn:aws:logs:*:*:log-group:{GROUP}:*"}},
            {{"Effect": "Allow", "Action": "logs:DescribeLogGroups", "Resource": "arn:aws:logs:*:*:log-group:*"}}]}}"#
    );
    let undecidable = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*",
        "Condition": {"StringEquals": {"aws:ThisKeyIsUnknown": "x"}}}]}"#;
    let rows: Vec<Row> = vec![
        (
            "missing",
            missing(&[]),
            &[("exists", Fail, "policy.missing")],
        ),
        (
            "missing, a near name",
            missing(&["My-FlowPolicy"]),
            &[("exists", Fail, "policy.missing-similar")],
        ),
        (
            "no readable default version",
            policy_observed(None),
            &[
                ("exists", Pass, "policy.exists"),
                ("document", Fail, "policy.no-document"),
            ],
        ),
        (
            "not a policy document",
            policy_observed(Some("{not json")),
            &[
                ("exists", Pass, "policy.exists"),
                ("document", Fail, "policy.unparsable"),
            ],
        ),
        (
            "the lab's document: right, Resource * is a tip",
            policy_observed(Some(FLOW_POLICY)),
            &[
                ("exists", Pass, "policy.exists"),
                ("actions", Pass, "policy.allows"),
                ("least-privilege", Tip, "policy.wildcard-resource"),
            ],
        ),
        (
            "least privilege: no tip",
            policy_observed(Some(&narrow)),
            &[
                ("exists", Pass, "policy.exists"),
                ("actions", Pass, "policy.allows"),
            ],
        ),
        (
            "an action missing",
            policy_observed(Some(&allow(&ALL[..2], "*", ""))),
            &[
                ("exists", Pass, "policy.exists"),
                ("actions", Fail, "policy.missing-actions"),
            ],
        ),
        (
            "an action denied",
            policy_observed(Some(&allow(
                ALL,
                "*",
                r#", {"Sid": "NoPut", "Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}"#,
            ))),
            &[
                ("exists", Pass, "policy.exists"),
                ("actions", Fail, "policy.denied"),
            ],
        ),
        (
            "a condition awslab cannot decide fails closed",
            policy_observed(Some(undecidable)),
            &[
                ("exists", Pass, "policy.exists"),
                ("actions", Fail, "iam.undecided-key"),
            ],
        ),
    ];
    let lab = lab();
    let env = env(&lab);
    for (what, observed, expected) in rows {
        let found = check(&observed, &policy_params(), &env);
        assert_eq!(summary(&found), expected, "{what}");
    }
}

#[test]
fn the_findings_name_what_decides_them() {
    let lab = lab();
    let env = env(&lab);
    let p = policy_params();

    let found = check(&missing(&["My-FlowPolicy", "my-flowpolicy2"]), &p, &env);
    assert_eq!(
        arg(&found, "exists", "similar"),
        "My-FlowPolicy, my-flowpolicy2"
    );
    assert_eq!(fix_key(&found, "exists"), Some("policy.fix-create"));
    assert_eq!(
        found[0].commands(),
        [
            "aws iam create-policy --policy-name my-flowpolicy --policy-document file://awslab-vpc-flow-logs/flow-policy.json --tags Key=awslab:lesson,Value=vpc-flow-logs"
        ]
    );

    let found = check(&policy_observed(Some(&allow(&ALL[..2], "*", ""))), &p, &env);
    assert_eq!(
        arg(&found, "actions", "actions"),
        "logs:DescribeLogStreams, logs:DescribeLogGroups, logs:PutLogEvents"
    );
    assert_eq!(arg(&found, "actions", "version"), "v1");
    assert_eq!(fix_key(&found, "actions"), Some("policy.fix-version"));
    assert_eq!(
        finding(&found, "actions").resource.as_deref(),
        Some("arn:aws:iam::123456789012:policy/my-flowpolicy#v1")
    );

    let denied = allow(
        ALL,
        "*",
        r#", {"Sid": "NoPut", "Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}"#,
    );
    let found = check(&policy_observed(Some(&denied)), &p, &env);
    assert_eq!(arg(&found, "actions", "actions"), "logs:PutLogEvents");
    assert_eq!(arg(&found, "actions", "by_policy"), POLICY);
    assert_eq!(arg(&found, "actions", "by_statement"), "2");
    assert_eq!(arg(&found, "actions", "by_sid"), " (Sid NoPut)");

    let found = check(&policy_observed(Some(FLOW_POLICY)), &p, &env);
    assert_eq!(
        arg(&found, "least-privilege", "resource"),
        "arn:aws:logs:*:*:log-group:MyVpc22-Log:*"
    );
    assert_eq!(finding(&found, "exists").created, Some(CREATED));
}

#[test]
fn a_right_older_version_is_the_fix_and_a_newer_default_dates_the_policy() {
    let lab = lab();
    let env = env(&lab);
    let mut observed = policy_observed(Some(&allow(&ALL[..4], "*", "")));
    observed.right_version = Some("v2".to_string());
    observed.document_created = Some(NOW - 60);
    let found = check(&observed, &policy_params(), &env);
    assert_eq!(fix_key(&found, "actions"), Some("policy.fix-set-default"));
    assert_eq!(
        finding(&found, "actions").commands(),
        [
            "aws iam set-default-policy-version --policy-arn arn:aws:iam::123456789012:policy/my-flowpolicy --version-id v2"
        ]
    );
    assert_eq!(
        finding(&found, "exists").created,
        Some(NOW - 60),
        "a new default version is the policy changed"
    );
}
