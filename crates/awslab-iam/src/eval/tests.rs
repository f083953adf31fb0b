use super::super::context::KeyState;
use super::super::document::parse_document;
use super::*;

fn doc(text: &str) -> PolicyDocument {
    match parse_document(text) {
        Ok(d) => d,
        Err(e) => panic!("test policy does not parse: {e}\n{text}"),
    }
}

fn ctx(pairs: &[(&str, &str)]) -> RequestContext {
    let mut context = RequestContext::new();
    for (k, v) in pairs {
        context.set(k, *v);
    }
    context
}

fn identity(documents: &[&PolicyDocument], action: &str, resource: &str) -> Evaluation {
    let context = RequestContext::new();
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

fn assume(documents: &[&PolicyDocument], who: &Principal, context: &RequestContext) -> Evaluation {
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
    let context = RequestContext::new();
    let required = [
        "logs:CreateLogGroup",
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "logs:DescribeLogGroups",
        "logs:DescribeLogStreams",
    ];
    // The actions not plainly allowed on `resource`, with their decisions.
    let missing = |resource: &str| -> Vec<(&str, Decision)> {
        required
            .iter()
            .map(|&action| {
                let request = Request {
                    action,
                    resource: Some(resource),
                    principal: None,
                    context: &context,
                };
                (action, evaluate(&[&policy], &request).decision)
            })
            .filter(|(_, decision)| *decision != Decision::Allow)
            .collect()
    };
    assert_eq!(
        missing(LOG_STREAM),
        vec![("logs:DescribeLogStreams", Decision::ImplicitDeny)]
    );

    let put = identity(&[&policy], "logs:PutLogEvents", LOG_STREAM);
    assert_eq!(put.decision, Decision::Allow);
    assert_eq!(put.allow_statements.len(), 1);
    assert_eq!(put.allow_statements[0].statement, 2);
    assert_eq!(put.allow_statements[0].sid.as_deref(), Some("Events"));

    // The resource each action is checked on matters.
    let on_other_group =
        missing("arn:aws:logs:ap-northeast-2:123456789012:log-group:Other:log-stream:x");
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
        let result = assume(&[&policy], who, &RequestContext::new());
        assert_eq!(
            result.decision, *expected,
            "Principal {principal_json} vs {who:?}: {result:?}"
        );
    }

    assert_eq!(
        assume(&[&not_principal_trust], &service, &RequestContext::new()).decision,
        Decision::Allow
    );
    assert_eq!(
        assume(&[&not_principal_trust], &ec2, &RequestContext::new()).decision,
        Decision::ImplicitDeny
    );

    // NotPrincipal with an account root does not exclude the account's roles.
    let deny_not_account = doc(r#"{"Statement": [
            {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"},
            {"Effect": "Deny", "NotPrincipal": {"AWS": "123456789012"}, "Action": "sts:AssumeRole"}
        ]}"#);
    assert_eq!(
        assume(&[&deny_not_account], &account_root, &RequestContext::new()).decision,
        Decision::Allow
    );
    assert_eq!(
        assume(&[&deny_not_account], &role, &RequestContext::new()).decision,
        Decision::ExplicitDeny
    );

    // The trust policy grants sts:AssumeRole only, not other actions.
    let policy = trust(&format!(r#"{{"Service": "{FLOW_LOGS}"}}"#));
    let context = RequestContext::new();
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
    let policy = flow_logs_trust_with(r#"{"StringEquals": {"aws:SourceAccount": "123456789012"}}"#);
    let service = Principal::Service(FLOW_LOGS.into());

    let same = assume(
        &[&policy],
        &service,
        &ctx(&[("aws:SourceAccount", "123456789012")]),
    );
    assert_eq!(same.decision, Decision::Allow);
    assert!(same.undecided.is_empty());

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
    assert!(other.undecided.is_empty());

    let absent = assume(&[&policy], &service, &RequestContext::new());
    assert_eq!(absent.decision, Decision::Uncertain);
    assert_eq!(absent.allow_statements.len(), 1);
    assert_eq!(
        absent.undecided,
        vec![Undecided {
            statement: StatementRef {
                document: 0,
                statement: 0,
                sid: None
            },
            effect: Effect::Allow,
            condition: Some(Condition {
                operator: "StringEquals".into(),
                key: "aws:SourceAccount".into(),
                values: vec!["123456789012".into()],
            }),
            reason: UndecidedReason::UnknownKey("aws:SourceAccount".into()),
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
        assume(&[&policy], &service, &RequestContext::new()).decision,
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
        assert_eq!(result.undecided.len(), *unknown, "{pairs:?}");
    }
}

#[test]
fn unknown_operator_is_uncertain_and_listed() {
    // `DateGreaterThen` is a typo IAM would not accept.
    let policy =
        flow_logs_trust_with(r#"{"DateGreaterThen": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}"#);
    let service = Principal::Service(FLOW_LOGS.into());
    // Even with the key present: the operator is not known.
    let result = assume(
        &[&policy],
        &service,
        &ctx(&[("aws:CurrentTime", "2030-01-01T00:00:00Z")]),
    );
    assert_eq!(result.decision, Decision::Uncertain);
    assert_eq!(result.undecided.len(), 1);
    let condition = result.undecided[0].condition.as_ref().unwrap();
    assert_eq!(condition.operator, "DateGreaterThen");
    assert_eq!(condition.key, "aws:CurrentTime");
    assert_eq!(
        result.undecided[0].reason,
        UndecidedReason::UnsupportedOperator("DateGreaterThen".into())
    );

    // The real operator is implemented.
    let policy =
        flow_logs_trust_with(r#"{"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}"#);
    let result = assume(
        &[&policy],
        &service,
        &ctx(&[("aws:CurrentTime", "2030-01-01T00:00:00Z")]),
    );
    assert_eq!(result.decision, Decision::Allow);
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
    assert_eq!(result.undecided.len(), 1);

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
        assume(&[&policy], &who, &RequestContext::new()).decision,
        Decision::ImplicitDeny
    );
}

#[test]
fn undecided_conditions_are_listed_per_statement() {
    let policy = doc(r#"{"Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}},
            {"Effect": "Allow", "Action": "s3:Get*", "Resource": "*", "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}
        ]}"#);
    let result = identity(&[&policy], "s3:GetObject", "*");
    assert_eq!(result.decision, Decision::Uncertain);
    assert_eq!(result.allow_statements.len(), 2);
    // The same condition, once for each statement it makes undecidable.
    let statements: Vec<usize> = result
        .undecided
        .iter()
        .map(|u| u.statement.statement)
        .collect();
    assert_eq!(statements, vec![0, 1]);
    assert!(result.undecided.iter().all(|u| u.effect == Effect::Allow
        && u.reason == UndecidedReason::UnknownKey("aws:PrincipalOrgID".into())));
}

#[test]
fn decision_display_is_plain() {
    assert_eq!(
        Decision::ImplicitDeny.to_string(),
        "not allowed (implicit deny)"
    );
}

// ---- Request contexts built for flow-log delivery and the service's AssumeRole.

const REGION: &str = "ap-northeast-2";
const ACCOUNT: &str = "123456789012";
const ROLE: &str = "arn:aws:iam::123456789012:role/lab/FlowLogsRole";
const FLOW_LOG: &str = "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/fl-0123456789abcdef0";
/// 2026-05-01T00:00:00Z.
const NOW: i64 = 1_777_593_600;
/// 2026-01-01T00:00:00Z: when the role was made.
const ROLE_CREATED: i64 = 1_767_225_600;

fn delivery() -> RequestContext {
    RequestContext::flow_logs_delivery(REGION, ACCOUNT, ROLE, Some(ROLE_CREATED), NOW)
}

/// A version 2012-10-17 identity policy with one statement.
fn policy(statement: &str) -> PolicyDocument {
    doc(&format!(
        r#"{{"Version": "2012-10-17", "Statement": [{statement}]}}"#
    ))
}

fn put(documents: &[&PolicyDocument], context: &RequestContext) -> Evaluation {
    evaluate(
        documents,
        &Request {
            action: "logs:PutLogEvents",
            resource: Some(LOG_STREAM),
            principal: None,
            context,
        },
    )
}

#[test]
fn flow_logs_delivery_context_keys() {
    let c = delivery();
    let present = |key: &str, value: &str| {
        assert_eq!(
            c.state(key),
            KeyState::Present(&[value.to_owned()]),
            "{key}"
        );
    };
    present("aws:RequestedRegion", REGION);
    present("aws:CurrentTime", "2026-05-01T00:00:00Z");
    present("aws:EpochTime", "1777593600");
    present("aws:SecureTransport", "true");
    present("aws:PrincipalAccount", ACCOUNT);
    present("aws:PrincipalArn", ROLE);
    present("aws:PrincipalType", "AssumedRole");
    present("aws:PrincipalIsAWSService", "false");
    present("aws:ViaAWSService", "false");
    present("aws:ResourceAccount", ACCOUNT);
    // Keys are case-insensitive.
    present("AWS:REQUESTEDREGION", REGION);
    for key in [
        "aws:username",
        "aws:PrincipalServiceName",
        "aws:PrincipalServiceNamesList",
        "aws:CalledVia",
        "aws:CalledViaFirst",
        "aws:CalledViaLast",
        "aws:SourceAccount",
        "aws:SourceArn",
        "aws:SourceOrgID",
        "aws:SourceOrgPaths",
        "aws:referer",
        "aws:AssumedRoot",
        "aws:FederatedProvider",
    ] {
        assert_eq!(c.state(key), KeyState::Absent, "{key}");
    }
    present("aws:MultiFactorAuthPresent", "false");
    for key in [
        "aws:SourceVpc",
        "aws:SourceVpce",
        "aws:VpcSourceIp",
        "aws:MultiFactorAuthAge",
        "aws:SourceIdentity",
        "aws:RequestTag/team",
        "aws:TagKeys",
    ] {
        assert_eq!(c.state(key), KeyState::Absent, "{key}");
    }
    assert_eq!(c.state("aws:SourceIp"), KeyState::AbsentOrPublicAddress);
    assert_eq!(
        c.state("aws:TokenIssueTime"),
        KeyState::DateWithin(ROLE_CREATED, NOW)
    );
    for key in [
        "aws:userid",
        "aws:PrincipalOrgID",
        "aws:PrincipalTag/team",
        "aws:UserAgent",
        "sts:ExternalId",
    ] {
        assert_eq!(c.state(key), KeyState::Unknown, "{key}");
    }
}

#[test]
fn service_assume_role_context_keys() {
    let c = RequestContext::service_assume_role(FLOW_LOGS, REGION, ACCOUNT, FLOW_LOG, NOW);
    let present = |key: &str, value: &str| {
        assert_eq!(
            c.state(key),
            KeyState::Present(&[value.to_owned()]),
            "{key}"
        );
    };
    present("aws:SourceAccount", ACCOUNT);
    present("aws:SourceArn", FLOW_LOG);
    present("aws:PrincipalServiceName", FLOW_LOGS);
    present("aws:PrincipalIsAWSService", "true");
    present("aws:SecureTransport", "true");
    present("aws:CurrentTime", "2026-05-01T00:00:00Z");
    present("aws:EpochTime", "1777593600");
    present("aws:ViaAWSService", "false");
    present("aws:ResourceAccount", ACCOUNT);
    for key in [
        "aws:CalledVia",
        "aws:referer",
        "aws:AssumedRoot",
        "aws:FederatedProvider",
        "aws:PrincipalOrgID",
        "aws:PrincipalOrgPaths",
        "aws:PrincipalTag/team",
        "AWS:PRINCIPALTAG/Team",
        "aws:MultiFactorAuthPresent",
        "aws:MultiFactorAuthAge",
        "aws:TokenIssueTime",
        "aws:SourceIdentity",
        "aws:username",
        "aws:RequestTag/project",
        "aws:TagKeys",
        "aws:SourceVpc",
        "aws:SourceVpce",
    ] {
        assert_eq!(c.state(key), KeyState::Absent, "{key}");
    }
    assert_eq!(c.state("aws:SourceIp"), KeyState::AbsentOrPublicAddress);
    for key in [
        "aws:RequestedRegion",
        "aws:PrincipalArn",
        "aws:PrincipalAccount",
        "aws:SourceOrgID",
        "sts:ExternalId",
    ] {
        assert_eq!(c.state(key), KeyState::Unknown, "{key}");
    }
}

#[test]
fn request_context_set_absent_and_override() {
    let mut c = RequestContext::new();
    assert_eq!(c.state("k"), KeyState::Unknown);
    c.set("K", "v");
    assert_eq!(c.state("k"), KeyState::Present(&["v".to_owned()]));
    c.absent("k");
    assert_eq!(c.state("K"), KeyState::Absent);
    c.set_all("k", vec!["a".into(), "b".into()]);
    assert_eq!(
        c.state("k"),
        KeyState::Present(&["a".to_owned(), "b".to_owned()])
    );
}

#[test]
fn trust_policy_with_the_service_context() {
    let trust = flow_logs_trust_with(&format!(
        r#"{{"StringEquals": {{"aws:SourceAccount": "{ACCOUNT}"}},
            "ArnLike": {{"aws:SourceArn": "arn:aws:ec2:{REGION}:{ACCOUNT}:vpc-flow-log/*"}}}}"#
    ));
    let service = Principal::Service(FLOW_LOGS.into());
    let context = RequestContext::service_assume_role(FLOW_LOGS, REGION, ACCOUNT, FLOW_LOG, NOW);
    assert_eq!(
        assume(&[&trust], &service, &context).decision,
        Decision::Allow
    );
    let elsewhere = RequestContext::service_assume_role(
        FLOW_LOGS,
        REGION,
        "210987654321",
        "arn:aws:ec2:ap-northeast-2:210987654321:vpc-flow-log/fl-1",
        NOW,
    );
    assert_eq!(
        assume(&[&trust], &service, &elsewhere).decision,
        Decision::ImplicitDeny
    );
    // A condition on a key the service does not document sending stays open.
    let external = flow_logs_trust_with(r#"{"StringEquals": {"sts:ExternalId": "x"}}"#);
    let result = assume(&[&external], &service, &context);
    assert_eq!(result.decision, Decision::Uncertain);
    assert_eq!(
        result.undecided[0].reason,
        UndecidedReason::UnknownKey("sts:ExternalId".into())
    );
}

#[test]
fn region_lock_to_another_region() {
    let allow_elsewhere = policy(
        r#"{"Effect": "Allow", "Action": "logs:*", "Resource": "*",
            "Condition": {"StringEqualsIfExists": {"aws:RequestedRegion": "us-east-1"}}}"#,
    );
    let result = put(&[&allow_elsewhere], &delivery());
    assert_eq!(result.decision, Decision::ImplicitDeny);
    assert!(result.undecided.is_empty());

    let allow_here = policy(&format!(
        r#"{{"Effect": "Allow", "Action": "logs:*", "Resource": "*",
            "Condition": {{"StringEqualsIfExists": {{"aws:RequestedRegion": "{REGION}"}}}}}}"#
    ));
    assert_eq!(put(&[&allow_here], &delivery()).decision, Decision::Allow);

    let deny_elsewhere = policy(
        r#"{"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringNotEquals": {"aws:RequestedRegion": ["us-east-1", "us-west-2"]}}}"#,
    );
    let admin = policy(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
    let result = put(&[&admin, &deny_elsewhere], &delivery());
    assert_eq!(result.decision, Decision::ExplicitDeny);
    assert_eq!(result.deny_statements[0].document, 1);
    // Without a context the lock cannot be judged: uncertain, not allowed.
    let unknown = put(&[&admin, &deny_elsewhere], &RequestContext::new());
    assert_eq!(unknown.decision, Decision::Uncertain);
    assert_eq!(unknown.undecided[0].effect, Effect::Deny);
}

#[test]
fn current_time_and_epoch_time_windows() {
    let window = |operator: &str, key: &str, value: &str| {
        policy(&format!(
            r#"{{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*",
                "Condition": {{"{operator}": {{"{key}": "{value}"}}}}}}"#
        ))
    };
    // (policy, expected under the delivery context at NOW)
    let cases = [
        (
            window("DateLessThan", "aws:CurrentTime", "2020-01-01T00:00:00Z"),
            Decision::ImplicitDeny,
        ),
        (
            window("DateLessThan", "aws:CurrentTime", "2099-01-01T00:00:00Z"),
            Decision::Allow,
        ),
        (
            window("DateGreaterThan", "aws:CurrentTime", "2026-04-30T23:59:59Z"),
            Decision::Allow,
        ),
        (
            window("DateGreaterThan", "aws:CurrentTime", "2026-05-01T00:00:00Z"),
            Decision::ImplicitDeny,
        ),
        (
            window("DateLessThan", "aws:EpochTime", "2026-05-01T00:00:01Z"),
            Decision::Allow,
        ),
        (
            window("NumericLessThan", "aws:EpochTime", "4102444800"),
            Decision::Allow,
        ),
        (
            window("NumericLessThan", "aws:EpochTime", "1577836800"),
            Decision::ImplicitDeny,
        ),
        (
            window("NumericGreaterThanEquals", "aws:EpochTime", "1777593600"),
            Decision::Allow,
        ),
        // A date that cannot exist is not rounded into one.
        (
            window("DateLessThan", "aws:CurrentTime", "2099-02-31T00:00:00Z"),
            Decision::Uncertain,
        ),
    ];
    for (document, expected) in &cases {
        let result = put(&[document], &delivery());
        assert_eq!(
            result.decision, *expected,
            "{:?}",
            document.statements[0].conditions
        );
    }
}

#[test]
fn secure_transport_deny() {
    let admin = policy(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
    let deny_plain = policy(
        r#"{"Sid": "TlsOnly", "Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"Bool": {"aws:SecureTransport": "false"}}}"#,
    );
    assert_eq!(
        put(&[&admin, &deny_plain], &delivery()).decision,
        Decision::Allow
    );
    let mut plain = delivery();
    plain.set("aws:SecureTransport", "false");
    let result = put(&[&admin, &deny_plain], &plain);
    assert_eq!(result.decision, Decision::ExplicitDeny);
    assert_eq!(result.deny_statements[0].sid.as_deref(), Some("TlsOnly"));
}

#[test]
fn source_ip_is_unknown_for_service_calls() {
    let from_office = policy(
        r#"{"Effect": "Allow", "Action": "logs:*", "Resource": "*",
            "Condition": {"IpAddress": {"aws:SourceIp": "121.134.0.0/16"}}}"#,
    );
    let result = put(&[&from_office], &delivery());
    assert_eq!(result.decision, Decision::Uncertain);
    assert_eq!(result.undecided.len(), 1);
    assert_eq!(
        result.undecided[0].reason,
        UndecidedReason::UnknownKey("aws:SourceIp".into())
    );
    assert_eq!(
        result.undecided[0]
            .condition
            .as_ref()
            .map(|c| c.operator.as_str()),
        Some("IpAddress")
    );

    // The same range as a Deny: an Allow next to it is no longer certain.
    let admin = policy(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
    let outside_office = policy(
        r#"{"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "121.134.0.0/16"}}}"#,
    );
    let result = put(&[&admin, &outside_office], &delivery());
    assert_eq!(result.decision, Decision::Uncertain);
    assert_eq!(result.undecided[0].effect, Effect::Deny);
    // The usual exemption for AWS services is decided by the context.
    let exempt = policy(
        r#"{"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"NotIpAddress": {"aws:SourceIp": "203.0.113.0/24"},
                          "Bool": {"aws:ViaAWSService": "true"}}}"#,
    );
    assert_eq!(
        put(&[&admin, &exempt], &delivery()).decision,
        Decision::Allow
    );
}

