//! `awslab explain RECORD`: any flow log record, field by field.

use crate::cmd::cli::ExplainArgs;
use crate::cmd::cli::Output;
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::explain::{self, Known};

pub fn run(ctx: &Context, args: &ExplainArgs) -> Result<ExitCode, AppError> {
    let line = args.record.join(" ");
    let record = explain::parse(&line, args.log_format.as_deref())
        .map_err(|e| AppError::Usage(e.render(ctx.lang)))?;
    let rows = explain::explain(&record, &Known::default(), ctx.lang);
    let out = match args.format {
        Output::Json => {
            let fields: serde_json::Map<String, serde_json::Value> = rows
                .iter()
                .map(|r| {
                    (
                        r.field.clone(),
                        serde_json::json!({"value": r.value, "meaning": r.meaning}),
                    )
                })
                .collect();
            let mut s = serde_json::to_string_pretty(&fields).unwrap_or_default();
            s.push('\n');
            s
        }
        _ => explain::table(&rows, ctx.lang, crate::report::text_columns()),
    };
    ctx.print(&out)?;
    Ok(ExitCode::Pass)
}
