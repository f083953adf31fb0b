//! `awslab cleanup`: removes what the lab created, and nothing else. The plan comes first
//! (each resource, why it is the lab's, the AWS CLI command that removes it), then one
//! question, then the deletions in dependency order. What awslab did not create itself is
//! deleted only when the user says so for that resource (or `--include-untagged`); what
//! something else relies on is left alone with a note; the prerequisites are never touched.
//! A failed deletion does not stop the others: the summary says what is left and how to go on.
//!
//! The plan is the step kinds' (`steps::cleanup_plan`, of `steps::removal`); here it is decided on (`plan`), carried out
//! (`execute`) and shown (`render`).

mod execute;
mod plan;
mod render;

use crate::cmd::cli::{CleanupArgs, Output};
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::i18n::Text;
use crate::report::fit_terminal;
use crate::steps::security_group_rule;
use crate::steps::{self, removal::tag_text};
use crate::wizard::prompt::ask_yes_no;
use colored::Colorize;
use execute::execute;
use plan::{Decision, Outcome};
use render::{Header, describe, plan_text, summary_text, to_json};
use std::fmt::Write as _;
use std::io::IsTerminal;

/// The grading role `awslab share` made serves every lesson of the course, so one lesson's
/// cleanup leaves it and says how to take it back (on standard error). Only a hint: a role
/// that cannot be read is not mentioned.
async fn grading_role_note(aws: &crate::aws::Aws, lang: crate::i18n::Lang) {
    use crate::grade::role::{SUGGESTED_ROLE, is_grading_role};
    if let Ok(Some(tags)) = aws.role_tags(SUGGESTED_ROLE).await {
        if is_grading_role(&tags) {
            eprintln!(
                "{}",
                Text::new("cleanup.grading-role-kept")
                    .arg("role", SUGGESTED_ROLE)
                    .render(lang)
            );
        }
    }
}

pub async fn run(ctx: &Context, args: &CleanupArgs) -> Result<ExitCode, AppError> {
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let connection = ctx.connect_student(&lesson).await?;
    let aws = connection.aws.fresh();
    let identity = aws.identity().await?;
    let plan = steps::cleanup_plan(&aws, &lesson.lab).await?;
    let mut items = plan::decide(plan, args.include_untagged);
    let header = Header {
        lesson: &lesson,
        account: &identity.account,
        region: &aws.region,
        dry_run: args.dry_run,
    };
    let json = args.format == Output::Json;
    let lang = ctx.lang;
    if !json {
        grading_role_note(&aws, lang).await;
    }

    if items.is_empty() || args.dry_run {
        let out = if json {
            to_json(&header, &items, lang)
        } else {
            let mut s = plan_text(&header, &items, lang);
            if !items.is_empty() {
                let dry_run = if items.iter().any(|i| i.removal.target.restores()) {
                    "cleanup.dry-run-changes"
                } else {
                    "cleanup.dry-run"
                };
                let _ = writeln!(s, "\n{}", Text::new(dry_run).render(lang));
            }
            fit_terminal(&s).into_owned()
        };
        ctx.print(&out)?;
        return Ok(ExitCode::Pass);
    }

    if !json {
        ctx.print(&fit_terminal(&plan_text(&header, &items, lang)))?;
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
        let restores = items.iter().any(|i| i.removal.target.restores());
        let question = Text::new(if restores {
            "cleanup.confirm-changes"
        } else {
            "cleanup.confirm-all"
        })
        .arg("count", deleting)
        .render(lang);
        if !ask_yes_no(&question, lang)? {
            // No to the plan is no to all of it: no question about each look-alike follows.
            for item in items
                .iter_mut()
                .filter(|i| matches!(i.decision, Decision::Delete | Decision::Ask))
            {
                item.decision = Decision::Keep(Text::new("cleanup.kept-declined"));
            }
        }
    }
    for item in items.iter_mut() {
        if item.decision != Decision::Ask {
            continue;
        }
        // What it would take to go ahead: a restore waits on the note awslab leaves when it
        // closes a port; a deletion on the lesson tag and the lab's name.
        let (kept, question, tag) = if item.removal.target.restores() {
            (
                "cleanup.kept-restore-untagged",
                "cleanup.confirm-restore-untagged",
                security_group_rule::REMOVED_TAG.to_string(),
            )
        } else if !item.removal.named {
            (
                "cleanup.kept-renamed",
                "cleanup.confirm-renamed",
                tag_text(&lesson.lab),
            )
        } else {
            (
                "cleanup.kept-untagged",
                "cleanup.confirm-untagged",
                tag_text(&lesson.lab),
            )
        };
        item.decision = if !interactive {
            Decision::Keep(Text::new(kept).arg("tag", tag))
        } else {
            let question = Text::new(question)
                .arg("resource", describe(&item.removal, lang))
                .arg("tag", tag)
                .render(lang);
            if ask_yes_no(&question, lang)? {
                Decision::Delete
            } else {
                Decision::Keep(Text::new("cleanup.kept-declined"))
            }
        };
    }

    execute(&mut items, |r| steps::remove(&aws, r)).await;
    let mut log = String::new();
    for item in &items {
        let line = match &item.outcome {
            Outcome::Deleted => format!(
                "{} {}",
                "✓".green(),
                Text::new(if item.removal.target.restores() {
                    "cleanup.restored"
                } else {
                    "cleanup.deleted"
                })
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
        fit_terminal(&format!("\n{log}{}", summary_text(&items, lang))).into_owned()
    };
    ctx.print(&out)?;
    Ok(if left == 0 {
        ExitCode::Pass
    } else {
        ExitCode::Fail
    })
}
