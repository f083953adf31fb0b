//! `awslab cleanup`: removes what the lab created, and nothing else. The plan comes first
//! (each resource, why it is the lab's, the AWS CLI command that removes it), then one
//! question, then the deletions in dependency order. What awslab did not create itself is
//! deleted only when the user says so for that resource (or `--include-untagged`); what
//! something else relies on is left alone with a note; the prerequisites are never touched.
//! A failed deletion does not stop the others: the summary says what is left and how to go on.

use crate::app::Context;
use crate::aws::AwsError;
use crate::cli::CleanupArgs;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::report::Format;
use crate::steps::removal::{self, Removal, tag_text};
use colored::Colorize;
use serde_json::json;
use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::io::IsTerminal;

/// What to do with a planned removal, before anything is done.
#[derive(Debug, Clone, PartialEq)]
enum Decision {
    Delete,
    /// Not created by awslab: deleted only once confirmed for itself.
    Ask,
    Keep(Text),
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Planned,
    Deleted,
    Failed(AwsError),
    Kept(Text),
}

struct Item {
    removal: Removal,
    decision: Decision,
    outcome: Outcome,
}

/// Asks a yes/no question on the terminal (default no).
fn confirm(question: &str) -> Result<bool, AppError> {
    dialoguer::Confirm::new()
        .with_prompt(question)
        .default(false)
        .interact()
        .map_err(|e| match e {
            dialoguer::Error::IO(e) => AppError::from(e),
        })
}

pub async fn run(ctx: &Context, args: &CleanupArgs) -> Result<ExitCode, AppError> {
    if args.format == Format::Junit {
        return Err(AppError::Usage(
            Text::new("cleanup.bad-format").render(ctx.lang),
        ));
    }
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let connection = ctx.connect(&lesson).await?;
    let aws = connection.aws.fresh();
    let identity = aws.identity().await?;
    let plan = removal::plan(&aws, &lesson).await?;
    let mut items: Vec<Item> = plan
        .into_iter()
        .map(|removal| {
            let decision = match &removal.keep {
                Some(note) => Decision::Keep(note.clone()),
                None if removal.is_provably_the_labs() => Decision::Delete,
                // A look-alike made by hand: --include-untagged speaks for it. One that carries
                // the lesson tag under another name was renamed by someone, so only a question
                // about it alone does.
                None if removal.named && args.include_untagged => Decision::Delete,
                None => Decision::Ask,
            };
            Item {
                removal,
                decision,
                outcome: Outcome::Planned,
            }
        })
        .collect();
    let header = Header {
        lesson: &lesson,
        account: &identity.account,
        region: &aws.region,
        dry_run: args.dry_run,
    };
    let json = args.format == Format::Json;
    let lang = ctx.lang;

    if items.is_empty() || args.dry_run {
        let out = if json {
            to_json(&header, &items, lang)
        } else {
            let mut s = plan_text(&header, &items, lang);
            if !items.is_empty() {
                let _ = writeln!(s, "\n{}", Text::new("cleanup.dry-run").render(lang));
            }
            s
        };
        ctx.print(&out)?;
        return Ok(ExitCode::Pass);
    }

    if !json {
        ctx.print(&plan_text(&header, &items, lang))?;
    }
    let interactive = std::io::stdin().is_terminal();
    let deleting = items
        .iter()
        .filter(|i| i.decision == Decision::Delete)
        .count();
    if deleting > 0 && !args.yes {
        if !interactive {
            return Err(AppError::Usage(
                Text::new("cleanup.no-terminal").render(lang),
            ));
        }
        let question = Text::new("cleanup.confirm-all")
            .arg("count", deleting)
            .render(lang);
        if !confirm(&question)? {
            for item in items.iter_mut().filter(|i| i.decision == Decision::Delete) {
                item.decision = Decision::Keep(Text::new("cleanup.kept-declined"));
            }
        }
    }
    for item in items.iter_mut() {
        if item.decision != Decision::Ask {
            continue;
        }
        let renamed = !item.removal.named;
        item.decision = if !interactive {
            Decision::Keep(
                Text::new(if renamed {
                    "cleanup.kept-renamed"
                } else {
                    "cleanup.kept-untagged"
                })
                .arg("tag", tag_text(&lesson)),
            )
        } else {
            let question = Text::new(if renamed {
                "cleanup.confirm-renamed"
            } else {
                "cleanup.confirm-untagged"
            })
            .arg("resource", describe(&item.removal, lang))
            .arg("tag", tag_text(&lesson))
            .render(lang);
            if confirm(&question)? {
                Decision::Delete
            } else {
                Decision::Keep(Text::new("cleanup.kept-declined"))
            }
        };
    }

    execute(&mut items, |r| removal::remove(&aws, r)).await;
    let mut log = String::new();
    for item in &items {
        let line = match &item.outcome {
            Outcome::Deleted => format!(
                "{} {}",
                "✓".green(),
                Text::new("cleanup.deleted")
                    .arg("resource", describe(&item.removal, lang))
                    .render(lang)
            ),
            Outcome::Failed(e) => format!(
                "{} {}",
                "✗".red(),
                Text::new("cleanup.failed")
                    .arg("resource", describe(&item.removal, lang))
                    .arg("error", e)
                    .render(lang)
            ),
            _ => continue,
        };
        let _ = writeln!(log, "{line}");
    }

    let left = items
        .iter()
        .filter(|i| i.outcome != Outcome::Deleted)
        .count();
    let out = if json {
        to_json(&header, &items, lang)
    } else {
        format!("\n{log}{}", summary_text(&items, lang))
    };
    ctx.print(&out)?;
    Ok(if left == 0 {
        ExitCode::Pass
    } else {
        ExitCode::Fail
    })
}

