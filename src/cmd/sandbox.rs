//! `awslab sandbox up|status|down`: a sandbox that outlives one command, for the AWS CLI,
//! scripts and several awslab runs. `up` starts `awslab sandbox serve` in the background and
//! waits until it has written the state file; `down` stops what the state file names.

use crate::cmd::cli::Output;
use crate::cmd::cli::{SandboxStatusArgs, SandboxUpArgs};
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::i18n::Text;
use crate::sandbox::{self, SandboxError, SandboxInfo, state};
use colored::Colorize;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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
    // Install in the foreground, where the user sees the spinner, not in the daemon.
    let show = std::io::IsTerminal::is_terminal(&std::io::stderr());
    tokio::task::spawn_blocking(move || sandbox::moto::find_or_install(show))
        .await
        .map_err(|e| SandboxError::Start(e.to_string()))??;

    let log_path = state::log_path()?;
    std::fs::create_dir_all(state::dir()?).map_err(|e| io("creating the sandbox directory", e))?;
    let log = std::fs::File::create(&log_path).map_err(|e| io("creating the sandbox log", e))?;
    let exe = std::env::current_exe().map_err(|e| io("finding the awslab executable", e))?;
    let mut cmd = Command::new(exe);
    if let Some(dir) = &ctx.lessons_dir {
        cmd.arg("--lessons").arg(dir);
    }
    for (k, v) in &ctx.overrides {
        cmd.arg("--set").arg(format!("{k}={v}"));
    }
    cmd.args([
        "--region",
        &ctx.region_hint(),
        "sandbox",
        "serve",
        "--delay",
    ])
    .arg(args.delay.to_string())
    .arg("--warmup")
    .arg(args.realism.warmup.to_string())
    .arg("--iam-delay")
    .arg(args.realism.iam_delay.to_string())
    .arg(&lesson.id)
    .stdin(Stdio::null())
    .stdout(Stdio::null())
    .stderr(log);
    detach(&mut cmd);
    let mut child = cmd.spawn().map_err(|e| io("starting the sandbox", e))?;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        if let Some(info) = state::read()? {
            if info.pids.first() == Some(&child.id()) {
                print_info(ctx, &info, args.format)?;
                return Ok(ExitCode::Pass);
            }
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            return Err(SandboxError::Start(format!(
                "the sandbox process exited ({status}):\n{}",
                log.trim_end()
            ))
            .into());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            return Err(SandboxError::Start(
                "the sandbox did not become ready within 120 s".into(),
            )
            .into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
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
                .arg("key", sandbox::ACCESS_KEY)
                .arg("secret", sandbox::SECRET_KEY)
                .arg("delay", info.delay_seconds)
                .render(ctx.lang)
                .bold()
                .to_string()
                + "\n"
        }
    };
    ctx.print(&out)
}

fn io(context: &str, source: std::io::Error) -> AppError {
    AppError::Io {
        context: context.to_string(),
        source,
    }
}

/// The background sandbox must not die with the terminal or the shell that started it.
fn detach(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = cmd;
}
