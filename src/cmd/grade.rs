//! `awslab grade`: grade a whole class and write the reports.

use crate::aws::record::{OrganizationRoster, grading_policy, organization_actions};
use crate::cmd::cli::{GradeArgs, GradeFormat};
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::fsutil::{self, PrivateDir};
use crate::grade::organization::{self, ClassError, Request};
use crate::grade::report::{self, Outcome};
use crate::grade::{self, Options, html, roster};
use crate::i18n::{Lang, Text};
use std::io::IsTerminal;
use std::path::Path;

pub async fn run(ctx: &Context, args: &GradeArgs) -> Result<ExitCode, AppError> {
    let request = organization_request(args);
    if args.print_policy {
        let actions = request
            .as_ref()
            .map(|r| organization_actions(r.roster, r.name_tag.is_some()))
            .unwrap_or_default();
        let mut s = serde_json::to_string_pretty(&grading_policy(&actions)).unwrap_or_default();
        s.push('\n');
        ctx.print(&s)?;
        if request.is_some() {
            eprintln!("{}", Text::new("grade.policy-note").render(ctx.lang));
        }
        return Ok(ExitCode::Pass);
    }
    if let (Some(file), Some(out)) = (&args.from_json, &args.out) {
        return redraw(ctx, file, out);
    }
    if args.roster.is_none() && request.is_none() {
        return Err(AppError::Usage(
            Text::new("grade.no-roster").render(ctx.lang),
        ));
    }
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let deadline = match &args.deadline {
        Some(d) => Some(crate::time::parse_rfc3339(d).ok_or_else(|| {
            AppError::Usage(
                Text::new("grade.bad-deadline")
                    .arg("deadline", d)
                    .render(ctx.lang),
            )
        })?),
        None => None,
    };
    let (mut rows, rejected) = match &args.roster {
        Some(roster_path) => {
            let text = read_limited(roster_path, 8 * 1024 * 1024, "a roster")?;
            let file = roster_path.display().to_string();
            let (rows, rejected) =
                roster::parse(&file, &text).map_err(|e| AppError::Usage(e.to_string()))?;
            for r in &rejected {
                eprintln!("{file}:{}: {}", r.line, r.message);
            }
            (rows, rejected)
        }
        None => (Vec::new(), Vec::new()),
    };
    if args.strict && !rejected.is_empty() {
        return Err(AppError::Usage(
            Text::new("grade.strict")
                .arg("count", rejected.len())
                .render(ctx.lang),
        ));
    }

    let connection = ctx.connect(&lesson).await?;
    let mut skipped = Vec::new();
    if let Some(request) = &request {
        let (found, left_out) = organization::class(&connection.aws, request)
            .await
            .map_err(|e| class_error(e, ctx.lang))?;
        rows = organization::merge(rows, found);
        skipped = left_out;
        for s in &skipped {
            eprintln!("{}", report::skipped_line(s, ctx.lang));
        }
    }

    if rows.is_empty() {
        return Err(AppError::Usage(match (&request, &args.roster) {
            (Some(_), _) => Text::new("grade.org-empty").render(ctx.lang),
            (None, Some(path)) => format!(
                "{}: no student to grade (the roster has no usable row)",
                path.display()
            ),
            (None, None) => Text::new("grade.no-roster").render(ctx.lang),
        }));
    }

    let base = connection.aws.sdk().clone();
    let bar = std::io::stderr().is_terminal().then(|| {
        let b = indicatif::ProgressBar::new(rows.len() as u64);
        if let Ok(style) =
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} accounts {elapsed}")
        {
            b.set_style(style);
        }
        b
    });
    let done = || {
        if let Some(b) = &bar {
            b.inc(1);
        }
    };
    let opts = Options {
        jobs: usize::from(args.jobs),
        role_name: args.role_name.clone(),
        deadline,
        account_timeout: std::time::Duration::from_secs(args.account_timeout),
        lang: ctx.lang,
    };
    let graded = grade::grade(&base, &rows, &lesson, &opts, &done).await;
    if let Some(b) = bar {
        b.finish_and_clear();
    }

    let outcome = Outcome {
        lesson: &lesson,
        graded: &graded,
        rejected: &rejected,
        skipped: &skipped,
        deadline: args.deadline.as_deref(),
        lang: ctx.lang,
    };
    if let Some(dir) = &args.out {
        let folder = PrivateDir::open(dir).map_err(|e| private(&e, ctx.lang))?;
        let files = [
            ("grades.csv", report::csv(&lesson, &graded)),
            ("grades.json", report::json(&outcome)),
            ("junit.xml", report::junit(&graded, ctx.lang)),
            ("report.md", report::markdown(&outcome)),
            ("report.html", report::html(&outcome)),
        ];
        for (name, content) in files {
            folder
                .replace(name, content.as_bytes())
                .map_err(|e| private(&e, ctx.lang))?;
        }
    }
    let out = match args.format {
        GradeFormat::Text => report::table(&outcome),
        GradeFormat::Json => report::json(&outcome),
        GradeFormat::Csv => report::csv(&lesson, &graded),
        GradeFormat::Junit => report::junit(&graded, ctx.lang),
        GradeFormat::Markdown => report::markdown(&outcome),
    };
    ctx.print(&out)?;
    let unreadable = graded.iter().any(|g| g.error.is_some());
    Ok(if unreadable || !rejected.is_empty() {
        ExitCode::CouldNotCheck
    } else {
        ExitCode::Pass
    })
}

