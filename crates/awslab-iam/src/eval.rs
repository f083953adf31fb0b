//! Evaluation of a request against a set of policy documents, following the
//! IAM evaluation logic: an explicit Deny wins, otherwise an Allow is needed,
//! otherwise the request is implicitly denied. With a permissions boundary,
//! both the identity policies and the boundary must allow.
//!
//! Unlike IAM, which always knows the full request context, this tool only
//! knows what its caller put into the [`RequestContext`]. Conditions are
//! therefore three-valued, an undecidable condition never counts as
//! satisfied, and a decision that hinges on one is [`Decision::Uncertain`],
//! with every undecidable part listed in [`Evaluation::undecided`].

use super::context::RequestContext;
use super::document::{ActionSpec, Condition, Effect, PolicyDocument, ResourceSpec, Statement};
use super::glob::{glob_match, tokens_match};
use super::operators::{self, Outcome};
use super::principal::{Principal, principal_listed};
use super::undecided::UndecidedReason;
use super::variables::{Resolved, resolve_resource};

/// The request being checked.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// e.g. `logs:PutLogEvents` or `sts:AssumeRole`.
    pub action: &'a str,
    /// `None` for trust policies, whose statements have no `Resource`.
    pub resource: Option<&'a str>,
    /// `Some` for trust policies: who asks to assume the role.
    pub principal: Option<&'a Principal>,
    /// What is known about the request's condition keys.
    pub context: &'a RequestContext,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A Deny statement definitely applies.
    ExplicitDeny,
    /// Nothing allows the request (a Deny may or may not apply too).
    ImplicitDeny,
    /// The outcome depends on something undecidable: only undecidable
    /// statements allow, or a Deny that may apply stands against an Allow.
    /// Callers should treat it as "not allowed".
    Uncertain,
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Decision::Allow => "allowed",
            Decision::ExplicitDeny => "explicitly denied",
            Decision::ImplicitDeny => "not allowed (implicit deny)",
            Decision::Uncertain => "uncertain (depends on unknown conditions)",
        })
    }
}

/// Points at one statement of the documents passed to [`evaluate`] or
/// [`evaluate_identity`] (where the boundary is document `identity.len()`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// Index into the documents.
    pub document: usize,
    /// Index into that document's `statements`.
    pub statement: usize,
    pub sid: Option<String>,
}

/// One part of a matching statement that could not be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Undecided {
    pub statement: StatementRef,
    pub effect: Effect,
    /// The undecidable condition; `None` when it is the statement's
    /// `Resource`/`NotResource` (a policy variable there).
    pub condition: Option<Condition>,
    pub reason: UndecidedReason,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// Allow statements that applied, definitely or undecidably.
    pub allow_statements: Vec<StatementRef>,
    /// Deny statements that applied, definitely or undecidably.
    pub deny_statements: Vec<StatementRef>,
    /// The undecidable parts of the statements that may apply. Statements
    /// ruled out by a definitely false condition contribute nothing.
    pub undecided: Vec<Undecided>,
}

/// Evaluates `request` against the union of `documents`, as if they were all
/// attached to the same principal (or all were the same role's trust policy).
pub fn evaluate(documents: &[&PolicyDocument], request: &Request) -> Evaluation {
    let tally = Tally::of(documents, 0, request);
    Evaluation {
        decision: tally.decision(),
        allow_statements: tally.allow_statements,
        deny_statements: tally.deny_statements,
        undecided: tally.undecided,
    }
}

/// Evaluates `request` made by a principal with the `identity` policies and,
/// if it has one, the permissions `boundary`: allowed only if the identity
/// policies allow and the boundary allows too; an explicit Deny in either
/// wins. Boundary statements are reported with document index
/// `identity.len()`. Not modelled: SCPs, RCPs, session policies and
/// resource-based policies.
pub fn evaluate_identity(
    identity: &[&PolicyDocument],
    boundary: Option<&PolicyDocument>,
    request: &Request,
) -> Evaluation {
    let mut tally = Tally::of(identity, 0, request);
    let mut decision = tally.decision();
    if let Some(boundary) = boundary {
        let limit = Tally::of(&[boundary], identity.len(), request);
        decision = match (decision, limit.decision()) {
            (Decision::ExplicitDeny, _) | (_, Decision::ExplicitDeny) => Decision::ExplicitDeny,
            (Decision::Allow, Decision::Allow) => Decision::Allow,
            (Decision::ImplicitDeny, _) | (_, Decision::ImplicitDeny) => Decision::ImplicitDeny,
            _ => Decision::Uncertain,
        };
        tally.allow_statements.extend(limit.allow_statements);
        tally.deny_statements.extend(limit.deny_statements);
        tally.undecided.extend(limit.undecided);
    }
    Evaluation {
        decision,
        allow_statements: tally.allow_statements,
        deny_statements: tally.deny_statements,
        undecided: tally.undecided,
    }
}