#[test]
fn null_checks_against_the_delivery_context() {
    // (condition, expected)
    let cases = [
        (r#"{"Null": {"aws:SourceArn": "true"}}"#, Decision::Allow),
        (
            r#"{"Null": {"aws:SourceArn": "false"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"Null": {"aws:PrincipalArn": "false"}}"#,
            Decision::Allow,
        ),
        (
            r#"{"Null": {"aws:PrincipalArn": "true"}}"#,
            Decision::ImplicitDeny,
        ),
        (
            r#"{"Null": {"aws:TokenIssueTime": "false"}}"#,
            Decision::Allow,
        ),
        (r#"{"Null": {"aws:SourceIp": "true"}}"#, Decision::Uncertain),
    ];
    for (condition, expected) in cases {
        let document = policy(&format!(
            r#"{{"Effect": "Allow", "Action": "logs:*", "Resource": "*", "Condition": {condition}}}"#
        ));
        assert_eq!(
            put(&[&document], &delivery()).decision,
            expected,
            "{condition}"
        );
    }
}

#[test]
fn principal_keys_of_the_role_session() {
    let only_role = |operator: &str, value: &str| {
        policy(&format!(
            r#"{{"Effect": "Allow", "Action": "logs:*", "Resource": "*",
                "Condition": {{"{operator}": {{"aws:PrincipalArn": "{value}"}}}}}}"#
        ))
    };
    let cases = [
        (only_role("ArnEquals", ROLE), Decision::Allow),
        (
            only_role("ArnLike", "arn:aws:iam::*:role/lab/*"),
            Decision::Allow,
        ),
        (
            only_role("ArnLike", "arn:aws:iam::*:role/Other"),
            Decision::ImplicitDeny,
        ),
        // The session ARN is not what aws:PrincipalArn holds for a role.
        (
            only_role("ArnLike", "arn:aws:sts::*:assumed-role/*"),
            Decision::ImplicitDeny,
        ),
    ];
    for (document, expected) in &cases {
        assert_eq!(put(&[document], &delivery()).decision, *expected);
    }
}

