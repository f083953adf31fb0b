//! Where grades are kept so that no run destroys them. Each run writes its own folder,
//! `OUT/runs/<UTC time>/`, every file whole or not at all; `OUT/` itself holds the class view,
//! the latest grade of every student from runs that finished. A run that was interrupted or
//! read no account is kept in its folder, marked incomplete, and leaves the class view as it
//! was. A run of some students updates their rows and keeps the others', each with its own
//! grading time; a student who could not be read this time keeps the grade they had.

use super::report::{self, to_text};
use crate::fsutil::{FsError, PrivateDir};
use crate::i18n::Lang;
use crate::lesson::Lesson;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The files of a set of grades, drawn from its grades.json document: grades.csv, junit.xml,
/// report.md, report.html, report-anonymous.html, a page per student under `students/`, and
/// grades.json.
pub fn files(
    document: &Value,
    lesson: &Lesson,
    lang: Lang,
    csv_bom: bool,
) -> Vec<(String, String)> {
    let json = to_text(document);
    let class: Option<super::class::Class> = serde_json::from_value(document.clone()).ok();
    let (csv, junit, md) = match &class {
        Some(c) => (
            report::with_bom(report::csv(c, Some(lesson)), csv_bom),
            report::junit(c),
            report::markdown(c, Some(lesson), lang),
        ),
        None => Default::default(),
    };
    let mut files: Vec<(String, String)> = vec![
        ("grades.csv".into(), csv),
        ("junit.xml".into(), junit),
        ("report.md".into(), md),
    ];
    if let Some(c) = &class {
        files.extend(pages(&json, c, Some(lesson), lang));
    }
    // Last: a folder with grades.json holds all the others.
    files.push(("grades.json".into(), json));
    files
}

/// The web pages of a set of grades, drawn from its grades.json (`json`, read as `class`):
/// report.html, report-anonymous.html and a page per student under `students/`.
pub fn pages(
    json: &str,
    class: &super::html::Class,
    lesson: Option<&Lesson>,
    lang: Lang,
) -> Vec<(String, String)> {
    let draw = |page: Result<String, String>| page.unwrap_or_default();
    let mut files: Vec<(String, String)> = vec![
        (
            "report.html".into(),
            draw(super::html::render(json, lesson, lang)),
        ),
        (
            "report-anonymous.html".into(),
            draw(super::html::render_anonymous(json, lesson, lang)),
        ),
    ];
    for (name, page) in super::student_page::pages(class, lesson, lang) {
        files.push((format!("{STUDENTS}/{name}"), page));
    }
    files
}

/// The folder of the students' own pages, in a run's folder and the class view.
pub const STUDENTS: &str = "students";

