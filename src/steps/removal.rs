//! What `cleanup` removes, as data: each step kind's `plan_removal` finds the lab's resources of
//! that kind and says why they belong to the lab as a [`Removal`]; its `remove` deletes one
//! [`Target`]. (`steps::cleanup_plan` and `steps::remove` ask every kind.) The plan is data, so
//! the front end can show it, ask about it, print it as JSON, and only then act on it. This
//! module names no step kind: the kinds build removals from it.
//!
//! A resource counts as the lab's when it carries the lesson tag awslab puts on everything it
//! creates; one that only has the lab's name (made by hand in the console, as the course
//! teaches) is marked `tagged: false`, for the front end to delete only when asked to.

use super::Lab;
use crate::aws::{LESSON_TAG, SgRule};
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

/// Whether `tags` hold the lesson tag of `lesson`.
pub fn has_lesson_tag(tags: &[(String, String)], lesson: &Lab) -> bool {
    tags.iter().any(|(k, v)| k == LESSON_TAG && *v == lesson.id)
}

/// The tag as shown to users: `awslab:lesson=vpc-flow-logs`.
pub fn tag_text(lesson: &Lab) -> String {
    format!("{LESSON_TAG}={}", lesson.id)
}

/// Service answers meaning the thing is already gone, which is what a removal wants.
pub(super) const GONE: &[&str] = &[
    "NoSuchEntity",
    "ResourceNotFoundException",
    "InvalidFlowLogId.NotFound",
];
