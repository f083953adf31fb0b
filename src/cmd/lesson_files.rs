//! `awslab lesson files`: the lesson's documents in the lab folder, for a student who does the
//! steps by hand from `verify`'s fixes (the wizard writes the same folder by itself).

use crate::cmd::cli::LessonFilesArgs;
use crate::cmd::context::Context;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::i18n::{Lang, Text};
use crate::lesson::files::{self, Written};
use crate::steps::Lab;
use std::path::{Path, PathBuf};

pub fn run(ctx: &Context, args: &LessonFilesArgs) -> Result<ExitCode, AppError> {
    let lesson = ctx.lesson(args.lesson.as_deref())?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(Lab::default_files(&lesson.id)));
    if lesson.lab.assets.is_empty() {
        println!(
            "{}",
            Text::new("files.none")
                .arg("lesson", &lesson.id)
                .render(ctx.lang)
        );
        return Ok(ExitCode::Pass);
    }
    let written = write(&lesson.lab, &dir, ctx.lang)?;
    println!("{}", said(&written, ctx.lang));
    Ok(ExitCode::Pass)
}

/// Writes the lab folder, with an error that names it.
pub fn write(lab: &Lab, dir: &Path, lang: Lang) -> Result<Written, AppError> {
    if dir.exists() && !dir.is_dir() {
        return Err(AppError::Usage(
            Text::new("files.not-a-folder")
                .arg("dir", dir.display())
                .render(lang),
        ));
    }
    files::write(lab, dir).map_err(|e| AppError::Usage(e.text().render(lang)))
}

/// What the folder holds now, as the student is told.
pub fn said(written: &Written, lang: Lang) -> String {
    let mut text = Text::new("files.written")
        .arg("dir", written.dir.display())
        .arg("files", written.current.join(", "))
        .render(lang);
    if !written.kept.is_empty() {
        text.push('\n');
        text.push_str(
            &Text::new("files.kept")
                .arg("files", written.kept.join(", "))
                .render(lang),
        );
    }
    text
}
