//! Evaluation of a request against a set of policy documents, following the
//! IAM evaluation logic: an explicit Deny wins, otherwise an Allow is needed,
//! otherwise the request is implicitly denied.
//!
//! Unlike IAM, which always knows the full request context, this tool only
//! knows the condition keys its caller could supply. Conditions are therefore
//! three-valued, and a decision that hinges on an unknowable condition is
//! reported as [`Decision::Uncertain`] instead of being guessed.

use std::collections::BTreeMap;

use super::document::{
    ActionSpec, Condition, Effect, PolicyDocument, Principals, ResourceSpec, Statement,
};
use super::glob::glob_match;

/// Who makes the request, for trust (and other resource-based) policies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principal {
    /// A service principal such as `vpc-flow-logs.amazonaws.com`.
    Service(String),
    /// An IAM ARN (`arn:aws:iam::123456789012:role/x`) or a bare account id.
    Aws(String),
}

/// The request being checked.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// e.g. `logs:PutLogEvents` or `sts:AssumeRole`.
    pub action: &'a str,
    /// `None` for trust policies, whose statements have no `Resource`.
    pub resource: Option<&'a str>,
    /// `Some` for trust policies: who asks to assume the role.
    pub principal: Option<&'a Principal>,
    /// Condition keys known to the caller; looked up case-insensitively.
    pub context: &'a BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// A Deny statement definitely applies.
    ExplicitDeny,
    /// Nothing allows the request (a Deny may or may not apply too).
    ImplicitDeny,
    /// The outcome depends on conditions whose keys the caller did not know,
    /// or on operators this module does not implement.
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

/// Points at one statement of the documents passed to [`evaluate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementRef {
    /// Index into the `documents` slice.
    pub document: usize,
    /// Index into that document's `statements`.
    pub statement: usize,
    pub sid: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evaluation {
    pub decision: Decision,
    /// Allow statements that applied, definitely or depending on unknown conditions.
    pub allow_statements: Vec<StatementRef>,
    /// Deny statements that applied, definitely or depending on unknown conditions.
    pub deny_statements: Vec<StatementRef>,
    /// Conditions that could not be decided, each listed once.
    pub unknown_conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tri {
    True,
    False,
    Unknown,
}

impl From<bool> for Tri {
    fn from(b: bool) -> Self {
        if b { Tri::True } else { Tri::False }
    }
}

/// Evaluates `request` against the union of `documents`, as if they were all
/// attached to the same principal (or all were the same role's trust policy).
pub fn evaluate(documents: &[&PolicyDocument], request: &Request) -> Evaluation {
    let mut allow_statements = Vec::new();
    let mut deny_statements = Vec::new();
    let mut unknown_conditions: Vec<Condition> = Vec::new();
    let mut allow_definite = false;
    let mut deny_definite = false;
    let mut any_maybe = false;
    let mut deny_maybe = false;

    for (doc_index, document) in documents.iter().enumerate() {
        for (st_index, statement) in document.statements.iter().enumerate() {
            if !matches_request(statement, request) {
                continue;
            }
            let mut unknown_here = Vec::new();
            let applies =
                conditions_hold(&statement.conditions, request.context, &mut unknown_here);
            if applies == Tri::False {
                // A condition that is definitely false makes the others
                // irrelevant, so they are not reported as unknown.
                continue;
            }
            if applies == Tri::Unknown {
                any_maybe = true;
                for condition in unknown_here {
                    if !unknown_conditions.contains(condition) {
                        unknown_conditions.push(condition.clone());
                    }
                }
            }
            let reference = StatementRef {
                document: doc_index,
                statement: st_index,
                sid: statement.sid.clone(),
            };
            let definite = applies == Tri::True;
            match statement.effect {
                Effect::Allow => {
                    allow_definite |= definite;
                    allow_statements.push(reference);
                }
                Effect::Deny => {
                    deny_definite |= definite;
                    deny_maybe |= !definite;
                    deny_statements.push(reference);
                }
            }
        }
    }

    let decision = if deny_definite {
        Decision::ExplicitDeny
    } else if allow_definite && !deny_maybe {
        Decision::Allow
    } else if !allow_statements.is_empty() && any_maybe {
        Decision::Uncertain
    } else {
        Decision::ImplicitDeny
    };

    Evaluation {
        decision,
        allow_statements,
        deny_statements,
        unknown_conditions,
    }
}

/// Checks each of `actions` (on the resource `resource_for` gives for it)
/// with no principal, returning those that are not plainly allowed together
/// with their evaluation, in the order given.
pub fn actions_not_allowed<'a>(
    documents: &[&PolicyDocument],
    actions: &[&'a str],
    resource_for: impl Fn(&str) -> String,
    context: &BTreeMap<String, String>,
) -> Vec<(&'a str, Evaluation)> {
    actions
        .iter()
        .filter_map(|&action| {
            let resource = resource_for(action);
            let request = Request {
                action,
                resource: Some(&resource),
                principal: None,
                context,
            };
            let evaluation = evaluate(documents, &request);
            (evaluation.decision != Decision::Allow).then_some((action, evaluation))
        })
        .collect()
}

/// Everything except conditions: action, resource and principal.
fn matches_request(statement: &Statement, request: &Request) -> bool {
    let action_matches = match &statement.actions {
        ActionSpec::Action(patterns) => {
            patterns.iter().any(|p| glob_match(p, request.action, true))
        }
        ActionSpec::NotAction(patterns) => {
            !patterns.iter().any(|p| glob_match(p, request.action, true))
        }
        // A statement that names no action cannot be about this one.
        ActionSpec::None => false,
    };
    if !action_matches {
        return false;
    }

    let resource_matches = match (&statement.resources, request.resource) {
        (_, None) | (ResourceSpec::None, _) => true,
        (ResourceSpec::Resource(patterns), Some(r)) => {
            patterns.iter().any(|p| glob_match(p, r, false))
        }
        (ResourceSpec::NotResource(patterns), Some(r)) => {
            !patterns.iter().any(|p| glob_match(p, r, false))
        }
    };
    if !resource_matches {
        return false;
    }

    let Some(who) = request.principal else {
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

/// Whether `who` is named by `principals`.
///
/// `account_covers_members`: in `Principal`, naming an account
/// (`123456789012` or `arn:aws:iam::123456789012:root`) trusts every principal
/// in it; in `NotPrincipal` it only excludes the account root itself, which
/// is why AWS documents listing both the role and its account there.
fn principal_listed(
    principals: &Principals,
    who: &Principal,
    account_covers_members: bool,
) -> bool {
    let map = match principals {
        Principals::Any => return true,
        Principals::Map(map) => map,
    };
    let values_of = |kind: &'static str| {
        map.iter()
            .filter(move |(k, _)| k.eq_ignore_ascii_case(kind))
            .flat_map(|(_, v)| v.iter())
    };
    // {"AWS": "*"} is IAM's other spelling of "everyone", services included.
    if values_of("AWS").any(|v| v == "*") {
        return true;
    }
    match who {
        Principal::Service(service) => {
            values_of("Service").any(|v| v.eq_ignore_ascii_case(service))
        }
        Principal::Aws(arn) => {
            values_of("AWS").any(|v| aws_principal_matches(v, arn, account_covers_members))
        }
    }
}

fn aws_principal_matches(listed: &str, who: &str, account_covers_members: bool) -> bool {
    if listed == who {
        return true;
    }
    let Some(listed_account) = account_root(listed) else {
        return false;
    };
    if account_root(who) == Some(listed_account) {
        return true;
    }
    account_covers_members && account_of(who) == Some(listed_account)
}

/// The account id if `value` names an account as a whole.
fn account_root(value: &str) -> Option<&str> {
    if is_account_id(value) {
        return Some(value);
    }
    let mut parts = value.split(':');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some("arn"), Some(_), Some("iam"), Some(""), Some(account), Some("root"), None)
            if is_account_id(account) =>
        {
            Some(account)
        }
        _ => None,
    }
}

