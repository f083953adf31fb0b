//! Step kind `flow-log`: a flow log on the lab's VPC, to the log group, through the role.

use super::Lab;
use super::removal::has_lesson_tag;
use super::{Change, Consent, Env, Seen, StepSpec, found, lesson_tag, sh};
use crate::aws::{Aws, AwsError, FlowLog, NewFlowLog, Vpc};
use crate::finding::{Finding, Status};
use crate::i18n::Text;
use futures::future::join_all;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The VPC's Name tag.
    pub vpc: String,
    /// The flow log's Name tag (the console's "Name").
    pub name: String,
    pub log_group: String,
    pub role: String,
    pub traffic_type: String,
    /// Suggested to shorten the wait for records.
    pub max_aggregation_interval: Option<i32>,
}

/// The step's parameters from its `with` table.
pub fn params(with: toml::Table) -> Result<Params, String> {
    super::params(with)
}

#[derive(Debug)]
pub struct Observed {
    pub vpcs: Vec<Vpc>,
    pub flow_logs: Vec<FlowLog>,
    /// The lab role's ARN, path included, when the role exists (the one to deliver through).
    pub role_arn: Option<String>,
    /// When no VPC has the lab's name: the names of those that are close to it.
    pub similar_vpcs: Vec<String>,
}

/// The lab's VPCs and every flow log on them; shared with the `traffic` kind.
pub async fn observe_vpc(aws: &Aws, vpc_name: &str) -> Result<Observed, AwsError> {
    let vpcs = aws.vpcs_named(vpc_name).await?;
    let similar_vpcs = match vpcs.is_empty() {
        true => {
            let names = aws.vpc_names().await?;
            super::similar_names(vpc_name, names.iter().map(String::as_str))
        }
        false => Vec::new(),
    };
    let per_vpc = join_all(vpcs.iter().map(|v| aws.flow_logs_of(&v.id))).await;
    let mut flow_logs = Vec::new();
    for logs in per_vpc {
        flow_logs.extend(logs?);
    }
    Ok(Observed {
        vpcs,
        flow_logs,
        role_arn: None,
        similar_vpcs,
    })
}

pub async fn observe(aws: &Aws, p: &Params, _lesson: &Lab) -> Result<Observed, AwsError> {
    let (observed, role) = tokio::join!(observe_vpc(aws, &p.vpc), aws.role(&p.role));
    Ok(Observed {
        role_arn: role?.map(|r| r.arn),
        ..observed?
    })
}

/// What a flow log must be for the lab, as far as the caller knows it: the `traffic` kind
/// knows the name and the log group, the `flow-log` kind everything.
pub struct Wanted<'a> {
    pub name: &'a str,
    pub log_group: &'a str,
    pub role: Option<&'a str>,
    pub traffic_type: Option<&'a str>,
}

impl<'a> From<&'a Params> for Wanted<'a> {
    fn from(p: &'a Params) -> Wanted<'a> {
        Wanted {
            name: &p.name,
            log_group: &p.log_group,
            role: Some(&p.role),
            traffic_type: Some(&p.traffic_type),
        }
    }
}

/// The flow logs that may be the lab's: the ones with the lab's Name tag, and those awslab made
/// for this lesson (its lesson tag) under another name. A flow log that carries neither is not
/// the lab's, however much else about it matches: judging it, or worse replacing it, could cost
/// someone the flow log they rely on.
pub fn candidates<'a>(flow_logs: &'a [FlowLog], name: &str, lesson: &Lab) -> Vec<&'a FlowLog> {
    flow_logs
        .iter()
        .filter(|f| f.name() == Some(name) || has_lesson_tag(&f.tags, lesson))
        .collect()
}

/// The lab's flow log, and the other candidates beside it. Among several (a right one and a
/// leftover of an earlier try), the one that fits the step best is judged, so a student is
/// never failed for an old try that is also there: most of what the step asks, then delivering,
/// the lab's name, the lesson tag, the newest.
pub fn pick<'a>(
    flow_logs: &'a [FlowLog],
    wanted: &Wanted,
    lesson: &Lab,
) -> (Option<&'a FlowLog>, Vec<&'a FlowLog>) {
    let mut all = candidates(flow_logs, wanted.name, lesson);
    all.sort_by_key(|f| std::cmp::Reverse(fit(f, wanted, lesson)));
    let mut all = all.into_iter();
    let judged = all.next();
    (judged, all.collect())
}

