//! The pure check of `flow-log`, row by row: what was observed → the findings.

use super::{Observed, check};
use crate::aws::FlowLog;
use crate::finding::Status::{self, *};
use crate::steps::fixtures::*;

/// The lab's flow log, changed by `change`.
fn lab_with(change: impl FnOnce(&mut FlowLog)) -> Observed {
    let mut fl = lab_flow_log();
    change(&mut fl);
    flow_log_observed(vec![fl])
}

fn tag(name: &str, value: &str) -> (String, String) {
    (name.to_string(), value.to_string())
}

const RIGHT: &[(&str, Status, &str)] = &[
    ("exists", Pass, "flow-log.exists"),
    ("log-group", Pass, "flow-log.log-group-ok"),
    ("role", Pass, "flow-log.role-ok"),
    ("traffic-type", Pass, "flow-log.traffic-ok"),
    ("name", Pass, "flow-log.name-ok"),
];

/// `RIGHT` with the finding `id` replaced by `with`, moved first (a fix that recreates the flow
/// log is the one shown, and first).
fn recreating(
    id: &str,
    with: (&'static str, Status, &'static str),
) -> Vec<(&'static str, Status, &'static str)> {
    let mut out = vec![with];
    out.extend(RIGHT.iter().copied().filter(|(i, _, _)| *i != id));
    out
}

