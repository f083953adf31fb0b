//! `awslab watch`: verifies a lesson on a schedule and says when a step's status changes; with
//! `--web`, the student's page beside the AWS console. Reads only, like `verify`. Ends on
//! Ctrl-C, or with `--until-done` once every step is done.

use crate::cmd::cli::WatchArgs;
use crate::cmd::context::Context;
use crate::cmd::student_page;
use crate::engine::Verdict;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use crate::live::student::View;
use crate::live::student::watch::{Schedule, Watcher, changes};
use crate::report::text::{mark, status_word};
use std::ops::ControlFlow;

pub async fn run(ctx: &Context, args: &WatchArgs) -> Result<ExitCode, AppError> {
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let connection = ctx.connect_student(&lesson).await?;
    crate::error::set_resume(format!("awslab watch {}", lesson.id));
    let sandbox = connection.sandbox.is_some();
    let view = View {
        lang: ctx.lang,
        sandbox,
    };
    let page = match args.page.web {
        true => student_page::start(ctx, &lesson, view, args.page.no_browser).await?,
        false => None,
    };
    let identity = connection.aws.fresh().identity().await?;
    ctx.say(
        Text::new("live.watching")
            .arg("lesson", lesson.title.get(ctx.lang))
            .arg("account", &identity.account)
            .arg("region", &connection.aws.region),
    )?;
    let watcher = Watcher {
        aws: &connection.aws,
        lesson: &lesson,
        view,
        schedule: Schedule::for_place(sandbox),
    };
    let mut failed = None;
    let last = watcher
        .run(page.as_ref().map(|p| &p.publisher), |now, before| {
            for line in lines(&lesson, now, before, ctx.lang) {
                if let Err(e) = ctx.print(&format!("{}\n", crate::report::fit_terminal(&line))) {
                    failed = Some(e);
                    return ControlFlow::Break(());
                }
            }
            match args.until_done && now.status == Status::Pass {
                true => ControlFlow::Break(()),
                false => ControlFlow::Continue(()),
            }
        })
        .await;
    if let Some(e) = failed {
        return Err(e);
    }
    if let Some(e) = last.fatal {
        return Err(e.into());
    }
    Ok(ExitCode::from_status(last.status))
}

/// What the terminal says of a check: every step the first time, then each step whose status
/// changed (with the time), the account's error when it first appears, and the end.
fn lines(lesson: &Lesson, now: &Verdict, before: Option<&Verdict>, lang: Lang) -> Vec<String> {
    let mut lines = Vec::new();
    let error = |v: &Verdict| v.fatal.clone().map(|e| AppError::from(e).explain(lang));
    if let Some(e) = error(now).filter(|e| before.and_then(error).as_ref() != Some(e)) {
        lines.push(e);
        return lines;
    }
    if now.fatal.is_some() {
        return lines;
    }
    let clock = crate::time::clock(crate::time::now_unix());
    let seen_before = before.filter(|b| b.fatal.is_none());
    for (i, status) in changes(seen_before, now) {
        let Some(step) = lesson.steps.get(i) else {
            continue;
        };
        let said = Text::new("live.step-changed")
            .arg("title", step.title.get(lang))
            .arg("status", status_word(status, lang))
            .render(lang);
        lines.push(match seen_before {
            Some(_) => format!("{clock} {} {said}", mark(status)),
            None => format!(" {} {said}", mark(status)),
        });
    }
    let finished = now.status == Status::Pass;
    if finished && seen_before.is_none_or(|b| b.status != Status::Pass) {
        lines.push(
            Text::new("live.all-done")
                .arg("earned", now.earned)
                .arg("possible", now.possible)
                .render(lang),
        );
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{assemble, overall};
    use crate::finding::Finding;
    use crate::lesson::Source;

    fn verdict(lesson: &Lesson, done: usize) -> Verdict {
        let findings = (0..lesson.steps.len())
            .map(|i| match i < done {
                true => vec![Finding::pass("ok", Text::new("live.not-checked"))],
                false => vec![Finding::fail("no", Text::new("live.not-checked"))],
            })
            .collect();
        let steps = assemble(lesson, findings);
        Verdict {
            lesson: lesson.id.clone(),
            account: Some("123456789012".into()),
            region: "ap-northeast-2".into(),
            status: overall(&steps),
            earned: steps.iter().map(|s| s.earned).sum(),
            possible: lesson.possible_points(),
            steps,
            fatal: None,
        }
    }

    #[test]
    fn every_step_at_first_then_only_what_changed_then_the_end() {
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let (none, one, all) = (
            verdict(&lesson, 0),
            verdict(&lesson, 1),
            verdict(&lesson, 6),
        );
        let first = lines(&lesson, &none, None, Lang::En);
        assert_eq!(first.len(), lesson.steps.len(), "{first:?}");
        assert!(
            first[0].ends_with("Create the IAM policy my-flowpolicy: fail"),
            "{first:?}"
        );
        assert!(lines(&lesson, &none, Some(&none), Lang::En).is_empty());
        let changed = lines(&lesson, &one, Some(&none), Lang::Ko);
        assert_eq!(changed.len(), 1, "{changed:?}");
        assert!(
            changed[0].ends_with("IAM 정책 my-flowpolicy 만들기: 통과"),
            "{changed:?}"
        );
        let end = lines(&lesson, &all, Some(&one), Lang::En);
        assert_eq!(
            end.last().map(String::as_str),
            Some("Every step is done: 100/100 points.")
        );
    }

    #[test]
    fn an_account_that_cannot_be_read_is_said_once() {
        let lesson = Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]).expect("lesson");
        let mut broken = verdict(&lesson, 0);
        broken.fatal = Some(crate::aws::AwsError {
            kind: crate::aws::ErrorKind::Network,
            operation: "sts:GetCallerIdentity",
            code: None,
            detail: "connection refused".into(),
            request_id: None,
        });
        let said = lines(&lesson, &broken, None, Lang::En);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].contains("sts:GetCallerIdentity"), "{said:?}");
        assert!(lines(&lesson, &broken, Some(&broken), Lang::En).is_empty());
    }
}