#[test]
fn policy_variables_in_resource() {
    let with_resource = |resource: &str| {
        policy(&format!(
            r#"{{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "{resource}"}}"#
        ))
    };
    // aws:username is absent for a role session: the resource matches nothing.
    let by_user = with_resource("arn:aws:logs:*:*:log-group:${aws:username}:*");
    let result = put(&[&by_user], &delivery());
    assert_eq!(result.decision, Decision::ImplicitDeny);
    assert!(result.undecided.is_empty());
    // Unknown: undecidable, reported without a condition.
    let result = put(&[&by_user], &RequestContext::new());
    assert_eq!(result.decision, Decision::Uncertain);
    assert_eq!(result.undecided[0].condition, None);
    assert_eq!(
        result.undecided[0].reason,
        UndecidedReason::UnresolvedVariable("aws:username".into())
    );
    // A default fills in.
    let defaulted = with_resource("arn:aws:logs:*:*:log-group:${aws:username, 'MyVpc22-Log'}:*");
    assert_eq!(put(&[&defaulted], &delivery()).decision, Decision::Allow);
    // Known keys are substituted after the fifth colon...
    let mut context = delivery();
    context.set("aws:PrincipalTag/group", "MyVpc22-Log");
    let by_tag = with_resource("arn:aws:logs:*:*:log-group:${aws:PrincipalTag/group}:*");
    assert_eq!(put(&[&by_tag], &context).decision, Decision::Allow);
    // ...but not before it, where the text stays literal.
    let in_account =
        with_resource("arn:aws:logs:*:${aws:PrincipalAccount}:log-group:MyVpc22-Log:*");
    assert_eq!(
        put(&[&in_account], &delivery()).decision,
        Decision::ImplicitDeny
    );
    // Without Version 2012-10-17 variables are literal text.
    let old = doc(
        r#"{"Statement": {"Effect": "Allow", "Action": "logs:PutLogEvents",
            "Resource": "arn:aws:logs:*:*:log-group:${aws:username, 'MyVpc22-Log'}:*"}}"#,
    );
    assert_eq!(put(&[&old], &delivery()).decision, Decision::ImplicitDeny);
    // NotResource with a variable without value excludes nothing.
    let not_resource = policy(
        r#"{"Effect": "Allow", "Action": "logs:PutLogEvents",
            "NotResource": "arn:aws:logs:*:*:log-group:${aws:username}:*"}"#,
    );
    assert_eq!(put(&[&not_resource], &delivery()).decision, Decision::Allow);
}