/// Carries out the decisions in plan order, which is dependency order. A failure does not
/// stop the rest; a removal whose prerequisite did not go (a policy still attached to a role
/// that stays) is not attempted, since IAM would only refuse it.
async fn execute<'a, F, Fut>(items: &'a mut [Item], remove: F)
where
    F: Fn(&'a Removal) -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsError>>,
{
    let mut gone: BTreeSet<String> = BTreeSet::new();
    for item in items.iter_mut() {
        item.outcome = match &item.decision {
            Decision::Keep(note) => Outcome::Kept(note.clone()),
            Decision::Ask => Outcome::Kept(Text::new("cleanup.kept-declined")),
            Decision::Delete => {
                if let Some(blocker) = item.removal.after.iter().find(|k| !gone.contains(*k)) {
                    Outcome::Kept(Text::new("cleanup.kept-after").arg("other", blocker))
                } else {
                    match remove(&item.removal).await {
                        Ok(()) => {
                            gone.insert(item.removal.key());
                            Outcome::Deleted
                        }
                        Err(e) => Outcome::Failed(e),
                    }
                }
            }
        };
    }
}

struct Header<'a> {
    lesson: &'a Lesson,
    account: &'a str,
    region: &'a str,
    dry_run: bool,
}

fn kind_key(kind: &str) -> &'static str {
    match kind {
        "flow-log" => "cleanup.kind-flow-log",
        "log-group" => "cleanup.kind-log-group",
        "role" => "cleanup.kind-role",
        _ => "cleanup.kind-policy",
    }
}

/// "IAM role my-flowlog-role", in the user's language.
fn describe(r: &Removal, lang: Lang) -> String {
    format!(
        "{} {}",
        Text::new(kind_key(r.target.kind())).render(lang),
        r.resource
    )
}

