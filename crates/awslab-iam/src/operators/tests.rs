use super::*;

/// What the request context says about the condition's key.
#[derive(Debug, Clone, Copy)]
enum S<'a> {
    Unknown,
    Absent,
    One(&'a str),
    Many(&'a [&'a str]),
}

/// Expected outcome, without the reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum E {
    Y,
    N,
    U,
}

use E::{N, U, Y};
use S::{Absent, Many, One, Unknown};

fn condition(operator: &str, key: &str, values: &[&str]) -> Condition {
    Condition {
        operator: operator.into(),
        key: key.into(),
        values: values.iter().map(|v| v.to_string()).collect(),
    }
}

fn context_with(key: &str, state: S<'_>) -> RequestContext {
    let mut context = RequestContext::new();
    match state {
        Unknown => {}
        Absent => {
            context.absent(key);
        }
        One(v) => {
            context.set(key, v);
        }
        Many(vs) => {
            context.set_all(key, vs.iter().map(|v| v.to_string()).collect());
        }
    }
    context
}

fn kind(outcome: &Outcome) -> E {
    match outcome {
        Outcome::Yes => Y,
        Outcome::No => N,
        Outcome::Undecided(_) => U,
    }
}

/// Runs a table of (operator, policy values, request state, expected).
fn check(cases: &[(&str, &[&str], S<'_>, E)]) {
    for (operator, values, state, expected) in cases {
        let context = context_with("k", *state);
        let outcome = evaluate(&condition(operator, "k", values), &context, true);
        assert_eq!(
            kind(&outcome),
            *expected,
            "{operator} {values:?} with {state:?}: {outcome:?}"
        );
    }
}

#[test]
fn string_operators() {
    check(&[
        ("StringEquals", &["a"], One("a"), Y),
        ("StringEquals", &["a"], One("A"), N),
        ("StringEquals", &["x", "a"], One("a"), Y),
        ("StringEquals", &["a"], Unknown, U),
        ("StringEquals", &["a"], Absent, N),
        // `*` is only a wildcard for the Like operators.
        ("StringEquals", &["a*"], One("abc"), N),
        ("StringEquals", &["a*"], One("a*"), Y),
        ("StringNotEquals", &["x", "a"], One("a"), N),
        ("StringNotEquals", &["x", "y"], One("a"), Y),
        ("StringNotEquals", &["x"], Unknown, U),
        ("StringNotEquals", &["x"], Absent, Y),
        ("StringEqualsIgnoreCase", &["ÄBC"], One("äbc"), Y),
        ("StringEqualsIgnoreCase", &["abc"], One("abd"), N),
        ("StringNotEqualsIgnoreCase", &["ABC"], One("abc"), N),
        ("StringNotEqualsIgnoreCase", &["ABC"], One("abd"), Y),
        ("StringLike", &["team-*"], One("team-red"), Y),
        ("StringLike", &["team-*"], One("Team-red"), N),
        ("StringLike", &["team-?"], One("team-x"), Y),
        ("StringLike", &["team-?"], One("team-xy"), N),
        ("StringLike", &["team-*"], Absent, N),
        ("StringNotLike", &["team-*"], One("ops"), Y),
        ("StringNotLike", &["team-*", "ops"], One("ops"), N),
        ("StringNotLike", &["team-*"], Absent, Y),
        ("StringNotLike", &["team-*"], Unknown, U),
    ]);
}

#[test]
fn numeric_operators() {
    check(&[
        ("NumericLessThan", &["5"], One("3"), Y),
        ("NumericLessThan", &["5"], One("5"), N),
        ("NumericLessThanEquals", &["5"], One("5"), Y),
        ("NumericLessThanEquals", &["5"], One("5.01"), N),
        ("NumericGreaterThan", &["5"], One("5.5"), Y),
        ("NumericGreaterThan", &["5"], One("-6"), N),
        ("NumericGreaterThanEquals", &["10"], One("9.99"), N),
        ("NumericGreaterThanEquals", &["10"], One("10"), Y),
        ("NumericEquals", &["10"], One("10.0"), Y),
        ("NumericEquals", &["10"], One("11"), N),
        ("NumericNotEquals", &["1", "2"], One("3"), Y),
        ("NumericNotEquals", &["1", "2"], One("2"), N),
        ("NumericEquals", &["10"], Absent, N),
        ("NumericNotEquals", &["10"], Absent, Y),
        ("NumericLessThan", &["10"], Unknown, U),
        // Values that are not numbers are undecidable, on either side...
        ("NumericLessThan", &["abc"], One("3"), U),
        ("NumericLessThan", &["5"], One("x"), U),
        // ...unless another value decides (values are OR-ed).
        ("NumericLessThan", &["abc", "10"], One("3"), Y),
        ("NumericLessThan", &["abc", "1"], One("3"), U),
        // Policy variables are not substituted for Numeric operators.
        ("NumericLessThan", &["${aws:EpochTime}"], One("3"), U),
    ]);
}

#[test]
fn date_operators() {
    check(&[
        (
            "DateLessThan",
            &["2030-01-01T00:00:00Z"],
            One("2026-05-01T00:00:00Z"),
            Y,
        ),
        (
            "DateLessThan",
            &["2020-01-01T00:00:00Z"],
            One("2026-05-01T00:00:00Z"),
            N,
        ),
        (
            "DateLessThanEquals",
            &["2026-05-01T00:00:00Z"],
            One("2026-05-01T00:00:00Z"),
            Y,
        ),
        (
            "DateGreaterThan",
            &["2026-05-01"],
            One("2026-05-01T00:00:01Z"),
            Y,
        ),
        (
            "DateGreaterThan",
            &["2026-05-01"],
            One("2026-05-01T00:00:00Z"),
            N,
        ),
        (
            "DateGreaterThanEquals",
            &["2026-05-01"],
            One("2026-05-01T00:00:00Z"),
            Y,
        ),
        (
            "DateEquals",
            &["2020-01-01"],
            One("2020-01-01T00:00:00Z"),
            Y,
        ),
        // Epoch seconds and ISO 8601 compare with each other.
        (
            "DateEquals",
            &["1577836800"],
            One("2020-01-01T00:00:00Z"),
            Y,
        ),
        (
            "DateEquals",
            &["2020-01-01T09:00:00+09:00"],
            One("1577836800"),
            Y,
        ),
        (
            "DateNotEquals",
            &["2020-01-01"],
            One("2020-01-02T00:00:00Z"),
            Y,
        ),
        ("DateNotEquals", &["2020-01-01"], Absent, Y),
        ("DateLessThan", &["2030-01-01"], Absent, N),
        ("DateLessThan", &["2030-01-01"], Unknown, U),
        // An impossible date is not silently normalised.
        (
            "DateLessThan",
            &["2026-02-31"],
            One("2026-01-01T00:00:00Z"),
            U,
        ),
        ("DateLessThan", &["2030-01-01"], One("yesterday"), U),
    ]);
}

#[test]
fn bool_binary_and_ip_operators() {
    let binary = "QmluYXJ5VmFsdWVJbkJhc2U2NA==";
    check(&[
        ("Bool", &["true"], One("true"), Y),
        ("Bool", &["true"], One("True"), Y),
        ("Bool", &["true"], One("false"), N),
        ("Bool", &["true"], Absent, N),
        ("Bool", &["true"], Unknown, U),
        ("BoolIfExists", &["false"], Absent, Y),
        ("BoolIfExists", &["false"], One("true"), N),
        ("Bool", &["yes"], One("true"), U),
        ("Bool", &["true"], One("1"), U),
        ("Bool", &["${aws:SecureTransport}"], One("true"), U),
        ("BinaryEquals", &[binary], One(binary), Y),
        (
            "BinaryEquals",
            &[binary],
            One("QmluYXJ5VmFsdWVJbkJhc2U2NA"),
            Y,
        ),
        ("BinaryEquals", &[binary], One("ASIAIOSFODNN7EXAMPLE"), N),
        ("BinaryEquals", &[binary], Absent, N),
        ("BinaryEquals", &["not base64!"], One(binary), U),
        ("IpAddress", &["203.0.113.0/24"], One("203.0.113.1"), Y),
        ("IpAddress", &["203.0.113.0/24"], One("198.51.100.1"), N),
        ("IpAddress", &["203.0.113.7"], One("203.0.113.7"), Y),
        ("IpAddress", &["203.0.113.7"], One("203.0.113.8"), N),
        (
            "IpAddress",
            &["2001:DB8:1234:5678::/64"],
            One("2001:db8:1234:5678::9"),
            Y,
        ),
        (
            "IpAddress",
            &["203.0.113.0/24", "2001:DB8::/32"],
            One("2001:db8::1"),
            Y,
        ),
        ("IpAddress", &["203.0.113.0/24"], Absent, N),
        ("IpAddress", &["203.0.113.0/24"], Unknown, U),
        ("IpAddress", &["10.0.0.0/33"], One("10.0.0.1"), U),
        (
            "IpAddress",
            &["10.0.0.0/33", "203.0.113.0/24"],
            One("203.0.113.9"),
            Y,
        ),
        ("IpAddress", &["203.0.113.0/24"], One("not-an-ip"), U),
        ("NotIpAddress", &["203.0.113.0/24"], One("203.0.113.1"), N),
        ("NotIpAddress", &["203.0.113.0/24"], One("198.51.100.1"), Y),
        ("NotIpAddress", &["203.0.113.0/24"], Absent, Y),
    ]);
}

#[test]
fn arn_operators_match_segment_by_segment() {
    let flow_log = "arn:aws:ec2:us-east-1:123456789012:vpc-flow-log/fl-1";
    check(&[
        (
            "ArnLike",
            &["arn:aws:sns:*:1:t"],
            One("arn:aws:sns:us-east-1:1:t"),
            Y,
        ),
        (
            "ArnEquals",
            &["arn:aws:sns:*:1:t"],
            One("arn:aws:sns:us-east-1:1:t"),
            Y,
        ),
        (
            "ArnNotEquals",
            &["arn:aws:sns:*:1:t"],
            One("arn:aws:sns:us-east-1:1:t"),
            N,
        ),
        (
            "ArnNotLike",
            &["arn:aws:sns:*:1:t"],
            One("arn:aws:sns:us-east-1:2:t"),
            Y,
        ),
        (
            "ArnLike",
            &["arn:aws:sns:us-east-?:1:t"],
            One("arn:aws:sns:us-east-1:1:t"),
            Y,
        ),
        // A pattern with a missing segment never matches, although one
        // wildcard over the whole string would.
        (
            "ArnLike",
            &["arn:aws:ec2:*:vpc-flow-log/*"],
            One(flow_log),
            N,
        ),
        (
            "ArnNotLike",
            &["arn:aws:ec2:*:vpc-flow-log/*"],
            One(flow_log),
            Y,
        ),
        ("ArnLike", &["arn:aws:*"], One(flow_log), N),
        ("ArnLikeIfExists", &["arn:*"], One("arn:aws:s3:::b"), N),
        ("ArnLike", &["*"], One(flow_log), N),
        // A `*` stays in its segment: here the service segment cannot
        // swallow the Region.
        (
            "ArnLike",
            &["arn:aws:*:123456789012:x:y"],
            One("arn:aws:ec2:us-east-1:123456789012:x:y"),
            N,
        ),
        (
            "ArnLike",
            &["arn:aws:ec2:*-1:123456789012:vpc-flow-log/*"],
            One(flow_log),
            Y,
        ),
        ("ArnLike", &["arn:aws:ec2:*:*:*"], One(flow_log), Y),
        // The sixth segment runs to the end, colons and all.
        (
            "ArnLike",
            &["arn:aws:logs:*:*:log-group:g:*"],
            One("arn:aws:logs:r:1:log-group:g:log-stream:s"),
            Y,
        ),
        (
            "ArnLike",
            &["arn:aws:s3:::bucket/*"],
            One("arn:aws:s3:::bucket/a:b"),
            Y,
        ),
        // Case-sensitive.
        (
            "ArnLike",
            &["arn:aws:ec2:*:*:VPC-FLOW-LOG/*"],
            One(flow_log),
            N,
        ),
        ("ArnLike", &["arn:aws:ec2:*:*:*"], One("not-an-arn"), U),
        ("ArnLike", &["arn:aws:ec2:*:*:*"], Absent, N),
        ("ArnNotLike", &["arn:aws:ec2:*:*:*"], Absent, Y),
        ("ArnLike", &["arn:aws:ec2:*:*:*"], Unknown, U),
    ]);
}

#[test]
fn null_operator() {
    check(&[
        ("Null", &["true"], Absent, Y),
        ("Null", &["true"], One("v"), N),
        ("Null", &["false"], One("v"), Y),
        ("Null", &["false"], Absent, N),
        ("Null", &["true"], Many(&[]), Y),
        ("Null", &["true"], Unknown, U),
        ("Null", &["false"], Unknown, U),
        ("Null", &["maybe"], One("v"), U),
        ("Null", &["TRUE"], Absent, Y),
        ("Null", &["true", "false"], One("v"), Y),
        // "You can add IfExists to the end of any condition operator name
        // except the Null condition"; set operators make no sense either.
        ("NullIfExists", &["true"], Absent, U),
        ("ForAnyValue:Null", &["true"], Absent, U),
    ]);
}

#[test]
fn if_exists_suffix() {
    check(&[
        ("StringEqualsIfExists", &["a"], Absent, Y),
        ("StringEqualsIfExists", &["a"], One("b"), N),
        ("StringEqualsIfExists", &["a"], One("a"), Y),
        ("StringEqualsIfExists", &["a"], Unknown, U),
        ("StringNotEqualsIfExists", &["a"], Absent, Y),
        ("StringNotEqualsIfExists", &["a"], One("a"), N),
        ("NumericLessThanIfExists", &["5"], Absent, Y),
        ("DateLessThanIfExists", &["2020-01-01"], Absent, Y),
        ("IpAddressIfExists", &["10.0.0.0/8"], Absent, Y),
        ("ArnLikeIfExists", &["arn:*:*:*:*:*"], Absent, Y),
        ("BinaryEqualsIfExists", &["AA=="], Absent, Y),
    ]);
}

#[test]
fn set_operators() {
    check(&[
        (
            "ForAnyValue:StringEquals",
            &["a", "b"],
            Many(&["c", "b"]),
            Y,
        ),
        (
            "ForAnyValue:StringEquals",
            &["a", "b"],
            Many(&["c", "d"]),
            N,
        ),
        ("ForAnyValue:StringEquals", &["a", "b"], One("b"), Y),
        ("ForAnyValue:StringEquals", &["a"], Absent, N),
        ("ForAnyValue:StringEquals", &["a"], Many(&[]), N),
        ("ForAnyValue:StringEquals", &["a"], Unknown, U),
        (
            "ForAllValues:StringEquals",
            &["a", "b"],
            Many(&["a", "b"]),
            Y,
        ),
        (
            "ForAllValues:StringEquals",
            &["a", "b"],
            Many(&["a", "c"]),
            N,
        ),
        // "returns true if there are no context keys in the request".
        ("ForAllValues:StringEquals", &["a"], Absent, Y),
        ("ForAllValues:StringEquals", &["a"], Many(&[]), Y),
        ("ForAllValues:StringEquals", &["a"], Unknown, U),
        ("ForAllValues:StringLike", &["a*"], One("b"), N),
        ("ForAllValues:StringEqualsIfExists", &["a"], Absent, Y),
        ("ForAnyValue:StringEqualsIfExists", &["a"], Absent, Y),
        // The IAM guide's aws:TagKeys examples.
        (
            "ForAllValues:StringNotLike",
            &["key1*"],
            Many(&["key1:legal"]),
            N,
        ),
        (
            "ForAllValues:StringNotLike",
            &["key1*"],
            Many(&["key1:hr", "key1:personnel"]),
            N,
        ),
        (
            "ForAllValues:StringNotLike",
            &["key1*"],
            Many(&["key2:audit"]),
            Y,
        ),
        ("ForAllValues:StringNotLike", &["key1*"], Absent, Y),
        ("ForAllValues:StringNotEquals", &["a"], Many(&["b", "c"]), Y),
        ("ForAllValues:StringNotEquals", &["a"], Many(&["a", "b"]), N),
        ("ForAnyValue:StringNotEquals", &["a"], Many(&["a", "b"]), Y),
        ("ForAnyValue:StringNotEquals", &["a"], Many(&["a"]), N),
        ("ForAnyValue:StringNotEquals", &["a"], Absent, N),
        (
            "ForAllValues:ArnLike",
            &["arn:aws:cloudfront::1:distribution/*"],
            Many(&[
                "arn:aws:cloudfront::1:distribution/a",
                "arn:aws:cloudfront::1:distribution/b",
            ]),
            Y,
        ),
        (
            "ForAllValues:ArnLike",
            &["arn:aws:cloudfront::1:distribution/*"],
            Many(&[
                "arn:aws:cloudfront::1:distribution/a",
                "arn:aws:cloudfront::2:distribution/b",
            ]),
            N,
        ),
        ("ForAnyValue:Bool", &["true"], Many(&["false", "true"]), Y),
        ("ForAllValues:Bool", &["true"], Many(&["false", "true"]), N),
        // Three-valued: one definite answer still counts.
        ("ForAnyValue:NumericLessThan", &["5"], Many(&["x", "3"]), Y),
        ("ForAnyValue:NumericLessThan", &["5"], Many(&["x", "7"]), U),
        ("ForAllValues:NumericLessThan", &["5"], Many(&["x", "7"]), N),
        ("ForAllValues:NumericLessThan", &["5"], Many(&["x", "3"]), U),
        // A plain operator on several request values is not defined.
        ("StringEquals", &["a"], Many(&["a", "b"]), U),
        ("StringNotEquals", &["a"], Many(&["b", "c"]), U),
        ("StringEquals", &["a"], Many(&["a"]), Y),
    ]);
}

#[test]
fn operator_names_are_case_sensitive_and_complete() {
    check(&[
        ("stringequals", &["a"], One("a"), U),
        ("STRINGEQUALS", &["a"], One("a"), U),
        ("forallvalues:StringEqualsIfExists", &["a"], Absent, U),
        ("ForAnyValue:StringEqualsifexists", &["a"], Absent, U),
        ("ForAnyValue:ForAllValues:StringEquals", &["a"], One("a"), U),
        ("StringEqualsIfExistsIfExists", &["a"], One("a"), U),
        ("StringLikeIgnoreCase", &["a"], One("a"), U),
        ("", &["a"], One("a"), U),
        ("IfExists", &["a"], One("a"), U),
        ("ForAnyValue:", &["a"], One("a"), U),
        ("Ünïcödé", &["a"], One("a"), U),
    ]);
    // Every documented base name is known, with and without the decorations.
    for (name, family, _) in BASES {
        assert!(Operator::parse(name).is_some(), "{name}");
        if *family != Family::Null {
            for decorated in [
                format!("{name}IfExists"),
                format!("ForAnyValue:{name}"),
                format!("ForAllValues:{name}IfExists"),
            ] {
                assert!(Operator::parse(&decorated).is_some(), "{decorated}");
            }
        }
    }
    assert_eq!(BASES.len(), 27);
}

#[test]
fn undecided_reasons_name_the_cause() {
    let mut context = RequestContext::new();
    context
        .set("k", "3")
        .set_all("many", vec!["a".into(), "b".into()]);
    let reason = |operator: &str, key: &str, values: &[&str]| match evaluate(
        &condition(operator, key, values),
        &context,
        true,
    ) {
        Outcome::Undecided(reason) => reason,
        other => panic!("{operator} {key}: expected undecided, got {other:?}"),
    };
    assert_eq!(
        reason("StringEquals", "aws:SourceIp", &["x"]),
        UndecidedReason::UnknownKey("aws:SourceIp".into())
    );
    assert_eq!(
        reason("StringEquel", "k", &["x"]),
        UndecidedReason::UnsupportedOperator("StringEquel".into())
    );
    assert_eq!(
        reason("NumericLessThan", "k", &["five"]),
        UndecidedReason::BadValue("five".into())
    );
    assert_eq!(
        reason("StringEquals", "k", &["${aws:username}"]),
        UndecidedReason::UnresolvedVariable("aws:username".into())
    );
    assert_eq!(
        reason("StringEquals", "many", &["a"]),
        UndecidedReason::UnsupportedOperator("StringEquals on the multivalued key many".into())
    );
    assert_eq!(
        UndecidedReason::UnknownKey("aws:SourceIp".into()).to_string(),
        "whether the request carries aws:SourceIp, and with what value, is not known"
    );
    assert_eq!(
        UndecidedReason::UnresolvedVariable("aws:username".into()).to_string(),
        "the policy variable ${aws:username} cannot be resolved"
    );
    assert_eq!(
        UndecidedReason::UnsupportedOperator("X".into()).to_string(),
        "the condition operator X is not supported"
    );
    assert_eq!(
        UndecidedReason::BadValue("five".into()).to_string(),
        "the value \"five\" cannot be interpreted"
    );
}

#[test]
fn policy_variables_in_condition_values() {
    // (value, operator, aws:username state, request value of k, expected)
    let cases: &[(&str, &str, S<'_>, &str, E)] = &[
        ("${aws:username}", "StringEquals", One("alice"), "alice", Y),
        ("${AWS:USERNAME}", "StringEquals", One("alice"), "alice", Y),
        ("${aws:username}", "StringEquals", One("alice"), "bob", N),
        ("${aws:username}", "StringEquals", Unknown, "alice", U),
        // No value, no default: equal/like never match, negated always do.
        ("${aws:username}", "StringEquals", Absent, "alice", N),
        ("${aws:username}", "StringNotEquals", Absent, "alice", Y),
        (
            "home/${aws:username}/*",
            "StringLike",
            Absent,
            "home/x/y",
            N,
        ),
        (
            "home/${aws:username}/*",
            "StringNotLike",
            Absent,
            "home/x/y",
            Y,
        ),
        (
            "home/${aws:username}/*",
            "StringLike",
            One("x"),
            "home/x/y",
            Y,
        ),
        // A default stands in when the key has no value...
        (
            "${aws:username, 'nobody'}",
            "StringEquals",
            Absent,
            "nobody",
            Y,
        ),
        (
            "${ aws:username , 'nobody' }",
            "StringEquals",
            Absent,
            "nobody",
            Y,
        ),
        (
            "${aws:username, 'nobody'}",
            "StringEquals",
            One("alice"),
            "alice",
            Y,
        ),
        // ...but not when it is unknown whether it has one.
        (
            "${aws:username, 'nobody'}",
            "StringEquals",
            Unknown,
            "nobody",
            U,
        ),
        // Special characters are literal.
        ("a${*}", "StringLike", Absent, "a*", Y),
        ("a${*}", "StringLike", Absent, "ab", N),
        ("a${?}", "StringLike", Absent, "a?", Y),
        ("a${?}", "StringLike", Absent, "ab", N),
        ("${$}{x}", "StringEquals", Absent, "${x}", Y),
        // Substituted text is literal too.
        ("${aws:username}", "StringLike", One("a*"), "abc", N),
        ("${aws:username}", "StringLike", One("a*"), "a*", Y),
        // Malformed variables are not guessed at.
        ("${aws:username", "StringEquals", One("alice"), "alice", U),
        (
            "${aws:username, nobody}",
            "StringEquals",
            Absent,
            "nobody",
            U,
        ),
        ("${}", "StringEquals", Absent, "", U),
        // ARN operators substitute too.
        (
            "arn:aws:iam::*:user/${aws:username}",
            "ArnLike",
            One("alice"),
            "arn:aws:iam::1:user/alice",
            Y,
        ),
        (
            "arn:aws:iam::*:user/${aws:username}",
            "ArnLike",
            Absent,
            "arn:aws:iam::1:user/alice",
            N,
        ),
    ];
    for (value, operator, username, actual, expected) in cases {
        let mut context = context_with("aws:username", *username);
        context.set("k", *actual);
        let outcome = evaluate(&condition(operator, "k", &[value]), &context, true);
        assert_eq!(
            kind(&outcome),
            *expected,
            "{operator} {value:?} with aws:username {username:?} vs {actual:?}: {outcome:?}"
        );
    }

    // A multivalued key cannot be a variable.
    let mut context = RequestContext::new();
    context
        .set_all("aws:TagKeys", vec!["a".into(), "b".into()])
        .set("k", "a");
    let outcome = evaluate(
        &condition("StringEquals", "k", &["${aws:TagKeys}"]),
        &context,
        true,
    );
    assert!(
        matches!(outcome, Outcome::Undecided(UndecidedReason::BadValue(_))),
        "{outcome:?}"
    );

    // Without Version 2012-10-17 the text is literal.
    let mut context = RequestContext::new();
    context
        .set("aws:username", "alice")
        .set("k", "${aws:username}");
    let literal = condition("StringEquals", "k", &["${aws:username}"]);
    assert_eq!(evaluate(&literal, &context, false), Outcome::Yes);
    assert_eq!(evaluate(&literal, &context, true), Outcome::No);
}
