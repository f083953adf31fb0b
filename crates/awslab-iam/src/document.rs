//! Parsing of IAM policy documents: identity policies and role trust policies.
//!
//! The parser works on `serde_json::Value` rather than derived structs because
//! IAM's grammar is full of "string or list" and "single object or list"
//! shapes, and hand-written checks give error messages that name the statement
//! and field at fault.

use std::collections::BTreeMap;

use percent_encoding::percent_decode_str;
use serde_json::{Map, Value};

/// A parsed policy document: the union of its statements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyDocument {
    /// The `Version` element as written. Policy variables (`${aws:username}`)
    /// are only substituted under `2012-10-17`; in any other version, or with
    /// no `Version` at all, IAM reads them as literal text.
    pub version: Option<String>,
    pub statements: Vec<Statement>,
}

impl PolicyDocument {
    /// Whether IAM substitutes policy variables in this document.
    pub fn supports_variables(&self) -> bool {
        self.version.as_deref() == Some("2012-10-17")
    }
}

/// One statement of a policy document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub sid: Option<String>,
    pub effect: Effect,
    pub principal: Option<Principals>,
    pub not_principal: Option<Principals>,
    pub actions: ActionSpec,
    pub resources: ResourceSpec,
    pub conditions: Vec<Condition>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    Allow,
    Deny,
}

/// The value of `Principal` or `NotPrincipal`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Principals {
    /// `"Principal": "*"`.
    Any,
    /// `{"Service": [...], "AWS": [...], ...}`, keys as written in the policy.
    Map(BTreeMap<String, Vec<String>>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionSpec {
    Action(Vec<String>),
    NotAction(Vec<String>),
    /// Only accepted for statements that name a principal (trust and other
    /// resource-based policies); such a statement grants or denies nothing.
    None,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResourceSpec {
    Resource(Vec<String>),
    NotResource(Vec<String>),
    /// Trust policies have no `Resource`: the role itself is the resource.
    None,
}

/// One `operator: { key: values }` entry of a `Condition` block, flattened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Condition {
    pub operator: String,
    pub key: String,
    /// Booleans and numbers from the JSON are stored in their JSON spelling
    /// (`true`, `42`) because IAM compares condition values as strings.
    pub values: Vec<String>,
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {} {:?}", self.operator, self.key, self.values)
    }
}

impl Statement {
    /// Whether `Resource` lists exactly `"*"` (not merely a pattern with a star).
    pub fn has_wildcard_resource(&self) -> bool {
        matches!(&self.resources, ResourceSpec::Resource(list) if list.iter().any(|r| r == "*"))
    }
}

