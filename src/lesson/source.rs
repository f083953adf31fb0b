//! Where lessons come from: the copies embedded in the binary, or a directory (`--lessons DIR`).
//!
//! A directory holds `<id>/lesson.toml`; a lesson's assets are looked up beside its lesson.toml
//! first, then in `../assets/<id>/` (the layout of this repository, so `--lessons lessons` works
//! on a checkout).

use super::LessonError;
use std::path::{Path, PathBuf};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/embedded_files.rs"));
}

/// Lesson files and assets are small; anything bigger is a mistake or hostile, and reading it
/// whole would only waste memory before failing to parse.
const MAX_FILE_BYTES: u64 = 1024 * 1024;

#[derive(Debug, Clone)]
pub enum Source {
    Embedded,
    Dir(PathBuf),
}

impl Source {
    pub fn lesson_ids(&self) -> Result<Vec<String>, LessonError> {
        let mut ids = match self {
            Source::Embedded => embedded::FILES
                .iter()
                .filter_map(|(path, _)| {
                    path.strip_prefix("lessons/")?
                        .strip_suffix("/lesson.toml")
                        .map(str::to_string)
                })
                .collect::<Vec<_>>(),
            Source::Dir(dir) => {
                let entries = std::fs::read_dir(dir).map_err(|e| LessonError::Io {
                    file: dir.display().to_string(),
                    message: e.to_string(),
                })?;
                entries
                    .flatten()
                    .filter(|e| e.path().join("lesson.toml").is_file())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .collect()
            }
        };
        ids.sort();
        Ok(ids)
    }

    /// The lesson file of `id`: its display path and text.
    pub fn lesson_file(&self, id: &str) -> Result<(String, String), LessonError> {
        check_id(id)?;
        match self {
            Source::Embedded => {
                let path = format!("lessons/{id}/lesson.toml");
                embedded_file(&path)
                    .map(|text| (path.clone(), text.to_string()))
                    .ok_or_else(|| self.unknown_lesson(id))
            }
            Source::Dir(dir) => {
                let path = dir.join(id).join("lesson.toml");
                if !path.is_file() {
                    return Err(self.unknown_lesson(id));
                }
                read_inside(&path, &dir.join(id))
                    .and_then(|text| text.ok_or_else(|| self.unknown_lesson(id)))
                    .map(|text| (path.display().to_string(), text))
            }
        }
    }

    pub fn asset(&self, id: &str, name: &str) -> Result<(String, String), LessonError> {
        if name.is_empty() || name.contains("..") || name.contains('/') || name.contains('\\') {
            return Err(LessonError::Asset {
                file: name.to_string(),
                message: "asset names are plain file names inside the lesson's asset folder".into(),
            });
        }
        match self {
            Source::Embedded => {
                for path in [
                    format!("lessons/{id}/{name}"),
                    format!("assets/{id}/{name}"),
                ] {
                    if let Some(text) = embedded_file(&path) {
                        return Ok((path, text.to_string()));
                    }
                }
                Err(missing_asset(
                    &format!("assets/{id}/{name}"),
                    &[format!("lessons/{id}/"), format!("assets/{id}/")],
                ))
            }
            Source::Dir(dir) => {
                let beside = dir.join(id).join(name);
                let repo_layout = dir
                    .parent()
                    .unwrap_or(Path::new("."))
                    .join("assets")
                    .join(id)
                    .join(name);
                for path in [beside.clone(), repo_layout.clone()] {
                    let folder = path.parent().unwrap_or(Path::new("."));
                    if let Some(text) = read_inside(&path, folder)? {
                        return Ok((path.display().to_string(), text));
                    }
                }
                let folder = |p: &Path| {
                    p.parent()
                        .map(|d| format!("{}/", d.display()))
                        .unwrap_or_default()
                };
                Err(missing_asset(
                    &beside.display().to_string(),
                    &[folder(&beside), folder(&repo_layout)],
                ))
            }
        }
    }

    fn unknown_lesson(&self, id: &str) -> LessonError {
        LessonError::Unknown {
            id: id.to_string(),
            available: self.lesson_ids().unwrap_or_default(),
        }
    }
}

fn check_id(id: &str) -> Result<(), LessonError> {
    let ok = !id.is_empty()
        && id.len() <= 64
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(LessonError::Unknown {
            id: id.to_string(),
            available: Vec::new(),
        })
    }
}

fn embedded_file(path: &str) -> Option<&'static str> {
    embedded::FILES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// An asset found in none of the folders assets are looked up in: the lesson's own folder,
/// and `assets/<lesson id>/` beside `lessons/`.
fn missing_asset(path: &str, looked_in: &[String]) -> LessonError {
    LessonError::Asset {
        file: path.to_string(),
        message: format!(
            "file not found (assets are looked up in {})",
            looked_in.join(" and ")
        ),
    }
}

/// The file at `path`, which must be a plain file in `folder` (`None` when there is none): a
/// symbolic link is refused, whether the file or a folder between them is one, and the file is
/// opened without following a link. A lesson may come from anyone, and what it names as a
/// document is shown, written to the lab folder and sent to AWS: a link to, say, a credentials
/// file must not be read.
fn read_inside(path: &Path, folder: &Path) -> Result<Option<String>, LessonError> {
    let io = |message: String| LessonError::Io {
        file: path.display().to_string(),
        message,
    };
    let meta = match std::fs::symlink_metadata(path) {
        Ok(m) => m,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(io(e.to_string())),
    };
    let refused = || {
        io(
            "a symbolic link or outside the lesson's folder: lesson files are read only as \
            plain files inside it"
                .into(),
        )
    };
    if meta.file_type().is_symlink() {
        return Err(refused());
    }
    if !meta.is_file() {
        return Ok(None);
    }
    let inside = match (std::fs::canonicalize(path), std::fs::canonicalize(folder)) {
        (Ok(file), Ok(folder)) => file.parent() == Some(folder.as_path()),
        _ => false,
    };
    if !inside {
        return Err(refused());
    }
    read_file(path).map(Some)
}

fn read_file(path: &Path) -> Result<String, LessonError> {
    let io = |message: String| LessonError::Io {
        file: path.display().to_string(),
        message,
    };
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(
        &mut options,
        libc::O_NOFOLLOW | libc::O_NONBLOCK,
    );
    let file = options.open(path).map_err(|e| io(e.to_string()))?;
    let meta = file.metadata().map_err(|e| io(e.to_string()))?;
    if !meta.is_file() {
        return Err(io("not a plain file".into()));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(io(format!(
            "file is {} bytes; lesson files may be at most {MAX_FILE_BYTES}",
            meta.len()
        )));
    }
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(
        &mut std::io::Read::take(file, MAX_FILE_BYTES + 1),
        &mut bytes,
    )
    .map_err(|e| io(e.to_string()))?;
    String::from_utf8(bytes).map_err(|e| {
        io(format!(
            "not valid UTF-8 (first bad byte at offset {})",
            e.utf8_error().valid_up_to()
        ))
    })
}