/// The account an ARN (or bare account id) belongs to.
fn account_of(value: &str) -> Option<&str> {
    if is_account_id(value) {
        return Some(value);
    }
    if !value.starts_with("arn:") {
        return None;
    }
    value.split(':').nth(4).filter(|a| is_account_id(a))
}

fn is_account_id(value: &str) -> bool {
    value.len() == 12 && value.bytes().all(|b| b.is_ascii_digit())
}

/// AND of all conditions; Unknown ones are appended to `unknown`.
fn conditions_hold<'c>(
    conditions: &'c [Condition],
    context: &BTreeMap<String, String>,
    unknown: &mut Vec<&'c Condition>,
) -> Tri {
    let mut result = Tri::True;
    for condition in conditions {
        match evaluate_condition(condition, context) {
            Tri::True => {}
            Tri::False => return Tri::False,
            Tri::Unknown => {
                unknown.push(condition);
                result = Tri::Unknown;
            }
        }
    }
    result
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operator {
    StringEquals,
    StringNotEquals,
    StringEqualsIgnoreCase,
    StringNotEqualsIgnoreCase,
    StringLike,
    StringNotLike,
    ArnLike,
    ArnNotLike,
    Bool,
    Null,
}

impl Operator {
    fn from_name(name: &str) -> Option<Self> {
        // ArnEquals and ArnLike behave identically in IAM (both accept wildcards).
        const TABLE: &[(&str, Operator)] = &[
            ("StringEquals", Operator::StringEquals),
            ("StringNotEquals", Operator::StringNotEquals),
            ("StringEqualsIgnoreCase", Operator::StringEqualsIgnoreCase),
            (
                "StringNotEqualsIgnoreCase",
                Operator::StringNotEqualsIgnoreCase,
            ),
            ("StringLike", Operator::StringLike),
            ("StringNotLike", Operator::StringNotLike),
            ("ArnEquals", Operator::ArnLike),
            ("ArnLike", Operator::ArnLike),
            ("ArnNotEquals", Operator::ArnNotLike),
            ("ArnNotLike", Operator::ArnNotLike),
            ("Bool", Operator::Bool),
            ("Null", Operator::Null),
        ];
        TABLE
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|&(_, op)| op)
    }

    /// The operator applied to a present context value; values are OR-ed,
    /// and the negated operators are the negation of that OR.
    fn test(self, values: &[String], actual: &str) -> bool {
        let any = |f: &dyn Fn(&str) -> bool| values.iter().any(|v| f(v));
        match self {
            Operator::StringEquals => any(&|v| v == actual),
            Operator::StringNotEquals => !any(&|v| v == actual),
            Operator::StringEqualsIgnoreCase => any(&|v| eq_ignore_case(v, actual)),
            Operator::StringNotEqualsIgnoreCase => !any(&|v| eq_ignore_case(v, actual)),
            Operator::StringLike => any(&|v| glob_match(v, actual, false)),
            Operator::StringNotLike => !any(&|v| glob_match(v, actual, false)),
            Operator::ArnLike => any(&|v| glob_match(v, actual, false)),
            Operator::ArnNotLike => !any(&|v| glob_match(v, actual, false)),
            Operator::Bool => any(&|v| v.eq_ignore_ascii_case(actual)),
            // Null is decided on presence alone, in `evaluate_condition`.
            Operator::Null => false,
        }
    }
}

