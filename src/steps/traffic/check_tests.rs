//! The pure check of `traffic`, row by row: what was observed → the findings.

use super::{Observed, Search, check};
use crate::aws::{RuleSource, SgRule, StandIn};
use crate::finding::Status::*;
use crate::flow_record::Action::{self, Accept, Reject};
use crate::steps::fixtures::*;
use crate::steps::security_group_rule;

const INSTANCE_OK: Expected = ("instance", Pass, "traffic.instance-ok");

/// Nothing found in the stream yet.
fn waiting() -> Observed {
    traffic_observed(Vec::new(), false)
}

fn with(change: impl FnOnce(&mut Observed)) -> Observed {
    let mut o = waiting();
    change(&mut o);
    o
}

/// What decides whether the request gets through: the instance's group with `open` rules for
/// port 80 from anywhere, or none.
fn reach(open: bool) -> security_group_rule::Observed {
    let rules = if open {
        vec![SgRule {
            id: "sgr-0123456789abcdef0".to_string(),
            group_id: "sg-0123456789abcdef0".to_string(),
            egress: false,
            protocol: "tcp".to_string(),
            from_port: Some(80),
            to_port: Some(80),
            source: RuleSource::Cidr("0.0.0.0/0".to_string()),
            description: None,
        }]
    } else {
        Vec::new()
    };
    security_group_rule::Observed {
        vpc_found: true,
        instance: Some(instance()),
        rules,
        ..Default::default()
    }
}

type Row<'a> = (&'a str, Observed, &'a [Action], Vec<Expected<'a>>);

#[test]
fn each_observation_gives_exactly_these_findings() {
    let accepted = || vec![record_event("ACCEPT", NOW - 120)];
    let rejected = || vec![record_event("REJECT", NOW - 120)];
    let reopened = || {
        vec![
            record_event("ACCEPT", NOW - 60),
            record_event("REJECT", NOW - 600),
        ]
    };
    let rows: Vec<Row> = vec![
        (
            "no VPC",
            with(|o| o.vpc_found = false),
            &[Accept],
            vec![("record", Skip, "traffic.no-vpc")],
        ),
        (
            "no instance",
            with(|o| o.instance = None),
            &[Accept],
            vec![("instance", Fail, "traffic.no-instance")],
        ),
        (
            "the instance stopped",
            with(|o| {
                o.instance
                    .iter_mut()
                    .for_each(|i| i.state = Some("stopped".into()))
            }),
            &[Accept],
            vec![("instance", Fail, "traffic.not-running")],
        ),
        (
            "no public address",
            with(|o| o.instance.iter_mut().for_each(|i| i.public_ip = None)),
            &[Accept],
            vec![("instance", Fail, "traffic.no-public-ip")],
        ),
        (
            "no network interface",
            with(|o| o.instance.iter_mut().for_each(|i| i.enis.clear())),
            &[Accept],
            vec![("instance", Fail, "traffic.no-eni")],
        ),
        (
            "no flow log on the VPC",
            with(|o| {
                o.flow_log = None;
                o.on_vpc.clear();
            }),
            &[Accept],
            vec![INSTANCE_OK, ("record", Skip, "traffic.no-flow-log")],
        ),
        (
            "flow logs on the VPC, none the lab's",
            with(|o| o.flow_log = None),
            &[Accept],
            vec![INSTANCE_OK, ("record", Skip, "traffic.no-lab-flow-log")],
        ),
        (
            "a record format awslab cannot read",
            with(|o| {
                o.flow_log
                    .iter_mut()
                    .for_each(|f| f.log_format = Some("${no-such-field}".into()))
            }),
            &[Accept],
            vec![INSTANCE_OK, ("record", Error, "traffic.bad-format")],
        ),
        (
            "the record arrived",
            traffic_observed(accepted(), true),
            &[Accept],
            vec![INSTANCE_OK, ("record", Pass, "traffic.found")],
        ),
        (
            "the REJECT arrived",
            traffic_observed(rejected(), true),
            &[Reject],
            vec![INSTANCE_OK, ("record", Pass, "traffic.reject-found")],
        ),
        (
            "REJECT then ACCEPT, the port open",
            with(|o| {
                *o = traffic_observed(reopened(), true);
                o.reach = Some(reach(true));
            }),
            &[Reject, Accept],
            vec![INSTANCE_OK, ("record", Pass, "traffic.sequence-found")],
        ),
        (
            "REJECT then ACCEPT, but the port closed again",
            with(|o| {
                *o = traffic_observed(reopened(), true);
                o.reach = Some(reach(false));
            }),
            &[Reject, Accept],
            vec![INSTANCE_OK, ("port", Fail, "traffic.closed-again")],
        ),
        (
            "the REJECT on record, the port still closed",
            with(|o| {
                o.search.rejected = Some(record_event("REJECT", NOW - 120).0);
                o.reach = Some(reach(false));
            }),
            &[Reject, Accept],
            vec![INSTANCE_OK, ("port", Fail, "traffic.still-closed")],
        ),
        (
            "a filter that leaves the REJECT out",
            with(|o| {
                for f in o.feeds.iter_mut().chain(&mut o.flow_log) {
                    f.traffic_type = Some("ACCEPT".into());
                }
            }),
            &[Reject],
            vec![INSTANCE_OK, ("filter", Fail, "traffic.filter-excludes")],
        ),
        (
            "the request was dropped",
            with(|o| o.search.rejected = Some(record_event("REJECT", NOW - 120).0)),
            &[Accept],
            vec![INSTANCE_OK, ("record", Fail, "traffic.rejected")],
        ),
        (
            "nothing yet",
            waiting(),
            &[Accept],
            vec![INSTANCE_OK, ("record", Pending, "traffic.waiting")],
        ),
        (
            "records, none of the request",
            with(|o| o.search.scanned = 3),
            &[Accept],
            vec![
                INSTANCE_OK,
                ("record", Pending, "traffic.waiting-other-traffic"),
            ],
        ),
        (
            "the port reached over UDP",
            with(|o| {
                o.search.scanned = 1;
                o.search.other_protocol = Some(17);
            }),
            &[Accept],
            vec![INSTANCE_OK, ("record", Pending, "traffic.waiting-protocol")],
        ),
        (
            "lines that are not records",
            with(|o| {
                o.search = Search {
                    scanned: 2,
                    unparsable: 2,
                    first_error: Some("3 fields, 14 expected".into()),
                    ..Search::default()
                };
            }),
            &[Accept],
            vec![
                INSTANCE_OK,
                ("records-readable", Warn, "traffic.unparsable"),
                ("record", Pending, "traffic.waiting"),
            ],
        ),
        (
            "waiting for a REJECT",
            waiting(),
            &[Reject],
            vec![INSTANCE_OK, ("record", Pending, "traffic.waiting-expect")],
        ),
    ];
    let lab = lab();
    let env = env(&lab);
    for (what, observed, expect, expected) in rows {
        let found = check(&observed, &traffic_params(expect), &env);
        assert_eq!(summary(&found), expected, "{what}");
    }
}

