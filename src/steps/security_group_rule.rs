//! Step kind `security-group-rule`: whether the lab's instance takes TCP on a port, judged the
//! way AWS judges it (`crate::net`): the instance's own security groups, found from the
//! instance, and its subnet's network ACL. `expect = "closed"` is done when nothing lets the
//! request in; `expect = "open"` when it gets through.
//!
//! Closing the port removes exactly the inbound rules that open it, a destructive change made
//! only with consent, unless the group is one awslab made for its sandbox. What was removed is remembered on the group itself (the tag
//! [`REMOVED_TAG`]), so that opening it again, by a later step or by `cleanup`, puts back
//! those very rules and nothing else.

use super::{Change, Consent, Env, Lab, Seen, found, lesson_tag, sh};
use crate::aws::seed::SEEDED_TAG;
use crate::aws::{Aws, AwsError, Instance, NaclEntry, RuleSource, SgRule};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use crate::net::{self, Reach, Requester};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

/// The security group tag holding the inbound rules awslab removed, to put back.
pub const REMOVED_TAG: &str = "awslab:removed-ingress";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Open,
    Closed,
}

#[derive(Debug, Clone)]
pub struct Params {
    pub vpc: String,
    pub port: u16,
    pub expect: Expect,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawParams {
    vpc: String,
    port: toml::Value,
    expect: Expect,
}

impl RawParams {
    pub fn validate(self) -> Result<Params, String> {
        Ok(Params {
            vpc: self.vpc,
            port: super::port_number(&self.port)?,
            expect: self.expect,
        })
    }
}

/// The step's parameters from its `with` table (the port may come from a variable).
pub fn params(with: toml::Table) -> Result<Params, String> {
    super::params::<RawParams>(with)?.validate()
}

#[derive(Debug, Default, Clone)]
pub struct Observed {
    pub vpc_found: bool,
    pub instance: Option<Instance>,
    /// The rules of the instance's security groups.
    pub rules: Vec<SgRule>,
    /// The entries of the prefix lists those rules name.
    pub prefix_lists: BTreeMap<String, Vec<String>>,
    /// The entries of its subnet's network ACL.
    pub nacl: Vec<NaclEntry>,
    /// Inbound rules awslab removed from those groups and remembers, to put back.
    pub removed: Vec<SgRule>,
    /// Those of the groups awslab itself made for a sandbox (`aws::seed::SEEDED_TAG`): provably
    /// the lab's, so closing their port needs no question.
    pub seeded: Vec<String>,
}

pub async fn observe(aws: &Aws, p: &Params, _lesson: &Lab) -> Result<Observed, AwsError> {
    observe_instance(aws, &p.vpc).await
}

/// The lab's instance in `vpc` and everything that decides what reaches it.
pub async fn observe_instance(aws: &Aws, vpc: &str) -> Result<Observed, AwsError> {
    let Some(first) = aws.vpcs_named(vpc).await?.into_iter().next() else {
        return Ok(Observed::default());
    };
    let instances = aws.instances_in(&first.id).await?;
    let Some(instance) = super::instance::lab_instance(&instances).cloned() else {
        return Ok(Observed {
            vpc_found: true,
            ..Observed::default()
        });
    };
    let groups = &instance.security_groups;
    let nacl = async {
        match &instance.subnet_id {
            Some(subnet) => aws.network_acl_entries(subnet).await,
            None => Ok(Vec::new()),
        }
    };
    let tags = futures::future::try_join_all(groups.iter().map(|g| aws.security_group_tags(g)));
    let (rules, nacl, tags) = tokio::try_join!(aws.security_group_rules(groups), nacl, tags)?;
    let mut prefix_lists = BTreeMap::new();
    for rule in &rules {
        if let RuleSource::PrefixList(id) = &rule.source {
            if !prefix_lists.contains_key(id) {
                prefix_lists.insert(id.clone(), aws.prefix_list_cidrs(id).await?);
            }
        }
    }
    let removed = groups
        .iter()
        .zip(&tags)
        .flat_map(|(group, tags)| {
            tags.iter()
                .filter(|(k, _)| k == REMOVED_TAG)
                .flat_map(move |(_, v)| decode(group, v))
        })
        .collect();
    let seeded = groups
        .iter()
        .zip(&tags)
        .filter(|(_, tags)| tags.iter().any(|(k, _)| k == SEEDED_TAG))
        .map(|(group, _)| group.clone())
        .collect();
    Ok(Observed {
        vpc_found: true,
        instance: Some(instance),
        rules,
        prefix_lists,
        nacl,
        removed,
        seeded,
    })
}

/// Who sends the lab's request: in the sandbox this machine (the stand-in takes it on
/// loopback); on AWS anyone, since the student may send it from anywhere.
pub fn requester(env: &Env) -> Requester {
    match env.stand_in {
        Some(_) => Requester::Address(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        None => Requester::Anyone,
    }
}

/// Whether TCP to `port` from `requester` reaches the instance observed.
pub fn reach(o: &Observed, port: u16, requester: Requester, client_port: Option<u16>) -> Reach<'_> {
    net::reach(
        &o.rules,
        &o.prefix_lists,
        &o.nacl,
        port,
        requester,
        client_port,
    )
}

/// A rule as a person reads it: `tcp 80 from 0.0.0.0/0 (sgr-…)`.
pub fn describe(rule: &SgRule) -> String {
    let protocol = if rule.protocol == "-1" {
        "all".to_string()
    } else {
        rule.protocol.clone()
    };
    let ports = match (rule.from_port, rule.to_port) {
        (Some(a), Some(b)) if a == b => format!(" {a}"),
        (Some(a), Some(b)) => format!(" {a}-{b}"),
        _ => String::new(),
    };
    let source = match &rule.source {
        RuleSource::Cidr(c) | RuleSource::PrefixList(c) | RuleSource::Group(c) => c,
    };
    let id = if rule.id.is_empty() {
        String::new()
    } else {
        format!(" ({})", rule.id)
    };
    format!("{protocol}{ports} from {source}{id}")
}

fn list(rules: &[&SgRule]) -> String {
    rules
        .iter()
        .map(|r| describe(r))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rules among `rules` that belong to `group`.
fn of_group<'a>(rules: &[&'a SgRule], group: &str) -> Vec<&'a SgRule> {
    rules
        .iter()
        .copied()
        .filter(|r| r.group_id == group)
        .collect()
}

