//! A lesson: the lab as data (`lessons/<id>/lesson.toml`), loaded, checked and with its
//! variables resolved, ready for the engine to walk.

pub mod files;
mod source;

pub use source::Source;

use crate::i18n::{Lang, neutralised_lesson_text, placeholders};
use crate::steps::{Lab, LabStep, Permission, StepSpec};
pub use crate::steps::{RUNTIME_VARIABLES, fill_runtime};

/// The one rule for `depends`, shared by the loader and `lesson check`: a step depends only on
/// steps listed before it, so the dependencies can form no cycle. `ids` are the lesson's step
/// ids in order; the answer is why `dep` of step `at` breaks the rule, if it does.
pub fn dependency_problem(ids: &[&str], at: usize, dep: &str) -> Option<String> {
    if ids.get(..at).is_some_and(|before| before.contains(&dep)) {
        None
    } else if ids.get(at) == Some(&dep) {
        Some(format!("'{dep}' is this step itself"))
    } else if ids.get(at + 1..).is_some_and(|after| after.contains(&dep)) {
        Some(format!(
            "'{dep}' comes later: a step may depend only on steps listed before it, so the \
             dependencies form no cycle"
        ))
    } else {
        Some(format!(
            "no step '{dep}' in this lesson (steps: {})",
            ids.join(", ")
        ))
    }
}
/// The lesson file with every string in it (texts, names, parameters, keys) neutralised like
/// text from an account ([`neutralised_lesson_text`]): a lesson may come from anyone, and its
/// texts reach terminals and reports. The file is read once as it is, so that an error names
/// its place, then once more as a table whose strings are neutralised.
fn parse_neutralised(text: &str) -> Result<LessonFile, toml::de::Error> {
    let _: LessonFile = toml::from_str(text)?;
    let table: toml::Table = text.parse()?;
    toml::Value::Table(neutralise_table(table)).try_into()
}

fn neutralise_table(table: toml::Table) -> toml::Table {
    table
        .into_iter()
        .map(|(k, v)| (neutralised_lesson_text(&k), neutralise_value(v)))
        .collect()
}

fn neutralise_value(value: toml::Value) -> toml::Value {
    match value {
        toml::Value::String(s) => toml::Value::String(neutralised_lesson_text(&s)),
        toml::Value::Array(items) => {
            toml::Value::Array(items.into_iter().map(neutralise_value).collect())
        }
        toml::Value::Table(t) => toml::Value::Table(neutralise_table(t)),
        other => other,
    }
}

