//! `awslab grade`: grade a whole class and write the reports, once or, with `--watch`, round
//! after round behind a live board.

mod class;
mod interrupt;
mod watch;
mod write;

use crate::aws::record::{OrganizationRoster, organization_actions};
use crate::cmd::cli::PolicyDoc;
use crate::cmd::cli::{GradeArgs, GradeFormat};
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::grade::organization::{self, Request};
use crate::grade::report;
use crate::grade::{self, access, role};
use crate::i18n::{Lang, Text};
use interrupt::Interrupt;
use std::io::IsTerminal;
use std::path::Path;

pub async fn run(ctx: &Context, args: &GradeArgs) -> Result<ExitCode, AppError> {
    let request = organization_request(args);
    if let Some(which) = args.print_policy {
        return print_policy(ctx, args, request.as_ref(), which);
    }
    if args.print_role_template {
        let lesson = ctx.lesson(args.lesson.as_deref())?;
        let role = role::role_to_make(&args.role_name);
        ctx.print(&role::template(role))?;
        eprintln!(
            "{}",
            Text::new("grade.template-note")
                .arg("role", role)
                .arg(
                    "region",
                    grade::course_region(&lesson, ctx.target.region.as_deref())
                )
                .render(ctx.lang)
        );
        return Ok(ExitCode::Pass);
    }
    if let (Some(file), Some(out)) = (&args.from_json, &args.out) {
        return write::redraw(ctx, file, out);
    }
    if args.roster.is_none() && request.is_none() {
        return Err(AppError::Usage(
            Text::new("grade.no-roster").render(ctx.lang),
        ));
    }
    // From here on Ctrl-C (or SIGTERM) is this command's to handle: what was graded is kept.
    let mut interrupt = Interrupt::new()?;
    let class = class::prepare(ctx, args, request.as_ref(), &mut interrupt).await?;
    if args.watch {
        return watch::watch(args, &class, &mut interrupt).await;
    }
    if args.check_access {
        let found = tokio::select! {
            found = access::check(class.connection.aws.sdk(), &class.rows, &class.opts) => found,
            _ = interrupt.wait() => return Err(AppError::Interrupted),
        };
        ctx.print(&access::table(&found, &args.role_name, ctx.lang))?;
        return Ok(
            if found.iter().all(|a| a.reach.reachable()) && class.rejected.is_empty() {
                ExitCode::Pass
            } else {
                ExitCode::CouldNotCheck
            },
        );
    }
    if let Some(at) = class.at {
        wait_until(at, &mut interrupt, ctx.lang).await?;
    }
    once(ctx, args, &class, &mut interrupt).await
}

/// `--at`: waits until then, saying so.
async fn wait_until(at: i64, interrupt: &mut Interrupt, lang: Lang) -> Result<(), AppError> {
    let wait = at - crate::time::now_unix();
    if wait <= 0 {
        eprintln!(
            "{}",
            Text::new("grade.at-past")
                .arg("at", crate::time::for_reader(at))
                .render(lang)
        );
        return Ok(());
    }
    eprintln!(
        "{}",
        Text::new("grade.at-waiting")
            .arg("at", crate::time::for_reader(at))
            .arg("seconds", wait)
            .render(lang)
    );
    let until = tokio::time::Instant::now() + std::time::Duration::from_secs(wait as u64);
    tokio::select! {
        _ = tokio::time::sleep_until(until) => Ok(()),
        _ = interrupt.wait() => Err(AppError::Interrupted),
    }
}