#[test]
fn each_observation_gives_exactly_these_findings() {
    let s3 = |fl: &mut FlowLog| {
        fl.destination_type = Some("s3".to_string());
        fl.log_group = None;
        fl.destination = Some("arn:aws:s3:::lab-bucket".to_string());
    };
    let mut no_vpc = flow_log_observed(Vec::new());
    no_vpc.vpcs.clear();
    let rows: Vec<(&str, Observed, Vec<Expected>)> = vec![
        ("no VPC", no_vpc, vec![("vpc", Fail, "flow-log.no-vpc")]),
        (
            "no flow log",
            flow_log_observed(Vec::new()),
            vec![("exists", Fail, "flow-log.missing")],
        ),
        ("the lab's flow log", lab_with(|_| {}), RIGHT.to_vec()),
        (
            "to S3",
            lab_with(s3),
            vec![
                ("destination", Fail, "flow-log.wrong-destination"),
                ("exists", Pass, "flow-log.exists"),
                ("role", Pass, "flow-log.role-ok"),
                ("traffic-type", Pass, "flow-log.traffic-ok"),
                ("name", Pass, "flow-log.name-ok"),
            ],
        ),
        (
            "to another log group",
            lab_with(|fl| fl.log_group = Some("Other".to_string())),
            recreating("log-group", ("log-group", Fail, "flow-log.wrong-log-group")),
        ),
        (
            "no role",
            lab_with(|fl| fl.role_arn = None),
            recreating("role", ("role", Fail, "flow-log.no-role")),
        ),
        (
            "another role",
            lab_with(|fl| fl.role_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/other"))),
            recreating("role", ("role", Fail, "flow-log.wrong-role")),
        ),
        (
            "the role of another account",
            lab_with(|fl| fl.role_arn = Some(format!("arn:aws:iam::999999999999:role/{ROLE}"))),
            recreating("role", ("role", Fail, "flow-log.role-other-account")),
        ),
        (
            "accepted traffic only",
            lab_with(|fl| fl.traffic_type = Some("ACCEPT".to_string())),
            recreating(
                "traffic-type",
                ("traffic-type", Fail, "flow-log.traffic-accept"),
            ),
        ),
        (
            "rejected traffic only",
            lab_with(|fl| fl.traffic_type = Some("REJECT".to_string())),
            recreating(
                "traffic-type",
                ("traffic-type", Fail, "flow-log.traffic-wrong"),
            ),
        ),
        (
            "the lesson's tag under another name",
            lab_with(|fl| {
                fl.tags = vec![tag("Name", "other"), tag("awslab:lesson", "vpc-flow-logs")]
            }),
            [&RIGHT[..4], &[("name", Warn, "flow-log.name-other")]].concat(),
        ),
        (
            "the lesson's tag without a name",
            lab_with(|fl| fl.tags = vec![tag("awslab:lesson", "vpc-flow-logs")]),
            [&RIGHT[..4], &[("name", Warn, "flow-log.name-missing")]].concat(),
        ),
        (
            "to the lab's log group but unnamed: judged, never taken as the lab's",
            lab_with(|fl| fl.tags.clear()),
            vec![
                ("exists", Fail, "flow-log.not-named"),
                ("log-group", Pass, "flow-log.log-group-ok"),
                ("role", Pass, "flow-log.role-ok"),
                ("traffic-type", Pass, "flow-log.traffic-ok"),
            ],
        ),
        (
            "to the lab's log group under another name",
            lab_with(|fl| fl.tags = vec![tag("Name", "mine")]),
            vec![
                ("exists", Fail, "flow-log.named-otherwise"),
                ("log-group", Pass, "flow-log.log-group-ok"),
                ("role", Pass, "flow-log.role-ok"),
                ("traffic-type", Pass, "flow-log.traffic-ok"),
            ],
        ),
        (
            "delivery refused",
            lab_with(|fl| {
                fl.deliver_status = Some("FAILED".to_string());
                fl.deliver_error = Some("Access error".to_string());
            }),
            recreating("", ("delivery", Fail, "flow-log.delivery-access")),
        ),
        (
            "delivery throttled",
            lab_with(|fl| {
                fl.deliver_status = Some("FAILED".to_string());
                fl.deliver_error = Some("Rate limited".to_string());
            }),
            // Nothing to recreate: the Name fix stays, the throttling passes by itself.
            RIGHT
                .iter()
                .copied()
                .chain([("delivery-rate", Fail, "flow-log.delivery-rate")])
                .collect(),
        ),
        (
            "delivery failed otherwise",
            lab_with(|fl| {
                fl.deliver_status = Some("FAILED".to_string());
                fl.deliver_error = Some("Unknown error".to_string());
            }),
            recreating("", ("delivery", Fail, "flow-log.delivery-unknown")),
        ),
        (
            "records every ten minutes: a tip",
            lab_with(|fl| fl.max_aggregation_interval = Some(600)),
            [RIGHT, &[("aggregation", Tip, "flow-log.slow-aggregation")]].concat(),
        ),
        (
            "an older try beside it",
            flow_log_observed(vec![
                FlowLog {
                    id: "fl-0000000000000old1".to_string(),
                    traffic_type: Some("REJECT".to_string()),
                    created: Some(CREATED - 3600),
                    ..lab_flow_log()
                },
                lab_flow_log(),
            ]),
            [RIGHT, &[("others", Tip, "flow-log.others")]].concat(),
        ),
    ];
    let lab = lab();
    let env = env(&lab);
    for (what, observed, expected) in rows {
        let found = check(&observed, &flow_log_params(), &env);
        assert_eq!(summary(&found), expected, "{what}");
    }
}

#[test]
fn the_findings_name_what_decides_them() {
    let lab = lab();
    let env = env(&lab);
    let p = flow_log_params();

    let found = check(&flow_log_observed(Vec::new()), &p, &env);
    assert_eq!(arg(&found, "exists", "vpc_id"), VPC_ID);
    assert_eq!(fix_key(&found, "exists"), Some("flow-log.fix-create"));
    assert_eq!(
        found[0].commands(),
        [
            "aws ec2 create-flow-logs --resource-type VPC --resource-ids vpc-0a1b2c3d4e5f60718 --traffic-type ALL \
          --log-destination-type cloud-watch-logs --log-group-name MyVpc22-Log \
          --deliver-logs-permission-arn arn:aws:iam::123456789012:role/my-flowlog-role --max-aggregation-interval 60 \
          --tag-specifications 'ResourceType=vpc-flow-log,Tags=[{Key=Name,Value=my-flowlog},{Key=awslab:lesson,Value=vpc-flow-logs}]'"
        ]
    );

    // A flow log to recreate: the recreate fix is shown; naming the old one would be wasted.
    let found = check(
        &lab_with(|fl| {
            fl.log_group = Some("Other".to_string());
            fl.tags = vec![tag("Name", "other"), tag("awslab:lesson", "vpc-flow-logs")];
        }),
        &p,
        &env,
    );
    assert_eq!(arg(&found, "log-group", "group"), "Other");
    assert_eq!(fix_key(&found, "log-group"), Some("flow-log.fix-recreate"));
    assert_eq!(fix_key(&found, "name"), None);
    let recreate = finding(&found, "log-group").commands();
    assert_eq!(recreate.len(), 1);
    assert!(
        recreate[0].starts_with("aws ec2 delete-flow-logs --flow-log-ids fl-0123456789abcdef0 && aws ec2 create-flow-logs"),
        "{recreate:?}"
    );

    // Only a name to fix: the name fix is shown.
    let found = check(
        &lab_with(|fl| fl.tags = vec![tag("awslab:lesson", "vpc-flow-logs")]),
        &p,
        &env,
    );
    assert_eq!(fix_key(&found, "name"), Some("flow-log.fix-name"));
    assert_eq!(arg(&found, "name", "wanted"), FLOW_LOG);

    let found = check(
        &lab_with(|fl| fl.role_arn = Some(format!("arn:aws:iam::{ACCOUNT}:role/path/other"))),
        &p,
        &env,
    );
    assert_eq!(arg(&found, "role", "role"), "other");

    let found = check(
        &lab_with(|fl| {
            fl.deliver_status = Some("FAILED".to_string());
            fl.deliver_error = Some("Rate limited".to_string());
        }),
        &p,
        &env,
    );
    assert_eq!(
        fix_key(&found, "delivery-rate"),
        None,
        "throttling passes by itself"
    );

    let found = check(&lab_with(|fl| fl.max_aggregation_interval = None), &p, &env);
    assert_eq!(
        arg(&found, "aggregation", "seconds"),
        "600",
        "AWS's default"
    );
    assert_eq!(arg(&found, "aggregation", "wanted"), "60");

    let older = FlowLog {
        id: "fl-0000000000000old1".to_string(),
        traffic_type: Some("REJECT".to_string()),
        ..lab_flow_log()
    };
    let found = check(&flow_log_observed(vec![older, lab_flow_log()]), &p, &env);
    assert_eq!(
        finding(&found, "exists").resource.as_deref(),
        Some(FLOW_LOG_ID)
    );
    assert_eq!(arg(&found, "others", "count"), "1");
    assert_eq!(
        arg(&found, "others", "others"),
        "fl-0000000000000old1 (my-flowlog, REJECT, MyVpc22-Log)"
    );
    assert_eq!(
        finding(&found, "others").commands(),
        ["aws ec2 delete-flow-logs --flow-log-ids fl-0000000000000old1"]
    );
}
