//! A graded run written down like `grade --out DIR`: its own folder under `DIR/runs/`, and the
//! class view in `DIR/` when the run is complete. The one-shot grade and `--watch` (the last
//! complete round) both write through [`record`]. Also the files grade reads (a roster, a saved
//! grades.json) and `--from-json`.

use super::class::Class;
use super::{io, read_limited};
use crate::cmd::cli::GradeArgs;
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::fsutil::{self, PrivateDir};
use crate::grade::report::{self, Meta, Outcome};
use crate::grade::{Graded, html, runs};
use crate::i18n::{Lang, Text};
use serde_json::Value;
use std::path::Path;

/// What a run's reports are drawn from.
pub fn outcome<'a>(class: &'a Class, graded: &'a [Graded], meta: &'a Meta) -> Outcome<'a> {
    Outcome {
        lesson: &class.lesson,
        graded,
        rejected: &class.rejected,
        skipped: &class.skipped,
        meta,
        lang: class.opts.lang,
    }
}

/// Builds the run's grades.json document and, with `--out`, writes it and the files drawn from
/// it into a new run folder, merging a complete run into the class view; says on standard error
/// what was written. `incomplete` says why the run is not the whole class's, if it is not.
pub fn record(
    args: &GradeArgs,
    class: &Class,
    graded: &[Graded],
    graded_at: i64,
    incomplete: Option<String>,
) -> Result<(Meta, Value), AppError> {
    let lang = class.opts.lang;
    let mut meta = Meta {
        graded_at,
        deadline: class.deadline_text.clone(),
        roster: roster_source(args),
        incomplete,
        run: None,
        only: args.only.clone(),
    };
    let Some(out) = &args.out else {
        let document = report::document(&outcome(class, graded, &meta));
        if let Some(why) = &meta.incomplete {
            eprintln!(
                "{}",
                Text::new("grade.incomplete-banner")
                    .arg("reason", why)
                    .render(lang)
            );
        }
        return Ok((meta, document));
    };
    // Refused before anything is written into it: a folder of another user's, or one others can
    // write to.
    PrivateDir::open(out).map_err(|e| private(&e, lang))?;
    let (dir, name) = runs::new_run_dir(out, graded_at).map_err(|e| io(out, e))?;
    meta.run = Some(name);
    let document = report::document(&outcome(class, graded, &meta));
    let mut files = runs::files(&document, &class.lesson, lang, args.csv_bom);
    if let Some(why) = &meta.incomplete {
        files.push((
            "INCOMPLETE.txt".into(),
            format!(
                "{}\n",
                Text::new("grade.incomplete-banner")
                    .arg("reason", why)
                    .render(lang)
            ),
        ));
    }
    runs::write_all(&dir, &files).map_err(|e| private(&e, lang))?;
    let shown = |p: &Path| p.display().to_string();
    let note = match &meta.incomplete {
        Some(why) => Text::new("grade.view-kept")
            .arg("reason", why)
            .arg("run", shown(&dir))
            .arg("out", shown(out)),
        None => match runs::merge(runs::class_view(out), &document) {
            runs::Merge::Updated(view) => {
                runs::write_all(out, &runs::files(&view, &class.lesson, lang, args.csv_bom))
                    .map_err(|e| private(&e, lang))?;
                Text::new("grade.view-updated")
                    .arg("run", shown(&dir))
                    .arg("out", shown(out))
            }
            runs::Merge::OtherLesson(other) => Text::new("grade.view-other-lesson")
                .arg("lesson", other)
                .arg("run", shown(&dir))
                .arg("out", shown(out)),
        },
    };
    eprintln!("{}", note.render(lang));
    Ok((meta, document))
}

/// Where the class came from, as the grades say it: the roster file, the organization or its
/// units, and the students `--only` picked.
fn roster_source(args: &GradeArgs) -> String {
    let mut parts = Vec::new();
    if let Some(path) = &args.roster {
        parts.push(path.display().to_string());
    }
    if args.organization {
        parts.push("AWS Organizations".to_string());
    } else if !args.ou.is_empty() {
        parts.push(format!("AWS Organizations {}", args.ou.join(", ")));
    }
    let mut source = parts.join(" + ");
    if !args.only.is_empty() {
        source.push_str(&format!(" (--only {})", args.only.join(", ")));
    }
    source
}

/// `--from-json FILE --out DIR`: the web pages (report.html, report-anonymous.html, the
/// students' pages) drawn again from a saved grades.json, in the language its messages are in.
pub fn redraw(ctx: &Context, file: &Path, out: &Path) -> Result<ExitCode, AppError> {
    let text = read_limited(file, 64 * 1024 * 1024, "grade.file-grades", ctx.lang)?;
    let head: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| not_grades(file, e, ctx.lang))?;
    let lang = match head["lang"].as_str() {
        Some("ko") => Lang::Ko,
        Some("en") => Lang::En,
        _ => ctx.lang,
    };
    let lesson = head["lesson"]
        .as_str()
        .and_then(|id| ctx.lesson(Some(id)).ok());
    let class: html::Class =
        serde_json::from_str(&text).map_err(|e| not_grades(file, e, ctx.lang))?;
    let pages = runs::pages(&text, &class, lesson.as_ref(), lang);
    runs::write_all(out, &pages).map_err(|e| private(&e, ctx.lang))?;
    Ok(ExitCode::Pass)
}

/// A report not written: the folder is not the user's own, or a file there is a link; said in
/// the user's language (exit 2).
fn private(e: &fsutil::FsError, lang: Lang) -> AppError {
    AppError::Usage(e.text().render(lang))
}

fn not_grades(file: &Path, e: impl std::fmt::Display, lang: Lang) -> AppError {
    AppError::Usage(
        Text::new("grade.file-not-grades")
            .arg("file", file.display())
            .arg("error", e)
            .render(lang),
    )
}
