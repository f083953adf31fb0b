//! `awslab grade`: grade a whole class and write the reports.

use crate::aws::record::grading_policy;
use crate::cmd::cli::{GradeArgs, GradeFormat};
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::grade::{self, Options, report, roster};
use crate::i18n::Text;
use std::io::IsTerminal;
use std::path::Path;

pub async fn run(ctx: &Context, args: &GradeArgs) -> Result<ExitCode, AppError> {
    if args.print_policy {
        let mut s = serde_json::to_string_pretty(&grading_policy()).unwrap_or_default();
        s.push('\n');
        ctx.print(&s)?;
        return Ok(ExitCode::Pass);
    }
    let Some(roster_path) = &args.roster else {
        return Err(AppError::Usage(
            Text::new("grade.no-roster").render(ctx.lang),
        ));
    };
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
    let text = read_roster(roster_path)?;
    let file = roster_path.display().to_string();
    let (rows, rejected) =
        roster::parse(&file, &text).map_err(|e| AppError::Usage(e.to_string()))?;
    for r in &rejected {
        eprintln!("{file}:{}: {}", r.line, r.message);
    }
    if args.strict && !rejected.is_empty() {
        return Err(AppError::Usage(
            Text::new("grade.strict")
                .arg("count", rejected.len())
                .render(ctx.lang),
        ));
    }

    if rows.is_empty() {
        return Err(AppError::Usage(format!(
            "{file}: no student to grade (the roster has no usable row)"
        )));
    }

    let connection = ctx.connect(&lesson).await?;
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

    let deadline_text = args.deadline.as_deref();
    if let Some(dir) = &args.out {
        std::fs::create_dir_all(dir).map_err(|e| io(dir, e))?;
        let files = [
            ("grades.csv", report::csv(&lesson, &graded)),
            (
                "grades.json",
                report::json(&lesson, &graded, &rejected, deadline_text, ctx.lang),
            ),
            ("junit.xml", report::junit(&graded, ctx.lang)),
            (
                "report.md",
                report::markdown(&lesson, &graded, &rejected, ctx.lang),
            ),
        ];
        for (name, content) in files {
            let path = dir.join(name);
            std::fs::write(&path, content).map_err(|e| io(&path, e))?;
        }
    }
    let out = match args.format {
        GradeFormat::Text => report::table(&lesson, &graded, ctx.lang),
        GradeFormat::Json => report::json(&lesson, &graded, &rejected, deadline_text, ctx.lang),
        GradeFormat::Csv => report::csv(&lesson, &graded),
        GradeFormat::Junit => report::junit(&graded, ctx.lang),
        GradeFormat::Markdown => report::markdown(&lesson, &graded, &rejected, ctx.lang),
    };
    ctx.print(&out)?;
    let unreadable = graded.iter().any(|g| g.error.is_some());
    Ok(if unreadable || !rejected.is_empty() {
        ExitCode::CouldNotCheck
    } else {
        ExitCode::Pass
    })
}

/// Rosters are small; a huge or binary file is a mistake, said plainly.
fn read_roster(path: &Path) -> Result<String, AppError> {
    let meta = std::fs::metadata(path).map_err(|e| io(path, e))?;
    if meta.len() > 8 * 1024 * 1024 {
        return Err(AppError::Usage(format!(
            "{}: {} bytes is too large for a roster",
            path.display(),
            meta.len()
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| io(path, e))?;
    String::from_utf8(bytes).map_err(|e| {
        AppError::Usage(format!(
            "{}: not UTF-8 text (bad byte at offset {}); save the roster as CSV UTF-8",
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