/// Why a policy document could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentError {
    #[error("the policy document is empty")]
    Empty,
    #[error("the policy document is percent-encoded but does not decode to UTF-8 text")]
    InvalidEncoding,
    #[error("the policy document is not valid JSON: {detail}")]
    InvalidJson {
        line: usize,
        column: usize,
        /// serde_json's message, which already names the line and column.
        detail: String,
    },
    #[error("the policy document must be a JSON object, but it is {found}")]
    NotAnObject { found: &'static str },
    #[error("the policy document has no \"Statement\" field")]
    MissingStatement,
    #[error("statement {} must be a JSON object, but it is {found}", .index + 1)]
    StatementNotObject { index: usize, found: &'static str },
    #[error("statement {} has no \"Effect\"", .index + 1)]
    MissingEffect { index: usize },
    #[error("statement {} has Effect {found:?}; it must be exactly \"Allow\" or \"Deny\"", .index + 1)]
    InvalidEffect { index: usize, found: String },
    #[error("statement {} has neither \"Action\" nor \"NotAction\"", .index + 1)]
    MissingAction { index: usize },
    #[error("statement {} has both \"{first}\" and \"{second}\"; only one is allowed", .index + 1)]
    Conflicting {
        index: usize,
        first: &'static str,
        second: &'static str,
    },
    #[error("{location}: \"{field}\" must be {expected}, but it is {found}")]
    WrongType {
        /// "the policy document" or "statement N" (1-based).
        location: String,
        field: String,
        expected: &'static str,
        found: &'static str,
    },
}

/// Parses a policy document given as JSON or as percent-encoded JSON (the
/// form IAM's `GetRole` uses for `AssumeRolePolicyDocument`).
pub fn parse_document(text: &str) -> Result<PolicyDocument, DocumentError> {
    // A byte-order mark is not whitespace to `trim`, but editors leave it in
    // files that users paste policies from.
    let trimmed = text.trim().trim_start_matches('\u{feff}').trim_start();
    let decoded;
    let json = if trimmed.starts_with('{') {
        trimmed
    } else {
        // Percent-encoding is only undone when the text is not already JSON:
        // raw JSON may legitimately contain `%` inside strings. `+` stays `+`
        // because IAM encodes with `%20`, not form encoding.
        decoded = percent_decode_str(trimmed)
            .decode_utf8()
            .map_err(|_| DocumentError::InvalidEncoding)?;
        decoded.trim()
    };
    if json.is_empty() {
        return Err(DocumentError::Empty);
    }

    // serde_json's default recursion limit (128) is what keeps deeply nested
    // input from overflowing the stack; do not disable it.
    let value: Value = serde_json::from_str(json).map_err(|e| DocumentError::InvalidJson {
        line: e.line(),
        column: e.column(),
        detail: e.to_string(),
    })?;
    let Value::Object(root) = &value else {
        return Err(DocumentError::NotAnObject {
            found: kind(&value),
        });
    };

    let version = match root.get("Version") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(DocumentError::WrongType {
                location: "the policy document".to_owned(),
                field: "Version".to_owned(),
                expected: "a string",
                found: kind(other),
            });
        }
    };

    let statements = match root.get("Statement") {
        None => return Err(DocumentError::MissingStatement),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(index, item)| parse_statement(index, item))
            .collect::<Result<Vec<_>, _>>()?,
        Some(single @ Value::Object(_)) => vec![parse_statement(0, single)?],
        Some(other) => {
            return Err(DocumentError::WrongType {
                location: "the policy document".to_owned(),
                field: "Statement".to_owned(),
                expected: "an object or a list of objects",
                found: kind(other),
            });
        }
    };
    Ok(PolicyDocument {
        version,
        statements,
    })
}

fn parse_statement(index: usize, value: &Value) -> Result<Statement, DocumentError> {
    let Value::Object(obj) = value else {
        return Err(DocumentError::StatementNotObject {
            index,
            found: kind(value),
        });
    };

    let sid = match obj.get("Sid") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => return Err(wrong_type(index, "Sid", "a string", other)),
    };

    // IAM itself rejects "allow"/"deny": matching its strictness means a
    // document this tool accepts is one AWS would accept too.
    let effect = match obj.get("Effect") {
        None => return Err(DocumentError::MissingEffect { index }),
        Some(Value::String(s)) if s == "Allow" => Effect::Allow,
        Some(Value::String(s)) if s == "Deny" => Effect::Deny,
        Some(Value::String(s)) => {
            return Err(DocumentError::InvalidEffect {
                index,
                found: s.clone(),
            });
        }
        Some(other) => return Err(wrong_type(index, "Effect", "a string", other)),
    };

    let principal = optional(obj, "Principal", |v| {
        parse_principals(index, "Principal", v)
    })?;
    let not_principal = optional(obj, "NotPrincipal", |v| {
        parse_principals(index, "NotPrincipal", v)
    })?;
    if principal.is_some() && not_principal.is_some() {
        return Err(DocumentError::Conflicting {
            index,
            first: "Principal",
            second: "NotPrincipal",
        });
    }

    let action = optional(obj, "Action", |v| string_list(index, "Action", v))?;
    let not_action = optional(obj, "NotAction", |v| string_list(index, "NotAction", v))?;
    let names_principal = principal.is_some() || not_principal.is_some();
    let actions = match (action, not_action) {
        (Some(_), Some(_)) => {
            return Err(DocumentError::Conflicting {
                index,
                first: "Action",
                second: "NotAction",
            });
        }
        (Some(list), None) => ActionSpec::Action(list),
        (None, Some(list)) => ActionSpec::NotAction(list),
        // An identity-policy statement without an action is meaningless and
        // IAM refuses it; statements with a principal are tolerated so that a
        // hand-written trust policy can still be inspected.
        (None, None) if names_principal => ActionSpec::None,
        (None, None) => return Err(DocumentError::MissingAction { index }),
    };

    let resource = optional(obj, "Resource", |v| string_list(index, "Resource", v))?;
    let not_resource = optional(obj, "NotResource", |v| string_list(index, "NotResource", v))?;
    let resources = match (resource, not_resource) {
        (Some(_), Some(_)) => {
            return Err(DocumentError::Conflicting {
                index,
                first: "Resource",
                second: "NotResource",
            });
        }
        (Some(list), None) => ResourceSpec::Resource(list),
        (None, Some(list)) => ResourceSpec::NotResource(list),
        (None, None) => ResourceSpec::None,
    };

    let conditions =
        optional(obj, "Condition", |v| parse_conditions(index, v))?.unwrap_or_default();

    Ok(Statement {
        sid,
        effect,
        principal,
        not_principal,
        actions,
        resources,
        conditions,
    })
}

