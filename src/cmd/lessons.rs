//! `awslab lessons`: what can be run, checked and graded.

use crate::cmd::cli::LessonsArgs;
use crate::cmd::cli::Output;
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::lesson::Lesson;
use colored::Colorize;
use std::fmt::Write;

pub fn run(ctx: &Context, args: &LessonsArgs) -> Result<ExitCode, AppError> {
    let mut lessons = Vec::new();
    for id in ctx.source.lesson_ids()? {
        lessons.push(Lesson::load(&ctx.source, &id, &[])?);
    }
    let out = match args.format {
        Output::Json => {
            let list: Vec<_> = lessons
                .iter()
                .map(|l| {
                    serde_json::json!({
                        "id": l.id,
                        "title": l.title.get(ctx.lang),
                        "steps": l.steps.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
                        "points": l.possible_points(),
                        "variables": l.variables.iter().map(|(k, v)| (k.clone(), v.default.clone())).collect::<std::collections::BTreeMap<_, _>>(),
                    })
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&list).unwrap_or_default();
            s.push('\n');
            s
        }
        _ => {
            let mut s = String::new();
            for l in &lessons {
                let _ = writeln!(s, "{}  {}", l.id.bold(), l.title.get(ctx.lang));
                for step in &l.steps {
                    let _ = writeln!(
                        s,
                        "    {:<10} {} ({})",
                        step.id,
                        step.title.get(ctx.lang),
                        step.points
                    );
                }
            }
            s
        }
    };
    ctx.print(&out)?;
    Ok(ExitCode::Pass)
}
