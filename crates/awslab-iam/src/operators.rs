//! Condition operators, following the IAM User Guide
//! (reference_policies_elements_condition_operators and
//! reference_policies_condition-single-vs-multi-valued-context-keys).
//!
//! - Operator names are case-sensitive: IAM rejects `stringEquals` as an
//!   "Invalid Condition type", so a miscased name is reported as unsupported.
//! - Several policy values are OR-ed; for a negated operator (`StringNotLike`,
//!   `ArnNotEquals`, `NotIpAddress`, ...) they are NOR-ed.
//! - An absent key: "the values do not match and the condition is false",
//!   but a negated operator is then true; `...IfExists` is true;
//!   `ForAllValues:` is true ("returns true if there are no context keys in
//!   the request") and `ForAnyValue:` is false.
//! - A key with several values needs `ForAnyValue:` (some request value
//!   satisfies the operator) or `ForAllValues:` (every one does); a plain
//!   operator on several values is left undecided.
//! - `Null` tests presence alone and takes neither a set prefix nor `IfExists`.
//!
//! Results are three-valued: anything this module cannot decide (an unknown
//! key, an unparsable value, an unresolvable policy variable) is
//! [`Outcome::Undecided`], and combining follows Kleene logic so that a
//! definite answer from one value still counts.

use std::net::IpAddr;

use super::context::{KeyState, RequestContext};
use super::document::Condition;
use super::glob::{Tok, tokens_match};
use super::time::{Instant, parse_date};
use super::undecided::UndecidedReason;
use super::values::{Cidr, Decimal, base64_decode, split_arn, split_arn_pattern};
use super::variables::{Resolved, resolve};

/// A three-valued truth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome {
    Yes,
    No,
    Undecided(UndecidedReason),
}

impl From<bool> for Outcome {
    fn from(b: bool) -> Self {
        if b { Outcome::Yes } else { Outcome::No }
    }
}

impl Outcome {
    pub(crate) fn negate(self) -> Self {
        match self {
            Outcome::Yes => Outcome::No,
            Outcome::No => Outcome::Yes,
            undecided => undecided,
        }
    }
}

/// Kleene OR: yes if any is yes, else undecided if any is, else no.
pub(crate) fn any(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    let mut undecided = None;
    for outcome in outcomes {
        match outcome {
            Outcome::Yes => return Outcome::Yes,
            Outcome::No => {}
            Outcome::Undecided(r) => {
                undecided.get_or_insert(r);
            }
        }
    }
    undecided.map_or(Outcome::No, Outcome::Undecided)
}

