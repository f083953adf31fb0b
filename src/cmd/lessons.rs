//! `awslab lessons`: what can be run, checked and graded, in the course's order, and with
//! `--state` how far each is in the account (the verdict `verify` would give, read only).

use crate::cmd::cli::LessonsArgs;
use crate::cmd::cli::Output;
use crate::cmd::context::Context;
use crate::engine::{self, Verdict};
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::i18n::Text;
use crate::report::text::{mark, status_word};
use colored::Colorize;
use std::fmt::Write;

pub async fn run(ctx: &Context, args: &LessonsArgs) -> Result<ExitCode, AppError> {
    let lessons = ctx.course()?;
    let mut states: Vec<Option<Verdict>> = lessons.iter().map(|_| None).collect();
    // Kept alive until the verdicts are in: a private sandbox stops when dropped.
    let mut _connection = None;
    if args.state {
        if let Some(first) = lessons.first() {
            let connection = ctx.connect_student(first).await?;
            for (lesson, state) in lessons.iter().zip(states.iter_mut()) {
                let verdict = engine::verify(&connection.aws.fresh(), lesson).await;
                if let Some(e) = verdict.fatal.clone() {
                    return Err(e.into());
                }
                *state = Some(verdict);
            }
            _connection = Some(connection);
        }
    }
    let out = match args.format {
        Output::Json => {
            let list: Vec<_> = lessons
                .iter()
                .zip(&states)
                .map(|(l, state)| {
                    serde_json::json!({
                        "id": l.id,
                        "title": l.title.get(ctx.lang),
                        "depends_on": l.depends_on,
                        "steps": l.steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
                        "points": l.possible_points(),
                        "variables": l.variables.iter().map(|(k, v)| (k.clone(), v.default.clone())).collect::<std::collections::BTreeMap<_, _>>(),
                        "state": state.as_ref().map(|v| serde_json::json!({
                            "status": v.status.as_str(),
                            "earned": v.earned,
                            "possible": v.possible,
                            "steps": v.steps.iter().map(|s| (s.id.clone(), s.status.as_str())).collect::<std::collections::BTreeMap<_, _>>(),
                        })),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        _ => {
            let mut s = String::new();
            // One column for every lesson's step ids, so the titles line up down the list.
            let id_width = lessons
                .iter()
                .flat_map(|l| &l.steps)
                .map(|step| crate::report::width(&step.id))
                .max()
                .unwrap_or(0);
            for (l, state) in lessons.iter().zip(&states) {
                let _ = write!(s, "{}  {}", l.id.bold(), l.title.get(ctx.lang));
                if !l.depends_on.is_empty() {
                    let after = Text::new("lessons.after")
                        .arg("lessons", l.depends_on.join(", "))
                        .render(ctx.lang);
                    let _ = write!(s, "  {}", after.dimmed());
                }
                let _ = writeln!(s);
                if let Some(v) = state {
                    let _ = writeln!(
                        s,
                        "    {} {}",
                        mark(v.status),
                        Text::new("lessons.state")
                            .arg("status", status_word(v.status, ctx.lang))
                            .arg("earned", v.earned)
                            .arg("possible", v.possible)
                            .render(ctx.lang)
                    );
                }
                for (i, step) in l.steps.iter().enumerate() {
                    let done = state
                        .as_ref()
                        .and_then(|v| v.steps.get(i))
                        .map(|sv| format!("{} ", mark(sv.status)))
                        .unwrap_or_default();
                    let _ = writeln!(
                        s,
                        "    {done}{}  {} ({})",
                        crate::report::pad(&step.id, id_width),
                        step.title.get(ctx.lang),
                        step.points
                    );
                }
            }
            crate::report::fit_terminal(&s).into_owned()
        }
    };
    ctx.print(&out)?;
    Ok(ExitCode::Pass)
}