/// What the organization options ask for, if any.
fn organization_request(args: &GradeArgs) -> Option<Request> {
    let roster = if args.organization {
        OrganizationRoster::Whole
    } else if !args.ou.is_empty() {
        OrganizationRoster::Units {
            recursive: args.recursive,
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

fn class_error(e: ClassError, lang: Lang) -> AppError {
    match e {
        ClassError::NotInUse => AppError::Usage(Text::new("grade.org-not-in-use").render(lang)),
        ClassError::NoSuchUnit(unit) => AppError::Usage(
            Text::new("grade.org-no-such-unit")
                .arg("unit", unit)
                .render(lang),
        ),
        ClassError::Aws(e) => AppError::Aws(e),
    }
}

/// `--from-json FILE --out DIR`: report.html drawn again from a saved grades.json, in the
/// language its messages are in.
fn redraw(ctx: &Context, file: &Path, out: &Path) -> Result<ExitCode, AppError> {
    let text = read_limited(file, 64 * 1024 * 1024, "grades.json")?;
    let head: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| AppError::Usage(format!("{}: not grades.json: {e}", file.display())))?;
    let lang = match head["lang"].as_str() {
        Some("ko") => Lang::Ko,
        Some("en") => Lang::En,
        _ => ctx.lang,
    };
    let lesson = head["lesson"]
        .as_str()
        .and_then(|id| ctx.lesson(Some(id)).ok());
    let page = html::render(&text, lesson.as_ref(), lang)
        .map_err(|e| AppError::Usage(format!("{}: not grades.json: {e}", file.display())))?;
    fsutil::write_private(&out.join("report.html"), page.as_bytes())
        .map_err(|e| private(&e, ctx.lang))?;
    Ok(ExitCode::Pass)
}

/// A report not written: the folder is not the user's own, or a file there is a link; said in
/// the user's language (exit 2).
fn private(e: &fsutil::FsError, lang: Lang) -> AppError {
    AppError::Usage(e.text().render(lang))
}

/// Rosters and grades.json are small; a huge or binary file is a mistake, said plainly.
fn read_limited(path: &Path, limit: u64, what: &str) -> Result<String, AppError> {
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    if meta.len() > limit {
        return Err(AppError::Usage(format!(
            "{}: {} bytes is too large for {what}",
            path.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        AppError::Usage(format!(
            "{}: not UTF-8 text (bad byte at offset {}); save {what} as UTF-8 (CSV UTF-8 for a roster)",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

fn io(path: &Path, source: std::io::Error) -> AppError {
    AppError::Io {
        context: path.display().to_string(),
        source,
    }
}
