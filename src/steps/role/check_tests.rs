//! The pure check of `iam-role`, row by row: what was observed → the findings.

use super::{Observed, check};
use crate::aws::PolicyText;
use crate::finding::Status::*;
use crate::steps::fixtures::*;

const DENY_PUT: &str = r#"{"Version": "2012-10-17", "Statement": [{"Sid": "NoPut", "Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]}"#;
const S3_ONLY: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}"#;
const UNDECIDABLE: &str = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "logs:*", "Resource": "*",
    "Condition": {"StringEquals": {"aws:ThisKeyIsUnknown": "x"}}}]}"#;

fn no_role() -> Observed {
    Observed {
        role: None,
        policies: Vec::new(),
        boundary: None,
        policy_arn: Some(policy_arn()),
        policy_id: None,
        similar: Vec::new(),
    }
}

fn lab_policy() -> PolicyText {
    attached(POLICY, FLOW_POLICY)
}

fn with_boundary(document: &str) -> Observed {
    let mut o = role_observed(vec![lab_policy()]);
    o.boundary = Some(PolicyText {
        name: "s3-boundary".to_string(),
        source: format!("arn:aws:iam::{ACCOUNT}:policy/s3-boundary"),
        document: Some(document.to_string()),
    });
    o
}

type Row<'a> = (&'a str, Observed, &'a [Expected<'a>]);

#[test]
fn each_observation_gives_exactly_these_findings() {
    let unreadable = PolicyText {
        document: None,
        ..attached("broken", "")
    };
    let rows: Vec<Row> = vec![
        ("no role", no_role(), &[("exists", Fail, "role.missing")]),
        (
            "no role, one of a name close to it: did you mean",
            Observed {
                similar: vec!["my-flowlog-rol".to_string()],
                ..no_role()
            },
            &[("exists", Fail, "role.missing-similar")],
        ),
        (
            "the lab's policy attached",
            role_observed(vec![lab_policy()]),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Pass, "role.attached"),
            ],
        ),
        (
            "nothing attached",
            role_observed(Vec::new()),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Fail, "role.nothing-attached"),
            ],
        ),
        (
            "another policy, not enough",
            role_observed(vec![attached("s3-read", S3_ONLY)]),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Fail, "role.not-attached"),
            ],
        ),
        (
            "an inline policy grants the same: it works, with a warning",
            role_observed(vec![inline("logs-inline", FLOW_POLICY)]),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Warn, "role.permissions-elsewhere"),
            ],
        ),
        (
            "another policy denies",
            role_observed(vec![lab_policy(), attached("deny-put", DENY_PUT)]),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Pass, "role.attached"),
                ("effective", Fail, "role.denied-elsewhere"),
            ],
        ),
        (
            "the boundary holds the actions back",
            with_boundary(S3_ONLY),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Pass, "role.attached"),
                ("effective", Fail, "role.outside-boundary"),
            ],
        ),
        (
            "a boundary that allows them",
            with_boundary(FLOW_POLICY),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Pass, "role.attached"),
            ],
        ),
        (
            "a policy that cannot be read is said, not dropped",
            role_observed(vec![lab_policy(), unreadable]),
            &[
                ("exists", Pass, "role.exists"),
                ("policies-readable", Fail, "role.unreadable-policy"),
                ("policy-attached", Pass, "role.attached"),
            ],
        ),
        (
            "a condition awslab cannot decide fails closed",
            role_observed(vec![attached(POLICY, UNDECIDABLE)]),
            &[
                ("exists", Pass, "role.exists"),
                ("policy-attached", Pass, "role.attached"),
                ("effective", Fail, "iam.undecided-key"),
            ],
        ),
    ];
    let lab = lab();
    let env = env(&lab);
    for (what, observed, expected) in rows {
        let found = check(&observed, &role_params(), &env);
        assert_eq!(summary(&found), expected, "{what}");
    }
}

#[test]
fn the_findings_name_what_decides_them() {
    let lab = lab();
    let env = env(&lab);
    let p = role_params();

    let found = check(&no_role(), &p, &env);
    assert_eq!(fix_key(&found, "exists"), Some("role.fix-create"));
    assert_eq!(
        found[0].commands(),
        [
            "aws iam create-role --role-name my-flowlog-role --assume-role-policy-document file://awslab-vpc-flow-logs/trust-policy.json \
          --tags Key=awslab:lesson,Value=vpc-flow-logs && aws iam attach-role-policy --role-name my-flowlog-role --policy-arn arn:aws:iam::123456789012:policy/my-flowpolicy"
        ]
    );

    let found = check(&role_observed(vec![attached("s3-read", S3_ONLY)]), &p, &env);
    assert_eq!(arg(&found, "policy-attached", "policies"), "s3-read");
    assert_eq!(fix_key(&found, "policy-attached"), Some("role.fix-attach"));

    let found = check(
        &role_observed(vec![inline("logs-inline", FLOW_POLICY)]),
        &p,
        &env,
    );
    assert_eq!(
        arg(&found, "policy-attached", "policies"),
        "logs-inline (inline)"
    );

    let found = check(
        &role_observed(vec![lab_policy(), attached("deny-put", DENY_PUT)]),
        &p,
        &env,
    );
    assert_eq!(arg(&found, "effective", "policies"), "deny-put");
    assert_eq!(arg(&found, "effective", "actions"), "logs:PutLogEvents");
    assert_eq!(arg(&found, "effective", "by_policy"), "deny-put");
    assert_eq!(arg(&found, "effective", "by_sid"), " (Sid NoPut)");
    assert_eq!(fix_key(&found, "effective"), Some("role.fix-deny"));

    let found = check(&with_boundary(S3_ONLY), &p, &env);
    assert_eq!(arg(&found, "effective", "boundary"), "s3-boundary");
    assert_eq!(
        finding(&found, "effective").commands(),
        ["aws iam delete-role-permissions-boundary --role-name my-flowlog-role"]
    );

    let found = check(&role_observed(vec![lab_policy()]), &p, &env);
    assert_eq!(finding(&found, "exists").created, Some(CREATED));
    assert_eq!(
        finding(&found, "policy-attached").resource.as_deref(),
        Some("arn:aws:iam::123456789012:policy/my-flowpolicy")
    );
}
