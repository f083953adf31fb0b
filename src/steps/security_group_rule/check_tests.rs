//! The pure check of `security-group-rule`, row by row: what was observed → the findings.

use super::{Expect, Observed, Params, check, decode};
use crate::aws::{NaclEntry, RuleSource, SgRule};
use crate::finding::Status::*;
use crate::steps::fixtures::*;

const GROUP_ID: &str = "sg-0123456789abcdef0";

fn open_rule() -> SgRule {
    SgRule {
        id: "sgr-0123456789abcdef0".to_string(),
        group_id: GROUP_ID.to_string(),
        egress: false,
        protocol: "tcp".to_string(),
        from_port: Some(80),
        to_port: Some(80),
        source: RuleSource::Cidr("0.0.0.0/0".to_string()),
        description: None,
    }
}

fn nacl_entry(number: i32, egress: bool, allow: bool, ports: Option<(i32, i32)>) -> NaclEntry {
    NaclEntry {
        acl_id: "acl-0123456789abcdef0".to_string(),
        rule_number: number,
        egress,
        protocol: "-1".to_string(),
        allow,
        cidr: Some("0.0.0.0/0".to_string()),
        ports,
    }
}

fn observed(rules: Vec<SgRule>) -> Observed {
    Observed {
        vpc_found: true,
        instance: Some(instance()),
        rules,
        // The default network ACL: everything in and out.
        nacl: vec![
            nacl_entry(100, false, true, None),
            nacl_entry(100, true, true, None),
        ],
        ..Observed::default()
    }
}

/// `observed(rules)` with an inbound deny of port 80 before the default allow.
fn denied_by_nacl(rules: Vec<SgRule>) -> Observed {
    let mut o = observed(rules);
    o.nacl.push(nacl_entry(50, false, false, Some((80, 80))));
    o
}

fn params(expect: Expect) -> Params {
    Params {
        vpc: VPC.to_string(),
        port: 80,
        expect,
    }
}

#[test]
fn each_observation_gives_exactly_these_findings() {
    let mut removed = observed(vec![open_rule()]);
    removed.removed = decode(GROUP_ID, "tcp=80=80=0.0.0.0/0");
    let rows: Vec<(&str, Observed, Expect, Expected)> = vec![
        (
            "no VPC",
            Observed::default(),
            Expect::Closed,
            ("port", Skip, "traffic.no-vpc"),
        ),
        (
            "no instance",
            Observed {
                vpc_found: true,
                ..Observed::default()
            },
            Expect::Closed,
            ("port", Fail, "traffic.no-instance"),
        ),
        (
            "closed, wanted closed",
            observed(Vec::new()),
            Expect::Closed,
            ("port", Pass, "security-group-rule.closed"),
        ),
        (
            "open, wanted closed",
            observed(vec![open_rule()]),
            Expect::Closed,
            ("port", Fail, "security-group-rule.open"),
        ),
        (
            "put back early: the record that proves it may still come",
            removed,
            Expect::Closed,
            ("port", Pending, "security-group-rule.open-again"),
        ),
        (
            "closed by the network ACL, wanted closed",
            denied_by_nacl(vec![open_rule()]),
            Expect::Closed,
            ("port", Pass, "security-group-rule.nacl-deny-in"),
        ),
        (
            "open, wanted open",
            observed(vec![open_rule()]),
            Expect::Open,
            ("port", Pass, "security-group-rule.open-ok"),
        ),
        (
            "closed, wanted open",
            observed(Vec::new()),
            Expect::Open,
            ("port", Fail, "security-group-rule.closed-not-open"),
        ),
        (
            "the network ACL denies, wanted open",
            denied_by_nacl(vec![open_rule()]),
            Expect::Open,
            ("port", Fail, "security-group-rule.nacl-deny-in"),
        ),
    ];
    let lab = lab();
    let env = env(&lab);
    for (what, observed, expect, expected) in rows {
        let found = check(&observed, &params(expect), &env);
        assert_eq!(summary(&found), [expected], "{what}");
    }
}

#[test]
fn the_findings_name_what_decides_them() {
    let lab = lab();
    let env = env(&lab);

    let found = check(&observed(vec![open_rule()]), &params(Expect::Closed), &env);
    assert_eq!(
        fix_key(&found, "port"),
        Some("security-group-rule.fix-close")
    );
    assert_eq!(
        found[0].commands(),
        [
            "aws ec2 revoke-security-group-ingress --group-id sg-0123456789abcdef0 --security-group-rule-ids sgr-0123456789abcdef0"
        ]
    );
    assert_eq!(found[0].resource.as_deref(), Some(GROUP_ID));

    let found = check(&observed(Vec::new()), &params(Expect::Open), &env);
    assert_eq!(
        fix_key(&found, "port"),
        Some("security-group-rule.fix-open")
    );
    assert_eq!(
        found[0].commands(),
        [
            "aws ec2 authorize-security-group-ingress --group-id sg-0123456789abcdef0 --ip-permissions 'IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]'"
        ]
    );

    let found = check(
        &denied_by_nacl(vec![open_rule()]),
        &params(Expect::Open),
        &env,
    );
    assert_eq!(arg(&found, "port", "number"), "50");
    assert_eq!(arg(&found, "port", "acl"), "acl-0123456789abcdef0");
    assert_eq!(
        fix_key(&found, "port"),
        Some("security-group-rule.fix-nacl")
    );
}