/// One grading of the class: the reports written and printed.
async fn once(
    ctx: &Context,
    args: &GradeArgs,
    class: &class::Class,
    interrupt: &mut Interrupt,
) -> Result<ExitCode, AppError> {
    let graded_at = crate::time::now_unix();
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(class.rows.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} accounts {elapsed}")
        {
            b.set_style(style);
        }
        b
    });
    let pass = class
        .grade(interrupt, || {
            if let Some(b) = &bar {
                b.inc(1);
            }
        })
        .await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    let incomplete = pass.incomplete(class.rows.len(), ctx.lang);
    let incomplete_by_interrupt = pass.interrupted;
    let graded = pass.graded;
    let (meta, document) = write::record(args, class, &graded, graded_at, incomplete)?;
    let outcome = write::outcome(class, &graded, &meta);
    let parsed: Option<grade::class::Class> = serde_json::from_value(document.clone()).ok();
    let lesson = &class.lesson;
    let out = match (args.format, &parsed) {
        (GradeFormat::Text, _) => report::table(&outcome),
        (GradeFormat::Json, _) => report::to_text(&document),
        (GradeFormat::Csv, Some(c)) => report::with_bom(report::csv(c, Some(lesson)), args.csv_bom),
        (GradeFormat::Junit, Some(c)) => report::junit(c),
        (GradeFormat::Markdown, Some(c)) => report::markdown(c, Some(lesson), ctx.lang),
        (_, None) => report::to_text(&document),
    };
    ctx.print(&out)?;
    if incomplete_by_interrupt {
        return Ok(ExitCode::Interrupted);
    }
    let unreadable = graded.iter().any(|g| g.error.is_some());
    Ok(if unreadable || !class.rejected.is_empty() {
        ExitCode::CouldNotCheck
    } else {
        ExitCode::Pass
    })
}

/// `--print-policy`: one document on standard output, valid to paste as it is, and on standard
/// error what it is for.
fn print_policy(
    ctx: &Context,
    args: &GradeArgs,
    request: Option<&Request>,
    which: PolicyDoc,
) -> Result<ExitCode, AppError> {
    let (document, note) = match which {
        PolicyDoc::Role => (role::permissions(), "grade.policy-role-note"),
        PolicyDoc::Instructor => {
            let actions = request
                .map(|r| organization_actions(r.roster, r.name_tag.is_some()))
                .unwrap_or_default();
            (
                role::instructor(&args.role_name, &actions),
                "grade.policy-instructor-note",
            )
        }
    };
    let mut s = serde_json::to_string_pretty(&document).unwrap_or_default();
    s.push('\n');
    ctx.print(&s)?;
    eprintln!("{}", Text::new(note).render(ctx.lang));
    Ok(ExitCode::Pass)
}

/// What the organization options ask for, if any.
fn organization_request(args: &GradeArgs) -> Option<Request> {
    let roster = if args.organization {
        OrganizationRoster::Whole
    } else if !args.ou.is_empty() {
        OrganizationRoster::Units {
            recursive: args.recursive,
            by_name: args.ou.iter().any(|u| !organization::is_unit_id(u)),
        }
    } else {
        return None;
    };
    Some(Request {
        roster,
        units: args.ou.clone(),
        name_tag: args.name_tag.clone(),
        include_management: args.include_management,
    })
}

/// Rosters and grades.json are small; a huge or binary file is a mistake, said plainly in the
/// user's language. `what` names the file (a catalogue key).
pub fn read_limited(
    path: &Path,
    limit: u64,
    what: &'static str,
    lang: Lang,
) -> Result<String, AppError> {
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    let what = Text::new(what).render(lang);
    if meta.len() > limit {
        return Err(AppError::Usage(
            Text::new("grade.file-too-large")
                .arg("file", path.display())
                .arg("bytes", meta.len())
                .arg("what", &what)
                .render(lang),
        ));
    }
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        AppError::Usage(
            Text::new("grade.file-not-utf8")
                .arg("file", path.display())
                .arg("offset", e.utf8_error().valid_up_to())
                .arg("what", &what)
                .render(lang),
        )
    })
}

pub fn io(path: &Path, source: std::io::Error) -> AppError {
    AppError::Io {
        context: path.display().to_string(),
        source,
    }
}
