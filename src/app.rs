//! What every command shares: language, lesson source, how to reach AWS, and printing.

use crate::aws::{Aws, Target};
use crate::cli::Global;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::lesson::{Lesson, Source};
use std::io::Write;

pub struct Context {
    pub lang: Lang,
    pub source: Source,
    pub target: Target,
    pub overrides: Vec<(String, String)>,
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
            },
        }
    }

    pub fn lesson(&self, id: Option<&str>) -> Result<Lesson, AppError> {
        let id = Lesson::resolve_id(&self.source, id)?;
        Ok(Lesson::load(&self.source, &id, &self.overrides)?)
    }

    pub async fn aws(&self) -> Aws {
        Aws::connect(&self.target).await
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
