//! What `cleanup` removes: each step kind's `plan_removal` finds the lab's resources of that
//! kind and says why they belong to the lab; its `remove` deletes one. The plan is data, so the
//! front end can show it, ask about it, print it as JSON, and only then act on it.
//!
//! A resource counts as the lab's when it carries the lesson tag awslab puts on everything it
//! creates; one that only has the lab's name (made by hand in the console, as the course
//! teaches) is marked `tagged: false`, for the front end to delete only when asked to.

use super::Lab;
use super::{StepSpec, flow_log, log_group, policy, role, security_group_rule};
use crate::aws::{Aws, AwsError, FlowLog, LESSON_TAG, SgRule};
use crate::i18n::Text;

/// One resource to remove, with everything needed to do it.
#[derive(Debug, Clone, PartialEq)]
pub enum Target {
    FlowLog {
        id: String,
    },
    LogGroup {
        name: String,
    },
    /// The role and the lab's policy to detach from it first. A role with inline policies is
    /// never planned for removal: they are not the lab's.
    Role {
        name: String,
        detach: Vec<String>,
    },
    /// The policy and its versions not in force, which IAM wants gone first.
    Policy {
        arn: String,
        versions: Vec<String>,
    },
    /// Not a deletion: inbound rules a lesson took away, to put back (tagged with `lesson`).
    RestoreRules {
        rules: Vec<SgRule>,
        lesson: String,
    },
}

impl Target {
    pub fn kind(&self) -> &'static str {
        match self {
            Target::FlowLog { .. } => "flow-log",
            Target::LogGroup { .. } => "log-group",
            Target::Role { .. } => "role",
            Target::Policy { .. } => "policy",
            Target::RestoreRules { .. } => "sg-rule",
        }
    }

    /// Whether cleanup puts this back rather than deleting it.
    pub fn restores(&self) -> bool {
        matches!(self, Target::RestoreRules { .. })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Removal {
    /// The lesson step it belongs to.
    pub step: String,
    pub target: Target,
    /// What a person calls it: the flow log id, the role or log group name, the policy ARN.
    pub resource: String,
    /// Carries `awslab:lesson=<lesson id>`: awslab created it.
    pub tagged: bool,
    /// Has the lab's name. A resource looked up by name always has; a flow log found by its
    /// lesson tag may have been renamed since, and then it is asked about on its own.
    pub named: bool,
    /// Why it belongs to the lab.
    pub reason: Text,
    /// Why it stays whatever the user says: something besides the lab uses it.
    pub keep: Option<Text>,
    /// The AWS CLI commands that remove it, in order.
    pub cli: Vec<String>,
    /// Keys of removals that must have succeeded first (a policy still attached to the role).
    pub after: Vec<String>,
}

impl Removal {
    /// `kind:resource`, unique within a plan.
    pub fn key(&self) -> String {
        key(self.target.kind(), &self.resource)
    }
}

pub fn key(kind: &str, resource: &str) -> String {
    format!("{kind}:{resource}")
}

impl Removal {
    /// Provably the lab's: awslab made it for this lesson and it still has the lab's name.
    /// Anything else is deleted only after a question about it alone.
    pub fn is_provably_the_labs(&self) -> bool {
        self.tagged && self.named
    }
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
            let observed = flow_log::observe_vpc(aws, &p.vpc).await?;
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

/// Whether `tags` hold the lesson tag of `lesson`.
pub fn has_lesson_tag(tags: &[(String, String)], lesson: &Lab) -> bool {
    tags.iter().any(|(k, v)| k == LESSON_TAG && *v == lesson.id)
}

/// The tag as shown to users: `awslab:lesson=vpc-flow-logs`.
pub fn tag_text(lesson: &Lab) -> String {
    format!("{LESSON_TAG}={}", lesson.id)
}

/// Service answers meaning the thing is already gone, which is what a removal wants.
const GONE: &[&str] = &[
    "NoSuchEntity",
    "ResourceNotFoundException",
    "InvalidFlowLogId.NotFound",
];

impl StepSpec {
    /// This step's resources that still exist, in the order they must go. Reads only.
    pub async fn plan_removal(
        &self,
        aws: &Aws,
        lesson: &Lab,
        step: &str,
    ) -> Result<Vec<Removal>, AwsError> {
        match self {
            StepSpec::Policy(p) => policy::plan_removal(aws, p, lesson, step).await,
            StepSpec::Role(p) => role::plan_removal(aws, p, lesson, step).await,
            StepSpec::LogGroup(p) => log_group::plan_removal(aws, p, lesson, step).await,
            StepSpec::FlowLog(p) => flow_log::plan_removal(aws, p, lesson, step).await,
            StepSpec::SecurityGroupRule(p) => {
                security_group_rule::plan_removal(aws, p, lesson, step).await
            }
            // The trust policy goes with its role; the request leaves nothing behind.
            StepSpec::Trust(_) | StepSpec::Traffic(_) => Ok(Vec::new()),
        }
    }
}

/// Deletes one planned resource, dependents first. Something already gone counts as removed,
/// so running cleanup twice, or alongside the console, is harmless.
pub async fn remove(aws: &Aws, removal: &Removal) -> Result<(), AwsError> {
    let result = match &removal.target {
        Target::FlowLog { id } => flow_log::remove(aws, id).await,
        Target::LogGroup { name } => log_group::remove(aws, name).await,
        Target::Role { name, detach } => role::remove(aws, name, detach).await,
        Target::Policy { arn, versions } => policy::remove(aws, arn, versions).await,
        Target::RestoreRules { rules, lesson } => {
            security_group_rule::restore_rules(aws, rules, lesson).await
        }
    };
    match result {
        Err(e) if e.code.as_deref().is_some_and(|c| GONE.contains(&c)) => Ok(()),
        other => other,
    }
}

/// Every step's removals, in the order they must go: the reverse of the lesson's order, so
/// the flow log goes before the log group and the role, and the role before its policy.
pub async fn plan(aws: &Aws, lesson: &Lab) -> Result<Vec<Removal>, AwsError> {
    let mut out: Vec<Removal> = Vec::new();
    for step in lesson.steps.iter().rev() {
        for mut r in step.spec.plan_removal(aws, lesson, &step.id).await? {
            r.cli = r
                .cli
                .iter()
                .map(|c| super::regional(c, &aws.region))
                .collect();
            if !out.iter().any(|o| o.key() == r.key()) {
                out.push(r);
            }
        }
    }
    Ok(out)
}
