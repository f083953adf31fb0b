//! A failing check as the class summary shows it: its cause (the message's key and the values
//! that decide it) and its message and fix with placeholders where one student's ids were, so
//! that students are grouped by what is really wrong and no one's account, VPC or flow log id is
//! shown as the class's.

use crate::finding::{COMMAND_ARGS, Finding};
use crate::i18n::Lang;

/// `{"cause", "message", "fix"}` for one student's finding.
pub fn class_view(f: &Finding, account: Option<&str>, lang: Lang) -> serde_json::Value {
    let mut args: Vec<String> = f
        .message
        .args
        .iter()
        .filter(|(name, _)| !COMMAND_ARGS.contains(name))
        .map(|(name, value)| format!("{name}={}", anonymize(value, account)))
        .collect();
    args.sort();
    let mut cause = f.message.key.to_string();
    for a in args {
        cause.push(' ');
        cause.push_str(&a);
    }
    serde_json::json!({
        "cause": cause,
        "message": anonymize(&f.message.render(lang), account),
        "fix": f.remediation.as_ref().map(|r| anonymize(&r.render(lang), account)),
    })
}

/// AWS resource id prefixes and the placeholder each becomes.
const IDS: &[(&str, &str)] = &[
    ("vpc", "<vpc-id>"),
    ("fl", "<flow-log-id>"),
    ("eni", "<eni-id>"),
    ("sg", "<security-group-id>"),
    ("sgr", "<security-group-rule-id>"),
    ("subnet", "<subnet-id>"),
    ("i", "<instance-id>"),
    ("igw", "<internet-gateway-id>"),
    ("rtb", "<route-table-id>"),
    ("acl", "<network-acl-id>"),
    ("pl", "<prefix-list-id>"),
];

/// `text` with one student's values replaced by placeholders: the account id, resource ids
/// (`vpc-…`, `fl-…`, `eni-…`, …) and IPv4 addresses that are not part of a CIDR block.
pub fn anonymize(text: &str, account: Option<&str>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        if c.is_ascii_alphanumeric() && !ends_in_word(&out) {
            let len = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '.'))
                .unwrap_or(rest.len());
            let word = &rest[..len];
            let (replaced, used) = replace_word(word, account);
            // An address followed by `/` and a prefix length is a CIDR block: the lesson's, not
            // the student's.
            let after = &rest[used..];
            let block = replaced.as_deref() == Some("<ip>")
                && after.starts_with('/')
                && after[1..].starts_with(|c: char| c.is_ascii_digit());
            let replaced = replaced.filter(|_| !block);
            if let Some(r) = replaced {
                out.push_str(&r);
                rest = &rest[used..];
                continue;
            }
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out
}

fn ends_in_word(out: &str) -> bool {
    out.chars()
        .next_back()
        .is_some_and(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// The placeholder for the start of `word`, and how many bytes of it it replaces.
fn replace_word(word: &str, account: Option<&str>) -> (Option<String>, usize) {
    // An id or address may end a sentence: a trailing dot is not part of it.
    let trimmed = word.trim_end_matches(['.', '-']);
    if let Some(account) = account.filter(|a| !a.is_empty()) {
        if trimmed == account {
            return (Some("<account-id>".into()), trimmed.len());
        }
    }
    if trimmed.len() == 12 && trimmed.bytes().all(|b| b.is_ascii_digit()) {
        return (Some("<account-id>".into()), 12);
    }
    if let Some((prefix, id)) = trimmed.split_once('-') {
        if let Some((_, placeholder)) = IDS.iter().find(|(p, _)| *p == prefix) {
            let hex = id.len();
            if (8..=17).contains(&hex) && id.bytes().all(|b| b.is_ascii_hexdigit()) {
                return (Some((*placeholder).to_string()), prefix.len() + 1 + hex);
            }
        }
    }
    let parts: Vec<&str> = trimmed.split('.').collect();
    if parts.len() == 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 3 && p.parse::<u8>().is_ok())
    {
        return (Some("<ip>".into()), trimmed.len());
    }
    (None, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_students_ids_become_placeholders() {
        let text = "aws ec2 create-flow-logs --resource-ids vpc-0a1b2c3d4e5f60718 \
                    --deliver-logs-permission-arn arn:aws:iam::111122223333:role/my-flowlog-role \
                    && aws ec2 delete-flow-logs --flow-log-ids fl-01234567";
        assert_eq!(
            anonymize(text, Some("111122223333")),
            "aws ec2 create-flow-logs --resource-ids <vpc-id> \
             --deliver-logs-permission-arn arn:aws:iam::<account-id>:role/my-flowlog-role \
             && aws ec2 delete-flow-logs --flow-log-ids <flow-log-id>"
        );
        assert_eq!(
            anonymize("curl http://203.0.113.5/ to 10.0.1.4.", None),
            "curl http://<ip>/ to <ip>."
        );
    }

    #[test]
    fn what_is_the_lessons_stays() {
        for kept in [
            "--cidr 0.0.0.0/0",
            "port 80 with ACCEPT",
            "my-flowpolicy",
            "vpc-flow-logs.amazonaws.com",
            "MyVpc22-Log",
            "ec2.amazonaws.com",
        ] {
            assert_eq!(anonymize(kept, Some("111122223333")), kept);
        }
    }
}