#[test]
fn resource_wildcards_follow_arn_segments() {
    // (Resource, expected for PutLogEvents on LOG_STREAM)
    let cases = [
        ("*", Decision::Allow),
        // A `*` that ends a segment may run on past colons.
        ("arn:aws:logs:*", Decision::Allow),
        ("arn:aws:logs:ap-*:log-group:MyVpc22-Log:*", Decision::Allow),
        (
            "arn:aws:logs:*-2:*:log-group:MyVpc22-Log:*",
            Decision::Allow,
        ),
        (
            "arn:aws:logs:ap-northeast-?:*:log-group:MyVpc22-Log:*",
            Decision::Allow,
        ),
        // Inside a segment it may not: one wildcard over the whole string
        // would match here.
        (
            "arn:aws:logs:ap*2:log-group:MyVpc22-Log:*",
            Decision::ImplicitDeny,
        ),
        // Nor may `?` stand for a colon.
        (
            "arn:aws:logs?ap-northeast-2:*:log-group:MyVpc22-Log:*",
            Decision::ImplicitDeny,
        ),
        // After the fifth colon wildcards cover colons as usual.
        (
            "arn:aws:logs:*:*:log-group:My*-Log:log-stream:*",
            Decision::Allow,
        ),
        ("arn:aws:logs:*:*:log-group:MyVpc22-Log*", Decision::Allow),
        (
            "arn:aws:logs:*:*:log-group:MyVpc22-Log",
            Decision::ImplicitDeny,
        ),
    ];
    for (resource, expected) in cases {
        let document = policy(&format!(
            r#"{{"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "{resource}"}}"#
        ));
        assert_eq!(
            put(&[&document], &delivery()).decision,
            expected,
            "{resource}"
        );
    }
}

