//! `awslab sandbox up|status|down`: a sandbox that outlives one command, for the AWS CLI,
//! scripts and several awslab runs. `up` starts `awslab sandbox serve` in the background and
//! waits until it has written the state file; `down` stops what the state file names.

use crate::cmd::cli::Output;
use crate::cmd::cli::{SandboxStatusArgs, SandboxUpArgs};
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::i18n::Text;
use crate::sandbox::{self, SandboxInfo, state};
use colored::Colorize;
use std::time::Duration;

pub async fn up(ctx: &Context, args: &SandboxUpArgs) -> Result<ExitCode, AppError> {
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    if let Some(info) = state::read()? {
        if state::running(&info) {
            eprintln!("{}", Text::new("sandbox.already").render(ctx.lang));
            print_info(ctx, &info, args.format)?;
            return Ok(ExitCode::Pass);
        }
        state::stop(&info);
        state::remove();
        eprintln!("{}", Text::new("sandbox.stale-cleaned").render(ctx.lang));
    }
    let realism = sandbox::Realism {
        delay: Duration::from_secs(args.delay),
        warmup: Duration::from_secs(args.realism.warmup),
        iam_delay: Duration::from_secs(args.realism.iam_delay),
    };
    let info = ctx.start_shared(&lesson, realism).await?;
    print_info(ctx, &info, args.format)?;
    Ok(ExitCode::Pass)
}

/// The background process of `up`: runs the sandbox until SIGTERM or Ctrl-C.
pub async fn serve(ctx: &Context, args: &SandboxUpArgs) -> Result<ExitCode, AppError> {
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let realism = sandbox::Realism {
        delay: Duration::from_secs(args.delay),
        warmup: Duration::from_secs(args.realism.warmup),
        iam_delay: Duration::from_secs(args.realism.iam_delay),
    };
    let before = lesson.prerequisites(&ctx.source)?;
    let running = sandbox::start(&lesson, &before, &ctx.region_hint(), realism, false).await?;
    state::write(&running.info)?;
    eprintln!("awslab sandbox serving: {}", running.info.endpoint);
    wait_for_stop().await;
    if state::read().ok().flatten().as_ref() == Some(&running.info) {
        state::remove();
    }
    drop(running);
    Ok(ExitCode::Pass)
}

async fn wait_for_stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn status(ctx: &Context, args: &SandboxStatusArgs) -> Result<ExitCode, AppError> {
    match state::read()? {
        Some(info) if state::running(&info) => {
            print_info(ctx, &info, args.format)?;
            Ok(ExitCode::Pass)
        }
        stale => {
            let key = if let Some(info) = stale {
                state::stop(&info);
                state::remove();
                "sandbox.stale-cleaned"
            } else {
                "sandbox.none"
            };
            match args.format {
                Output::Json => ctx.print("{\"running\": false}\n")?,
                _ => eprintln!("{}", Text::new(key).render(ctx.lang)),
            }
            Ok(ExitCode::Fail)
        }
    }
}

/// The shell lines that point the AWS CLI (and the SDKs) at the running sandbox, so that a
/// student doing the lab by hand can paste the commands awslab shows.
pub fn env(ctx: &Context) -> Result<ExitCode, AppError> {
    match state::read()? {
        Some(info) if state::running(&info) => {
            ctx.print(&info.export_lines())?;
            Ok(ExitCode::Pass)
        }
        _ => {
            eprintln!("{}", Text::new("sandbox.none").render(ctx.lang));
            Ok(ExitCode::Fail)
        }
    }
}

pub fn down(ctx: &Context) -> Result<ExitCode, AppError> {
    match state::read()? {
        // Only processes whose PID and start time both match the record are signalled: a PID
        // reused by something else since is left alone.
        Some(info) => {
            let key = if state::any_alive(&info) {
                state::stop(&info);
                "sandbox.stopped"
            } else {
                "sandbox.stale-cleaned"
            };
            state::remove();
            eprintln!("{}", Text::new(key).render(ctx.lang));
        }
        None => eprintln!("{}", Text::new("sandbox.none").render(ctx.lang)),
    }
    Ok(ExitCode::Pass)
}

fn print_info(ctx: &Context, info: &SandboxInfo, format: Output) -> Result<(), AppError> {
    let out = match format {
        Output::Json => {
            let mut value = serde_json::to_value(info).unwrap_or_default();
            if let Some(map) = value.as_object_mut() {
                map.insert("running".into(), true.into());
            }
            let mut s = serde_json::to_string_pretty(&value).unwrap_or_default();
            s.push('\n');
            s
        }
        _ => {
            Text::new("sandbox.info")
                .arg("lesson", &info.lesson)
                .arg("region", &info.region)
                .arg("account", &info.account)
                .arg("endpoint", &info.endpoint)
                .arg("web", &info.web)
                .arg("public_ip", info.public_ip.as_deref().unwrap_or("?"))
                .arg("key", info.keys().0)
                .arg("secret", info.keys().1)
                .arg("delay", info.delay_seconds)
                .render(ctx.lang)
                .bold()
                .to_string()
                + "\n"
        }
    };
    ctx.print(&out)
}