/// The AWS CLI that removes `rules` (all of one group).
fn revoke_cli(group: &str, rules: &[&SgRule]) -> String {
    let ids: Vec<String> = rules.iter().map(|r| sh(&r.id)).collect();
    format!(
        "aws ec2 revoke-security-group-ingress --group-id {} --security-group-rule-ids {}",
        sh(group),
        ids.join(" ")
    )
}

/// The AWS CLI that adds `rule` to its group.
pub fn authorize_cli(rule: &SgRule) -> String {
    let protocol = if rule.protocol == "-1" {
        "-1"
    } else {
        rule.protocol.as_str()
    };
    let ports = match (rule.from_port, rule.to_port) {
        (Some(a), Some(b)) => format!(",FromPort={a},ToPort={b}"),
        _ => String::new(),
    };
    let source = match &rule.source {
        RuleSource::Cidr(c) if c.contains(':') => format!("Ipv6Ranges=[{{CidrIpv6={c}}}]"),
        RuleSource::Cidr(c) => format!("IpRanges=[{{CidrIp={c}}}]"),
        RuleSource::PrefixList(p) => format!("PrefixListIds=[{{PrefixListId={p}}}]"),
        RuleSource::Group(g) => format!("UserIdGroupPairs=[{{GroupId={g}}}]"),
    };
    format!(
        "aws ec2 authorize-security-group-ingress --group-id {} --ip-permissions {}",
        sh(&rule.group_id),
        sh(&format!("IpProtocol={protocol}{ports},{source}"))
    )
}

