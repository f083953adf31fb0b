//! A lesson: the lab as data (`lessons/<id>/lesson.toml`), loaded, checked and with its
//! variables resolved, ready for the engine to walk.

mod documents;
pub mod files;
mod problem;
pub mod schema;
mod source;

pub use problem::Problem;
pub use schema::{TOTAL_POINTS, toml_error_message};
pub use source::Source;

use crate::i18n::Lang;
use crate::steps::{Lab, StepSpec};
pub use crate::steps::{RUNTIME_VARIABLES, fill_runtime};

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("no lesson named '{id}'{}", available_list(.available))]
    Unknown { id: String, available: Vec<String> },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    /// The lesson file's problems, every one of them.
    #[error("{}", problems_list(.0, Lang::En))]
    Invalid(Vec<Problem>),
    #[error("asset {file}: {message}")]
    Asset { file: String, message: String },
    #[error("--set {key}: {message}")]
    Override { key: String, message: String },
    #[error("several lessons are available ({}); name the one you mean", .0.join(", "))]
    Ambiguous(Vec<String>),
}

/// Each problem on its own line, under the sentence that says the lesson could not be loaded.
fn problems_list(problems: &[Problem], lang: Lang) -> String {
    problems
        .iter()
        .map(|p| format!("\n  {}", p.render(lang)))
        .collect()
}

impl LessonError {
    /// The error in `lang`: a lesson file's problems each on its line.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            LessonError::Invalid(problems) => problems_list(problems, lang),
            other => other.to_string(),
        }
    }
}

fn available_list(ids: &[String]) -> String {
    if ids.is_empty() {
        String::new()
    } else {
        format!(" (available: {})", ids.join(", "))
    }
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Localized {
    pub ko: String,
    pub en: String,
}

impl Localized {
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ko => &self.ko,
            Lang::En => &self.en,
        }
    }
}

/// How grading treats work done after the deadline.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum LatePolicy {
    /// Full credit, marked late.
    #[default]
    Flag,
    /// A step finished after the deadline earns nothing.
    NoCredit,
}

#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Grading {
    #[serde(default)]
    pub late: LatePolicy,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub value: String,
    pub default: String,
    pub description: Localized,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub text: Localized,
    /// The same hint for the sandbox, where the instance is a loopback stand-in and records
    /// arrive in seconds.
    pub sandbox: Option<Localized>,
}

