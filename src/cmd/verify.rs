//! `awslab verify`: read the account once, judge every step, print, and exit with the verdict.

use crate::cmd::cli::VerifyArgs;
use crate::cmd::context::Context;
use crate::engine;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::report::{Format, json, junit, text};

pub async fn run(ctx: &Context, args: &VerifyArgs) -> Result<ExitCode, AppError> {
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let connection = ctx.connect_student(&lesson).await?;
    let verdict = engine::verify(&connection.aws, &lesson).await;
    let out = match args.format {
        // Fitted to the terminal's width like the wizard's lines (commands never broken).
        Format::Text => {
            crate::report::fit_terminal(&text::render(&verdict, &lesson, ctx.lang)).into_owned()
        }
        Format::Json => json::to_string(&verdict, ctx.lang),
        Format::Junit => junit::document(&[(lesson.id.clone(), &verdict)], ctx.lang),
    };
    ctx.print(&out)?;
    Ok(ExitCode::from_status(verdict.status))
}