/// What opening the port puts back: the rules awslab removed, or, when it removed none (the
/// student did it by hand), the rule the lab's instance is prepared with: TCP on the port from
/// anywhere, on its first security group.
pub fn to_restore(o: &Observed, port: u16) -> Vec<SgRule> {
    if !o.removed.is_empty() {
        return o.removed.clone();
    }
    let Some(group) = o.instance.as_ref().and_then(|i| i.security_groups.first()) else {
        return Vec::new();
    };
    vec![SgRule {
        id: String::new(),
        group_id: group.clone(),
        egress: false,
        protocol: "tcp".into(),
        from_port: Some(i32::from(port)),
        to_port: Some(i32::from(port)),
        source: RuleSource::Cidr("0.0.0.0/0".into()),
        description: None,
    }]
}

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    if !o.vpc_found {
        return vec![Finding::skip(
            "port",
            Text::new("traffic.no-vpc").arg("vpc", &p.vpc),
        )];
    }
    let Some(instance) = &o.instance else {
        return vec![
            Finding::fail("port", Text::new("traffic.no-instance").arg("vpc", &p.vpc))
                .fix(Text::new("traffic.fix-instance").arg("vpc", &p.vpc)),
        ];
    };
    let groups = instance.security_groups.join(", ");
    let r = reach(o, p.port, requester(env), None);
    let nacl = |e: &NaclEntry| {
        Text::new(if e.egress {
            "security-group-rule.nacl-deny-out"
        } else {
            "security-group-rule.nacl-deny-in"
        })
        .arg("acl", &e.acl_id)
        .arg("number", e.rule_number)
        .arg("port", p.port)
    };
    let finding = match (p.expect, r.opening.is_empty(), r.nacl_deny) {
        (Expect::Closed, true, _) => Finding::pass(
            "port",
            Text::new("security-group-rule.closed")
                .arg("port", p.port)
                .arg("instance", &instance.id)
                .arg("groups", &groups),
        ),
        (Expect::Closed, false, Some(e)) => Finding::pass("port", nacl(e)),
        (Expect::Closed, false, None) => {
            let mut fix = Vec::new();
            for group in &instance.security_groups {
                let of_group = of_group(&r.opening, group);
                if !of_group.is_empty() {
                    fix.push(revoke_cli(group, &of_group));
                }
            }
            // awslab closed it and remembers the rules it took away, yet the port is open: it
            // was put back. The request sent while it was closed may still be on its way to
            // the log, and that record is what proves this step; until it can no longer come,
            // the step waits rather than fails.
            let reopened_early = !o.removed.is_empty();
            Finding::new(
                "port",
                if reopened_early {
                    Status::Pending
                } else {
                    Status::Fail
                },
                Text::new(if reopened_early {
                    "security-group-rule.open-again"
                } else {
                    "security-group-rule.open"
                })
                .arg("port", p.port)
                .arg("instance", &instance.id)
                .arg("rules", list(&r.opening)),
            )
            .fix(
                Text::new("security-group-rule.fix-close")
                    .arg("port", p.port)
                    .arg("cli", fix.join(" && ")),
            )
        }
        (Expect::Open, false, None) => Finding::pass(
            "port",
            Text::new("security-group-rule.open-ok")
                .arg("port", p.port)
                .arg("instance", &instance.id)
                .arg("rules", list(&r.opening)),
        ),
        (Expect::Open, _, Some(e)) => Finding::fail("port", nacl(e)).fix(
            Text::new("security-group-rule.fix-nacl")
                .arg("acl", &e.acl_id)
                .arg("number", e.rule_number),
        ),
        (Expect::Open, true, None) => {
            let restore = to_restore(o, p.port);
            let rules: Vec<&SgRule> = restore.iter().collect();
            let cli: Vec<String> = restore.iter().map(authorize_cli).collect();
            Finding::fail(
                "port",
                Text::new("security-group-rule.closed-not-open")
                    .arg("port", p.port)
                    .arg("instance", &instance.id)
                    .arg("groups", &groups),
            )
            .fix(
                Text::new("security-group-rule.fix-open")
                    .arg("rules", list(&rules))
                    .arg("cli", cli.join(" && ")),
            )
        }
    };
    vec![finding.on(&groups)]
}

