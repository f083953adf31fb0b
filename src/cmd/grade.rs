//! `awslab grade`: grade a whole class and write the reports.

use crate::aws::record::{OrganizationRoster, organization_actions};
use crate::cmd::cli::PolicyDoc;
use crate::cmd::cli::{GradeArgs, GradeFormat};
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::fsutil::{self, PrivateDir};
use crate::grade::organization::{self, ClassError, Request};
use crate::grade::report::{self, Meta, Outcome};
use crate::grade::{self, Options, access, html, role, roster, runs};
use crate::i18n::{Lang, Text};
use futures::StreamExt;
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
        return redraw(ctx, file, out);
    }
    if args.roster.is_none() && request.is_none() {
        return Err(AppError::Usage(
            Text::new("grade.no-roster").render(ctx.lang),
        ));
    }
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let rfc3339 = |value: &str, key: &'static str, name: &'static str| {
        crate::time::parse_rfc3339(value)
            .ok_or_else(|| AppError::Usage(Text::new(key).arg(name, value).render(ctx.lang)))
    };
    let at = match &args.at {
        Some(a) => Some(rfc3339(a, "grade.bad-at", "at")?),
        None => None,
    };
    // A snapshot at the deadline: `--at` is the deadline unless one is given.
    let deadline_text = args.deadline.clone().or_else(|| args.at.clone());
    let deadline = match &deadline_text {
        Some(d) => Some(rfc3339(d, "grade.bad-deadline", "deadline")?),
        None => None,
    };
    let (mut rows, rejected) = match &args.roster {
        Some(roster_path) => {
            let text = read_limited(roster_path, 8 * 1024 * 1024, "grade.file-roster", ctx.lang)?;
            let file = roster_path.display().to_string();
            let (rows, rejected) = roster::parse(&file, &text, ctx.lang)
                .map_err(|e| AppError::Usage(e.to_string()))?;
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

    // From here on Ctrl-C (or SIGTERM) is this command's to handle: what was graded is kept.
    let mut interrupt = Interrupt::new()?;
    let connection = tokio::select! {
        c = ctx.connect(&lesson) => c?,
        _ = interrupt.wait() => return Err(AppError::Interrupted),
    };
    let mut skipped = Vec::new();
    if let Some(request) = &request {
        let (found, left_out) = tokio::select! {
            found = organization::class(&connection.aws, request) => found.map_err(|e| class_error(e, ctx.lang))?,
            _ = interrupt.wait() => return Err(AppError::Interrupted),
        };
        rows = organization::merge(rows, found);
        skipped = left_out;
        for s in &skipped {
            eprintln!("{}", report::skipped_line(s, ctx.lang));
        }
    }
    if !args.only.is_empty() {
        let unknown: Vec<&str> = args
            .only
            .iter()
            .filter(|n| {
                !rows
                    .iter()
                    .any(|r| r.student == **n || r.id() == n.as_str())
            })
            .map(String::as_str)
            .collect();
        if !unknown.is_empty() {
            return Err(AppError::Usage(
                Text::new("grade.only-unknown")
                    .arg("names", unknown.join(", "))
                    .render(ctx.lang),
            ));
        }
        rows.retain(|r| args.only.iter().any(|n| *n == r.student || n == r.id()));
        skipped.clear();
    }

    if rows.is_empty() {
        return Err(AppError::Usage(match (&request, &args.roster) {
            (Some(r), _) if !args.recursive && r.units.iter().any(|u| u.starts_with("r-")) => {
                Text::new("grade.org-empty-root").render(ctx.lang)
            }
            (Some(_), _) => Text::new("grade.org-empty").render(ctx.lang),
            (None, Some(path)) => Text::new("roster.no-usable-row")
                .arg("file", path.display())
                .render(ctx.lang),
            (None, None) => Text::new("grade.no-roster").render(ctx.lang),
        }));
    }

    if let Some(id) = &args.external_id {
        for row in &mut rows {
            match &mut row.access {
                roster::Access::Role { external_id, .. }
                | roster::Access::Account { external_id, .. } => {
                    external_id.get_or_insert_with(|| id.clone());
                }
                roster::Access::Profile(_) => {}
            }
        }
    }
    let opts = Options {
        jobs: usize::from(args.jobs),
        role_name: args.role_name.clone(),
        deadline,
        account_timeout: std::time::Duration::from_secs(args.account_timeout),
        lang: ctx.lang,
        region: grade::course_region(&lesson, ctx.target.region.as_deref()),
    };
    if args.check_access {
        let found = tokio::select! {
            found = access::check(connection.aws.sdk(), &rows, &opts) => found,
            _ = interrupt.wait() => return Err(AppError::Interrupted),
        };
        ctx.print(&access::table(&found, &args.role_name, ctx.lang))?;
        return Ok(
            if found.iter().all(|a| a.reach.reachable()) && rejected.is_empty() {
                ExitCode::Pass
            } else {
                ExitCode::CouldNotCheck
            },
        );
    }

    if let Some(at) = at {
        let wait = at - crate::time::now_unix();
        if wait > 0 {
            eprintln!(
                "{}",
                Text::new("grade.at-waiting")
                    .arg("at", crate::time::for_reader(at))
                    .arg("seconds", wait)
                    .render(ctx.lang)
            );
            let until = tokio::time::Instant::now() + std::time::Duration::from_secs(wait as u64);
            tokio::select! {
                _ = tokio::time::sleep_until(until) => {}
                _ = interrupt.wait() => return Err(AppError::Interrupted),
            }
        } else {
            eprintln!(
                "{}",
                Text::new("grade.at-past")
                    .arg("at", crate::time::for_reader(at))
                    .render(ctx.lang)
            );
        }
    }

    let graded_at = crate::time::now_unix();
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
    let mut graded: Vec<(usize, grade::Graded)> = Vec::new();
    let mut interrupted = false;
    {
        let stream = grade::grading(&base, &rows, &lesson, &opts);
        futures::pin_mut!(stream);
        loop {
            tokio::select! {
                next = stream.next() => match next {
                    Some(g) => {
                        graded.push(g);
                        if let Some(b) = &bar {
                            b.inc(1);
                        }
                    }
                    None => break,
                },
                _ = interrupt.wait() => {
                    interrupted = true;
                    break;
                }
            }
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    // In the order of the class: roster lines first, then the organization's accounts by name.
    graded.sort_by_key(|(i, _)| *i);
    let graded: Vec<grade::Graded> = graded.into_iter().map(|(_, g)| g).collect();

    let none_read = !graded.is_empty() && graded.iter().all(|g| g.error.is_some());
    let incomplete = if interrupted {
        Some(
            Text::new("grade.incomplete-interrupted")
                .arg("done", graded.len())
                .arg("total", rows.len())
                .render(ctx.lang),
        )
    } else if none_read {
        Some(Text::new("grade.incomplete-none-read").render(ctx.lang))
    } else {
        None
    };
    let mut meta = Meta {
        graded_at,
        deadline: deadline_text.clone(),
        roster: roster_source(args),
        incomplete,
        run: None,
        only: args.only.clone(),
    };
    let run_dir = match &args.out {
        Some(out) => {
            // Refused before anything is graded into it: a folder of another user's, or one
            // others can write to.
            PrivateDir::open(out).map_err(|e| private(&e, ctx.lang))?;
            let (dir, name) = runs::new_run_dir(out, graded_at).map_err(|e| io(out, e))?;
            meta.run = Some(name);
            Some(dir)
        }
        None => None,
    };
    let outcome = Outcome {
        lesson: &lesson,
        graded: &graded,
        rejected: &rejected,
        skipped: &skipped,
        meta: &meta,
        lang: ctx.lang,
    };
    let document = report::document(&outcome);
    if let (Some(out), Some(dir)) = (&args.out, &run_dir) {
        let mut files = runs::files(&document, &lesson, ctx.lang, args.csv_bom);
        if let Some(why) = &meta.incomplete {
            files.push((
                "INCOMPLETE.txt".into(),
                format!(
                    "{}\n",
                    Text::new("grade.incomplete-banner")
                        .arg("reason", why)
                        .render(ctx.lang)
                ),
            ));
        }
        runs::write_all(dir, &files).map_err(|e| private(&e, ctx.lang))?;
        let shown = |p: &Path| p.display().to_string();
        let note = match &meta.incomplete {
            Some(why) => Text::new("grade.view-kept")
                .arg("reason", why)
                .arg("run", shown(dir))
                .arg("out", shown(out)),
            None => match runs::merge(runs::class_view(out), &document) {
                runs::Merge::Updated(view) => {
                    runs::write_all(out, &runs::files(&view, &lesson, ctx.lang, args.csv_bom))
                        .map_err(|e| private(&e, ctx.lang))?;
                    Text::new("grade.view-updated")
                        .arg("run", shown(dir))
                        .arg("out", shown(out))
                }
                runs::Merge::OtherLesson(other) => Text::new("grade.view-other-lesson")
                    .arg("lesson", other)
                    .arg("run", shown(dir))
                    .arg("out", shown(out)),
            },
        };
        eprintln!("{}", note.render(ctx.lang));
    } else if let Some(why) = &meta.incomplete {
        eprintln!(
            "{}",
            Text::new("grade.incomplete-banner")
                .arg("reason", why)
                .render(ctx.lang)
        );
    }
    let class: Option<grade::class::Class> = serde_json::from_value(document.clone()).ok();
    let out = match (args.format, &class) {
        (GradeFormat::Text, _) => report::table(&outcome),
        (GradeFormat::Json, _) => report::to_text(&document),
        (GradeFormat::Csv, Some(c)) => {
            report::with_bom(report::csv(c, Some(&lesson)), args.csv_bom)
        }
        (GradeFormat::Junit, Some(c)) => report::junit(c),
        (GradeFormat::Markdown, Some(c)) => report::markdown(c, Some(&lesson), ctx.lang),
        (_, None) => report::to_text(&document),
    };
    ctx.print(&out)?;
    if interrupted {
        return Ok(ExitCode::Interrupted);
    }
    let unreadable = graded.iter().any(|g| g.error.is_some());
    Ok(if unreadable || !rejected.is_empty() {
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

/// SIGINT (Ctrl-C) and SIGTERM, listened to while a class is graded, so that what was graded
/// before them is written rather than lost.
struct Interrupt {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Interrupt {
    fn new() -> Result<Interrupt, AppError> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let listen = |kind| {
                signal(kind).map_err(|e| AppError::Io {
                    context: "listening for Ctrl-C".into(),
                    source: e,
                })
            };
            Ok(Interrupt {
                int: listen(SignalKind::interrupt())?,
                term: listen(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Interrupt {})
    }

    async fn wait(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
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

fn class_error(e: ClassError, lang: Lang) -> AppError {
    match e {
        ClassError::NotInUse => AppError::Usage(Text::new("grade.org-not-in-use").render(lang)),
        ClassError::AmbiguousUnit(unit, ids) => AppError::Usage(
            Text::new("grade.org-ambiguous-unit")
                .arg("unit", unit)
                .arg("ids", ids.join(", "))
                .render(lang),
        ),
        ClassError::NoSuchUnit(unit) => AppError::Usage(
            Text::new("grade.org-no-such-unit")
                .arg("unit", unit)
                .render(lang),
        ),
        ClassError::Aws(e) => AppError::Aws(e),
    }
}

/// `--from-json FILE --out DIR`: the web pages (report.html, report-anonymous.html, the
/// students' pages) drawn again from a saved grades.json, in the language its messages are in.
fn redraw(ctx: &Context, file: &Path, out: &Path) -> Result<ExitCode, AppError> {
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

/// Rosters and grades.json are small; a huge or binary file is a mistake, said plainly in the
/// user's language. `what` names the file (a catalogue key).
fn read_limited(
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

fn not_grades(file: &Path, e: impl std::fmt::Display, lang: Lang) -> AppError {
    AppError::Usage(
        Text::new("grade.file-not-grades")
            .arg("file", file.display())
            .arg("error", e)
            .render(lang),
    )
}

fn io(path: &Path, source: std::io::Error) -> AppError {
    AppError::Io {
        context: path.display().to_string(),
        source,
    }
}