fn optional<T>(
    obj: &Map<String, Value>,
    field: &str,
    parse: impl FnOnce(&Value) -> Result<T, DocumentError>,
) -> Result<Option<T>, DocumentError> {
    obj.get(field).map(parse).transpose()
}

fn parse_principals(index: usize, field: &str, value: &Value) -> Result<Principals, DocumentError> {
    const EXPECTED: &str = "\"*\" or an object such as {\"Service\": \"...\"}";
    match value {
        Value::String(s) if s == "*" => Ok(Principals::Any),
        Value::Object(map) => {
            let mut out = BTreeMap::new();
            for (kind_name, ids) in map {
                let field_path = format!("{field}.{kind_name}");
                out.insert(kind_name.clone(), string_list(index, &field_path, ids)?);
            }
            Ok(Principals::Map(out))
        }
        other => Err(wrong_type(index, field, EXPECTED, other)),
    }
}

fn parse_conditions(index: usize, value: &Value) -> Result<Vec<Condition>, DocumentError> {
    let Value::Object(operators) = value else {
        return Err(wrong_type(
            index,
            "Condition",
            "an object of operators",
            value,
        ));
    };
    let mut out = Vec::new();
    for (operator, keys) in operators {
        let Value::Object(keys) = keys else {
            return Err(wrong_type(
                index,
                &format!("Condition.{operator}"),
                "an object of condition keys",
                keys,
            ));
        };
        for (key, values) in keys {
            let field = format!("Condition.{operator}.{key}");
            out.push(Condition {
                operator: operator.clone(),
                key: key.clone(),
                values: condition_values(index, &field, values)?,
            });
        }
    }
    Ok(out)
}

fn condition_values(
    index: usize,
    field: &str,
    value: &Value,
) -> Result<Vec<String>, DocumentError> {
    const EXPECTED: &str = "a string, boolean, number or a list of those";
    let scalar = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    match value {
        Value::Array(items) => items
            .iter()
            .map(|item| scalar(item).ok_or_else(|| wrong_type(index, field, EXPECTED, item)))
            .collect(),
        other => scalar(other)
            .map(|s| vec![s])
            .ok_or_else(|| wrong_type(index, field, EXPECTED, other)),
    }
}

fn string_list(index: usize, field: &str, value: &Value) -> Result<Vec<String>, DocumentError> {
    const EXPECTED: &str = "a string or a list of strings";
    match value {
        Value::String(s) => Ok(vec![s.clone()]),
        Value::Array(items) => items
            .iter()
            .map(|item| match item {
                Value::String(s) => Ok(s.clone()),
                other => Err(wrong_type(index, field, EXPECTED, other)),
            })
            .collect(),
        other => Err(wrong_type(index, field, EXPECTED, other)),
    }
}

