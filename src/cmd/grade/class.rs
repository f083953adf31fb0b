//! The class a grade works on, prepared once: the roster's rows and the organization's accounts,
//! the options every account is graded with, the instructor's connection and the deadline. The
//! one-shot grade and `--watch` both start here.

use super::interrupt::Interrupt;
use super::read_limited;
use crate::cmd::cli::GradeArgs;
use crate::cmd::context::{Connection, Context};
use crate::error::AppError;
use crate::grade::organization::{self, ClassError, Request, Skipped};
use crate::grade::report;
use crate::grade::roster::{self, Row, RowError};
use crate::grade::{self, Graded, Options};
use crate::i18n::{Lang, Text};
use crate::lesson::Lesson;
use futures::StreamExt;

/// Everything a round of grading needs, and what the reports say of where the class came from.
pub struct Class {
    pub lesson: Lesson,
    pub rows: Vec<Row>,
    /// Roster lines not graded because they are malformed.
    pub rejected: Vec<RowError>,
    /// Organization accounts not graded, with why.
    pub skipped: Vec<Skipped>,
    pub opts: Options,
    pub connection: Connection,
    /// The deadline as given (RFC 3339), for the reports.
    pub deadline_text: Option<String>,
    /// `--at`: when to grade (Unix seconds).
    pub at: Option<i64>,
}

/// Reads the roster, connects, lists the organization's accounts and settles the options. Ctrl-C
/// while connecting or listing stops here.
pub async fn prepare(
    ctx: &Context,
    args: &GradeArgs,
    request: Option<&Request>,
    interrupt: &mut Interrupt,
) -> Result<Class, AppError> {
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

    let connection = tokio::select! {
        c = ctx.connect(&lesson) => c?,
        _ = interrupt.wait() => return Err(AppError::Interrupted),
    };
    let mut skipped = Vec::new();
    if let Some(request) = request {
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
        return Err(AppError::Usage(match (request, &args.roster) {
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
    Ok(Class {
        lesson,
        rows,
        rejected,
        skipped,
        opts,
        connection,
        deadline_text,
        at,
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

/// One pass over the class: each account's grade, in the order of the class (roster lines
/// first, then the organization's accounts by name), and whether Ctrl-C cut it short.
pub struct Pass {
    pub graded: Vec<Graded>,
    pub interrupted: bool,
}

impl Pass {
    /// Why these grades are not the whole class's, if they are not: Ctrl-C came, or no
    /// account could be read.
    pub fn incomplete(&self, total: usize, lang: Lang) -> Option<String> {
        let none_read = !self.graded.is_empty() && self.graded.iter().all(|g| g.error.is_some());
        if self.interrupted {
            Some(
                Text::new("grade.incomplete-interrupted")
                    .arg("done", self.graded.len())
                    .arg("total", total)
                    .render(lang),
            )
        } else if none_read {
            Some(Text::new("grade.incomplete-none-read").render(lang))
        } else {
            None
        }
    }
}

impl Class {
    /// Grades every row, `--jobs` at a time, until done or interrupted; `each` is told of every
    /// account graded.
    pub async fn grade(&self, interrupt: &mut Interrupt, mut each: impl FnMut()) -> Pass {
        let base = self.connection.aws.sdk().clone();
        let mut graded: Vec<(usize, Graded)> = Vec::new();
        let mut interrupted = false;
        {
            let stream = grade::grading(&base, &self.rows, &self.lesson, &self.opts);
            futures::pin_mut!(stream);
            loop {
                tokio::select! {
                    next = stream.next() => match next {
                        Some(g) => {
                            graded.push(g);
                            each();
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
        graded.sort_by_key(|(i, _)| *i);
        Pass {
            graded: graded.into_iter().map(|(_, g)| g).collect(),
            interrupted,
        }
    }
}