/// The flow log the step judges, and whether it is only provisionally the lab's: the best
/// candidate, else one that delivers to the lab's log group without the lab's name (most
/// likely the student's, judged in full but never taken as the lab's). Then the other
/// candidates.
fn lab_flow_log<'a>(
    flow_logs: &'a [FlowLog],
    p: &Params,
    lesson: &Lab,
) -> (Option<(&'a FlowLog, bool)>, Vec<&'a FlowLog>) {
    let (judged, others) = pick(flow_logs, &Wanted::from(p), lesson);
    let found = judged
        .map(|fl| (fl, false))
        .or_else(|| unnamed_candidate(flow_logs, &p.log_group).map(|fl| (fl, true)));
    (found, others)
}

/// How well `f` fits, larger is better (compared in order).
fn fit(f: &FlowLog, w: &Wanted, lesson: &Lab) -> (u8, bool, bool, bool, bool, i64) {
    let to_logs = f.to_cloudwatch_logs();
    let traffic = f.traffic_type.as_deref();
    let right = [
        to_logs,
        to_logs && f.log_group.as_deref() == Some(w.log_group),
        w.role
            .is_none_or(|r| f.role_arn.as_deref().map(role_name) == Some(r)),
        match w.traffic_type {
            Some(t) => traffic == Some(t),
            None => traffic == Some("ALL"),
        },
    ];
    (
        right.iter().filter(|r| **r).count() as u8,
        f.deliver_status.as_deref() != Some("FAILED"),
        f.name() == Some(w.name),
        has_lesson_tag(&f.tags, lesson),
        to_logs,
        f.created.unwrap_or(0),
    )
}

/// A flow log that delivers to the lab's log group but carries neither the lab's name nor the
/// lesson tag: most likely the student's, made without the name. Shown, never assumed.
fn unnamed_candidate<'a>(flow_logs: &'a [FlowLog], log_group: &str) -> Option<&'a FlowLog> {
    flow_logs
        .iter()
        .find(|f| f.to_cloudwatch_logs() && f.log_group.as_deref() == Some(log_group))
}

/// The role to deliver through: its real ARN (a role made with a path has the path in it), or
/// the ARN it will have once the role step creates it.
fn lab_role_arn(o: &Observed, p: &Params, account: &str) -> String {
    o.role_arn
        .clone()
        .unwrap_or_else(|| format!("arn:aws:iam::{account}:role/{}", p.role))
}

pub fn role_name(arn: &str) -> &str {
    arn.rsplit('/').next().unwrap_or(arn)
}

fn arn_account(arn: &str) -> Option<&str> {
    arn.split(':').nth(4)
}

