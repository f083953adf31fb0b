//! The pure check of `log-group`, row by row: what was observed → the findings.

use super::{Observed, check};
use crate::finding::Status::*;
use crate::steps::fixtures::*;

fn missing(elsewhere: &[&str], similar: &[&str]) -> Observed {
    Observed {
        here: None,
        elsewhere: elsewhere.iter().map(|s| s.to_string()).collect(),
        similar: similar.iter().map(|s| s.to_string()).collect(),
    }
}

#[test]
fn each_observation_gives_exactly_these_findings() {
    let rows: Vec<(&str, Observed, &[Expected])> = vec![
        (
            "here",
            log_group_observed(true),
            &[("exists", Pass, "log-group.exists")],
        ),
        (
            "nowhere",
            missing(&[], &[]),
            &[("exists", Fail, "log-group.missing")],
        ),
        (
            "in another region",
            missing(&["us-east-1"], &["myvpc22-log"]),
            &[("exists", Fail, "log-group.other-region")],
        ),
        (
            "a near name here",
            missing(&[], &["myvpc22-log"]),
            &[("exists", Fail, "log-group.similar")],
        ),
    ];
    let lab = lab();
    let env = env(&lab);
    for (what, observed, expected) in rows {
        let found = check(&observed, &log_group_params(), &env);
        assert_eq!(summary(&found), expected, "{what}");
    }
}

#[test]
fn the_findings_name_what_decides_them() {
    let lab = lab();
    let env = env(&lab);
    let p = log_group_params();

    let found = check(&log_group_observed(true), &p, &env);
    assert_eq!(arg(&found, "exists", "region"), REGION);
    assert_eq!(
        found[0].resource.as_deref(),
        Some("arn:aws:logs:ap-northeast-2:123456789012:log-group:MyVpc22-Log:*")
    );
    assert_eq!(found[0].created, Some(CREATED));

    let found = check(&missing(&["us-east-1", "eu-west-1"], &[]), &p, &env);
    assert_eq!(arg(&found, "exists", "regions"), "us-east-1, eu-west-1");
    assert_eq!(fix_key(&found, "exists"), Some("log-group.fix-create"));
    assert_eq!(
        found[0].commands(),
        [
            "aws logs create-log-group --log-group-name MyVpc22-Log --tags awslab:lesson=vpc-flow-logs --region ap-northeast-2"
        ]
    );

    let found = check(&missing(&[], &["myvpc22-log", "MyVpc22-Logs"]), &p, &env);
    assert_eq!(
        arg(&found, "exists", "similar"),
        "myvpc22-log, MyVpc22-Logs"
    );
}