/// Closes or opens the port as `expect` asks, when the check says it is not so. Closing
/// removes only the rules that open it, each group's with consent to exactly those rules
/// (see [`Consent`]), after writing them down on the group. Opening puts back what
/// [`to_restore`] names; it adds, so it needs no consent.
pub async fn apply(
    seen: Seen<Observed>,
    p: &Params,
    lesson: &Lab,
    consent: &Consent,
) -> Result<Vec<Change>, AwsError> {
    let Seen {
        aws,
        identity,
        observed,
        findings,
    } = seen;
    if !found(&findings, "port", &[Status::Fail]) {
        return Ok(Vec::new());
    }
    let Some(instance) = &observed.instance else {
        return Ok(Vec::new());
    };
    match p.expect {
        Expect::Open => restore(&aws, &observed, p.port, lesson).await,
        Expect::Closed => {
            let env = Env::new(lesson, &aws, &identity);
            let r = reach(&observed, p.port, requester(&env), None);
            let mut changes = Vec::new();
            for group in &instance.security_groups {
                let rules = of_group(&r.opening, group);
                if rules.is_empty() {
                    continue;
                }
                // The consent names the rules themselves: a rule found on a second look is a
                // new question.
                let mut ids: Vec<&str> = rules.iter().map(|r| r.id.as_str()).collect();
                ids.sort();
                let resource = ids.join(",");
                // A group awslab made for the sandbox holds nothing of the student's.
                let ours = observed.seeded.contains(group);
                let change = |key: &'static str| {
                    let description = Text::new(key)
                        .arg("group", group)
                        .arg("port", p.port)
                        .arg("rules", list(&rules));
                    match ours {
                        true => Change::new(description, revoke_cli(group, &rules)),
                        false => {
                            Change::destructive(description, revoke_cli(group, &rules), &resource)
                        }
                    }
                };
                if !ours && !consent.covers(&resource) {
                    changes.push(
                        change("apply.sg-rule-remove")
                            .asking(Text::new("apply.sg-rule-remove-confirm")),
                    );
                    continue;
                }
                // Written down before it is removed, so the rule is never lost.
                let mut remembered: Vec<SgRule> = observed
                    .removed
                    .iter()
                    .filter(|x| &x.group_id == group)
                    .cloned()
                    .collect();
                remembered.extend(rules.iter().map(|r| (*r).clone()));
                aws.create_tags(group, &[(REMOVED_TAG, &encode(&remembered))])
                    .await?;
                aws.revoke_ingress_rules(group, &ids).await?;
                changes.push(change("apply.sg-rule-removed"));
            }
            Ok(changes)
        }
    }
}

/// Puts back what [`to_restore`] names and forgets what was remembered. Rules already there
/// count as put back.
pub async fn restore(
    aws: &Aws,
    o: &Observed,
    port: u16,
    lesson: &Lab,
) -> Result<Vec<Change>, AwsError> {
    let rules = to_restore(o, port);
    restore_rules(aws, &rules, &lesson.id).await?;
    Ok(rules
        .iter()
        .map(|r| {
            Change::new(
                Text::new("apply.sg-rule-restored")
                    .arg("group", &r.group_id)
                    .arg("rule", describe(r)),
                authorize_cli(r),
            )
        })
        .collect())
}