pub fn check(o: &Observed, p: &Params, env: &Env) -> Vec<Finding> {
    if o.vpcs.is_empty() {
        return vec![
            Finding::fail(
                "vpc",
                match o.similar_vpcs.is_empty() {
                    true => Text::new("flow-log.no-vpc"),
                    false => Text::new("flow-log.no-vpc-similar")
                        .arg("similar", o.similar_vpcs.join(", ")),
                }
                .arg("vpc", &p.vpc)
                .arg("region", env.region),
            )
            .fix(Text::new("flow-log.fix-vpc").arg("vpc", &p.vpc)),
        ];
    }
    let vpc_id = o.vpcs[0].id.clone();
    let role_arn = lab_role_arn(o, p, env.account);
    // The lesson tag rides along, so that cleanup knows a flow log made by hand with this
    // command as the lab's.
    let (tag_key, tag_value) = lesson_tag(env.lesson);
    let create_cli = create_cli(&NewFlowLog {
        vpc_id: &vpc_id,
        traffic_type: &p.traffic_type,
        log_group: &p.log_group,
        role_arn: &role_arn,
        max_aggregation_interval: Some(p.max_aggregation_interval.unwrap_or(600)),
        tags: &[("Name", p.name.as_str()), (tag_key, tag_value)],
    });
    // The console's path names every field the check judges, with the lab's values.
    let fields = |text: Text| {
        text.arg("vpc", &p.vpc)
            .arg("name", &p.name)
            .arg("group", &p.log_group)
            .arg("role", &p.role)
            .arg("interval", p.max_aggregation_interval.unwrap_or(600) / 60)
    };
    let create = fields(Text::new("flow-log.fix-create")).arg("cli", &create_cli);
    let (found, others) = lab_flow_log(&o.flow_logs, p, env.lesson);
    let Some((fl, provisional)) = found else {
        return vec![
            Finding::fail(
                "exists",
                Text::new("flow-log.missing")
                    .arg("vpc", &p.vpc)
                    .arg("vpc_id", &vpc_id),
            )
            .fix(create)
            .on(vpc_id),
        ];
    };
    let recreate = fields(Text::new("flow-log.fix-recreate"))
        .arg("id", &fl.id)
        .arg("cli", recreate_cli(&fl.id, &create_cli));
    let on = |f: Finding| f.on(&fl.id);
    let mut out = vec![if provisional {
        on(Finding::fail(
            "exists",
            match fl.name() {
                None => Text::new("flow-log.not-named"),
                Some(current) => Text::new("flow-log.named-otherwise").arg("current", current),
            }
            .arg("id", &fl.id)
            .arg("group", &p.log_group)
            .arg("name", &p.name),
        )
        .fix(name_fix(&fl.id, &p.name, &p.vpc)))
    } else {
        on(Finding::pass(
            "exists",
            Text::new("flow-log.exists")
                .arg("vpc", &p.vpc)
                .arg("id", &fl.id),
        )
        .at(fl.created))
    }];

    let destination = fl.destination_type.as_deref().unwrap_or("?");
    if destination != "cloud-watch-logs" {
        out.push(on(Finding::fail(
            "destination",
            Text::new("flow-log.wrong-destination").arg("destination", destination),
        )
        .fix(recreate.clone())));
    } else {
        let group = fl.log_group.as_deref().unwrap_or("");
        out.push(on(if group == p.log_group {
            Finding::pass(
                "log-group",
                Text::new("flow-log.log-group-ok").arg("group", group),
            )
        } else {
            Finding::fail(
                "log-group",
                Text::new("flow-log.wrong-log-group")
                    .arg("group", group)
                    .arg("wanted", &p.log_group),
            )
            .fix(recreate.clone())
        }));
    }

    let actual_role = fl.role_arn.as_deref().unwrap_or("");
    out.push(on(if actual_role.is_empty() {
        Finding::fail("role", Text::new("flow-log.no-role").arg("wanted", &p.role))
            .fix(recreate.clone())
    } else if role_name(actual_role) != p.role {
        Finding::fail(
            "role",
            Text::new("flow-log.wrong-role")
                .arg("role", role_name(actual_role))
                .arg("wanted", &p.role),
        )
        .fix(recreate.clone())
    } else if arn_account(actual_role).is_some_and(|a| a != env.account) {
        Finding::fail(
            "role",
            Text::new("flow-log.role-other-account")
                .arg("arn", actual_role)
                .arg("account", env.account),
        )
        .fix(recreate.clone())
    } else {
        Finding::pass("role", Text::new("flow-log.role-ok").arg("role", &p.role))
    }));

    let traffic = fl.traffic_type.as_deref().unwrap_or("?");
    out.push(on(match traffic {
        t if t == p.traffic_type => Finding::pass(
            "traffic-type",
            Text::new("flow-log.traffic-ok").arg("type", t),
        ),
        // Accepted requests still show up, but REJECT records never do, and the lesson
        // after this one reads them: the student would meet the problem there, unexplained.
        "ACCEPT" => Finding::fail(
            "traffic-type",
            Text::new("flow-log.traffic-accept").arg("wanted", &p.traffic_type),
        )
        .fix(recreate.clone()),
        t => Finding::fail(
            "traffic-type",
            Text::new("flow-log.traffic-wrong")
                .arg("type", t)
                .arg("wanted", &p.traffic_type),
        )
        .fix(recreate.clone()),
    }));

    out.extend((!provisional).then(|| {
        on(match fl.name() {
            Some(n) if n == p.name => {
                Finding::pass("name", Text::new("flow-log.name-ok").arg("name", n))
            }
            Some(n) => Finding::warn(
                "name",
                Text::new("flow-log.name-other")
                    .arg("name", n)
                    .arg("wanted", &p.name),
            )
            .fix(name_fix(&fl.id, &p.name, &p.vpc)),
            None => Finding::warn(
                "name",
                Text::new("flow-log.name-missing").arg("wanted", &p.name),
            )
            .fix(name_fix(&fl.id, &p.name, &p.vpc)),
        })
    }));

    if fl.deliver_status.as_deref() == Some("FAILED") {
        let error = fl.deliver_error.as_deref().unwrap_or("");
        let key = match error {
            "Access error" => "flow-log.delivery-access",
            "Rate limited" => "flow-log.delivery-rate",
            _ => "flow-log.delivery-unknown",
        };
        // Throttling passes by itself: nothing to recreate, so it has an id of its own, which
        // neither the recreate fix nor "do it for me" acts on. Otherwise the cause is in the
        // role, its trust or its policy, and recreating helps only once those are right.
        let id = if error == "Rate limited" {
            "delivery-rate"
        } else {
            "delivery"
        };
        let finding = Finding::fail(id, Text::new(key).arg("error", error).arg("role", &p.role));
        out.push(on(match error {
            "Rate limited" => finding,
            _ => finding.fix(
                Text::new("flow-log.fix-delivery")
                    .arg("role", &p.role)
                    .arg("id", &fl.id)
                    .arg("cli", recreate_cli(&fl.id, &create_cli)),
            ),
        }));
    }

    if let Some(wanted) = p.max_aggregation_interval {
        let actual = fl.max_aggregation_interval.unwrap_or(600);
        if actual > wanted {
            out.push(on(Finding::tip(
                "aggregation",
                Text::new("flow-log.slow-aggregation")
                    .arg("seconds", actual)
                    .arg("wanted", wanted),
            )));
        }
    }
    // A flow log that must be made again gets its name with the new one: naming this one first
    // would be wasted work, so the recreate fix is the one shown, and first.
    let recreates = |f: &Finding| f.status == Status::Fail && RECREATE_FOR.contains(&f.id.as_str());
    if out.iter().any(recreates) {
        for f in &mut out {
            if matches!(f.id.as_str(), "exists" | "name") {
                f.remediation = None;
            }
        }
        out.sort_by_key(|f| !recreates(f));
    }
    if !others.is_empty() {
        let list: Vec<String> = others.iter().map(|f| describe(f)).collect();
        let cli: Vec<String> = others
            .iter()
            .map(|f| format!("aws ec2 delete-flow-logs --flow-log-ids {}", sh(&f.id)))
            .collect();
        out.push(
            Finding::tip(
                "others",
                Text::new("flow-log.others")
                    .arg("id", &fl.id)
                    .arg("count", others.len())
                    .arg("others", list.join("; ")),
            )
            .fix(Text::new("flow-log.fix-others").arg("cli", cli.join(" && ")))
            .on(others
                .iter()
                .map(|f| f.id.as_str())
                .collect::<Vec<_>>()
                .join(", ")),
        );
    }
    out
}

