//! Errors that stop a command, each knowing its exit code; printed in one place (main).

use crate::aws::AwsError;
use crate::exit::ExitCode;
use crate::i18n::{Lang, Text};
use crate::lesson::LessonError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Lesson(#[from] LessonError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(transparent)]
    Sandbox(#[from] crate::sandbox::SandboxError),
    #[error("{0}")]
    Usage(String),
    #[error("interrupted")]
    Interrupted,
    /// No AWS credentials, no endpoint, and no sandbox running.
    #[error("no AWS credentials and no sandbox running")]
    NoAccount,
    /// The sandbox's state says it runs, but its emulator does not answer.
    #[error("the sandbox at {endpoint} does not answer: {detail}")]
    SandboxUnreachable { endpoint: String, detail: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        source: std::io::Error,
    },
}

impl AppError {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            AppError::Interrupted => ExitCode::Interrupted,
            // Every other error that stops a command means the lab could not be checked.
            _ => ExitCode::CouldNotCheck,
        }
    }

    /// A paragraph a student can act on, in their language, followed by the details.
    pub fn explain(&self, lang: Lang) -> String {
        match self {
            AppError::Aws(e) => Text::new(e.catalogue_key())
                .arg("operation", e.operation)
                .arg("detail", e.to_string())
                .render(lang),
            AppError::Lesson(e) => Text::new("error.lesson")
                .arg("detail", e.render(lang))
                .render(lang),
            AppError::Interrupted if crate::sandbox::private_sandbox_used() => {
                Text::new("wizard.interrupted-private").render(lang)
            }
            AppError::Interrupted => Text::new("wizard.interrupted")
                .arg("command", resume_command())
                .render(lang),
            AppError::NoAccount => Text::new("error.no-account").render(lang),
            AppError::SandboxUnreachable { endpoint, detail } => {
                Text::new("error.sandbox-unreachable")
                    .arg("endpoint", endpoint)
                    .arg("detail", detail)
                    .render(lang)
            }
            AppError::Sandbox(crate::sandbox::SandboxError::NoCacheDir) => {
                Text::new("sandbox.no-cache-dir").render(lang)
            }
            AppError::Sandbox(crate::sandbox::SandboxError::StateNotLoopback { path, address }) => {
                Text::new("sandbox.state-not-loopback")
                    .arg("path", path)
                    .arg("address", address)
                    .render(lang)
            }
            other => other.to_string(),
        }
    }
}

/// The command that brings the student back to what was interrupted: the wizard sets it
/// to its lesson's.
static RESUME: std::sync::Mutex<Option<String>> = std::sync::Mutex::new(None);

pub fn set_resume(command: String) {
    *RESUME.lock().unwrap_or_else(|p| p.into_inner()) = Some(command);
}

fn resume_command() -> String {
    RESUME
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .clone()
        .unwrap_or_else(|| "awslab run".to_string())
}

/// Prompt failures: Ctrl-C at a prompt is the user leaving, anything else a terminal problem.
impl From<std::io::Error> for AppError {
    fn from(e: std::io::Error) -> AppError {
        if e.kind() == std::io::ErrorKind::Interrupted {
            AppError::Interrupted
        } else {
            AppError::Io {
                context: "reading your answer".into(),
                source: e,
            }
        }
    }
}