#[test]
fn the_findings_name_what_decides_them() {
    let lab = lab();
    let env = env(&lab);
    let p = traffic_params(&[Accept]);

    let found = check(
        &traffic_observed(vec![record_event("ACCEPT", NOW - 120)], true),
        &p,
        &env,
    );
    assert_eq!(arg(&found, "instance", "ip"), PUBLIC_IP);
    assert_eq!(arg(&found, "instance", "eni"), ENI_ID);
    assert_eq!(arg(&found, "record", "stream"), "eni-0123456789abcdef0-all");
    assert_eq!(
        finding(&found, "record").resource.as_deref(),
        Some(
            format!(
                "MyVpc22-Log/eni-0123456789abcdef0-all: {}",
                record_line("ACCEPT", NOW - 120)
            )
            .as_str()
        )
    );
    assert_eq!(
        finding(&found, "record").created,
        Some(NOW - 120),
        "the record's time dates the step"
    );

    // Waiting: send the request again and follow the stream.
    let found = check(&waiting(), &p, &env);
    assert_eq!(fix_key(&found, "record"), Some("traffic.fix-waiting"));
    assert_eq!(
        finding(&found, "record").commands(),
        [
            "curl --max-time 10 http://203.0.113.10/".to_string(),
            "aws logs tail MyVpc22-Log --log-stream-name-prefix eni-0123456789abcdef0 --since 15m --follow --region ap-northeast-2".to_string(),
            "aws logs filter-log-events --log-group-name MyVpc22-Log --log-stream-name-prefix eni-0123456789abcdef0 --region ap-northeast-2".to_string(),
        ]
    );
    // A new flow log captures nothing for its first minutes: another request helps.
    let new = with(|o| {
        o.flow_log
            .iter_mut()
            .for_each(|f| f.created = Some(NOW - 300))
    });
    let found = check(&new, &p, &env);
    assert_eq!(fix_key(&found, "record"), Some("traffic.fix-waiting-new"));
    assert_eq!(
        found[1].remediation.as_ref().map(|r| r.args[0].clone()),
        Some(("minutes", "5".to_string()))
    );

    // In the sandbox: the loopback stand-in, never the emulator's made-up address.
    let stand_in = StandIn {
        url: "http://127.0.0.1:4567/".to_string(),
        delay_seconds: 5,
    };
    let sandbox = crate::steps::Env {
        stand_in: Some(&stand_in),
        ..crate::steps::fixtures::env(&lab)
    };
    let found = check(&waiting(), &p, &sandbox);
    assert_eq!(
        finding(&found, "record").message.key,
        "traffic.waiting-sandbox"
    );
    assert_eq!(
        fix_key(&found, "record"),
        Some("traffic.fix-waiting-sandbox")
    );
    assert_eq!(
        finding(&found, "record").commands()[0],
        "curl --max-time 10 http://127.0.0.1:4567/"
    );

    let dropped = with(|o| o.search.rejected = Some(record_event("REJECT", NOW - 120).0));
    let found = check(&dropped, &p, &env);
    assert_eq!(
        finding(&found, "record").commands(),
        [
            "aws ec2 authorize-security-group-ingress --group-id sg-0123456789abcdef0 --protocol tcp --port 80 --cidr 0.0.0.0/0"
        ]
    );

    let found = check(&waiting(), &traffic_params(&[Reject, Accept]), &env);
    assert_eq!(arg(&found, "record", "sequence"), "REJECT → ACCEPT");
    assert_eq!(fix_key(&found, "record"), Some("traffic.fix-waiting-again"));
    let found = check(&waiting(), &traffic_params(&[Reject]), &env);
    assert_eq!(
        fix_key(&found, "record"),
        Some("traffic.fix-waiting-reject")
    );

    let still = with(|o| {
        o.search.rejected = Some(record_event("REJECT", NOW - 120).0);
        o.reach = Some(reach(false));
    });
    let found = check(&still, &traffic_params(&[Reject, Accept]), &env);
    assert_eq!(
        finding(&found, "port").commands(),
        [
            "aws ec2 authorize-security-group-ingress --group-id sg-0123456789abcdef0 --ip-permissions 'IpProtocol=tcp,FromPort=80,ToPort=80,IpRanges=[{CidrIp=0.0.0.0/0}]'"
        ]
    );
}