/// Adds `rules` back (each tagged with the lesson), then drops the memory of them.
pub async fn restore_rules(aws: &Aws, rules: &[SgRule], lesson_id: &str) -> Result<(), AwsError> {
    let tag = (crate::aws::LESSON_TAG, lesson_id);
    let mut groups: Vec<&str> = Vec::new();
    for rule in rules {
        aws.authorize_ingress(rule, &[tag]).await?;
        if !groups.contains(&rule.group_id.as_str()) {
            groups.push(&rule.group_id);
        }
    }
    for group in groups {
        aws.delete_tags(group, &[REMOVED_TAG]).await?;
    }
    Ok(())
}

/// Cleanup: a port this step closed is opened again, with exactly the rules awslab removed
/// (tagged: no question); a port closed by hand gets the lab's rule back only when asked.
pub async fn plan_removal(
    aws: &Aws,
    p: &Params,
    lesson: &Lab,
    step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    use super::removal::{Removal, Target};
    if p.expect != Expect::Closed {
        return Ok(Vec::new());
    }
    let o = observe_instance(aws, &p.vpc).await?;
    if o.instance.is_none()
        || !reach(&o, p.port, Requester::Anyone, None)
            .opening
            .is_empty()
    {
        return Ok(Vec::new());
    }
    let rules = to_restore(&o, p.port);
    let Some(first) = rules.first() else {
        return Ok(Vec::new());
    };
    let tagged = !o.removed.is_empty();
    let refs: Vec<&SgRule> = rules.iter().collect();
    let reason = if tagged {
        Text::new("cleanup.reason-sg-rule-tagged")
    } else {
        Text::new("cleanup.reason-sg-rule-untagged")
    }
    .arg("group", &first.group_id)
    .arg("port", p.port)
    .arg("rules", list(&refs));
    Ok(vec![Removal {
        step: step.to_string(),
        resource: format!("{}: {}", first.group_id, list(&refs)),
        cli: rules.iter().map(authorize_cli).collect(),
        target: Target::RestoreRules {
            rules,
            lesson: lesson_tag(lesson).1.to_string(),
        },
        tagged,
        named: true,
        reason,
        keep: None,
        after: Vec::new(),
    }])
}

