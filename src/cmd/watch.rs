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
