//! A lesson's documents judged against the lesson: a trust document may trust only its step's
//! service, and a policy document may grant only the actions the lesson's `[[permissions]]`
//! list, on resources they name. Anything more is a problem naming the statement. Deny
//! statements and conditions only take away, so they are not judged. `"Resource": "*"` is
//! accepted: narrowing it is the policy check's least-privilege tip.

use crate::i18n::Text;
use crate::iam::{ActionSpec, Effect, PolicyDocument, Principals, ResourceSpec, Statement};
use crate::steps::{Permission, StepSpec};

/// What is wrong with `text`, the document `name` that `spec` hands out, each problem a
/// message with the document's name.
pub fn judge(spec: &StepSpec, name: &str, text: &str, permissions: &[Permission]) -> Vec<Text> {
    let said = match (spec, crate::iam::parse_document(text)) {
        (StepSpec::Policy(_) | StepSpec::Trust(_), Err(e)) => {
            vec![Text::new("lesson-file.document-unparsable").arg("error", e)]
        }
        (StepSpec::Trust(t), Ok(document)) => strangers_trusted(&document, &t.service),
        (StepSpec::Policy(_), Ok(document)) => overreaching_grants(&document, permissions),
        _ => Vec::new(),
    };
    said.into_iter().map(|t| t.arg("document", name)).collect()
}

/// How a problem names a statement: its number, and its Sid when it has one.
fn statement_label(n: usize, s: &Statement) -> String {
    match &s.sid {
        Some(sid) => format!("{} (Sid {sid})", n + 1),
        None => (n + 1).to_string(),
    }
}

/// What the Allow statements of a policy grant beyond `permissions`.
fn overreaching_grants(document: &PolicyDocument, permissions: &[Permission]) -> Vec<Text> {
    let mut out = Vec::new();
    for (n, s) in document.statements.iter().enumerate() {
        if s.effect != Effect::Allow {
            continue;
        }
        let statement = statement_label(n, s);
        let actions = match &s.actions {
            ActionSpec::Action(actions) => actions.as_slice(),
            ActionSpec::NotAction(_) => {
                out.push(Text::new("lesson-file.policy-not-action").arg("statement", &statement));
                continue;
            }
            ActionSpec::None => continue,
        };
        let listed = |p: &Permission, a: &str| p.actions.iter().any(|x| x.eq_ignore_ascii_case(a));
        let extra: Vec<&str> = actions
            .iter()
            .filter(|a| !permissions.iter().any(|p| listed(p, a)))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            out.push(
                Text::new("lesson-file.policy-actions")
                    .arg("statement", &statement)
                    .arg("actions", extra.join(", ")),
            );
        }
        let resources = match &s.resources {
            ResourceSpec::Resource(resources) => resources.as_slice(),
            ResourceSpec::NotResource(_) => {
                out.push(Text::new("lesson-file.policy-not-resource").arg("statement", &statement));
                continue;
            }
            ResourceSpec::None => continue,
        };
        // A resource is the lesson's when a permission for one of the statement's actions
        // names a resource it can match ({region} and {account} stand for any).
        let named = |r: &str| {
            permissions.iter().any(|p| {
                actions.iter().any(|a| listed(p, a))
                    && globs_overlap(
                        r,
                        &crate::steps::fill_runtime(&p.resource, SEGMENT, SEGMENT),
                    )
            })
        };
        let extra: Vec<&str> = resources
            .iter()
            .filter(|r| *r != "*" && !named(r))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            out.push(
                Text::new("lesson-file.policy-resources")
                    .arg("statement", &statement)
                    .arg("resources", extra.join(", ")),
            );
        }
    }
    out
}

/// Who the Allow statements of a trust policy let in besides `service`.
fn strangers_trusted(document: &PolicyDocument, service: &str) -> Vec<Text> {
    let mut out = Vec::new();
    for (n, s) in document.statements.iter().enumerate() {
        if s.effect != Effect::Allow {
            continue;
        }
        let statement = statement_label(n, s);
        if s.not_principal.is_some() {
            out.push(
                Text::new("lesson-file.trust-not-principal")
                    .arg("statement", &statement)
                    .arg("service", service),
            );
            continue;
        }
        let strangers: Vec<String> = match &s.principal {
            None => Vec::new(),
            Some(Principals::Any) => vec!["*".to_string()],
            Some(Principals::Map(map)) => map
                .iter()
                .flat_map(|(kind, values)| {
                    values
                        .iter()
                        .filter(move |v| {
                            !(kind.eq_ignore_ascii_case("Service")
                                && v.eq_ignore_ascii_case(service))
                        })
                        .map(move |v| format!("{kind} {v}"))
                })
                .collect(),
        };
        if !strangers.is_empty() {
            out.push(
                Text::new("lesson-file.trust-principals")
                    .arg("statement", &statement)
                    .arg("principals", strangers.join(", "))
                    .arg("service", service),
            );
        }
    }
    out
}

/// In a pattern of [`globs_overlap`], any run of characters within one ARN field (no `:`): what
/// `{region}` and `{account}` of a lesson's permission stand for.
const SEGMENT: &str = "\u{0}";