fn eq_ignore_case(a: &str, b: &str) -> bool {
    a == b || a.to_lowercase() == b.to_lowercase()
}

fn strip_prefix_ignore_case<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| s.get(prefix.len()..))
        .flatten()
}

fn strip_suffix_ignore_case<'s>(s: &'s str, suffix: &str) -> Option<&'s str> {
    let split = s.len().checked_sub(suffix.len())?;
    let tail = s.get(split..)?;
    tail.eq_ignore_ascii_case(suffix)
        .then(|| s.get(..split))
        .flatten()
}

fn lookup<'c>(context: &'c BTreeMap<String, String>, key: &str) -> Option<&'c str> {
    context
        .get(key)
        .or_else(|| {
            context
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(key))
                .map(|(_, v)| v)
        })
        .map(String::as_str)
}

fn evaluate_condition(condition: &Condition, context: &BTreeMap<String, String>) -> Tri {
    let mut name = condition.operator.as_str();
    // The request context here is single-valued, for which ForAnyValue and
    // ForAllValues reduce to the plain operator.
    for prefix in ["ForAnyValue:", "ForAllValues:"] {
        if let Some(rest) = strip_prefix_ignore_case(name, prefix) {
            name = rest;
            break;
        }
    }
    let (name, if_exists) = match strip_suffix_ignore_case(name, "IfExists") {
        Some(base) => (base, true),
        None => (name, false),
    };
    let Some(operator) = Operator::from_name(name) else {
        return Tri::Unknown;
    };
    let actual = lookup(context, &condition.key);

    match (operator, actual) {
        // "NullIfExists" is not an IAM operator.
        (Operator::Null, _) if if_exists => Tri::Unknown,
        (Operator::Null, actual) => {
            let absent = actual.is_none();
            Tri::from(condition.values.iter().any(|v| {
                if v.eq_ignore_ascii_case("true") {
                    absent
                } else if v.eq_ignore_ascii_case("false") {
                    !absent
                } else {
                    false
                }
            }))
        }
        (_, None) if if_exists => Tri::True,
        (_, None) => Tri::Unknown,
        (operator, Some(actual)) => Tri::from(operator.test(&condition.values, actual)),
    }
}

#[cfg(test)]
mod tests {
    use super::super::document::parse_document;
    use super::*;

    fn doc(text: &str) -> PolicyDocument {
        match parse_document(text) {
            Ok(d) => d,
            Err(e) => panic!("test policy does not parse: {e}\n{text}"),
        }
    }

    fn ctx(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn identity(documents: &[&PolicyDocument], action: &str, resource: &str) -> Evaluation {
        let context = BTreeMap::new();
        evaluate(
            documents,
            &Request {
                action,
                resource: Some(resource),
                principal: None,
                context: &context,
            },
        )
    }

    fn assume(
        documents: &[&PolicyDocument],
        who: &Principal,
        context: &BTreeMap<String, String>,
    ) -> Evaluation {
        evaluate(
            documents,
            &Request {
                action: "sts:AssumeRole",
                resource: None,
                principal: Some(who),
                context,
            },
        )
    }

    fn allow_statement(action_json: &str, resource_json: &str) -> String {
        format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow", "Action": {action_json}, "Resource": {resource_json}}}]}}"#
        )
    }

    const LOG_GROUP: &str = "arn:aws:logs:ap-northeast-2:123456789012:log-group:MyVpc22-Log";
    const LOG_STREAM: &str =
        "arn:aws:logs:ap-northeast-2:123456789012:log-group:MyVpc22-Log:log-stream:eni-0abc-all";

