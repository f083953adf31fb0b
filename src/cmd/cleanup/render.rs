//! What cleanup shows: the plan, what happened, and the same as JSON.

use super::plan::{Decision, Item, Outcome};
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::steps::removal::Removal;
use colored::Colorize;
use serde_json::json;
use std::fmt::Write as _;

pub struct Header<'a> {
    pub lesson: &'a Lesson,
    pub account: &'a str,
    pub region: &'a str,
    pub dry_run: bool,
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "flow-log" => "cleanup.kind-flow-log",
        "log-group" => "cleanup.kind-log-group",
        "role" => "cleanup.kind-role",
        "sg-rule" => "cleanup.kind-sg-rule",
        _ => "cleanup.kind-policy",
    }
}

/// "IAM role my-flowlog-role", in the user's language.
pub fn describe(r: &Removal, lang: Lang) -> String {
    format!(
        "{} {}",
        Text::new(kind_key(r.target.kind())).render(lang),
        r.resource
    )
}

pub fn plan_text(h: &Header, items: &[Item], lang: Lang) -> String {
    let mut s = String::new();
    if items.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            Text::new("cleanup.nothing")
                .arg("lesson", &h.lesson.id)
                .arg("account", h.account)
                .arg("region", h.region)
                .render(lang)
        );
        let _ = writeln!(s, "{}", Text::new("cleanup.untouched").render(lang));
        return s;
    }
    let _ = writeln!(
        s,
        "{}",
        Text::new(if items.iter().any(|i| i.removal.target.restores()) {
            "cleanup.plan-head-restore"
        } else {
            "cleanup.plan-head"
        })
        .arg("lesson", &h.lesson.id)
        .arg("account", h.account)
        .arg("region", h.region)
        .render(lang)
        .bold()
    );
    for (n, item) in items.iter().enumerate() {
        let r = &item.removal;
        let marker = match &item.decision {
            Decision::Delete if r.target.restores() => {
                Text::new("cleanup.will-restore").render(lang).green()
            }
            Decision::Delete => Text::new("cleanup.will-delete").render(lang).red(),
            Decision::Ask if r.target.restores() => {
                Text::new("cleanup.will-ask-restore").render(lang).yellow()
            }
            Decision::Ask => Text::new("cleanup.will-ask").render(lang).yellow(),
            Decision::Keep(_) => Text::new("cleanup.will-keep").render(lang).dimmed(),
        };
        let _ = writeln!(
            s,
            "\n{:>2}. {}  [{marker}]",
            n + 1,
            describe(r, lang).bold()
        );
        let _ = writeln!(s, "    {}", r.reason.render(lang));
        if let Decision::Keep(note) = &item.decision {
            let _ = writeln!(s, "    {} {}", "!".yellow(), note.render(lang));
        }
        for cli in &r.cli {
            let _ = writeln!(s, "    {}", format!("$ {cli}").dimmed());
        }
    }
    let untouched = if items.iter().any(|i| i.removal.target.restores()) {
        "cleanup.untouched-restore"
    } else {
        "cleanup.untouched"
    };
    let _ = writeln!(s, "\n{}", Text::new(untouched).render(lang));
    s
}

pub fn summary_text(items: &[Item], lang: Lang) -> String {
    let left: Vec<&Item> = items
        .iter()
        .filter(|i| i.outcome != Outcome::Deleted)
        .collect();
    let mut s = String::new();
    if left.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            Text::new(if items.iter().all(|i| i.removal.target.restores()) {
                "cleanup.summary-restored"
            } else {
                "cleanup.summary-clean"
            })
            .render(lang)
            .bold()
        );
        return s;
    }
    let _ = writeln!(
        s,
        "{}",
        Text::new("cleanup.summary-left")
            .arg("count", left.len())
            .render(lang)
            .bold()
    );
    for item in left {
        let why = match &item.outcome {
            Outcome::Failed(e) => Text::new("cleanup.why-failed").arg("error", e).render(lang),
            Outcome::Kept(note) => note.render(lang),
            _ => String::new(),
        };
        let _ = writeln!(s, "  - {}: {why}", describe(&item.removal, lang));
        for cli in &item.removal.cli {
            let _ = writeln!(s, "      {}", format!("$ {cli}").dimmed());
        }
    }
    let _ = writeln!(s, "{}", Text::new("cleanup.how-to-finish").render(lang));
    s
}

pub fn to_json(h: &Header, items: &[Item], lang: Lang) -> String {
    let left = items
        .iter()
        .filter(|i| i.outcome != Outcome::Deleted)
        .count();
    let status = if items.is_empty() {
        "clean"
    } else if h.dry_run {
        "planned"
    } else if left == 0 {
        "clean"
    } else {
        "left"
    };
    let resources: Vec<_> = items
        .iter()
        .map(|i| {
            let r = &i.removal;
            let (action, note) = match &i.decision {
                Decision::Delete => ("delete", None),
                Decision::Ask => ("ask", None),
                Decision::Keep(note) => ("keep", Some(note.render(lang))),
            };
            let (result, error, note) = match &i.outcome {
                Outcome::Planned => ("planned", None, note),
                Outcome::Deleted => ("deleted", None, note),
                Outcome::Failed(e) => ("failed", Some(e.to_string()), note),
                Outcome::Kept(n) => ("kept", None, Some(n.render(lang))),
            };
            json!({
                "step": r.step,
                "kind": r.target.kind(),
                "resource": r.resource,
                "tagged": r.tagged,
                "named": r.named,
                "reason": r.reason.render(lang),
                "action": action,
                "result": result,
                "note": note,
                "error": error,
                "cli": r.cli,
            })
        })
        .collect();
    let value = json!({
        "lesson": h.lesson.id,
        "account": h.account,
        "region": h.region,
        "dry_run": h.dry_run,
        "status": status,
        "left": if h.dry_run { items.len() } else { left },
        "resources": resources,
    });
    let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
    s.push('\n');
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    /// Every key the cleanup code names exists in both catalogues (the catalogue tests check
    /// that ko and en have the same keys and placeholders).
    #[test]
    fn every_cleanup_message_is_in_the_catalogues() {
        let source = [
            include_str!("mod.rs"),
            include_str!("plan.rs"),
            include_str!("execute.rs"),
            include_str!("render.rs"),
            include_str!("../../steps/flow_log.rs"),
            include_str!("../../steps/log_group.rs"),
            include_str!("../../steps/role.rs"),
            include_str!("../../steps/policy.rs"),
        ]
        .concat();
        let keys: BTreeSet<&str> = source
            .split('"')
            .filter(|s| s.len() > "cleanup.".len() && s.starts_with("cleanup.") && !s.contains(' '))
            .collect();
        assert!(keys.len() > 20, "{keys:?}");
        for key in keys {
            for lang in [Lang::En, Lang::Ko] {
                assert!(crate::i18n::has_key(lang, key), "{key} in {lang:?}");
            }
        }
    }
}