/// Whether some text matches both patterns (`*`: any run of characters, `?`: any one,
/// [`SEGMENT`]: any run without `:`).
fn globs_overlap(a: &str, b: &str) -> bool {
    // IAM takes ARNs of at most 2048 characters; longer is not a resource of any lesson.
    if a.len() > 2048 || b.len() > 2048 {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // memo[i][j]: whether a[i..] and b[j..] can match a common text.
    let mut memo = vec![vec![None; b.len() + 1]; a.len() + 1];
    fn go(a: &[char], b: &[char], i: usize, j: usize, memo: &mut [Vec<Option<bool>>]) -> bool {
        if let Some(known) = memo[i][j] {
            return known;
        }
        let closure = |c: char| c == '*' || c == '\u{0}';
        // Whether a closure token takes the one character `single` stands for.
        let takes = |closure: char, single: char| closure == '*' || single != ':';
        let answer = match (a.get(i).copied(), b.get(j).copied()) {
            (None, None) => true,
            // A closure in `a`: it ends here, or it takes what `b` has next (a closure of
            // `b` is then left empty; the other order is the case below).
            (Some(x), y) if closure(x) => {
                go(a, b, i + 1, j, memo)
                    || y.is_some_and(|y| closure(y) || takes(x, y)) && go(a, b, i, j + 1, memo)
            }
            (x, Some(y)) if closure(y) => {
                go(a, b, i, j + 1, memo)
                    || x.is_some_and(|x| takes(y, x)) && go(a, b, i + 1, j, memo)
            }
            (Some(x), Some(y)) => (x == y || x == '?' || y == '?') && go(a, b, i + 1, j + 1, memo),
            _ => false,
        };
        memo[i][j] = Some(answer);
        answer
    }
    go(&a, &b, 0, 0, &mut memo)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    #[test]
    fn patterns_overlap_when_some_text_matches_both() {
        let lab = |r: &str| r.replace("{x}", SEGMENT);
        for (a, b) in [
            ("*", lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:")),
            (
                "arn:aws:logs:*:*:log-group:G:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:"),
            ),
            (
                "arn:aws:logs:us-east-1:*:log-group:G:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:s"),
            ),
            ("a?c", "abc".to_string()),
            ("a*", "*b".to_string()),
        ] {
            assert!(globs_overlap(a, &b), "{a} / {b:?}");
            assert!(globs_overlap(&b, a), "{b:?} / {a}");
        }
        for (a, b) in [
            (
                "arn:aws:s3:::bucket/*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:*"),
            ),
            (
                "arn:aws:logs:*:*:log-group:Other:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:"),
            ),
            (
                "arn:aws:logs:a:b:c:log-group:G:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:"),
            ),
            ("abc", "abd".to_string()),
        ] {
            assert!(!globs_overlap(a, &b), "{a} / {b:?}");
            assert!(!globs_overlap(&b, a), "{b:?} / {a}");
        }
    }

    #[test]
    fn a_policy_may_grant_only_the_lessons_permissions() {
        let permissions = vec![Permission {
            actions: vec!["logs:PutLogEvents".into(), "logs:CreateLogStream".into()],
            resource: "arn:aws:logs:{region}:{account}:log-group:G:log-stream:s".into(),
        }];
        let judge = |doc: &str| {
            let d = crate::iam::parse_document(doc).expect("document");
            overreaching_grants(&d, &permissions)
                .into_iter()
                .map(|t| t.arg("document", "doc.json").render(Lang::En))
                .collect::<Vec<_>>()
        };
        let fine = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["logs:putlogevents"],"Resource":"*"},
            {"Effect":"Allow","Action":"logs:CreateLogStream","Resource":"arn:aws:logs:*:*:log-group:G:*"},
            {"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        assert!(judge(fine).is_empty(), "{:?}", judge(fine));
        let wide = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"},
            {"Sid":"Everything","Effect":"Allow","Action":["*","logs:PutLogEvents"],"Resource":"*"},
            {"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"arn:aws:s3:::loot/*"},
            {"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;
        let said = judge(wide);
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[0].contains("statement 2 (Sid Everything)") && said[0].contains("grants *"),
            "{said:?}"
        );
        assert!(
            said[1].contains("statement 3") && said[1].contains("arn:aws:s3:::loot/*"),
            "{said:?}"
        );
        assert!(
            said[2].contains("statement 4") && said[2].contains("NotAction"),
            "{said:?}"
        );
    }

    #[test]
    fn a_trust_policy_may_trust_only_its_service() {
        let judge = |doc: &str| {
            let d = crate::iam::parse_document(doc).expect("document");
            strangers_trusted(&d, "vpc-flow-logs.amazonaws.com")
                .into_iter()
                .map(|t| t.arg("document", "doc.json").render(Lang::En))
                .collect::<Vec<_>>()
        };
        let fine = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}"#;
        assert!(judge(fine).is_empty(), "{:?}", judge(fine));
        let open = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"Service":["vpc-flow-logs.amazonaws.com","ec2.amazonaws.com"],"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#;
        let said = judge(open);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].contains("statement 1")
                && said[0].contains("arn:aws:iam::999999999999:root")
                && said[0].contains("ec2.amazonaws.com")
                && !said[0].contains("Service vpc-flow-logs"),
            "{said:?}"
        );
        assert!(
            said[1].contains("statement 2") && said[1].contains("trusts *"),
            "{said:?}"
        );
    }
}