/// A flow log as a person tells it apart from another: id, name, filter, where it delivers.
pub fn describe(f: &FlowLog) -> String {
    format!(
        "{} ({}, {}, {})",
        f.id,
        f.name().unwrap_or("-"),
        f.traffic_type.as_deref().unwrap_or("?"),
        f.log_group
            .as_deref()
            .or(f.destination.as_deref())
            .unwrap_or("?")
    )
}

/// Deletes `fl` and makes it again as it was, but recording all traffic: what a flow log with
/// a filter that leaves out the records a lesson needs must become.
pub fn recreate_all_cli(fl: &FlowLog, name: &str, lesson: &Lab) -> String {
    let (tag_key, tag_value) = lesson_tag(lesson);
    let spec = NewFlowLog {
        vpc_id: fl.resource_id.as_deref().unwrap_or("?"),
        traffic_type: "ALL",
        log_group: fl.log_group.as_deref().unwrap_or("?"),
        role_arn: fl.role_arn.as_deref().unwrap_or("?"),
        max_aggregation_interval: fl.max_aggregation_interval,
        tags: &[("Name", name), (tag_key, tag_value)],
    };
    recreate_cli(&fl.id, &create_cli(&spec))
}

fn recreate_cli(id: &str, create_cli: &str) -> String {
    format!(
        "aws ec2 delete-flow-logs --flow-log-ids {} && {create_cli}",
        sh(id)
    )
}

