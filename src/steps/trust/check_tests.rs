//! The pure check of `trust-policy`, row by row: what was observed → the findings.

use super::{Observed, check};
use crate::finding::Status::*;
use crate::steps::fixtures::*;

/// A trust policy of one statement: `effect` for `principal` to `action`, under `condition`.
fn statement(effect: &str, principal: &str, action: &str, condition: &str) -> String {
    let condition = if condition.is_empty() {
        String::new()
    } else {
        format!(r#", "Condition": {condition}"#)
    };
    format!(
        r#"{{"Effect": "{effect}", "Principal": {principal}, "Action": "{action}"{condition}}}"#
    )
}

fn document(statements: &[String]) -> String {
    format!(
        r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
        statements.join(", ")
    )
}

const SERVICE: &str = r#"{"Service": "vpc-flow-logs.amazonaws.com"}"#;

fn guarded(account: &str) -> String {
    let condition = format!(
        r#"{{"StringEquals": {{"aws:SourceAccount": "{account}"}}, "ArnLike": {{"aws:SourceArn": "arn:aws:ec2:{REGION}:{account}:vpc-flow-log/*"}}}}"#
    );
    document(&[statement("Allow", SERVICE, "sts:AssumeRole", &condition)])
}

type Row<'a> = (&'a str, Observed, &'a [Expected<'a>]);

#[test]
fn each_observation_gives_exactly_these_findings() {
    let allow = statement("Allow", SERVICE, "sts:AssumeRole", "");
    let rows: Vec<Row> = vec![
        (
            "no role: the role step's to make",
            Observed {
                role: None,
                flow_log_arn: None,
            },
            &[("trusts-service", Skip, "trust.no-role")],
        ),
        (
            "no trust policy read",
            trust_observed(None),
            &[("trusts-service", Fail, "trust.empty")],
        ),
        (
            "not a policy document",
            trust_observed(Some("[]")),
            &[("trusts-service", Fail, "trust.unparsable")],
        ),
        (
            "the lab's trust policy: right, the confused deputy is a tip",
            trust_observed(Some(TRUST_POLICY)),
            &[
                ("trusts-service", Pass, "trust.ok"),
                ("confused-deputy", Tip, "trust.no-condition"),
            ],
        ),
        (
            "guarded against the confused deputy",
            trust_observed(Some(&guarded(ACCOUNT))),
            &[("trusts-service", Pass, "trust.ok")],
        ),
        (
            "conditions naming another account",
            trust_observed(Some(&guarded("999999999999"))),
            &[("trusts-service", Fail, "trust.condition-mismatch")],
        ),
        (
            "everyone trusted, the service among them",
            trust_observed(Some(&document(&[statement(
                "Allow",
                r#""*""#,
                "sts:AssumeRole",
                "",
            )]))),
            &[("trusts-service", Fail, "trust.open-to-anyone")],
        ),
        (
            "every AWS account trusted beside the service",
            trust_observed(Some(&document(&[
                allow.clone(),
                statement("Allow", r#"{"AWS": "*"}"#, "sts:AssumeRole", ""),
            ]))),
            &[("trusts-service", Fail, "trust.open-to-anyone")],
        ),
        (
            "everyone, but only from the student's account: not open to anyone",
            trust_observed(Some(&document(&[statement(
                "Allow",
                r#""*""#,
                "sts:AssumeRole",
                &format!(r#"{{"StringEquals": {{"aws:SourceAccount": "{ACCOUNT}"}}}}"#),
            )]))),
            &[("trusts-service", Pass, "trust.ok")],
        ),
        (
            "EC2 trusted instead",
            trust_observed(Some(&document(&[statement(
                "Allow",
                r#"{"Service": "ec2.amazonaws.com"}"#,
                "sts:AssumeRole",
                "",
            )]))),
            &[("trusts-service", Fail, "trust.ec2-principal")],
        ),
        (
            "an account trusted instead",
            trust_observed(Some(&document(&[statement(
                "Allow",
                r#"{"AWS": "arn:aws:iam::111122223333:root"}"#,
                "sts:AssumeRole",
                "",
            )]))),
            &[("trusts-service", Fail, "trust.wrong-principal")],
        ),
        (
            "nobody trusted",
            trust_observed(Some(&document(&[statement(
                "Deny",
                r#"{"Service": "ec2.amazonaws.com"}"#,
                "sts:AssumeRole",
                "",
            )]))),
            &[("trusts-service", Fail, "trust.nobody")],
        ),
        (
            "the service denied",
            trust_observed(Some(&document(&[
                allow.clone(),
                statement("Deny", SERVICE, "sts:*", ""),
            ]))),
            &[("trusts-service", Fail, "trust.denied")],
        ),
        (
            "a condition awslab cannot decide fails closed",
            trust_observed(Some(&document(&[statement(
                "Allow",
                SERVICE,
                "sts:AssumeRole",
                r#"{"StringEquals": {"aws:ThisKeyIsUnknown": "x"}}"#,
            )]))),
            &[("trusts-service", Fail, "iam.undecided-key")],
        ),
    ];
    let lab = lab();
    let env = env(&lab);
    for (what, observed, expected) in rows {
        let found = check(&observed, &trust_params(), &env);
        assert_eq!(summary(&found), expected, "{what}");
    }
}

#[test]
fn the_findings_name_what_decides_them() {
    let lab = lab();
    let env = env(&lab);
    let p = trust_params();

    let found = check(&trust_observed(Some(TRUST_POLICY)), &p, &env);
    assert_eq!(
        fix_key(&found, "confused-deputy"),
        Some("trust.fix-condition")
    );
    let fix = finding(&found, "confused-deputy")
        .remediation
        .as_ref()
        .expect("a fix");
    assert_eq!(
        fix.args,
        [
            ("account", ACCOUNT.to_string()),
            (
                "arn",
                "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/*".to_string()
            )
        ]
    );
    assert_eq!(finding(&found, "trusts-service").created, Some(CREATED));

    let found = check(&trust_observed(Some("[]")), &p, &env);
    assert_eq!(fix_key(&found, "trusts-service"), Some("trust.fix"));
    assert_eq!(
        found[0].commands(),
        [
            "aws iam update-assume-role-policy --role-name my-flowlog-role --policy-document file://awslab-vpc-flow-logs/trust-policy.json"
        ]
    );

    let found = check(
        &trust_observed(Some(&document(&[statement(
            "Allow",
            r#"{"AWS": "arn:aws:iam::111122223333:root"}"#,
            "sts:AssumeRole",
            "",
        )]))),
        &p,
        &env,
    );
    assert_eq!(
        arg(&found, "trusts-service", "trusted"),
        "arn:aws:iam::111122223333:root"
    );

    let found = check(&trust_observed(Some(&guarded("999999999999"))), &p, &env);
    assert_eq!(arg(&found, "trusts-service", "account"), ACCOUNT);
}