impl Hint {
    pub fn get(&self, lang: Lang, in_sandbox: bool) -> &str {
        match (&self.sandbox, in_sandbox) {
            (Some(s), true) => s.get(lang),
            _ => self.text.get(lang),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub spec: StepSpec,
    pub points: u32,
    pub depends: Vec<String>,
    /// Later steps whose being done proves this one was done: a step the lesson itself undoes
    /// further on (close a port, then open it again) counts as done once one of them is.
    pub proved_by: Vec<String>,
    pub title: Localized,
    pub instructions: Localized,
    /// Where the step is done in the AWS console, as its menus read (`IAM → Policies → Create
    /// policy`): the wizard's step header and the student's page show it.
    pub console: Option<Localized>,
    pub hints: Vec<Hint>,
}

#[derive(Debug, Clone)]
pub struct Lesson {
    pub id: String,
    pub title: Localized,
    pub summary: Localized,
    /// Lessons to finish first, by id.
    pub depends_on: Vec<String>,
    pub variables: BTreeMap<String, Variable>,
    pub steps: Vec<Step>,
    pub grading: Grading,
    /// What the step kinds see of it (id, assets, permissions, step kinds).
    pub lab: Lab,
    /// Where it was loaded from, for messages.
    pub file: String,
    /// Its `version`, else `sha256:` and the start of its file's digest: what a grade was
    /// graded against.
    pub version: String,
    /// The course's region, when the lesson names one.
    pub region: Option<String>,
}

impl Lesson {
    /// Picks the lesson to use: the named one, else the course's first: the only lesson that
    /// depends on no other (with one lesson, that one).
    pub fn resolve_id(source: &Source, id: Option<&str>) -> Result<String, LessonError> {
        if let Some(id) = id {
            return Ok(id.to_string());
        }
        let ids = source.lesson_ids()?;
        if let [only] = ids.as_slice() {
            return Ok(only.clone());
        }
        let mut first = Vec::new();
        for id in &ids {
            let (_, text) = source.lesson_file(id)?;
            // Only `depends_on` is read here; a broken file is reported when it is loaded.
            let depends = text
                .parse::<toml::Table>()
                .ok()
                .and_then(|t| t.get("depends_on").cloned())
                .and_then(|d| d.as_array().map(|a| !a.is_empty()))
                .unwrap_or(false);
            if !depends {
                first.push(id.clone());
            }
        }
        match (first.as_slice(), ids.is_empty()) {
            (_, true) => Err(LessonError::Unknown {
                id: String::new(),
                available: Vec::new(),
            }),
            ([only], _) => Ok(only.clone()),
            _ => Err(LessonError::Ambiguous(ids)),
        }
    }

    /// Loads lesson `id` from `source`, with `overrides` (`--set`) for its variables. A file
    /// with problems comes back as [`LessonError::Invalid`] with every one of them.
    pub fn load(
        source: &Source,
        id: &str,
        overrides: &[(String, String)],
    ) -> Result<Lesson, LessonError> {
        let (file, text) = source.lesson_file(id)?;
        schema::read(source, id, &file, &text, overrides)
    }

    /// The lessons this one starts from (its `depends_on`, theirs first), loaded from
    /// `source` with no overrides, each once.
    pub fn prerequisites(&self, source: &Source) -> Result<Vec<Lesson>, LessonError> {
        fn walk(
            source: &Source,
            ids: &[String],
            depth: usize,
            out: &mut Vec<Lesson>,
        ) -> Result<(), LessonError> {
            for id in ids {
                if out.iter().any(|l| &l.id == id) {
                    continue;
                }
                let lesson = Lesson::load(source, id, &[])?;
                // A chain this long is a cycle: what it has loaded so far is what there is.
                if depth < 8 {
                    walk(source, &lesson.depends_on, depth + 1, out)?;
                }
                if !out.iter().any(|l| l.id == lesson.id) {
                    out.push(lesson);
                }
            }
            Ok(())
        }
        let mut out = Vec::new();
        walk(source, &self.depends_on, 0, &mut out)?;
        out.retain(|l| l.id != self.id);
        Ok(out)
    }

    /// The VPC the lab works in: the one its last step that works in a VPC names, else its
    /// variable `vpc`. The loader refuses a lesson without either unless it starts from others.
    pub fn vpc(&self) -> Option<&str> {
        self.steps
            .iter()
            .rev()
            .find_map(|s| s.spec.vpc())
            .or_else(|| self.variables.get("vpc").map(|v| v.value.as_str()))
    }

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn possible_points(&self) -> u32 {
        self.steps.iter().map(|s| s.points).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shipped() -> Lesson {
        match Lesson::load(&Source::Embedded, "vpc-flow-logs", &[]) {
            Ok(l) => l,
            Err(e) => panic!("shipped lesson does not load: {e}"),
        }
    }

    #[test]
    fn shipped_lesson_has_the_six_steps_in_order() {
        let lesson = shipped();
        let ids: Vec<_> = lesson.steps.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "policy",
                "role",
                "trust",
                "log-group",
                "flow-log",
                "traffic"
            ]
        );
        assert_eq!(lesson.possible_points(), 100);
        assert_eq!(lesson.variables["log_group"].value, "MyVpc22-Log");
    }

    #[test]
    fn overrides_replace_variables_everywhere() {
        let lesson = Lesson::load(
            &Source::Embedded,
            "vpc-flow-logs",
            &[("vpc".into(), "OtherVpc".into())],
        )
        .expect("loads");
        let step = lesson.step("flow-log").expect("flow-log step");
        assert!(step.title.en.contains("OtherVpc"), "{}", step.title.en);
        match &step.spec {
            StepSpec::FlowLog(p) => assert_eq!(p.vpc, "OtherVpc"),
            other => panic!("unexpected spec {other:?}"),
        }
    }

    #[test]
    fn unknown_override_is_rejected_with_the_known_names() {
        let err = Lesson::load(
            &Source::Embedded,
            "vpc-flow-logs",
            &[("nope".into(), "x".into())],
        )
        .expect_err("must fail");
        let msg = err.to_string();
        assert!(msg.contains("nope") && msg.contains("log_group"), "{msg}");
    }

    #[test]
    fn korean_texts_get_the_particle_that_fits_each_variable() {
        let lesson = shipped();
        let policy = &lesson.steps[0].instructions.ko;
        assert!(policy.contains("my-flowpolicy를"), "{policy}");
        for step in &lesson.steps {
            for text in std::iter::once(&step.instructions.ko)
                .chain(std::iter::once(&step.title.ko))
                .chain(step.hints.iter().map(|h| &h.text.ko))
            {
                for pair in ["을(를)", "이(가)", "은(는)", "(으)로"] {
                    assert!(!text.contains(pair), "{}: {text}", step.id);
                }
            }
        }
        // With other names the particles follow them.
        let other = Lesson::load(
            &Source::Embedded,
            "vpc-flow-logs",
            &[("policy".to_string(), "정책1".to_string())],
        )
        .expect("loads");
        assert!(other.steps[0].instructions.ko.contains("정책1을"));
    }

    #[test]
    fn runtime_placeholders_survive_loading() {
        let lesson = shipped();
        assert!(lesson.lab.permissions[0].resource.contains("{account}"));
        assert_eq!(
            fill_runtime(
                &lesson.lab.permissions[0].resource,
                "ap-northeast-2",
                "111122223333"
            ),
            "arn:aws:logs:ap-northeast-2:111122223333:log-group:MyVpc22-Log:log-stream:"
        );
    }

    #[test]
    fn the_second_lesson_starts_where_the_first_ends() {
        let second = Lesson::load(&Source::Embedded, "flow-logs-troubleshooting", &[])
            .expect("the second lesson loads");
        assert_eq!(second.depends_on, ["vpc-flow-logs"]);
        assert_eq!(second.possible_points(), 100);
        let close = second.step("close-port").expect("close-port step");
        assert_eq!(close.proved_by, ["rejected"]);
        let before = second
            .prerequisites(&Source::Embedded)
            .expect("its prerequisites load");
        let ids: Vec<&str> = before.iter().map(|l| l.id.as_str()).collect();
        assert_eq!(ids, ["vpc-flow-logs"]);
        // Without a name, the course's first lesson is meant.
        assert_eq!(
            Lesson::resolve_id(&Source::Embedded, None).expect("a default"),
            "vpc-flow-logs"
        );
    }

    #[test]
    fn unknown_lesson_lists_the_available_ones() {
        let err = Lesson::load(&Source::Embedded, "nope", &[]).expect_err("must fail");
        assert!(err.to_string().contains("vpc-flow-logs"), "{err}");
    }
}