/// A new folder for a run begun at `at`: `runs/2026-12-03T13-25-07Z` (a suffix when two runs
/// begin in the same second). Returns its path and its name relative to `out`.
pub fn new_run_dir(out: &Path, at: i64) -> std::io::Result<(PathBuf, String)> {
    let runs = out.join("runs");
    std::fs::create_dir_all(&runs)?;
    // Colons are not allowed in Windows file names.
    let stamp = report::stamp(at).replace(':', "-");
    for n in 1..1000 {
        let name = if n == 1 {
            stamp.clone()
        } else {
            format!("{stamp}-{n}")
        };
        match std::fs::create_dir(runs.join(&name)) {
            Ok(()) => return Ok((runs.join(&name), format!("runs/{name}"))),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::new(
        std::io::ErrorKind::AlreadyExists,
        "too many runs began in the same second",
    ))
}

/// Writes every file into `dir`, each whole or not at all, through [`PrivateDir`]: never
/// through a link, only into a folder of the user's own, the files readable by the user
/// alone.
pub fn write_all(dir: &Path, files: &[(String, String)]) -> Result<(), FsError> {
    let folder = PrivateDir::open(dir)?;
    let mut students: Option<PrivateDir> = None;
    for (name, content) in files {
        match name.split_once('/') {
            // The student pages' names are made safe (`student_page::file_names`): one folder
            // down, never a separator of their own.
            Some((STUDENTS, page)) => {
                if students.is_none() {
                    students = Some(PrivateDir::open(&dir.join(STUDENTS))?);
                }
                if let Some(students) = &students {
                    students.replace(page, content.as_bytes())?;
                }
            }
            _ => folder.replace(name, content.as_bytes())?,
        }
    }
    Ok(())
}

/// The class view in `out`, if there is one that reads as grades.json.
pub fn class_view(out: &Path) -> Option<Value> {
    let text = std::fs::read_to_string(out.join("grades.json")).ok()?;
    let value: Value = serde_json::from_str(&text).ok()?;
    value["students"].is_array().then_some(value)
}

/// What became of the class view.
pub enum Merge {
    /// The new class view.
    Updated(Value),
    /// It holds another lesson's grades: left as it was.
    OtherLesson(String),
}

/// The class view after a complete run: the run's students replace theirs (matched by key, else by name),
/// except that a student this run could not read keeps the grade they had; students the run
/// did not grade keep their rows.
pub fn merge(previous: Option<Value>, run: &Value) -> Merge {
    let Some(previous) = previous else {
        return Merge::Updated(run.clone());
    };
    if previous["lesson"] != run["lesson"] {
        return Merge::OtherLesson(previous["lesson"].as_str().unwrap_or("").to_string());
    }
    // The roster's key when there is one (two students may share a name), else the name.
    let name = |s: &Value| {
        s["key"]
            .as_str()
            .or(s["student"].as_str())
            .unwrap_or("")
            .to_string()
    };
    let not_graded = |s: &Value| !s["error"].is_null();
    let mut students: Vec<Value> = previous["students"].as_array().cloned().unwrap_or_default();
    for new in run["students"].as_array().into_iter().flatten() {
        match students.iter_mut().find(|s| name(s) == name(new)) {
            Some(old) if not_graded(new) && !not_graded(old) => {}
            Some(old) => *old = new.clone(),
            None => students.push(new.clone()),
        }
    }
    let mut regions: Vec<String> = students
        .iter()
        .filter_map(|s| s["region"].as_str().map(str::to_string))
        .collect();
    regions.sort();
    regions.dedup();
    let mut view = run.clone();
    // A run of some students (`--only`) says nothing new about the rest of the class: the
    // roster's errors, the accounts left out and where the class came from stay as they were.
    if run["only"].as_array().is_some_and(|o| !o.is_empty()) {
        for field in ["roster_errors", "skipped", "roster"] {
            view[field] = previous[field].clone();
        }
    }
    view["students"] = Value::Array(students);
    view["regions"] = serde_json::json!(regions);
    Merge::Updated(view)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn student(name: &str, score: Option<u32>, at: &str) -> Value {
        json!({"student": name, "score": score, "graded_at": at, "region": "ap-northeast-2",
               "error": if score.is_none() { json!("could not be read") } else { Value::Null }})
    }

    #[test]
    fn a_partial_run_updates_its_students_and_keeps_the_others() {
        let before = json!({"lesson": "l", "students": [
            student("kim", Some(100), "t1"), student("lee", Some(40), "t1"), student("park", Some(80), "t1")]});
        let run = json!({"lesson": "l", "graded_at": "t2", "students": [
            student("lee", Some(70), "t2"), student("park", None, "t2"), student("choi", Some(10), "t2")]});
        let Merge::Updated(view) = merge(Some(before), &run) else {
            panic!("same lesson")
        };
        let rows: Vec<(String, Value, String)> = view["students"]
            .as_array()
            .expect("students")
            .iter()
            .map(|s| {
                (
                    name_of(s),
                    s["score"].clone(),
                    s["graded_at"].as_str().unwrap_or("").into(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            vec![
                ("kim".into(), json!(100), "t1".into()),
                ("lee".into(), json!(70), "t2".into()),
                // Not read this time: the grade they had stays.
                ("park".into(), json!(80), "t1".into()),
                ("choi".into(), json!(10), "t2".into()),
            ]
        );
        assert_eq!(view["graded_at"], "t2");
    }

    #[test]
    fn a_run_of_some_students_keeps_what_the_class_view_says_of_the_rest() {
        let before = json!({"lesson": "l", "roster": "class.csv", "skipped": [{"name": "mgmt"}],
                            "roster_errors": [{"line": 4}], "students": [student("kim", Some(1), "t1")]});
        let run = json!({"lesson": "l", "roster": "class.csv (--only kim)", "only": ["kim"],
                         "skipped": [], "roster_errors": [], "students": [student("kim", Some(2), "t2")]});
        let Merge::Updated(view) = merge(Some(before), &run) else {
            panic!("same lesson")
        };
        assert_eq!(view["roster"], "class.csv");
        assert_eq!(view["skipped"][0]["name"], "mgmt");
        assert_eq!(view["roster_errors"][0]["line"], 4);
        assert_eq!(view["students"][0]["score"], 2);
    }

    fn name_of(s: &Value) -> String {
        s["student"].as_str().unwrap_or("").to_string()
    }

    #[test]
    fn another_lessons_view_is_left_alone() {
        let before = json!({"lesson": "a", "students": []});
        let run = json!({"lesson": "b", "students": []});
        assert!(matches!(merge(Some(before), &run), Merge::OtherLesson(l) if l == "a"));
    }

    #[test]
    fn an_atomic_write_replaces_the_whole_file() {
        let dir = std::env::temp_dir().join(format!("awslab-atomic-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("grades.csv");
        write_all(&dir, &[("grades.csv".into(), "old".into())]).expect("write");
        write_all(&dir, &[("grades.csv".into(), "new".into())]).expect("write");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new");
        let left: Vec<_> = std::fs::read_dir(&dir).expect("list").collect();
        assert_eq!(left.len(), 1, "no temporary file is left");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
