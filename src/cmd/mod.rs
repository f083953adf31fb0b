//! The commands, one module each, and the one dispatcher `main` calls. Every command and its
//! options are in `cli.rs`; what a command does is in the module of the same name. Commands
//! talk down to the engine, the step kinds and the AWS layer, never to each other. See
//! ARCHITECTURE.md.

pub mod cleanup;
pub mod cli;
pub mod context;
pub mod explain;
pub mod grade;
pub mod lesson_check;
pub mod lesson_files;
pub mod lessons;
pub mod run;
pub mod sandbox;
pub mod share;
pub mod student_page;
pub mod verify;
pub mod watch;

pub use context::Context;

use crate::error::AppError;
use crate::exit::ExitCode;
use cli::{Command, LessonCommand, SandboxCommand};

/// Runs one parsed command to its exit code.
pub async fn dispatch(ctx: &Context, command: &Command) -> Result<ExitCode, AppError> {
    match command {
        Command::Run(args) => run::run(ctx, args).await,
        Command::Verify(args) => verify::run(ctx, args).await,
        Command::Watch(args) => watch::run(ctx, args).await,
        Command::Explain(args) => explain::run(ctx, args),
        Command::Grade(args) => grade::run(ctx, args).await,
        Command::Lessons(args) => lessons::run(ctx, args).await,
        Command::Cleanup(args) => cleanup::run(ctx, args).await,
        Command::Share(args) => share::run(ctx, args).await,
        Command::Lesson(LessonCommand::Check(args)) => lesson_check::run(ctx, args).await,
        Command::Lesson(LessonCommand::Files(args)) => lesson_files::run(ctx, args),
        Command::Sandbox(SandboxCommand::Up(args)) => sandbox::up(ctx, args).await,
        Command::Sandbox(SandboxCommand::Serve(args)) => sandbox::serve(ctx, args).await,
        Command::Sandbox(SandboxCommand::Status(args)) => sandbox::status(ctx, args),
        Command::Sandbox(SandboxCommand::Down) => sandbox::down(ctx),
        Command::Sandbox(SandboxCommand::Env) => sandbox::env(ctx),
    }
}