fn name_cli(id: &str, name: &str) -> String {
    format!(
        "aws ec2 create-tags --resources {} --tags {}",
        sh(id),
        sh(&format!("Key=Name,Value={name}"))
    )
}

fn name_fix(id: &str, name: &str, vpc: &str) -> Text {
    Text::new("flow-log.fix-name")
        .arg("id", id)
        .arg("name", name)
        .arg("vpc", vpc)
        .arg("cli", name_cli(id, name))
}

/// What the check finds wrong with a flow log that only deleting it and creating it again can
/// fix: none of these can be edited on an existing flow log. A delivery failure is here too,
/// as the check's own fix says: once the role and log group are right, a new flow log starts
/// delivering with a clean status.
const RECREATE_FOR: &[&str] = &[
    "destination",
    "log-group",
    "role",
    "traffic-type",
    "delivery",
];

/// Creates the flow log when the VPC has none that is the lab's, with the Name tag, the lesson
/// tag and the lesson's aggregation interval; names it when only its Name tag is off.
///
/// A flow log that is wrong in what cannot be edited (destination, log group, role, traffic
/// type, failed delivery) has to be deleted and created again, and a flow log that delivers to
/// the lab's log group without the lab's name or tag may be someone else's: both changes are
/// destructive, made only for the flow log `consent` names. Without it nothing is written and
/// the answer holds the one `destructive` change still to be agreed to, with the CLI commands.
///
/// A missing VPC is the instructor's to prepare: apply never creates or changes the VPC or its
/// instance, and leaves that failure for the check to report.
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
    let Some(vpc) = observed.vpcs.first() else {
        return Ok(Vec::new());
    };
    let role_arn = lab_role_arn(&observed, p, &identity.account);
    let (tag_key, tag_value) = lesson_tag(lesson);
    let tags = [("Name", p.name.as_str()), (tag_key, tag_value)];
    let spec = NewFlowLog {
        vpc_id: &vpc.id,
        traffic_type: &p.traffic_type,
        log_group: &p.log_group,
        role_arn: &role_arn,
        max_aggregation_interval: p.max_aggregation_interval,
        tags: &tags,
    };
    let created = |id: &str| {
        Change::new(
            Text::new("apply.flow-log-created")
                .arg("name", &p.name)
                .arg("id", id)
                .arg("vpc", &p.vpc)
                .arg("traffic", &p.traffic_type)
                .arg("group", &p.log_group)
                .arg("role", &p.role),
            create_cli(&spec),
        )
    };

    let Some((existing, provisional)) = lab_flow_log(&observed.flow_logs, p, lesson).0 else {
        if !found(&findings, "exists", &[Status::Fail]) {
            return Ok(Vec::new());
        }
        let id = aws.create_flow_log(&spec).await?;
        return Ok(vec![created(&id)]);
    };
    let wrong: Vec<&str> = RECREATE_FOR
        .iter()
        .copied()
        .filter(|id| found(&findings, id, &[Status::Fail]))
        .collect();
    if !wrong.is_empty() {
        let delete_cli = format!(
            "aws ec2 delete-flow-logs --flow-log-ids {}",
            sh(&existing.id)
        );
        if !consent.covers(&existing.id) {
            return Ok(vec![Change::destructive(
                Text::new("apply.flow-log-needs-recreate")
                    .arg("id", &existing.id)
                    .arg("reasons", wrong.join(", ")),
                format!("{delete_cli} && {}", create_cli(&spec)),
                &existing.id,
            )]);
        }
        aws.delete_flow_logs(&[&existing.id]).await?;
        let deleted = Change::destructive(
            Text::new("apply.flow-log-deleted")
                .arg("id", &existing.id)
                .arg("reasons", wrong.join(", ")),
            delete_cli,
            &existing.id,
        );
        let id = aws.create_flow_log(&spec).await?;
        return Ok(vec![deleted, created(&id)]);
    }

    if provisional {
        // AWS refuses a second flow log of the same configuration, and this one may be the
        // student's own: naming it is theirs to agree to.
        let change = |done: bool| {
            Change::destructive(
                Text::new(if done {
                    "apply.flow-log-named"
                } else {
                    "apply.flow-log-name-other"
                })
                .arg("id", &existing.id)
                .arg("name", &p.name)
                .arg("group", &p.log_group),
                name_cli(&existing.id, &p.name),
                &existing.id,
            )
        };
        if !consent.covers(&existing.id) {
            return Ok(vec![change(false)]);
        }
        aws.create_tags(&existing.id, &[("Name", &p.name)]).await?;
        return Ok(vec![change(true)]);
    }
    if found(&findings, "name", &[Status::Fail, Status::Warn]) {
        aws.create_tags(&existing.id, &[("Name", &p.name)]).await?;
        return Ok(vec![Change::new(
            Text::new("apply.flow-log-named")
                .arg("id", &existing.id)
                .arg("name", &p.name),
            name_cli(&existing.id, &p.name),
        )]);
    }
    Ok(Vec::new())
}