fn plan_text(h: &Header, items: &[Item], lang: Lang) -> String {
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
        Text::new("cleanup.plan-head")
            .arg("lesson", &h.lesson.id)
            .arg("account", h.account)
            .arg("region", h.region)
            .render(lang)
            .bold()
    );
    for (n, item) in items.iter().enumerate() {
        let r = &item.removal;
        let marker = match &item.decision {
            Decision::Delete => Text::new("cleanup.will-delete").render(lang).red(),
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
    let _ = writeln!(s, "\n{}", Text::new("cleanup.untouched").render(lang));
    s
}

fn summary_text(items: &[Item], lang: Lang) -> String {
    let left: Vec<&Item> = items
        .iter()
        .filter(|i| i.outcome != Outcome::Deleted)
        .collect();
    let mut s = String::new();
    if left.is_empty() {
        let _ = writeln!(
            s,
            "{}",
            Text::new("cleanup.summary-clean").render(lang).bold()
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

fn to_json(h: &Header, items: &[Item], lang: Lang) -> String {
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

    use crate::aws::ErrorKind;
    use crate::steps::removal::Target;

    fn item(target: Target, after: &[&str]) -> Item {
        let resource = match &target {
            Target::FlowLog { id } => id.clone(),
            Target::LogGroup { name } | Target::Role { name, .. } => name.clone(),
            Target::Policy { arn, .. } => arn.clone(),
        };
        Item {
            removal: Removal {
                step: target.kind().to_string(),
                target,
                resource,
                tagged: true,
                named: true,
                reason: Text::new("cleanup.reason-role-tagged"),
                keep: None,
                cli: Vec::new(),
                after: after.iter().map(|s| s.to_string()).collect(),
            },
            decision: Decision::Delete,
            outcome: Outcome::Planned,
        }
    }

    #[tokio::test]
    async fn a_denied_deletion_does_not_stop_the_rest_and_what_needs_it_stays() {
        let mut items = vec![
            item(Target::FlowLog { id: "fl-1".into() }, &[]),
            item(
                Target::Role {
                    name: "r".into(),
                    detach: vec!["arn:p".into()],
                },
                &[],
            ),
            item(Target::LogGroup { name: "g".into() }, &[]),
            item(
                Target::Policy {
                    arn: "arn:p".into(),
                    versions: Vec::new(),
                },
                &["role:r"],
            ),
        ];
        items[2].decision = Decision::Keep(Text::new("cleanup.kept-declined"));
        let tried = std::sync::Mutex::new(Vec::new());
        execute(&mut items, |r| {
            tried
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(r.key());
            let denied = r.target.kind() == "role";
            async move {
                if denied {
                    Err(AwsError {
                        kind: ErrorKind::AccessDenied,
                        operation: "iam:DeleteRole",
                        code: Some("AccessDenied".into()),
                        detail: "not allowed".into(),
                    })
                } else {
                    Ok(())
                }
            }
        })
        .await;
        assert_eq!(
            tried.into_inner().unwrap_or_else(|p| p.into_inner()),
            ["flow-log:fl-1", "role:r"],
            "the kept log group and the policy behind the role are not attempted"
        );
        assert_eq!(items[0].outcome, Outcome::Deleted);
        assert!(matches!(items[1].outcome, Outcome::Failed(_)));
        assert_eq!(
            items[2].outcome,
            Outcome::Kept(Text::new("cleanup.kept-declined"))
        );
        assert_eq!(
            items[3].outcome,
            Outcome::Kept(Text::new("cleanup.kept-after").arg("other", "role:r"))
        );
        let summary = summary_text(&items, Lang::En);
        assert!(summary.contains("Left (3):"), "{summary}");
        assert!(summary.contains("the deletion failed"), "{summary}");
    }

    /// Every key the cleanup code names exists in both catalogues (the catalogue tests check
    /// that ko and en have the same keys and placeholders).
    #[test]
    fn every_cleanup_message_is_in_the_catalogues() {
        let source = [
            include_str!("cleanup_cmd.rs"),
            include_str!("steps/flow_log.rs"),
            include_str!("steps/log_group.rs"),
            include_str!("steps/role.rs"),
            include_str!("steps/policy.rs"),
        ]
        .concat();
        let keys: BTreeSet<&str> = source
            .split('"')
            .filter(|s| s.len() > "cleanup.".len() && s.starts_with("cleanup.") && !s.contains(' '))
            .collect();
        assert!(keys.len() > 20, "{keys:?}");
        for key in keys {
            let key: &'static str = Box::leak(key.to_string().into_boxed_str());
            for lang in [Lang::En, Lang::Ko] {
                assert_ne!(Text::new(key).render(lang), key, "{key} in {lang:?}");
            }
        }
    }
}