/// Kleene AND.
pub(crate) fn all(outcomes: impl IntoIterator<Item = Outcome>) -> Outcome {
    any(outcomes.into_iter().map(Outcome::negate)).negate()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SetOp {
    AnyValue,
    AllValues,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cmp {
    Eq,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Cmp {
    fn holds<T: Ord>(self, actual: &T, expected: &T) -> bool {
        match self {
            Cmp::Eq => actual == expected,
            Cmp::Lt => actual < expected,
            Cmp::Le => actual <= expected,
            Cmp::Gt => actual > expected,
            Cmp::Ge => actual >= expected,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Family {
    Str { ignore_case: bool, like: bool },
    Numeric(Cmp),
    Date(Cmp),
    Bool,
    Binary,
    Ip,
    Arn,
    Null,
}

/// Every base operator: name, family, negated.
const BASES: &[(&str, Family, bool)] = {
    const EXACT: Family = Family::Str {
        ignore_case: false,
        like: false,
    };
    const CASELESS: Family = Family::Str {
        ignore_case: true,
        like: false,
    };
    const LIKE: Family = Family::Str {
        ignore_case: false,
        like: true,
    };
    &[
        ("StringEquals", EXACT, false),
        ("StringNotEquals", EXACT, true),
        ("StringEqualsIgnoreCase", CASELESS, false),
        ("StringNotEqualsIgnoreCase", CASELESS, true),
        ("StringLike", LIKE, false),
        ("StringNotLike", LIKE, true),
        ("NumericEquals", Family::Numeric(Cmp::Eq), false),
        ("NumericNotEquals", Family::Numeric(Cmp::Eq), true),
        ("NumericLessThan", Family::Numeric(Cmp::Lt), false),
        ("NumericLessThanEquals", Family::Numeric(Cmp::Le), false),
        ("NumericGreaterThan", Family::Numeric(Cmp::Gt), false),
        ("NumericGreaterThanEquals", Family::Numeric(Cmp::Ge), false),
        ("DateEquals", Family::Date(Cmp::Eq), false),
        ("DateNotEquals", Family::Date(Cmp::Eq), true),
        ("DateLessThan", Family::Date(Cmp::Lt), false),
        ("DateLessThanEquals", Family::Date(Cmp::Le), false),
        ("DateGreaterThan", Family::Date(Cmp::Gt), false),
        ("DateGreaterThanEquals", Family::Date(Cmp::Ge), false),
        ("Bool", Family::Bool, false),
        ("BinaryEquals", Family::Binary, false),
        ("IpAddress", Family::Ip, false),
        ("NotIpAddress", Family::Ip, true),
        // "The ArnEquals and ArnLike condition operators behave identically."
        ("ArnEquals", Family::Arn, false),
        ("ArnLike", Family::Arn, false),
        ("ArnNotEquals", Family::Arn, true),
        ("ArnNotLike", Family::Arn, true),
        ("Null", Family::Null, false),
    ]
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Operator {
    set: Option<SetOp>,
    family: Family,
    negated: bool,
    if_exists: bool,
}

impl Operator {
    fn parse(name: &str) -> Option<Self> {
        let (set, rest) = if let Some(rest) = name.strip_prefix("ForAnyValue:") {
            (Some(SetOp::AnyValue), rest)
        } else if let Some(rest) = name.strip_prefix("ForAllValues:") {
            (Some(SetOp::AllValues), rest)
        } else {
            (None, name)
        };
        let (base, if_exists) = match rest.strip_suffix("IfExists") {
            Some(base) => (base, true),
            None => (rest, false),
        };
        let &(_, family, negated) = BASES.iter().find(|(n, _, _)| *n == base)?;
        if family == Family::Null && (set.is_some() || if_exists) {
            return None;
        }
        Some(Self {
            set,
            family,
            negated,
            if_exists,
        })
    }

    /// The condition's value when the request does not carry the key.
    fn when_absent(self) -> bool {
        match self.set {
            _ if self.if_exists => true,
            Some(SetOp::AllValues) => true,
            Some(SetOp::AnyValue) => false,
            None => self.negated,
        }
    }
}

/// Evaluates one condition against the request. `variables`: whether the
/// policy's `Version` lets IAM substitute policy variables.
pub(crate) fn evaluate(
    condition: &Condition,
    context: &RequestContext,
    variables: bool,
) -> Outcome {
    let Some(op) = Operator::parse(&condition.operator) else {
        return Outcome::Undecided(UndecidedReason::UnsupportedOperator(
            condition.operator.clone(),
        ));
    };
    let state = context.state(&condition.key);
    if op.family == Family::Null {
        return null(condition, state);
    }
    let unknown = || Outcome::Undecided(UndecidedReason::UnknownKey(condition.key.clone()));
    let actual = match state {
        KeyState::Unknown => return unknown(),
        KeyState::Absent | KeyState::Present([]) => return op.when_absent().into(),
        KeyState::Present(values) => values,
        // One value, known only to lie in a range: decided where every date in it gives the
        // same answer.
        KeyState::DateWithin(from, to) => {
            let Family::Date(cmp) = op.family else {
                return unknown();
            };
            let matched = any(condition.values.iter().map(|v| match parse_date(v) {
                Some(expected) => within(cmp, (from, 0), (to, 0), expected),
                None => Outcome::Undecided(UndecidedReason::BadValue(v.clone())),
            }));
            let matched = if op.negated {
                matched.negate()
            } else {
                matched
            };
            return match matched {
                Outcome::Undecided(UndecidedReason::UnknownKey(_)) => unknown(),
                other => other,
            };
        }
        // Absent, or one public address: decided where both give the same answer.
        KeyState::AbsentOrPublicAddress => {
            let when_absent = Outcome::from(op.when_absent());
            let when_present = match op.family {
                Family::Ip => {
                    let matched = any(condition.values.iter().map(|v| match Cidr::parse(v) {
                        // No public address lies in a private or reserved block.
                        Some(range) if range.is_special_use() => Outcome::No,
                        Some(_) => unknown(),
                        None => Outcome::Undecided(UndecidedReason::BadValue(v.clone())),
                    }));
                    if op.negated {
                        matched.negate()
                    } else {
                        matched
                    }
                }
                _ => unknown(),
            };
            return if when_present == when_absent {
                when_absent
            } else {
                unknown()
            };
        }
    };
    if op.set.is_none() && actual.len() > 1 {
        return Outcome::Undecided(UndecidedReason::UnsupportedOperator(format!(
            "{} on the multivalued key {}",
            condition.operator, condition.key
        )));
    }
    let expected: Vec<Expected> = condition
        .values
        .iter()
        .map(|v| Expected::parse(op.family, v, context, variables))
        .collect();
    let satisfies = |value: &String| {
        let matched = any(expected.iter().map(|e| e.compare(op.family, value)));
        if op.negated {
            matched.negate()
        } else {
            matched
        }
    };
    match op.set {
        None | Some(SetOp::AnyValue) => any(actual.iter().map(satisfies)),
        Some(SetOp::AllValues) => all(actual.iter().map(satisfies)),
    }
}

/// `Null`: `true` means the key is absent, `false` that it is present.
fn null(condition: &Condition, state: KeyState<'_>) -> Outcome {
    let is_null = match state {
        KeyState::Unknown => {
            return Outcome::Undecided(UndecidedReason::UnknownKey(condition.key.clone()));
        }
        KeyState::Absent | KeyState::Present([]) => true,
        KeyState::Present(_) | KeyState::DateWithin(..) => false,
        KeyState::AbsentOrPublicAddress => {
            return Outcome::Undecided(UndecidedReason::UnknownKey(condition.key.clone()));
        }
    };
    any(condition.values.iter().map(|v| match parse_bool(v) {
        Some(wants_null) => Outcome::from(wants_null == is_null),
        None => Outcome::Undecided(UndecidedReason::BadValue(v.clone())),
    }))
}

/// A policy value, parsed for its operator's family.
enum Expected {
    Pattern(Resolved),
    Number(Decimal),
    Date(Instant),
    Bool(bool),
    Bytes(Vec<u8>),
    Range(Cidr),
    Bad(String),
}

impl Expected {
    fn parse(family: Family, value: &str, context: &RequestContext, variables: bool) -> Self {
        let parsed = match family {
            // Variables: "any condition that involves the string operators or
            // the ARN operators" (reference_policies_variables).
            Family::Str { like, .. } => {
                Some(Self::Pattern(resolve(value, context, variables, like)))
            }
            Family::Arn => Some(Self::Pattern(resolve(value, context, variables, true))),
            Family::Numeric(_) => Decimal::parse(value).map(Self::Number),
            Family::Date(_) => parse_date(value).map(Self::Date),
            Family::Bool => parse_bool(value).map(Self::Bool),
            Family::Binary => base64_decode(value).map(Self::Bytes),
            Family::Ip => Cidr::parse(value).map(Self::Range),
            Family::Null => None,
        };
        parsed.unwrap_or_else(|| Self::Bad(value.to_owned()))
    }

    /// Whether the request value `actual` matches this policy value.
    fn compare(&self, family: Family, actual: &str) -> Outcome {
        let bad = |v: &str| Outcome::Undecided(UndecidedReason::BadValue(v.to_owned()));
        let pattern = match self {
            Self::Bad(value) => return bad(value),
            Self::Pattern(Resolved::NoValue) => return Outcome::No,
            Self::Pattern(Resolved::Undecided(reason)) => {
                return Outcome::Undecided(reason.clone());
            }
            Self::Pattern(Resolved::Pattern(tokens)) => Some(tokens),
            _ => None,
        };
        match (family, self, pattern) {
            (Family::Str { like: true, .. }, _, Some(tokens)) => {
                tokens_match(tokens, actual, false).into()
            }
            (Family::Str { ignore_case, .. }, _, Some(tokens)) => {
                let expected: String = tokens.iter().filter_map(literal).collect();
                if ignore_case {
                    (expected == actual || expected.to_lowercase() == actual.to_lowercase()).into()
                } else {
                    (expected == actual).into()
                }
            }
            (Family::Arn, _, Some(tokens)) => arn_matches(tokens, actual),
            (Family::Numeric(cmp), Self::Number(expected), _) => match Decimal::parse(actual) {
                Some(actual) => cmp.holds(&actual, expected).into(),
                None => bad(actual),
            },
            (Family::Date(cmp), Self::Date(expected), _) => match parse_date(actual) {
                Some(actual) => cmp.holds(&actual, expected).into(),
                None => bad(actual),
            },
            (Family::Bool, Self::Bool(expected), _) => match parse_bool(actual) {
                Some(actual) => (actual == *expected).into(),
                None => bad(actual),
            },
            (Family::Binary, Self::Bytes(expected), _) => match base64_decode(actual) {
                Some(actual) => (actual == *expected).into(),
                None => bad(actual),
            },
            (Family::Ip, Self::Range(range), _) => match actual.parse::<IpAddr>() {
                Ok(address) => range.contains(address).into(),
                Err(_) => bad(actual),
            },
            // Each family only ever builds its own kind of value.
            _ => bad(actual),
        }
    }
}

/// `cmp` between a date somewhere in `[from, to]` and `expected`: decided when it holds for
/// both ends alike (every comparison is monotone in the date).
fn within(cmp: Cmp, from: Instant, to: Instant, expected: Instant) -> Outcome {
    let (low, high) = (cmp.holds(&from, &expected), cmp.holds(&to, &expected));
    match cmp {
        // Equal only where the range is one instant; never where it misses the date.
        Cmp::Eq if from == to => low.into(),
        Cmp::Eq if expected < from || expected > to => Outcome::No,
        Cmp::Eq => Outcome::Undecided(UndecidedReason::UnknownKey(String::new())),
        _ if low == high => low.into(),
        _ => Outcome::Undecided(UndecidedReason::UnknownKey(String::new())),
    }
}

fn literal(tok: &Tok) -> Option<char> {
    match tok {
        Tok::Lit(c) => Some(*c),
        _ => None,
    }
}

/// `ArnLike`: "Each of the six colon-delimited components of the ARN is
/// checked separately and each can include multi-character match wildcards
/// (*) or single-character match wildcards (?)". A pattern with fewer than
/// six components matches nothing.
fn arn_matches(pattern: &[Tok], actual: &str) -> Outcome {
    let Some(parts) = split_arn_pattern(pattern) else {
        return Outcome::No;
    };
    let Some(segments) = split_arn(actual) else {
        return Outcome::Undecided(UndecidedReason::BadValue(actual.to_owned()));
    };
    parts
        .iter()
        .zip(segments)
        .all(|(part, segment)| tokens_match(part, segment, false))
        .into()
}

fn parse_bool(value: &str) -> Option<bool> {
    if value.eq_ignore_ascii_case("true") {
        Some(true)
    } else if value.eq_ignore_ascii_case("false") {
        Some(false)
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