#[test]
fn permissions_boundary_limits_identity_policies() {
    let admin = policy(r#"{"Effect": "Allow", "Action": "logs:*", "Resource": "*"}"#);
    let only_put = policy(
        r#"{"Sid": "Bound", "Effect": "Allow", "Action": ["logs:PutLogEvents", "logs:CreateLogStream"], "Resource": "*"}"#,
    );
    let context = delivery();
    let request = |action| Request {
        action,
        resource: Some(LOG_STREAM),
        principal: None,
        context: &context,
    };

    let inside = evaluate_identity(&[&admin], Some(&only_put), &request("logs:PutLogEvents"));
    assert_eq!(inside.decision, Decision::Allow);
    // The boundary's statements are numbered after the identity documents.
    assert_eq!(
        inside.allow_statements,
        vec![
            StatementRef {
                document: 0,
                statement: 0,
                sid: None
            },
            StatementRef {
                document: 1,
                statement: 0,
                sid: Some("Bound".into())
            },
        ]
    );
    let outside = evaluate_identity(&[&admin], Some(&only_put), &request("logs:DeleteLogGroup"));
    assert_eq!(outside.decision, Decision::ImplicitDeny);
    // The boundary grants nothing by itself.
    let nothing = evaluate_identity(&[], Some(&only_put), &request("logs:PutLogEvents"));
    assert_eq!(nothing.decision, Decision::ImplicitDeny);
    // No boundary: the identity policies alone.
    let plain = evaluate_identity(&[&admin], None, &request("logs:DeleteLogGroup"));
    assert_eq!(plain, evaluate(&[&admin], &request("logs:DeleteLogGroup")));
    // An explicit Deny in the boundary wins.
    let deny_in_boundary = doc(
        r#"{"Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"},
                          {"Effect": "Deny", "Action": "logs:PutLogEvents", "Resource": "*"}]}"#,
    );
    let denied = evaluate_identity(
        &[&admin],
        Some(&deny_in_boundary),
        &request("logs:PutLogEvents"),
    );
    assert_eq!(denied.decision, Decision::ExplicitDeny);
    assert_eq!(denied.deny_statements[0].document, 1);
    // An undecidable boundary leaves the answer uncertain.
    let tagged_boundary = policy(
        r#"{"Effect": "Allow", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalTag/tier": "lab"}}}"#,
    );
    let unsure = evaluate_identity(
        &[&admin],
        Some(&tagged_boundary),
        &request("logs:PutLogEvents"),
    );
    assert_eq!(unsure.decision, Decision::Uncertain);
    assert_eq!(unsure.undecided[0].statement.document, 1);
    // But not when the identity policies allow nothing anyway.
    let none = evaluate_identity(
        &[&only_put],
        Some(&tagged_boundary),
        &request("logs:DeleteLogGroup"),
    );
    assert_eq!(none.decision, Decision::ImplicitDeny);
}