fn wrong_type(index: usize, field: &str, expected: &'static str, found: &Value) -> DocumentError {
    DocumentError::WrongType {
        location: format!("statement {}", index + 1),
        field: field.to_owned(),
        expected,
        found: kind(found),
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_ok(text: &str) -> PolicyDocument {
        match parse_document(text) {
            Ok(doc) => doc,
            Err(e) => panic!("expected {text:?} to parse, got error: {e}"),
        }
    }

    fn single(text: &str) -> Statement {
        let doc = parse_ok(text);
        assert_eq!(doc.statements.len(), 1, "{text}");
        doc.statements.into_iter().next().unwrap()
    }

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| s.to_string()).collect()
    }

    const FLOW_LOGS_TRUST: &str = r#"{
        "Version": "2012-10-17",
        "Statement": [{
            "Sid": "FlowLogs",
            "Effect": "Allow",
            "Principal": {"Service": "vpc-flow-logs.amazonaws.com"},
            "Action": "sts:AssumeRole",
            "Condition": {
                "StringEquals": {"aws:SourceAccount": "123456789012"},
                "ArnLike": {"aws:SourceArn": "arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/*"}
            }
        }]
    }"#;

    #[test]
    fn action_and_resource_as_string_or_list() {
        let cases: &[(&str, ActionSpec, ResourceSpec)] = &[
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "logs:PutLogEvents", "Resource": "*"}}"#,
                ActionSpec::Action(strings(&["logs:PutLogEvents"])),
                ResourceSpec::Resource(strings(&["*"])),
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": ["logs:A", "logs:B"], "Resource": ["arn:1", "arn:2"]}]}"#,
                ActionSpec::Action(strings(&["logs:A", "logs:B"])),
                ResourceSpec::Resource(strings(&["arn:1", "arn:2"])),
            ),
            (
                r#"{"Statement": [{"Effect": "Deny", "NotAction": "iam:*", "NotResource": ["arn:x"]}]}"#,
                ActionSpec::NotAction(strings(&["iam:*"])),
                ResourceSpec::NotResource(strings(&["arn:x"])),
            ),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": []}]}"#,
                ActionSpec::Action(vec![]),
                ResourceSpec::None,
            ),
        ];
        for (text, actions, resources) in cases {
            let st = single(text);
            assert_eq!(&st.actions, actions, "{text}");
            assert_eq!(&st.resources, resources, "{text}");
        }
    }

    #[test]
    fn effect_sid_and_unknown_fields() {
        let doc = parse_ok(
            r#"{"Version": "2012-10-17", "Id": "x", "Extra": [1, 2],
                "Statement": [
                    {"Sid": "A", "Effect": "Allow", "Action": "s3:*", "Whatever": {}},
                    {"Effect": "Deny", "Action": "s3:DeleteBucket"}
                ]}"#,
        );
        assert_eq!(doc.statements.len(), 2);
        assert_eq!(doc.statements[0].sid.as_deref(), Some("A"));
        assert_eq!(doc.statements[0].effect, Effect::Allow);
        assert_eq!(doc.statements[1].sid, None);
        assert_eq!(doc.statements[1].effect, Effect::Deny);
        assert!(doc.statements[1].conditions.is_empty());
    }

    #[test]
    fn trust_policy_principals_and_conditions() {
        let st = single(FLOW_LOGS_TRUST);
        let mut expected = BTreeMap::new();
        expected.insert(
            "Service".to_owned(),
            strings(&["vpc-flow-logs.amazonaws.com"]),
        );
        assert_eq!(st.principal, Some(Principals::Map(expected)));
        assert_eq!(st.not_principal, None);
        assert_eq!(st.resources, ResourceSpec::None);
        assert!(!st.has_wildcard_resource());
        assert_eq!(st.conditions.len(), 2);
        assert!(st.conditions.contains(&Condition {
            operator: "StringEquals".into(),
            key: "aws:SourceAccount".into(),
            values: strings(&["123456789012"]),
        }));
        assert!(st.conditions.contains(&Condition {
            operator: "ArnLike".into(),
            key: "aws:SourceArn".into(),
            values: strings(&["arn:aws:ec2:ap-northeast-2:123456789012:vpc-flow-log/*"]),
        }));
    }

    #[test]
    fn principal_forms() {
        let st = single(
            r#"{"Statement": {"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}}"#,
        );
        assert_eq!(st.principal, Some(Principals::Any));

        let st = single(
            r#"{"Statement": {"Effect": "Deny", "NotPrincipal": {"AWS": ["arn:aws:iam::1:root", "2"], "Service": "ec2.amazonaws.com"}, "Action": "*"}}"#,
        );
        let Some(Principals::Map(map)) = st.not_principal else {
            panic!("NotPrincipal should be a map: {st:?}");
        };
        assert_eq!(
            map.get("AWS"),
            Some(&strings(&["arn:aws:iam::1:root", "2"]))
        );
        assert_eq!(map.get("Service"), Some(&strings(&["ec2.amazonaws.com"])));
        assert_eq!(st.principal, None);

        // A principal-bearing statement may omit Action (kept as ActionSpec::None).
        let st = single(r#"{"Statement": {"Effect": "Allow", "Principal": "*"}}"#);
        assert_eq!(st.actions, ActionSpec::None);
    }

    #[test]
    fn condition_values_are_normalised_to_strings() {
        let st = single(
            r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {
                "Bool": {"aws:SecureTransport": true},
                "NumericLessThan": {"s3:max-keys": [10, 2.5]},
                "StringEquals": {"aws:PrincipalTag/team": ["a", "b"]}
            }}}"#,
        );
        let find = |op: &str| {
            st.conditions
                .iter()
                .find(|c| c.operator == op)
                .map(|c| c.values.clone())
        };
        assert_eq!(find("Bool"), Some(strings(&["true"])));
        assert_eq!(find("NumericLessThan"), Some(strings(&["10", "2.5"])));
        assert_eq!(find("StringEquals"), Some(strings(&["a", "b"])));
    }

    #[test]
    fn has_wildcard_resource_only_for_exact_star() {
        let cases = [
            (r#""*""#, true),
            (r#"["arn:aws:s3:::b", "*"]"#, true),
            (r#""arn:aws:logs:*:*:*""#, false),
            (r#"["arn:aws:s3:::b"]"#, false),
        ];
        for (resource, expected) in cases {
            let text = format!(
                r#"{{"Statement": {{"Effect": "Allow", "Action": "*", "Resource": {resource}}}}}"#
            );
            assert_eq!(single(&text).has_wildcard_resource(), expected, "{text}");
        }
        let not_resource =
            single(r#"{"Statement": {"Effect": "Allow", "Action": "*", "NotResource": "*"}}"#);
        assert!(!not_resource.has_wildcard_resource());
    }

    #[test]
    fn url_encoded_document_parses_like_raw() {
        // Exactly the shape GetRole returns for AssumeRolePolicyDocument.
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%22vpc-flow-logs.amazonaws.com%22%7D%2C%22Action%22%3A%22sts%3AAssumeRole%22%7D%5D%7D";
        let raw = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
        assert_eq!(parse_ok(encoded), parse_ok(raw));
        assert_eq!(parse_ok(&format!("  {encoded}\n")), parse_ok(raw));
        // A pasted file may carry a byte-order mark before either form.
        assert_eq!(parse_ok(&format!("\u{feff}{raw}")), parse_ok(raw));
        assert_eq!(parse_ok(&format!("\u{feff}{encoded}")), parse_ok(raw));
    }

    #[test]
    fn url_decoding_keeps_plus_and_raw_json_keeps_percent() {
        let encoded = "%7B%22Statement%22%3A%7B%22Sid%22%3A%22a+b%22%2C%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22*%22%7D%7D";
        assert_eq!(single(encoded).sid.as_deref(), Some("a+b"));
        let raw = r#"{"Statement": {"Sid": "100%25", "Effect": "Allow", "Action": "*"}}"#;
        assert_eq!(single(raw).sid.as_deref(), Some("100%25"));
    }

    #[test]
    fn malformed_inputs_are_errors() {
        let lossy = String::from_utf8_lossy(b"{\"Statement\": \xff\xfe\x00}").into_owned();
        let deep = "[".repeat(10_000);
        let deep_object = format!("{}{}", "{\"a\":".repeat(10_000), "}".repeat(10_000));
        let deep_in_statement = format!(
            r#"{{"Statement": {{"Effect": "Allow", "Action": {}"x"{}}}}}"#,
            "[".repeat(10_000),
            "]".repeat(10_000)
        );
        let lossy_ref = lossy.as_str();
        type Check = fn(&DocumentError) -> bool;
        let cases: Vec<(&str, Check)> = vec![
            ("", |e| matches!(e, DocumentError::Empty)),
            ("   \n", |e| matches!(e, DocumentError::Empty)),
            ("[]", |e| {
                matches!(e, DocumentError::NotAnObject { found: "a list" })
            }),
            ("5", |e| {
                matches!(e, DocumentError::NotAnObject { found: "a number" })
            }),
            ("null", |e| {
                matches!(e, DocumentError::NotAnObject { found: "null" })
            }),
            ("\"{}\"", |e| {
                matches!(e, DocumentError::NotAnObject { found: "a string" })
            }),
            ("{}", |e| matches!(e, DocumentError::MissingStatement)),
            ("{", |e| matches!(e, DocumentError::InvalidJson { .. })),
            ("{{{{", |e| matches!(e, DocumentError::InvalidJson { .. })),
            ("garbage", |e| {
                matches!(e, DocumentError::InvalidJson { .. })
            }),
            ("%FF%FE", |e| matches!(e, DocumentError::InvalidEncoding)),
            ("%7B", |e| matches!(e, DocumentError::InvalidJson { .. })),
            (lossy_ref, |e| {
                matches!(e, DocumentError::InvalidJson { .. })
            }),
            (&deep, |e| matches!(e, DocumentError::InvalidJson { .. })),
            (&deep_object, |e| {
                matches!(e, DocumentError::InvalidJson { .. })
            }),
            (&deep_in_statement, |e| {
                matches!(e, DocumentError::InvalidJson { .. })
            }),
            (r#"{"Statement": 5}"#, |e| {
                matches!(
                    e,
                    DocumentError::WrongType {
                        found: "a number",
                        ..
                    }
                )
            }),
            (r#"{"Statement": "x"}"#, |e| {
                matches!(
                    e,
                    DocumentError::WrongType {
                        found: "a string",
                        ..
                    }
                )
            }),
            (r#"{"Statement": [5]}"#, |e| {
                matches!(
                    e,
                    DocumentError::StatementNotObject {
                        index: 0,
                        found: "a number"
                    }
                )
            }),
            (
                r#"{"Statement": [{"Effect": "Allow", "Action": "*"}, []]}"#,
                |e| {
                    matches!(
                        e,
                        DocumentError::StatementNotObject {
                            index: 1,
                            found: "a list"
                        }
                    )
                },
            ),
            (r#"{"Statement": {"Action": "*"}}"#, |e| {
                matches!(e, DocumentError::MissingEffect { index: 0 })
            }),
            (
                r#"{"Statement": {"Effect": "allow", "Action": "*"}}"#,
                |e| matches!(e, DocumentError::InvalidEffect { found, .. } if found == "allow"),
            ),
            (r#"{"Statement": {"Effect": "DENY", "Action": "*"}}"#, |e| {
                matches!(e, DocumentError::InvalidEffect { .. })
            }),
            (r#"{"Statement": {"Effect": true, "Action": "*"}}"#, |e| {
                matches!(e, DocumentError::WrongType { .. })
            }),
            (
                r#"{"Statement": {"Effect": "Allow", "Resource": "*"}}"#,
                |e| matches!(e, DocumentError::MissingAction { index: 0 }),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": 5}}"#,
                |e| matches!(e, DocumentError::WrongType { field, found: "a number", .. } if field == "Action"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": ["a", 5]}}"#,
                |e| matches!(e, DocumentError::WrongType { field, .. } if field == "Action"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "x"}}"#,
                |e| {
                    matches!(
                        e,
                        DocumentError::Conflicting {
                            first: "Action",
                            ..
                        }
                    )
                },
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*", "NotResource": "x"}}"#,
                |e| {
                    matches!(
                        e,
                        DocumentError::Conflicting {
                            first: "Resource",
                            ..
                        }
                    )
                },
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Principal": "*", "NotPrincipal": "*"}}"#,
                |e| {
                    matches!(
                        e,
                        DocumentError::Conflicting {
                            first: "Principal",
                            ..
                        }
                    )
                },
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Resource": {}}}"#,
                |e| matches!(e, DocumentError::WrongType { field, .. } if field == "Resource"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Sid": 1}}"#,
                |e| matches!(e, DocumentError::WrongType { field, .. } if field == "Sid"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Principal": "ec2"}}"#,
                |e| matches!(e, DocumentError::WrongType { field, .. } if field == "Principal"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Principal": {"Service": 1}}}"#,
                |e| matches!(e, DocumentError::WrongType { field, .. } if field == "Principal.Service"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": []}}"#,
                |e| matches!(e, DocumentError::WrongType { field, .. } if field == "Condition"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": "x"}}}"#,
                |e| matches!(e, DocumentError::WrongType { field, .. } if field == "Condition.StringEquals"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": null}}}}"#,
                |e| matches!(e, DocumentError::WrongType { field, found: "null", .. } if field == "Condition.StringEquals.k"),
            ),
            (
                r#"{"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": [{}]}}}}"#,
                |e| {
                    matches!(
                        e,
                        DocumentError::WrongType {
                            found: "an object",
                            ..
                        }
                    )
                },
            ),
        ];
        for (text, check) in cases {
            match parse_document(text) {
                Ok(doc) => panic!("expected an error for {:.80?}, parsed {doc:?}", text),
                Err(e) => {
                    assert!(check(&e), "wrong error for {:.80?}: {e:?}", text);
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }

    #[test]
    fn error_messages_are_plain_and_locate_the_problem() {
        let e = parse_document("{\n  \"Statement\": [\n    oops\n  ]\n}").unwrap_err();
        let DocumentError::InvalidJson { line, column, .. } = &e else {
            panic!("expected InvalidJson, got {e:?}");
        };
        assert_eq!(*line, 3);
        assert!(*column > 0);
        assert!(e.to_string().contains("line 3"), "{e}");

        let e = parse_document(r#"{"Statement": [{"Effect": "Allow", "Action": "*"}, {"Effect": "allow", "Action": "*"}]}"#)
            .unwrap_err();
        assert_eq!(
            e.to_string(),
            "statement 2 has Effect \"allow\"; it must be exactly \"Allow\" or \"Deny\""
        );

        let e = parse_document(r#"{"Statement": {"Effect": "Allow", "Action": 5}}"#).unwrap_err();
        assert_eq!(
            e.to_string(),
            "statement 1: \"Action\" must be a string or a list of strings, but it is a number"
        );
    }

    #[test]
    fn version_is_kept_and_decides_policy_variables() {
        let current = parse_ok(r#"{"Version": "2012-10-17", "Statement": []}"#);
        assert_eq!(current.version.as_deref(), Some("2012-10-17"));
        assert!(current.supports_variables());
        let old = parse_ok(r#"{"Version": "2008-10-17", "Statement": []}"#);
        assert!(!old.supports_variables());
        let none = parse_ok(r#"{"Statement": []}"#);
        assert_eq!(none.version, None);
        assert!(!none.supports_variables());
        let e = parse_document(r#"{"Version": 2012, "Statement": []}"#).unwrap_err();
        assert!(
            matches!(&e, DocumentError::WrongType { field, found: "a number", .. } if field == "Version"),
            "{e:?}"
        );
    }

    #[test]
    fn empty_statement_list_is_an_empty_document() {
        assert_eq!(parse_ok(r#"{"Statement": []}"#).statements, vec![]);
    }

    /// Every truncation and a set of single-byte corruptions of real documents
    /// (raw and percent-encoded) must yield Ok or Err, never a panic.
    #[test]
    fn corrupted_documents_never_panic() {
        let encoded: String = FLOW_LOGS_TRUST
            .bytes()
            .map(|b| format!("%{b:02X}"))
            .collect();
        for source in [FLOW_LOGS_TRUST, encoded.as_str()] {
            let bytes = source.as_bytes();
            for cut in 0..=bytes.len() {
                let text = String::from_utf8_lossy(&bytes[..cut]);
                let _ = parse_document(&text);
            }
            for pos in 0..bytes.len() {
                for replacement in [b'"', b'{', b']', b'%', 0xff, b'*'] {
                    let mut copy = bytes.to_vec();
                    copy[pos] = replacement;
                    let _ = parse_document(&String::from_utf8_lossy(&copy));
                }
            }
        }
        // The untouched encoded form must of course still parse.
        assert_eq!(parse_ok(&encoded), parse_ok(FLOW_LOGS_TRUST));
    }

    #[test]
    fn large_document_parses() {
        let statements: Vec<String> = (0..5_000)
            .map(|i| format!(r#"{{"Sid": "S{i}", "Effect": "Allow", "Action": "svc:Action{i}", "Resource": "*"}}"#))
            .collect();
        let text = format!(r#"{{"Statement": [{}]}}"#, statements.join(","));
        let doc = parse_ok(&text);
        assert_eq!(doc.statements.len(), 5_000);
        assert_eq!(doc.statements[4_999].sid.as_deref(), Some("S4999"));
    }
}