    #[test]
    fn action_and_resource_matching_table() {
        // (Action JSON, Resource JSON, requested action, requested resource, expected)
        let cases: &[(&str, &str, &str, &str, Decision)] = &[
            (
                r#""logs:PutLogEvents""#,
                r#""*""#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::Allow,
            ),
            (
                r#"["logs:CreateLogStream", "logs:PutLogEvents"]"#,
                r#"["*"]"#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::Allow,
            ),
            (
                r#"["logs:CreateLogStream"]"#,
                r#""*""#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::ImplicitDeny,
            ),
            (
                r#""logs:*""#,
                r#""*""#,
                "logs:DescribeLogGroups",
                LOG_GROUP,
                Decision::Allow,
            ),
            (
                r#""logs:*""#,
                r#""*""#,
                "ec2:DescribeVpcs",
                "*",
                Decision::ImplicitDeny,
            ),
            (
                r#""logs:Describe*""#,
                r#""*""#,
                "logs:DescribeLogGroups",
                LOG_GROUP,
                Decision::Allow,
            ),
            (
                r#""logs:Describe*""#,
                r#""*""#,
                "logs:DescribeLogStreams",
                LOG_GROUP,
                Decision::Allow,
            ),
            (
                r#""logs:Describe*""#,
                r#""*""#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::ImplicitDeny,
            ),
            (
                r#""logs:Put?ogEvents""#,
                r#""*""#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::Allow,
            ),
            (
                r#""logs:Put?ogEvents""#,
                r#""*""#,
                "logs:PutRetentionPolicy",
                LOG_GROUP,
                Decision::ImplicitDeny,
            ),
            (
                r#""*""#,
                r#""*""#,
                "iam:CreateUser",
                "arn:aws:iam::123456789012:user/x",
                Decision::Allow,
            ),
            // Actions are case-insensitive, both ways round.
            (
                r#""LOGS:putlogevents""#,
                r#""*""#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::Allow,
            ),
            (
                r#""logs:PutLogEvents""#,
                r#""*""#,
                "Logs:PUTLOGEVENTS",
                LOG_STREAM,
                Decision::Allow,
            ),
            // Resources: string vs list, wildcards, case-sensitive.
            (
                r#""logs:PutLogEvents""#,
                r#""arn:aws:logs:*:*:log-group:MyVpc22-Log:*""#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::Allow,
            ),
            (
                r#""logs:PutLogEvents""#,
                r#"["arn:aws:logs:*:*:log-group:Other:*", "arn:aws:logs:*:*:log-group:MyVpc22-Log:*"]"#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::Allow,
            ),
            (
                r#""logs:PutLogEvents""#,
                r#""arn:aws:logs:*:*:log-group:MyVpc22-Log:*""#,
                "logs:PutLogEvents",
                "arn:aws:logs:ap-northeast-2:123456789012:log-group:MyVpc23-Log:log-stream:eni-0abc-all",
                Decision::ImplicitDeny,
            ),
            (
                r#""logs:PutLogEvents""#,
                r#""arn:aws:logs:*:*:log-group:myvpc22-log:*""#,
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::ImplicitDeny,
            ),
            // The group ARN without the trailing ":*" does not cover its streams.
            (
                r#""logs:PutLogEvents""#,
                &format!("\"{LOG_GROUP}\""),
                "logs:PutLogEvents",
                LOG_STREAM,
                Decision::ImplicitDeny,
            ),
        ];
        for (action_json, resource_json, action, resource, expected) in cases {
            let policy = doc(&allow_statement(action_json, resource_json));
            let result = identity(&[&policy], action, resource);
            assert_eq!(
                result.decision, *expected,
                "Action {action_json} Resource {resource_json} vs {action} on {resource}: {result:?}"
            );
            assert_eq!(
                result.allow_statements.len(),
                usize::from(*expected == Decision::Allow)
            );
        }
    }

