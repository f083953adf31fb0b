//! What every command shares: language, lesson source, how to reach AWS, and printing.

use crate::aws::{Aws, DEFAULT_REGION, Target};
use crate::cmd::cli::Global;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::lesson::{Lesson, Source};
use crate::sandbox::{self, SandboxInfo};
use std::io::IsTerminal;
use std::io::Write;

pub struct Context {
    pub lang: Lang,
    pub source: Source,
    pub target: Target,
    pub overrides: Vec<(String, String)>,
    /// `--sandbox`: use the running sandbox, or start a private one for this command.
    pub sandbox: bool,
    pub lessons_dir: Option<std::path::PathBuf>,
}

/// An account to work on, and the private sandbox behind it if one was started for this
/// command (dropping it stops the sandbox).
pub struct Connection {
    pub aws: Aws,
    pub sandbox: Option<SandboxInfo>,
    pub private: Option<sandbox::Running>,
}

impl Context {
    pub fn new(g: &Global) -> Context {
        Context {
            lang: g.lang.unwrap_or_else(Lang::from_env),
            source: match &g.lessons {
                Some(dir) => Source::Dir(dir.clone()),
                None => Source::Embedded,
            },
            overrides: g.set.clone(),
            target: Target {
                profile: g.profile.clone(),
                region: g.region.clone(),
                endpoint_url: g.endpoint_url.clone(),
                credentials: None,
            },
            sandbox: g.sandbox,
            lessons_dir: g.lessons.clone(),
        }
    }

    pub fn lesson(&self, id: Option<&str>) -> Result<Lesson, AppError> {
        let id = Lesson::resolve_id(&self.source, id)?;
        Ok(Lesson::load(&self.source, &id, &self.overrides)?)
    }

    /// The region asked for: --region, else AWS_REGION / AWS_DEFAULT_REGION, else the course's.
    pub fn region_hint(&self) -> String {
        self.target
            .region
            .clone()
            .or_else(|| std::env::var("AWS_REGION").ok().filter(|r| !r.is_empty()))
            .or_else(|| {
                std::env::var("AWS_DEFAULT_REGION")
                    .ok()
                    .filter(|r| !r.is_empty())
            })
            .unwrap_or_else(|| DEFAULT_REGION.to_string())
    }

    /// Connects to the account: the real one, or with `--sandbox` the running sandbox (or a
    /// private one started now).
    pub async fn connect(&self, lesson: &Lesson) -> Result<Connection, AppError> {
        self.connect_with(lesson, self.sandbox, sandbox::Realism::default())
            .await
    }

    pub async fn connect_with(
        &self,
        lesson: &Lesson,
        sandbox: bool,
        realism: sandbox::Realism,
    ) -> Result<Connection, AppError> {
        if !sandbox {
            return Ok(Connection {
                aws: Aws::connect(&self.target).await,
                sandbox: None,
                private: None,
            });
        }
        if let Some(info) = sandbox::state::read()? {
            if sandbox::state::running(&info) {
                return Ok(Connection {
                    aws: Aws::connect(&info.target())
                        .await
                        .with_stand_in(info.stand_in()),
                    sandbox: Some(info),
                    private: None,
                });
            }
        }
        let show = std::io::stderr().is_terminal();
        let before = lesson.prerequisites(&self.source)?;
        let running = sandbox::start(lesson, &before, &self.region_hint(), realism, show).await?;
        Ok(Connection {
            aws: Aws::connect(&running.info.target())
                .await
                .with_stand_in(running.info.stand_in()),
            sandbox: Some(running.info.clone()),
            private: Some(running),
        })
    }

    /// Writes to stdout. A closed pipe (`awslab verify | head -1`) is not an error.
    pub fn print(&self, text: &str) -> Result<(), AppError> {
        let mut stdout = std::io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|_| stdout.flush())
        {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(AppError::Io {
                context: "writing to standard output".into(),
                source: e,
            }),
            _ => Ok(()),
        }
    }
}