/// The CLI command that creates the flow log `apply` creates, tags included.
fn create_cli(spec: &NewFlowLog) -> String {
    let tags: Vec<String> = spec
        .tags
        .iter()
        .map(|(k, v)| format!("{{Key={k},Value={v}}}"))
        .collect();
    let mut cli = format!(
        "aws ec2 create-flow-logs --resource-type VPC --resource-ids {} --traffic-type {} \
         --log-destination-type cloud-watch-logs --log-group-name {} \
         --deliver-logs-permission-arn {}",
        sh(spec.vpc_id),
        sh(spec.traffic_type),
        sh(spec.log_group),
        sh(spec.role_arn),
    );
    if let Some(seconds) = spec.max_aggregation_interval {
        cli.push_str(&format!(" --max-aggregation-interval {seconds}"));
    }
    cli.push_str(&format!(
        " --tag-specifications {}",
        sh(&format!(
            "ResourceType=vpc-flow-log,Tags=[{}]",
            tags.join(",")
        ))
    ));
    cli
}

// ---------------------------------------------------------------------------------------------
// cleanup

/// The lab's flow logs on the lab's VPC: the ones with its Name tag, and any awslab tagged for
/// this lesson whatever they are called now (one renamed since is asked about on its own).
/// Other flow logs on the VPC are not the lab's.
pub async fn plan_removal(
    aws: &Aws,
    p: &Params,
    lesson: &Lab,
    step: &str,
) -> Result<Vec<super::removal::Removal>, AwsError> {
    use super::removal::{Removal, Target, has_lesson_tag, tag_text};
    let observed = observe_vpc(aws, &p.vpc).await?;
    Ok(observed
        .flow_logs
        .iter()
        .filter_map(|fl| {
            let tagged = has_lesson_tag(&fl.tags, lesson);
            let named = fl.name() == Some(p.name.as_str());
            if !tagged && !named {
                return None;
            }
            let vpc = fl.resource_id.clone().unwrap_or_else(|| p.vpc.clone());
            let reason = if tagged {
                Text::new("cleanup.reason-flow-log-tagged").arg("tag", tag_text(lesson))
            } else {
                Text::new("cleanup.reason-flow-log-named")
            }
            .arg("name", fl.name().unwrap_or("-"))
            .arg("vpc", format!("{} ({vpc})", p.vpc));
            Some(Removal {
                step: step.to_string(),
                target: Target::FlowLog { id: fl.id.clone() },
                resource: fl.id.clone(),
                tagged,
                named,
                reason,
                keep: None,
                cli: vec![format!(
                    "aws ec2 delete-flow-logs --flow-log-ids {}",
                    sh(&fl.id)
                )],
                after: Vec::new(),
            })
        })
        .collect())
}