    #[test]
    fn explicit_deny_in_another_document_beats_allow() {
        let allow = doc(&allow_statement(r#""logs:*""#, r#""*""#));
        let deny = doc(
            r#"{"Statement": [{"Sid": "NoDelete", "Effect": "Deny", "Action": "logs:Delete*", "Resource": "*"}]}"#,
        );
        let result = identity(&[&allow, &deny], "logs:DeleteLogGroup", LOG_GROUP);
        assert_eq!(result.decision, Decision::ExplicitDeny);
        assert_eq!(
            result.deny_statements,
            vec![StatementRef {
                document: 1,
                statement: 0,
                sid: Some("NoDelete".into())
            }]
        );
        assert_eq!(
            result.allow_statements,
            vec![StatementRef {
                document: 0,
                statement: 0,
                sid: None
            }]
        );
        // Order of documents must not matter.
        assert_eq!(
            identity(&[&deny, &allow], "logs:DeleteLogGroup", LOG_GROUP).decision,
            Decision::ExplicitDeny
        );
        // The Deny does not touch other actions.
        assert_eq!(
            identity(&[&allow, &deny], "logs:PutLogEvents", LOG_STREAM).decision,
            Decision::Allow
        );
        // A Deny alone is still just a deny.
        assert_eq!(
            identity(&[&deny], "logs:DeleteLogGroup", LOG_GROUP).decision,
            Decision::ExplicitDeny
        );
        assert_eq!(
            identity(&[&deny], "logs:PutLogEvents", LOG_GROUP).decision,
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn not_action_allows_all_except() {
        let policy = doc(
            r#"{"Statement": {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*"], "Resource": "*"}}"#,
        );
        assert_eq!(
            identity(&[&policy], "logs:PutLogEvents", LOG_STREAM).decision,
            Decision::Allow
        );
        assert_eq!(
            identity(&[&policy], "ec2:CreateFlowLogs", "*").decision,
            Decision::Allow
        );
        assert_eq!(
            identity(&[&policy], "iam:PassRole", "*").decision,
            Decision::ImplicitDeny
        );
        assert_eq!(
            identity(&[&policy], "IAM:passrole", "*").decision,
            Decision::ImplicitDeny
        );

        let deny_everything_else =
            doc(r#"{"Statement": {"Effect": "Deny", "NotAction": "logs:*", "Resource": "*"}}"#);
        let admin = doc(&allow_statement(r#""*""#, r#""*""#));
        assert_eq!(
            identity(&[&admin, &deny_everything_else], "ec2:RunInstances", "*").decision,
            Decision::ExplicitDeny
        );
        assert_eq!(
            identity(
                &[&admin, &deny_everything_else],
                "logs:PutLogEvents",
                LOG_STREAM
            )
            .decision,
            Decision::Allow
        );
    }

    #[test]
    fn not_resource() {
        let policy = doc(
            r#"{"Statement": {"Effect": "Allow", "Action": "logs:*", "NotResource": "arn:aws:logs:*:*:log-group:Secret:*"}}"#,
        );
        assert_eq!(
            identity(&[&policy], "logs:PutLogEvents", LOG_STREAM).decision,
            Decision::Allow
        );
        assert_eq!(
            identity(
                &[&policy],
                "logs:PutLogEvents",
                "arn:aws:logs:us-east-1:1:log-group:Secret:log-stream:s"
            )
            .decision,
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn several_statements_each_grant_part() {
        let policy = doc(r#"{"Statement": [
                {"Sid": "Groups", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:DescribeLogGroups"], "Resource": "*"},
                {"Sid": "Streams", "Effect": "Allow", "Action": "logs:CreateLogStream", "Resource": "arn:aws:logs:*:*:log-group:MyVpc22-Log:*"},
                {"Sid": "Events", "Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "arn:aws:logs:*:*:log-group:MyVpc22-Log:*"}
            ]}"#);
        let context = BTreeMap::new();
        let required = [
            "logs:CreateLogGroup",
            "logs:CreateLogStream",
            "logs:PutLogEvents",
            "logs:DescribeLogGroups",
            "logs:DescribeLogStreams",
        ];
        let missing =
            actions_not_allowed(&[&policy], &required, |_| LOG_STREAM.to_owned(), &context);
        let names: Vec<&str> = missing.iter().map(|(a, _)| *a).collect();
        assert_eq!(names, vec!["logs:DescribeLogStreams"]);
        assert_eq!(missing[0].1.decision, Decision::ImplicitDeny);

        let put = identity(&[&policy], "logs:PutLogEvents", LOG_STREAM);
        assert_eq!(put.decision, Decision::Allow);
        assert_eq!(put.allow_statements.len(), 1);
        assert_eq!(put.allow_statements[0].statement, 2);
        assert_eq!(put.allow_statements[0].sid.as_deref(), Some("Events"));

        // The resource each action is checked on matters.
        let on_other_group = actions_not_allowed(
            &[&policy],
            &required,
            |_| "arn:aws:logs:ap-northeast-2:123456789012:log-group:Other:log-stream:x".to_owned(),
            &context,
        );
        let names: Vec<&str> = on_other_group.iter().map(|(a, _)| *a).collect();
        assert_eq!(
            names,
            vec![
                "logs:CreateLogStream",
                "logs:PutLogEvents",
                "logs:DescribeLogStreams"
            ]
        );
    }

    const FLOW_LOGS: &str = "vpc-flow-logs.amazonaws.com";

    #[test]
    fn trust_policy_principals_table() {
        let service = Principal::Service(FLOW_LOGS.into());
        let service_upper = Principal::Service("VPC-Flow-Logs.amazonaws.com".into());
        let ec2 = Principal::Service("ec2.amazonaws.com".into());
        let role = Principal::Aws("arn:aws:iam::123456789012:role/Admin".into());
        let foreign_role = Principal::Aws("arn:aws:iam::210987654321:role/Admin".into());
        let account_root = Principal::Aws("arn:aws:iam::123456789012:root".into());

        let trust = |principal_json: &str| {
            doc(&format!(
                r#"{{"Statement": [{{"Effect": "Allow", "Principal": {principal_json}, "Action": "sts:AssumeRole"}}]}}"#
            ))
        };
        let not_principal_trust = doc(
            r#"{"Statement": [{"Effect": "Allow", "NotPrincipal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}]}"#,
        );

        // (principal JSON, who, expected)
        let cases: Vec<(String, &Principal, Decision)> = vec![
            (
                format!(r#"{{"Service": "{FLOW_LOGS}"}}"#),
                &service,
                Decision::Allow,
            ),
            (
                format!(r#"{{"Service": "{FLOW_LOGS}"}}"#),
                &service_upper,
                Decision::Allow,
            ),
            (
                format!(r#"{{"Service": "{FLOW_LOGS}"}}"#),
                &ec2,
                Decision::ImplicitDeny,
            ),
            (
                format!(r#"{{"Service": "{FLOW_LOGS}"}}"#),
                &role,
                Decision::ImplicitDeny,
            ),
            (
                format!(r#"{{"Service": ["ec2.amazonaws.com", "{FLOW_LOGS}"]}}"#),
                &service,
                Decision::Allow,
            ),
            (
                format!(r#"{{"Service": ["ec2.amazonaws.com", "{FLOW_LOGS}"]}}"#),
                &ec2,
                Decision::Allow,
            ),
            (
                r#"{"Service": ["lambda.amazonaws.com"]}"#.into(),
                &service,
                Decision::ImplicitDeny,
            ),
            (r#""*""#.into(), &service, Decision::Allow),
            (r#""*""#.into(), &role, Decision::Allow),
            (r#"{"AWS": "*"}"#.into(), &service, Decision::Allow),
            (
                r#"{"AWS": "arn:aws:iam::123456789012:role/Admin"}"#.into(),
                &role,
                Decision::Allow,
            ),
            (
                r#"{"AWS": "arn:aws:iam::123456789012:role/Other"}"#.into(),
                &role,
                Decision::ImplicitDeny,
            ),
            (
                r#"{"AWS": "arn:aws:iam::123456789012:root"}"#.into(),
                &role,
                Decision::Allow,
            ),
            (r#"{"AWS": "123456789012"}"#.into(), &role, Decision::Allow),
            (
                r#"{"AWS": "123456789012"}"#.into(),
                &account_root,
                Decision::Allow,
            ),
            (
                r#"{"AWS": "123456789012"}"#.into(),
                &foreign_role,
                Decision::ImplicitDeny,
            ),
            (
                r#"{"AWS": "arn:aws:iam::123456789012:root"}"#.into(),
                &service,
                Decision::ImplicitDeny,
            ),
        ];
        for (principal_json, who, expected) in &cases {
            let policy = trust(principal_json);
            let result = assume(&[&policy], who, &BTreeMap::new());
            assert_eq!(
                result.decision, *expected,
                "Principal {principal_json} vs {who:?}: {result:?}"
            );
        }

        assert_eq!(
            assume(&[&not_principal_trust], &service, &BTreeMap::new()).decision,
            Decision::Allow
        );
        assert_eq!(
            assume(&[&not_principal_trust], &ec2, &BTreeMap::new()).decision,
            Decision::ImplicitDeny
        );

        // NotPrincipal with an account root does not exclude the account's roles.
        let deny_not_account = doc(r#"{"Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
                {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}
            ]}"#);
        assert_eq!(
            assume(&[&deny_not_account], &account_root, &BTreeMap::new()).decision,
            Decision::Allow
        );
        assert_eq!(
            assume(&[&deny_not_account], &role, &BTreeMap::new()).decision,
            Decision::ExplicitDeny
        );

        // The trust policy grants sts:AssumeRole only, not other actions.
        let policy = trust(&format!(r#"{{"Service": "{FLOW_LOGS}"}}"#));
        let context = BTreeMap::new();
        let tag = evaluate(
            &[&policy],
            &Request {
                action: "sts:TagSession",
                resource: None,
                principal: Some(&service),
                context: &context,
            },
        );
        assert_eq!(tag.decision, Decision::ImplicitDeny);
    }

    fn flow_logs_trust_with(condition_json: &str) -> PolicyDocument {
        doc(&format!(
            r#"{{"Statement": [{{"Effect": "Allow", "Principal": {{"Service": "{FLOW_LOGS}"}}, "Action": "sts:AssumeRole", "Condition": {condition_json}}}]}}"#
        ))
    }

    #[test]
    fn trust_condition_source_account() {
        let policy =
            flow_logs_trust_with(r#"{"StringEquals": {"aws:SourceAccount": "123456789012"}}"#);
        let service = Principal::Service(FLOW_LOGS.into());

        let same = assume(
            &[&policy],
            &service,
            &ctx(&[("aws:SourceAccount", "123456789012")]),
        );
        assert_eq!(same.decision, Decision::Allow);
        assert!(same.unknown_conditions.is_empty());

        // Keys are compared case-insensitively.
        let same_lower = assume(
            &[&policy],
            &service,
            &ctx(&[("AWS:sourceaccount", "123456789012")]),
        );
        assert_eq!(same_lower.decision, Decision::Allow);

        let other = assume(
            &[&policy],
            &service,
            &ctx(&[("aws:SourceAccount", "210987654321")]),
        );
        assert_eq!(other.decision, Decision::ImplicitDeny);
        assert!(other.allow_statements.is_empty());
        assert!(other.unknown_conditions.is_empty());

        let absent = assume(&[&policy], &service, &BTreeMap::new());
        assert_eq!(absent.decision, Decision::Uncertain);
        assert_eq!(absent.allow_statements.len(), 1);
        assert_eq!(
            absent.unknown_conditions,
            vec![Condition {
                operator: "StringEquals".into(),
                key: "aws:SourceAccount".into(),
                values: vec!["123456789012".into()],
            }]
        );
    }

    #[test]
    fn trust_condition_source_arn() {
        let policy = flow_logs_trust_with(
            r#"{"ArnLike": {"aws:SourceArn": "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/*"}}"#,
        );
        let service = Principal::Service(FLOW_LOGS.into());
        let cases = [
            (
                "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/fl-0123456789abcdef0",
                Decision::Allow,
            ),
            (
                "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/fl-0123456789abcdef0",
                Decision::ImplicitDeny,
            ),
            (
                "arn:aws:ec2:ap-northeast-2:210987654321:vpc-flow-log/fl-0123456789abcdef0",
                Decision::ImplicitDeny,
            ),
            (
                "arn:aws:ec2:ap-northeast-2:123456789012:VPC-FLOW-LOG/fl-0",
                Decision::ImplicitDeny,
            ),
        ];
        for (source_arn, expected) in cases {
            let result = assume(&[&policy], &service, &ctx(&[("aws:SourceArn", source_arn)]));
            assert_eq!(result.decision, expected, "{source_arn}");
        }
        assert_eq!(
            assume(&[&policy], &service, &BTreeMap::new()).decision,
            Decision::Uncertain
        );
    }

    #[test]
    fn both_trust_conditions_must_hold() {
        let policy = flow_logs_trust_with(
            r#"{"StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/*"}}"#,
        );
        let service = Principal::Service(FLOW_LOGS.into());
        let good_arn = "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/fl-1";
        // (context pairs, expected decision, number of unknown conditions)
        type Case<'a> = (&'a [(&'a str, &'a str)], Decision, usize);
        let cases: &[Case] = &[
            (
                &[
                    ("aws:SourceAccount", "123456789012"),
                    ("aws:SourceArn", good_arn),
                ],
                Decision::Allow,
                0,
            ),
            (
                &[
                    ("aws:SourceAccount", "999999999999"),
                    ("aws:SourceArn", good_arn),
                ],
                Decision::ImplicitDeny,
                0,
            ),
            // One known and true, one unknown.
            (
                &[("aws:SourceAccount", "123456789012")],
                Decision::Uncertain,
                1,
            ),
            // One known and false makes the unknown one irrelevant.
            (
                &[("aws:SourceAccount", "999999999999")],
                Decision::ImplicitDeny,
                0,
            ),
            (&[], Decision::Uncertain, 2),
        ];
        for (pairs, expected, unknown) in cases {
            let result = assume(&[&policy], &service, &ctx(pairs));
            assert_eq!(result.decision, *expected, "{pairs:?}");
            assert_eq!(result.unknown_conditions.len(), *unknown, "{pairs:?}");
        }
    }

    #[test]
    fn unknown_operator_is_uncertain_and_listed() {
        let policy = flow_logs_trust_with(
            r#"{"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}"#,
        );
        let service = Principal::Service(FLOW_LOGS.into());
        // Even with the key present: the operator is not implemented.
        let result = assume(
            &[&policy],
            &service,
            &ctx(&[("aws:CurrentTime", "2030-01-01T00:00:00Z")]),
        );
        assert_eq!(result.decision, Decision::Uncertain);
        assert_eq!(result.unknown_conditions.len(), 1);
        assert_eq!(result.unknown_conditions[0].operator, "DateGreaterThan");
        assert_eq!(result.unknown_conditions[0].key, "aws:CurrentTime");
    }

    #[test]
    fn maybe_deny_blocks_a_definite_allow_but_not_an_implicit_deny() {
        let allow = doc(&allow_statement(r#""s3:GetObject""#, r#""*""#));
        let maybe_deny = doc(
            r#"{"Statement": {"Effect": "Deny", "Action": "s3:*", "Resource": "*",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}}"#,
        );
        let object = "arn:aws:s3:::bucket/key";
        let result = identity(&[&allow, &maybe_deny], "s3:GetObject", object);
        assert_eq!(result.decision, Decision::Uncertain);
        assert_eq!(result.deny_statements.len(), 1);
        assert_eq!(result.unknown_conditions.len(), 1);

        assert_eq!(
            identity(&[&maybe_deny], "s3:GetObject", object).decision,
            Decision::ImplicitDeny
        );

        let context = ctx(&[("aws:SecureTransport", "true")]);
        let secure = evaluate(
            &[&allow, &maybe_deny],
            &Request {
                action: "s3:GetObject",
                resource: Some(object),
                principal: None,
                context: &context,
            },
        );
        assert_eq!(secure.decision, Decision::Allow);
        assert!(secure.deny_statements.is_empty());

        let context = ctx(&[("aws:SecureTransport", "FALSE")]);
        let insecure = evaluate(
            &[&allow, &maybe_deny],
            &Request {
                action: "s3:GetObject",
                resource: Some(object),
                principal: None,
                context: &context,
            },
        );
        assert_eq!(insecure.decision, Decision::ExplicitDeny);
    }

    #[test]
    fn maybe_allow_alongside_definite_allow_is_allow() {
        let definite = doc(&allow_statement(r#""s3:GetObject""#, r#""*""#));
        let maybe = doc(
            r#"{"Statement": {"Effect": "Allow", "Action": "s3:*", "Resource": "*",
                "Condition": {"StringEquals": {"aws:PrincipalTag/team": "x"}}}}"#,
        );
        let result = identity(&[&definite, &maybe], "s3:GetObject", "arn:aws:s3:::b/k");
        assert_eq!(result.decision, Decision::Allow);
        assert_eq!(result.allow_statements.len(), 2);
        assert_eq!(
            identity(&[&maybe], "s3:GetObject", "arn:aws:s3:::b/k").decision,
            Decision::Uncertain
        );
    }

    #[test]
    fn condition_operators_table() {
        // (operator, key, values JSON, context value (None = absent), expected)
        let cases: &[(&str, &str, &str, Option<&str>, Tri)] = &[
            ("StringEquals", "k", r#""a""#, Some("a"), Tri::True),
            ("StringEquals", "k", r#""a""#, Some("A"), Tri::False),
            ("StringEquals", "k", r#"["x", "a"]"#, Some("a"), Tri::True),
            ("StringEquals", "k", r#""a""#, None, Tri::Unknown),
            ("stringequals", "K", r#""a""#, Some("a"), Tri::True),
            (
                "StringNotEquals",
                "k",
                r#"["x", "a"]"#,
                Some("a"),
                Tri::False,
            ),
            (
                "StringNotEquals",
                "k",
                r#"["x", "y"]"#,
                Some("a"),
                Tri::True,
            ),
            ("StringNotEquals", "k", r#""x""#, None, Tri::Unknown),
            (
                "StringEqualsIgnoreCase",
                "k",
                r#""ÄBC""#,
                Some("äbc"),
                Tri::True,
            ),
            (
                "StringNotEqualsIgnoreCase",
                "k",
                r#""ABC""#,
                Some("abc"),
                Tri::False,
            ),
            (
                "StringLike",
                "k",
                r#""team-*""#,
                Some("team-red"),
                Tri::True,
            ),
            (
                "StringLike",
                "k",
                r#""team-*""#,
                Some("Team-red"),
                Tri::False,
            ),
            ("StringNotLike", "k", r#""team-*""#, Some("ops"), Tri::True),
            (
                "ArnEquals",
                "k",
                r#""arn:aws:sns:*:1:t""#,
                Some("arn:aws:sns:us-east-1:1:t"),
                Tri::True,
            ),
            (
                "ArnNotEquals",
                "k",
                r#""arn:aws:sns:*:1:t""#,
                Some("arn:aws:sns:us-east-1:1:t"),
                Tri::False,
            ),
            (
                "ArnNotLike",
                "k",
                r#""arn:aws:sns:*:1:t""#,
                Some("arn:aws:sns:us-east-1:2:t"),
                Tri::True,
            ),
            ("Bool", "k", "true", Some("true"), Tri::True),
            ("Bool", "k", r#""true""#, Some("True"), Tri::True),
            ("Bool", "k", "true", Some("false"), Tri::False),
            ("Bool", "k", "true", None, Tri::Unknown),
            ("StringEqualsIfExists", "k", r#""a""#, None, Tri::True),
            ("StringEqualsIfExists", "k", r#""a""#, Some("b"), Tri::False),
            (
                "ArnLikeIfExists",
                "k",
                r#""arn:*""#,
                Some("arn:x"),
                Tri::True,
            ),
            ("BoolIfExists", "k", "false", None, Tri::True),
            ("Null", "k", "true", None, Tri::True),
            ("Null", "k", "true", Some("v"), Tri::False),
            ("Null", "k", "false", Some("v"), Tri::True),
            ("Null", "k", "false", None, Tri::False),
            ("NullIfExists", "k", "true", None, Tri::Unknown),
            (
                "ForAnyValue:StringEquals",
                "k",
                r#"["a", "b"]"#,
                Some("b"),
                Tri::True,
            ),
            (
                "ForAllValues:StringLike",
                "k",
                r#""a*""#,
                Some("b"),
                Tri::False,
            ),
            (
                "forallvalues:StringEqualsIfExists",
                "k",
                r#""a""#,
                None,
                Tri::True,
            ),
            ("NumericLessThan", "k", "5", Some("3"), Tri::Unknown),
            (
                "IpAddress",
                "aws:SourceIp",
                r#""10.0.0.0/8""#,
                None,
                Tri::Unknown,
            ),
            ("", "k", r#""a""#, Some("a"), Tri::Unknown),
            ("IfExists", "k", r#""a""#, Some("a"), Tri::Unknown),
            ("ForAnyValue:", "k", r#""a""#, Some("a"), Tri::Unknown),
            ("Ünïcödé", "k", r#""a""#, Some("a"), Tri::Unknown),
        ];
        for (operator, key, values, actual, expected) in cases {
            let policy = doc(&format!(
                r#"{{"Statement": {{"Effect": "Allow", "Action": "*", "Condition": {{"{operator}": {{"{key}": {values}}}}}}}}}"#
            ));
            let condition = &policy.statements[0].conditions[0];
            let context = match actual {
                Some(v) => ctx(&[("k", v)]),
                None => BTreeMap::new(),
            };
            assert_eq!(
                evaluate_condition(condition, &context),
                *expected,
                "{operator} {key} {values} with {actual:?}"
            );
        }
    }

    #[test]
    fn no_documents_or_no_statements_is_implicit_deny() {
        let empty = doc(r#"{"Statement": []}"#);
        assert_eq!(
            identity(&[], "s3:GetObject", "*").decision,
            Decision::ImplicitDeny
        );
        let result = identity(&[&empty], "s3:GetObject", "*");
        assert_eq!(result.decision, Decision::ImplicitDeny);
        assert!(result.allow_statements.is_empty() && result.deny_statements.is_empty());
    }

    #[test]
    fn statement_without_action_grants_nothing() {
        let policy = doc(r#"{"Statement": {"Effect": "Allow", "Principal": "*"}}"#);
        let who = Principal::Service(FLOW_LOGS.into());
        assert_eq!(
            assume(&[&policy], &who, &BTreeMap::new()).decision,
            Decision::ImplicitDeny
        );
    }

    #[test]
    fn unknown_conditions_are_deduplicated() {
        let policy = doc(r#"{"Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
                {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
            ]}"#);
        let result = identity(&[&policy], "s3:GetObject", "*");
        assert_eq!(result.decision, Decision::Uncertain);
        assert_eq!(result.allow_statements.len(), 2);
        assert_eq!(result.unknown_conditions.len(), 1);
    }

    #[test]
    fn helpers_reject_odd_input_without_panicking() {
        assert_eq!(strip_prefix_ignore_case("é", "ForAnyValue:"), None);
        assert_eq!(
            strip_prefix_ignore_case("ééééééééééééé", "ForAnyValue:"),
            None
        );
        assert_eq!(strip_suffix_ignore_case("ééééé", "IfExists"), None);
        assert_eq!(
            strip_suffix_ignore_case("BoolIFEXISTS", "IfExists"),
            Some("Bool")
        );
        assert_eq!(
            account_root("arn:aws:iam::123456789012:root"),
            Some("123456789012")
        );
        assert_eq!(account_root("arn:aws:iam::123456789012:root:extra"), None);
        assert_eq!(account_root("arn:aws:iam::12345:root"), None);
        assert_eq!(
            account_of("arn:aws:iam::123456789012:role/x"),
            Some("123456789012")
        );
        assert_eq!(account_of("not-an-arn"), None);
        assert_eq!(
            Decision::ImplicitDeny.to_string(),
            "not allowed (implicit deny)"
        );
    }
}