/// The remembered rules of one group as a tag value: `protocol=from=to=source` each, spaces
/// between (EC2 tag values take these characters everywhere). Descriptions are not kept.
pub fn encode(rules: &[SgRule]) -> String {
    rules
        .iter()
        .map(|r| {
            let port = |p: Option<i32>| p.map_or("_".to_string(), |p| p.to_string());
            let source = match &r.source {
                RuleSource::Cidr(c) | RuleSource::PrefixList(c) | RuleSource::Group(c) => c,
            };
            format!(
                "{}={}={}={source}",
                r.protocol,
                port(r.from_port),
                port(r.to_port)
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The rules of `group` written by [`encode`]; what does not read as one is skipped.
pub fn decode(group: &str, value: &str) -> Vec<SgRule> {
    value
        .split_whitespace()
        .filter_map(|item| {
            let mut parts = item.splitn(4, '=');
            let protocol = parts.next()?.to_string();
            let port = |s: &str| -> Option<Option<i32>> {
                if s == "_" {
                    Some(None)
                } else {
                    s.parse().ok().map(Some)
                }
            };
            let from_port = port(parts.next()?)?;
            let to_port = port(parts.next()?)?;
            let source = parts.next().filter(|s| !s.is_empty())?;
            let source = if source.starts_with("pl-") {
                RuleSource::PrefixList(source.to_string())
            } else if source.starts_with("sg-") {
                RuleSource::Group(source.to_string())
            } else {
                RuleSource::Cidr(source.to_string())
            };
            Some(SgRule {
                id: String::new(),
                group_id: group.to_string(),
                egress: false,
                protocol,
                from_port,
                to_port,
                source,
                description: None,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::aws::Eni;

    fn rule(id: &str, source: RuleSource) -> SgRule {
        SgRule {
            id: id.into(),
            group_id: "sg-1".into(),
            egress: false,
            protocol: "tcp".into(),
            from_port: Some(80),
            to_port: Some(80),
            source,
            description: None,
        }
    }

    fn observed(rules: Vec<SgRule>) -> Observed {
        Observed {
            vpc_found: true,
            instance: Some(Instance {
                id: "i-1".into(),
                name: None,
                state: Some("running".into()),
                public_ip: None,
                enis: vec![Eni {
                    id: "eni-1".into(),
                    private_ip: Some("10.0.0.5".into()),
                    device_index: Some(0),
                }],
                security_groups: vec!["sg-1".into()],
                subnet_id: Some("subnet-1".into()),
            }),
            rules,
            ..Observed::default()
        }
    }

    fn env(lab: &Lab) -> Env<'_> {
        Env {
            lesson: lab,
            region: "ap-northeast-2",
            account: "123456789012",
            stand_in: None,
            now: 0,
        }
    }

    fn lab() -> Lab {
        Lab {
            id: "l".into(),
            assets: BTreeMap::new(),
            permissions: Vec::new(),
            steps: Vec::new(),
            files: Lab::default_files("l"),
        }
    }

    fn params(expect: Expect) -> Params {
        Params {
            vpc: "v".into(),
            port: 80,
            expect,
        }
    }

    #[test]
    fn closed_means_no_rule_lets_anyone_in() {
        let lab = lab();
        let open = observed(vec![rule("sgr-1", RuleSource::Cidr("0.0.0.0/0".into()))]);
        let f = check(&open, &params(Expect::Closed), &env(&lab));
        assert_eq!(f[0].status, Status::Fail);
        let cli = f[0]
            .remediation
            .as_ref()
            .and_then(|r| r.args.iter().find(|(k, _)| *k == "cli"))
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        assert!(cli.contains("--security-group-rule-ids sgr-1"), "{cli}");
        assert_eq!(
            check(&observed(Vec::new()), &params(Expect::Closed), &env(&lab))[0].status,
            Status::Pass
        );
        // Another group as the only source lets no outside request in.
        let by_group = observed(vec![rule("sgr-2", RuleSource::Group("sg-9".into()))]);
        assert_eq!(
            check(&by_group, &params(Expect::Closed), &env(&lab))[0].status,
            Status::Pass
        );
        assert_eq!(
            check(&open, &params(Expect::Open), &env(&lab))[0].status,
            Status::Pass
        );
    }

    #[test]
    fn opening_again_puts_back_what_was_removed_or_the_labs_rule() {
        let mut o = observed(Vec::new());
        let fallback = to_restore(&o, 80);
        assert_eq!(fallback.len(), 1);
        assert_eq!(fallback[0].source, RuleSource::Cidr("0.0.0.0/0".into()));
        o.removed = decode("sg-1", "tcp=80=80=198.51.100.0/24 -1=_=_=pl-123");
        assert_eq!(to_restore(&o, 80), o.removed);
    }

    #[test]
    fn the_memory_of_removed_rules_reads_back_as_written() {
        let rules = vec![
            rule("sgr-1", RuleSource::Cidr("0.0.0.0/0".into())),
            rule("sgr-2", RuleSource::Cidr("2001:db8::/32".into())),
            rule("sgr-3", RuleSource::PrefixList("pl-1".into())),
            SgRule {
                protocol: "-1".into(),
                from_port: None,
                to_port: None,
                ..rule("sgr-4", RuleSource::Group("sg-2".into()))
            },
        ];
        let back = decode("sg-1", &encode(&rules));
        let without_ids: Vec<SgRule> = rules
            .into_iter()
            .map(|r| SgRule {
                id: String::new(),
                ..r
            })
            .collect();
        assert_eq!(back, without_ids);
        assert!(decode("sg-1", "garbage tcp=x=80=0.0.0.0/0 tcp=80=80=").is_empty());
    }
}

#[cfg(test)]
mod check_tests;