/// The flow logs in the region that cleanup counts as the lab's (on the lab's VPC, with its
/// name or its lesson tag), and every other flow log there: what else may deliver through the
/// lab's role or into its log group.
pub async fn flow_logs_split(
    aws: &Aws,
    lesson: &Lab,
) -> Result<(Vec<FlowLog>, Vec<FlowLog>), AwsError> {
    let mut lab: Vec<FlowLog> = Vec::new();
    for step in &lesson.steps {
        if let StepSpec::FlowLog(p) = &step.spec {
            let observed = observe_vpc(aws, &p.vpc).await?;
            lab.extend(
                observed.flow_logs.into_iter().filter(|f| {
                    f.name() == Some(p.name.as_str()) || has_lesson_tag(&f.tags, lesson)
                }),
            );
        }
    }
    let others = aws
        .region_flow_logs()
        .await?
        .into_iter()
        .filter(|f| !lab.iter().any(|l| l.id == f.id))
        .collect();
    Ok((lab, others))
}

pub async fn remove(aws: &Aws, id: &str) -> Result<(), AwsError> {
    aws.delete_flow_logs(&[id]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vpc_name_close_to_the_labs_is_offered() {
        let lab = Lab {
            id: "l".into(),
            assets: Default::default(),
            permissions: Vec::new(),
            steps: Vec::new(),
            files: Lab::default_files("l"),
        };
        let env = Env {
            lesson: &lab,
            region: "ap-northeast-2",
            account: "123456789012",
            stand_in: None,
            now: 0,
        };
        let p = Params {
            vpc: "MyVpc22".into(),
            name: "my-flowlog".into(),
            log_group: "MyVpc22-Log".into(),
            role: "my-flowlog-role".into(),
            traffic_type: "ALL".into(),
            max_aggregation_interval: None,
        };
        let o = Observed {
            vpcs: Vec::new(),
            flow_logs: Vec::new(),
            role_arn: None,
            similar_vpcs: vec!["MyVPC22".into()],
        };
        let found = check(&o, &p, &env);
        assert_eq!(found[0].message.key, "flow-log.no-vpc-similar");
        assert!(
            found[0]
                .message
                .render(crate::i18n::Lang::Ko)
                .contains("MyVPC22")
        );
    }

    #[test]
    fn the_create_command_carries_every_tag_in_one_quoted_argument() {
        let spec = NewFlowLog {
            vpc_id: "vpc-1",
            traffic_type: "ALL",
            log_group: "MyVpc22-Log",
            role_arn: "arn:aws:iam::111122223333:role/my-flowlog-role",
            max_aggregation_interval: Some(60),
            tags: &[("Name", "my flowlog"), ("awslab:lesson", "vpc-flow-logs")],
        };
        assert_eq!(
            create_cli(&spec),
            "aws ec2 create-flow-logs --resource-type VPC --resource-ids vpc-1 --traffic-type ALL \
             --log-destination-type cloud-watch-logs --log-group-name MyVpc22-Log \
             --deliver-logs-permission-arn arn:aws:iam::111122223333:role/my-flowlog-role \
             --max-aggregation-interval 60 --tag-specifications \
             'ResourceType=vpc-flow-log,Tags=[{Key=Name,Value=my flowlog},{Key=awslab:lesson,Value=vpc-flow-logs}]'"
        );
        let default_interval = NewFlowLog {
            max_aggregation_interval: None,
            ..spec
        };
        assert!(!create_cli(&default_interval).contains("--max-aggregation-interval"));
    }
}

#[cfg(test)]
mod check_tests;