/// What the statements of one set of documents say about a request.
#[derive(Default)]
struct Tally {
    allow_definite: bool,
    allow_maybe: bool,
    deny_definite: bool,
    deny_maybe: bool,
    allow_statements: Vec<StatementRef>,
    deny_statements: Vec<StatementRef>,
    undecided: Vec<Undecided>,
}

impl Tally {
    fn of(documents: &[&PolicyDocument], first_index: usize, request: &Request) -> Self {
        let mut tally = Self::default();
        for (offset, document) in documents.iter().enumerate() {
            let variables = document.supports_variables();
            for (index, statement) in document.statements.iter().enumerate() {
                let Some(open) = applies(statement, request, variables) else {
                    continue;
                };
                let reference = StatementRef {
                    document: first_index + offset,
                    statement: index,
                    sid: statement.sid.clone(),
                };
                let definite = open.is_empty();
                tally
                    .undecided
                    .extend(open.into_iter().map(|(condition, reason)| Undecided {
                        statement: reference.clone(),
                        effect: statement.effect,
                        condition,
                        reason,
                    }));
                match statement.effect {
                    Effect::Allow => {
                        tally.allow_definite |= definite;
                        tally.allow_maybe |= !definite;
                        tally.allow_statements.push(reference);
                    }
                    Effect::Deny => {
                        tally.deny_definite |= definite;
                        tally.deny_maybe |= !definite;
                        tally.deny_statements.push(reference);
                    }
                }
            }
        }
        tally
    }

    fn decision(&self) -> Decision {
        if self.deny_definite {
            Decision::ExplicitDeny
        } else if self.allow_definite && !self.deny_maybe {
            Decision::Allow
        } else if self.allow_definite || self.allow_maybe {
            Decision::Uncertain
        } else {
            // A Deny that may apply changes nothing when nothing allows.
            Decision::ImplicitDeny
        }
    }
}

/// An undecidable part of a statement: the condition (`None` for the
/// resource) and why.
type Open = (Option<Condition>, UndecidedReason);

/// `None` if the statement definitely does not apply to the request;
/// otherwise what about it is undecidable (empty: it definitely applies).
fn applies(statement: &Statement, request: &Request, variables: bool) -> Option<Vec<Open>> {
    if !action_matches(&statement.actions, request.action)
        || !principal_matches(statement, request.principal)
    {
        return None;
    }
    let mut open = Vec::new();
    match resource_matches(&statement.resources, request, variables) {
        Outcome::Yes => {}
        Outcome::No => return None,
        Outcome::Undecided(reason) => open.push((None, reason)),
    }
    for condition in &statement.conditions {
        match operators::evaluate(condition, request.context, variables) {
            Outcome::Yes => {}
            // A condition that is definitely false makes the others
            // irrelevant, so they are not reported as undecided.
            Outcome::No => return None,
            Outcome::Undecided(reason) => open.push((Some(condition.clone()), reason)),
        }
    }
    Some(open)
}

fn action_matches(actions: &ActionSpec, action: &str) -> bool {
    match actions {
        ActionSpec::Action(patterns) => patterns.iter().any(|p| glob_match(p, action, true)),
        ActionSpec::NotAction(patterns) => !patterns.iter().any(|p| glob_match(p, action, true)),
        // A statement that names no action cannot be about this one.
        ActionSpec::None => false,
    }
}

fn resource_matches(resources: &ResourceSpec, request: &Request, variables: bool) -> Outcome {
    let (patterns, negated, resource) = match (resources, request.resource) {
        (_, None) | (ResourceSpec::None, _) => return Outcome::Yes,
        (ResourceSpec::Resource(patterns), Some(r)) => (patterns, false, r),
        (ResourceSpec::NotResource(patterns), Some(r)) => (patterns, true, r),
    };
    let matched = operators::any(patterns.iter().map(|pattern| {
        match resolve_resource(pattern, request.context, variables) {
            Resolved::Pattern(tokens) => tokens_match(&tokens, resource, false).into(),
            // "the resource that includes a policy variable with no value will
            // not match any resource".
            Resolved::NoValue => Outcome::No,
            Resolved::Undecided(reason) => Outcome::Undecided(reason),
        }
    }));
    if negated { matched.negate() } else { matched }
}

fn principal_matches(statement: &Statement, who: Option<&Principal>) -> bool {
    let Some(who) = who else {
        return true;
    };
    match (&statement.principal, &statement.not_principal) {
        (Some(listed), _) => principal_listed(listed, who, true),
        (None, Some(excluded)) => !principal_listed(excluded, who, false),
        // Identity-policy statements have no principal: they apply to
        // whoever the policy is attached to.
        (None, None) => true,
    }
}

#[cfg(test)]
mod tests;