/// The rule for `proved_by`: a step is proved only by steps listed after it (what undoes it
/// comes later). The answer is why `proof` of step `at` breaks it, if it does.
pub fn proof_problem(ids: &[&str], at: usize, proof: &str) -> Option<String> {
    if ids
        .get(at + 1..)
        .is_some_and(|after| after.contains(&proof))
    {
        None
    } else if ids.get(at) == Some(&proof) {
        Some(format!("'{proof}' is this step itself"))
    } else if ids.get(..at).is_some_and(|before| before.contains(&proof)) {
        Some(format!(
            "'{proof}' comes earlier: a step is proved only by steps listed after it"
        ))
    } else {
        Some(format!(
            "no step '{proof}' in this lesson (steps: {})",
            ids.join(", ")
        ))
    }
}

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    #[error("no lesson named '{id}'{}", available_list(.available))]
    Unknown { id: String, available: Vec<String> },
    #[error("{file}: {message}")]
    Io { file: String, message: String },
    #[error("{file}: {message}")]
    Parse { file: String, message: String },
    #[error("{file}: {field}: {message}")]
    Field {
        file: String,
        field: String,
        message: String,
    },
    #[error("asset {file}: {message}")]
    Asset { file: String, message: String },
    #[error("--set {key}: {message}")]
    Override { key: String, message: String },
    #[error("several lessons are available ({}); name the one you mean", .0.join(", "))]
    Ambiguous(Vec<String>),
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

    fn map(&self, f: impl Fn(&str) -> String) -> Localized {
        Localized {
            ko: f(&self.ko),
            en: f(&self.en),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct LessonFile {
    id: String,
    schema: u32,
    /// The lesson's own version, for grades that say what they were graded against.
    #[serde(default)]
    version: Option<String>,
    /// The course's region: where grading reads the students' accounts unless told otherwise.
    #[serde(default)]
    region: Option<String>,
    title: Localized,
    summary: Localized,
    /// Lessons that must be done first: this one starts from where they end.
    #[serde(default)]
    depends_on: Vec<String>,
    #[serde(default)]
    variables: BTreeMap<String, VariableFile>,
    #[serde(default)]
    permissions: Vec<Permission>,
    #[serde(default)]
    grading: Grading,
    steps: Vec<StepFile>,
}

/// A lesson without a `version` is known by its file's content: `sha256:` and 12 hex digits.
fn content_version(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct VariableFile {
    default: String,
    ko: String,
    en: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct StepFile {
    id: String,
    kind: String,
    points: u32,
    #[serde(default)]
    depends: Vec<String>,
    #[serde(default)]
    proved_by: Vec<String>,
    title: Localized,
    instructions: Localized,
    #[serde(default)]
    hints: Vec<HintFile>,
    #[serde(default)]
    with: toml::Table,
}

#[derive(Debug, Clone)]
pub struct Variable {
    pub value: String,
    pub default: String,
    pub description: Localized,
}

/// A hint as written: the text, and what to say instead in the sandbox when the text is about
/// AWS's own addresses or minutes.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct HintFile {
    ko: String,
    en: String,
    #[serde(default)]
    sandbox: Option<Localized>,
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

    pub fn load(
        source: &Source,
        id: &str,
        overrides: &[(String, String)],
    ) -> Result<Lesson, LessonError> {
        let (file, text) = source.lesson_file(id)?;
        let raw: LessonFile = parse_neutralised(&text).map_err(|e| LessonError::Parse {
            file: file.clone(),
            message: toml_error_message(&e),
        })?;
        let overrides: Vec<(String, String)> = overrides
            .iter()
            .map(|(k, v)| (k.clone(), neutralised_lesson_text(v)))
            .collect();
        let overrides = overrides.as_slice();
        let field_error = |field: String, message: String| LessonError::Field {
            file: file.clone(),
            field,
            message,
        };
        let version = raw
            .version
            .clone()
            .unwrap_or_else(|| content_version(&text));
        if raw.schema != 1 {
            return Err(field_error(
                "schema".into(),
                format!(
                    "schema {} is not supported (this awslab reads 1)",
                    raw.schema
                ),
            ));
        }
        if raw.id != id {
            return Err(field_error(
                "id".into(),
                format!("'{}' does not match its directory name '{id}'", raw.id),
            ));
        }

        let mut variables = BTreeMap::new();
        for (name, var) in raw.variables {
            if RUNTIME_VARIABLES.contains(&name.as_str()) {
                return Err(field_error(
                    format!("variables.{name}"),
                    "this name is reserved: it is filled in from the account".into(),
                ));
            }
            variables.insert(
                name,
                Variable {
                    value: var.default.clone(),
                    default: var.default,
                    description: Localized {
                        ko: var.ko,
                        en: var.en,
                    },
                },
            );
        }
        for (key, value) in overrides {
            match variables.get_mut(key) {
                Some(var) => var.value = value.clone(),
                None => {
                    return Err(LessonError::Override {
                        key: key.clone(),
                        message: format!(
                            "lesson '{id}' has no such variable (it has: {})",
                            variables.keys().cloned().collect::<Vec<_>>().join(", ")
                        ),
                    });
                }
            }
        }
        let values: BTreeMap<String, String> = variables
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        let subst = |field: &str, template: &str| -> Result<String, LessonError> {
            substitute(template, &values).map_err(|name| {
                field_error(
                    field.to_string(),
                    format!("unknown variable {{{name}}} (define it under [variables])"),
                )
            })
        };

        let mut permissions = Vec::new();
        for (i, p) in raw.permissions.into_iter().enumerate() {
            if p.actions.is_empty() {
                return Err(field_error(
                    format!("permissions[{i}].actions"),
                    "must name at least one action".into(),
                ));
            }
            permissions.push(Permission {
                resource: subst(&format!("permissions[{i}].resource"), &p.resource)?,
                actions: p.actions,
            });
        }

        if raw.steps.is_empty() {
            return Err(field_error("steps".into(), "a lesson needs steps".into()));
        }
        let step_ids: Vec<String> = raw.steps.iter().map(|s| s.id.clone()).collect();
        let ids: Vec<&str> = step_ids.iter().map(String::as_str).collect();
        let mut seen = BTreeSet::new();
        let mut steps = Vec::new();
        let mut assets = BTreeMap::new();
        for (i, s) in raw.steps.into_iter().enumerate() {
            let at = format!("steps[{i}] ({})", s.id);
            if !seen.insert(s.id.clone()) {
                return Err(field_error(at, "duplicate step id".into()));
            }
            for dep in &s.depends {
                if let Some(message) = dependency_problem(&ids, i, dep) {
                    return Err(field_error(format!("{at}.depends"), message));
                }
            }
            for proof in &s.proved_by {
                if let Some(message) = proof_problem(&ids, i, proof) {
                    return Err(field_error(format!("{at}.proved_by"), message));
                }
            }
            let mut with = s.with.clone();
            substitute_table(&mut with, &values).map_err(|(path, name)| {
                field_error(
                    format!("{at}.with.{path}"),
                    format!("unknown variable {{{name}}} (define it under [variables])"),
                )
            })?;
            let spec = StepSpec::from_kind(&s.kind, with)
                .map_err(|message| field_error(format!("{at}.with"), message))?;
            for asset in spec.assets() {
                let (path, text) = source.asset(id, asset)?;
                if let Err(e) = serde_json::from_str::<serde_json::Value>(&text) {
                    return Err(LessonError::Asset {
                        file: path,
                        message: format!("not valid JSON: {e}"),
                    });
                }
                assets.insert(asset.to_string(), text);
            }
            let text_subst = |field: &str, l: &Localized| -> Result<Localized, LessonError> {
                Ok(Localized {
                    ko: subst(&format!("{at}.{field}.ko"), &l.ko)?,
                    en: subst(&format!("{at}.{field}.en"), &l.en)?,
                })
            };
            let hints = s
                .hints
                .iter()
                .enumerate()
                .map(|(h, hint)| {
                    let text = Localized {
                        ko: hint.ko.clone(),
                        en: hint.en.clone(),
                    };
                    Ok(Hint {
                        text: text_subst(&format!("hints[{h}]"), &text)?,
                        sandbox: hint
                            .sandbox
                            .as_ref()
                            .map(|l| text_subst(&format!("hints[{h}].sandbox"), l))
                            .transpose()?,
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            steps.push(Step {
                title: text_subst("title", &s.title)?,
                instructions: text_subst("instructions", &s.instructions)?,
                hints,
                id: s.id,
                spec,
                points: s.points,
                depends: s.depends,
                proved_by: s.proved_by,
            });
        }

        let lab = Lab {
            files: Lab::default_files(&raw.id),
            id: raw.id.clone(),
            assets,
            permissions,
            steps: steps
                .iter()
                .map(|s: &Step| LabStep {
                    id: s.id.clone(),
                    spec: s.spec.clone(),
                })
                .collect(),
        };
        Ok(Lesson {
            id: raw.id,
            title: raw
                .title
                .map(|t| substitute(t, &values).unwrap_or_else(|_| t.into())),
            summary: raw
                .summary
                .map(|t| substitute(t, &values).unwrap_or_else(|_| t.into())),
            depends_on: raw.depends_on,
            variables,
            grading: raw.grading,
            steps,
            lab,
            file,
            version,
            region: raw.region,
        })
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

    pub fn step(&self, id: &str) -> Option<&Step> {
        self.steps.iter().find(|s| s.id == id)
    }

    pub fn possible_points(&self) -> u32 {
        self.steps.iter().map(|s| s.points).sum()
    }
}

/// Fills lesson variables in; runtime placeholders stay for later. Err names an unknown one.
/// A TOML parse error for people: the parser quotes the offending line, which in a hostile or
/// broken file can be a megabyte long; each line is cut to a readable length.
pub fn toml_error_message(e: &toml::de::Error) -> String {
    const MAX: usize = 200;
    e.to_string()
        .trim_end()
        .lines()
        .map(|line| match line.char_indices().nth(MAX) {
            Some((cut, _)) => format!("{}…", &line[..cut]),
            None => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn substitute(template: &str, values: &BTreeMap<String, String>) -> Result<String, String> {
    for name in placeholders(template) {
        if !values.contains_key(name) && !RUNTIME_VARIABLES.contains(&name) {
            return Err(name.to_string());
        }
    }
    // Korean particles after a variable (`{policy}을(를)`) fit the value filled in.
    Ok(crate::i18n::fill_korean(template, |name| {
        values.get(name).cloned()
    }))
}

fn substitute_table(
    table: &mut toml::Table,
    values: &BTreeMap<String, String>,
) -> Result<(), (String, String)> {
    for (key, value) in table.iter_mut() {
        substitute_value(value, values).map_err(|(path, name)| {
            let full = if path.is_empty() {
                key.clone()
            } else {
                format!("{key}.{path}")
            };
            (full, name)
        })?;
    }
    Ok(())
}

fn substitute_value(
    value: &mut toml::Value,
    values: &BTreeMap<String, String>,
) -> Result<(), (String, String)> {
    match value {
        toml::Value::String(s) => {
            *s = substitute(s, values).map_err(|name| (String::new(), name))?;
        }
        toml::Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                substitute_value(item, values).map_err(|(p, n)| (format!("[{i}]{p}"), n))?;
            }
        }
        toml::Value::Table(t) => substitute_table(t, values)?,
        _ => {}
    }
    Ok(())
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
    fn a_step_is_proved_only_by_later_steps() {
        let ids = ["a", "b", "c"];
        assert_eq!(proof_problem(&ids, 0, "c"), None);
        for (proof, words) in [("a", "itself"), ("x", "no step 'x'")] {
            let problem = proof_problem(&ids, 0, proof).unwrap_or_default();
            assert!(problem.contains(words), "{problem}");
        }
        let earlier = proof_problem(&ids, 2, "a").unwrap_or_default();
        assert!(earlier.contains("comes earlier"), "{earlier}");
    }

    #[test]
    fn unknown_lesson_lists_the_available_ones() {
        let err = Lesson::load(&Source::Embedded, "nope", &[]).expect_err("must fail");
        assert!(err.to_string().contains("vpc-flow-logs"), "{err}");
    }
}