#[test]
fn maybe_deny_without_any_allow_is_an_implicit_deny() {
    let maybe_deny = policy(
        r#"{"Effect": "Deny", "Action": "*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1"}}}"#,
    );
    let result = put(&[&maybe_deny], &delivery());
    assert_eq!(result.decision, Decision::ImplicitDeny);
    assert_eq!(result.deny_statements.len(), 1);
    assert_eq!(result.undecided.len(), 1);
}

#[test]
fn not_action_allows_with_the_delivery_context() {
    let everything_but_iam = policy(
        r#"{"Effect": "Allow", "NotAction": "iam:*", "Resource": "*",
            "Condition": {"StringEquals": {"aws:PrincipalType": "AssumedRole"}}}"#,
    );
    assert_eq!(
        put(&[&everything_but_iam], &delivery()).decision,
        Decision::Allow
    );
}

// ---- What can be decided without knowing a key's value (absent keys, ranges, edges).

/// The decision for a one-statement `effect` on `logs:PutLogEvents` with `condition`, next to
/// an admin Allow, in `context`.
fn decide(effect: &str, condition: &str, context: &RequestContext) -> Decision {
    let admin = policy(r#"{"Effect": "Allow", "Action": "*", "Resource": "*"}"#);
    let guard = policy(&format!(
        r#"{{"Effect": "{effect}", "Action": "logs:*", "Resource": "*", "Condition": {condition}}}"#
    ));
    if effect == "Allow" {
        put(&[&guard], context).decision
    } else {
        put(&[&admin, &guard], context).decision
    }
}

#[test]
fn absent_keys_are_decided_by_operator_family_and_if_exists() {
    // A service principal's AssumeRole carries none of these keys.
    let c = RequestContext::service_assume_role(FLOW_LOGS, REGION, ACCOUNT, FLOW_LOG, NOW);
    // (condition on absent keys, does the condition hold)
    let cases: &[(&str, bool)] = &[
        (r#"{"StringEquals": {"aws:PrincipalOrgID": "o-1"}}"#, false),
        (
            r#"{"StringNotEquals": {"aws:PrincipalOrgID": "o-1"}}"#,
            true,
        ),
        (
            r#"{"StringEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}"#,
            true,
        ),
        (
            r#"{"StringNotEqualsIfExists": {"aws:PrincipalOrgID": "o-1"}}"#,
            true,
        ),
        (
            r#"{"StringLike": {"aws:PrincipalOrgPaths": "o-1/*"}}"#,
            false,
        ),
        (
            r#"{"ForAnyValue:StringLike": {"aws:PrincipalOrgPaths": "o-1/*"}}"#,
            false,
        ),
        (
            r#"{"ForAllValues:StringLike": {"aws:PrincipalOrgPaths": "o-1/*"}}"#,
            true,
        ),
        (
            r#"{"StringEquals": {"aws:PrincipalTag/team": "net"}}"#,
            false,
        ),
        (
            r#"{"StringNotEqualsIgnoreCase": {"aws:PrincipalTag/Team": "net"}}"#,
            true,
        ),
        (r#"{"Bool": {"aws:MultiFactorAuthPresent": "true"}}"#, false),
        (
            r#"{"Bool": {"aws:MultiFactorAuthPresent": "false"}}"#,
            false,
        ),
        (
            r#"{"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}"#,
            true,
        ),
        (
            r#"{"NumericLessThan": {"aws:MultiFactorAuthAge": "3600"}}"#,
            false,
        ),
        (
            r#"{"NumericGreaterThanIfExists": {"aws:MultiFactorAuthAge": "3600"}}"#,
            true,
        ),
        (
            r#"{"DateLessThan": {"aws:TokenIssueTime": "2020-01-01"}}"#,
            false,
        ),
        (
            r#"{"DateNotEquals": {"aws:TokenIssueTime": "2020-01-01"}}"#,
            true,
        ),
        (
            r#"{"ArnLike": {"aws:PrincipalArn": "arn:aws:iam::*:role/x"}}"#,
            false,
        ),
        (r#"{"Null": {"aws:PrincipalOrgID": "true"}}"#, true),
        (r#"{"Null": {"aws:PrincipalOrgID": "false"}}"#, false),
        (r#"{"Bool": {"aws:PrincipalIsAWSService": "true"}}"#, true),
    ];
    for (condition, holds) in cases {
        if condition.contains("aws:PrincipalArn") {
            // aws:PrincipalArn stays unknown for a service principal.
            assert_eq!(decide("Allow", condition, &c), Decision::Uncertain);
            continue;
        }
        let expected = if *holds {
            Decision::ExplicitDeny
        } else {
            Decision::Allow
        };
        let document = policy(&format!(
            r#"{{"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole", "Condition": {condition}}}"#
        ));
        let trust = policy(
            r#"{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}"#,
        );
        let principal = Principal::Service(FLOW_LOGS.into());
        let decision = evaluate(
            &[&trust, &document],
            &Request {
                action: "sts:AssumeRole",
                resource: None,
                principal: Some(&principal),
                context: &c,
            },
        )
        .decision;
        assert_eq!(decision, expected, "{condition}");
    }
}

#[test]
fn an_organisation_guard_denies_the_service_unless_it_exempts_services() {
    let c = RequestContext::service_assume_role(FLOW_LOGS, REGION, ACCOUNT, FLOW_LOG, NOW);
    let trust = policy(
        r#"{"Effect": "Allow", "Principal": {"Service": "vpc-flow-logs.amazonaws.com"}, "Action": "sts:AssumeRole"}"#,
    );
    let principal = Principal::Service(FLOW_LOGS.into());
    let judge = |guard: &str| {
        let guard = policy(guard);
        evaluate(
            &[&trust, &guard],
            &Request {
                action: "sts:AssumeRole",
                resource: None,
                principal: Some(&principal),
                context: &c,
            },
        )
    };
    let plain = judge(
        r#"{"Sid": "OrgOnly", "Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
            "Condition": {"StringNotEquals": {"aws:PrincipalOrgID": "o-abc123"}}}"#,
    );
    assert_eq!(plain.decision, Decision::ExplicitDeny);
    assert!(plain.undecided.is_empty(), "decided, not undecided");
    for exemption in [
        r#""Bool": {"aws:PrincipalIsAWSService": "false"}"#,
        r#""BoolIfExists": {"aws:PrincipalIsAWSService": "false"}"#,
        r#""Null": {"aws:PrincipalServiceName": "true"}"#,
    ] {
        let exempt = judge(&format!(
            r#"{{"Effect": "Deny", "Principal": "*", "Action": "sts:AssumeRole",
                "Condition": {{"StringNotEquals": {{"aws:PrincipalOrgID": "o-abc123"}}, {exemption}}}}}"#
        ));
        assert_eq!(exempt.decision, Decision::Allow, "{exemption}");
    }
}

#[test]
fn a_session_is_never_older_than_its_role() {
    let c = delivery();
    // (condition on aws:TokenIssueTime, Deny applies: Some(bool), or undecided: None)
    let cases: &[(&str, Option<bool>)] = &[
        // Sessions issued before a date long before the role existed: none.
        (
            r#"{"DateLessThan": {"aws:TokenIssueTime": "2001-01-01T00:00:00Z"}}"#,
            Some(false),
        ),
        (
            r#"{"DateLessThanEquals": {"aws:TokenIssueTime": "2025-12-31"}}"#,
            Some(false),
        ),
        (
            r#"{"DateGreaterThan": {"aws:TokenIssueTime": "2001-01-01T00:00:00Z"}}"#,
            Some(true),
        ),
        (
            r#"{"DateNotEquals": {"aws:TokenIssueTime": "2001-01-01T00:00:00Z"}}"#,
            Some(true),
        ),
        (
            r#"{"DateEquals": {"aws:TokenIssueTime": "2001-01-01T00:00:00Z"}}"#,
            Some(false),
        ),
        // After now: no session yet.
        (
            r#"{"DateGreaterThan": {"aws:TokenIssueTime": "2099-01-01"}}"#,
            Some(false),
        ),
        // Between the role's creation and now: it depends on the session.
        (
            r#"{"DateLessThan": {"aws:TokenIssueTime": "2026-03-01"}}"#,
            None,
        ),
        (
            r#"{"DateEquals": {"aws:TokenIssueTime": "2026-03-01"}}"#,
            None,
        ),
        // A number is not a date operator on it: unknown.
        (r#"{"NumericLessThan": {"aws:TokenIssueTime": "5"}}"#, None),
        (r#"{"Null": {"aws:TokenIssueTime": "true"}}"#, Some(false)),
    ];
    for (condition, applies) in cases {
        let expected = match applies {
            Some(true) => Decision::ExplicitDeny,
            Some(false) => Decision::Allow,
            None => Decision::Uncertain,
        };
        assert_eq!(decide("Deny", condition, &c), expected, "{condition}");
    }
    // Without the role's creation, only "not after now" is known.
    let unknown_role = RequestContext::flow_logs_delivery(REGION, ACCOUNT, ROLE, None, NOW);
    assert_eq!(
        decide(
            "Deny",
            r#"{"DateLessThan": {"aws:TokenIssueTime": "2001-01-01T00:00:00Z"}}"#,
            &unknown_role
        ),
        Decision::Uncertain
    );
}

#[test]
fn a_source_ip_guard_is_decided_where_the_address_does_not_matter() {
    let c = delivery();
    // (condition, Deny applies: Some(bool), or undecided: None)
    let cases: &[(&str, Option<bool>)] = &[
        // The service never calls from a private or documentation address, present or not.
        (
            r#"{"NotIpAddress": {"aws:SourceIp": ["203.0.113.0/24", "10.0.0.0/8"]}, "Bool": {"aws:ViaAWSService": "false"}}"#,
            Some(true),
        ),
        (
            r#"{"NotIpAddress": {"aws:SourceIp": "192.168.0.0/16"}}"#,
            Some(true),
        ),
        (
            r#"{"IpAddress": {"aws:SourceIp": "10.0.0.0/8"}}"#,
            Some(false),
        ),
        (
            r#"{"NotIpAddressIfExists": {"aws:SourceIp": "2001:db8::/32"}}"#,
            Some(true),
        ),
        // The usual exemption decides it whatever the address.
        (
            r#"{"NotIpAddress": {"aws:SourceIp": "121.134.0.0/16"}, "Bool": {"aws:ViaAWSService": "true"}}"#,
            Some(false),
        ),
        // A public range may hold the service's address: it depends.
        (
            r#"{"NotIpAddress": {"aws:SourceIp": "121.134.0.0/16"}}"#,
            None,
        ),
        (r#"{"IpAddress": {"aws:SourceIp": "52.0.0.0/8"}}"#, None),
        // Present or absent decides Null, and that is not known.
        (r#"{"Null": {"aws:SourceIp": "false"}}"#, None),
    ];
    for (condition, applies) in cases {
        let expected = match applies {
            Some(true) => Decision::ExplicitDeny,
            Some(false) => Decision::Allow,
            None => Decision::Uncertain,
        };
        assert_eq!(decide("Deny", condition, &c), expected, "{condition}");
    }
}

#[test]
fn a_role_s_tags_are_its_sessions_principal_tags() {
    let tags = vec![("team".to_string(), "net".to_string())];
    let c = RequestContext::flow_logs_delivery_as(
        REGION,
        ACCOUNT,
        ROLE,
        Some(ROLE_CREATED),
        Some(&tags),
        NOW,
    );
    // (effect, condition, decision)
    let cases = [
        (
            "Allow",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "net"}}"#,
            Decision::Allow,
        ),
        (
            "Allow",
            r#"{"StringEquals": {"aws:PrincipalTag/Team": "other"}}"#,
            Decision::ImplicitDeny,
        ),
        // A tag the role does not have is absent: the negated operator holds.
        (
            "Deny",
            r#"{"StringNotEquals": {"aws:PrincipalTag/project": "lab"}}"#,
            Decision::ExplicitDeny,
        ),
        (
            "Deny",
            r#"{"Null": {"aws:PrincipalTag/team": "true"}}"#,
            Decision::Allow,
        ),
    ];
    for (effect, condition, expected) in cases {
        assert_eq!(decide(effect, condition, &c), expected, "{condition}");
    }
    // Without the role's tags, principal tags stay unknown.
    assert_eq!(
        decide(
            "Allow",
            r#"{"StringEquals": {"aws:PrincipalTag/team": "net"}}"#,
            &delivery()
        ),
        Decision::Uncertain
    );
}
