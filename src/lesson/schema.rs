//! The one schema of a lesson file. The reader walks the file's table field by field and
//! collects every problem at once, each with its field's path (`steps[3] (traffic).with.port`)
//! and a catalogue message, so that an author fixes them in one go; `awslab lesson check` shows
//! the same problems before it proves the lesson in a sandbox.

use super::documents;
use super::problem::Problem;
use super::{Grading, Hint, Lesson, LessonError, Localized, Source, Step, Variable};
use crate::i18n::{Text, neutralised_lesson_text, placeholders};
use crate::steps::{KINDS, Lab, LabStep, Permission, RUNTIME_VARIABLES, StepSpec};
use serde::de::DeserializeOwned;
use std::collections::{BTreeMap, BTreeSet};
use toml::{Table, Value};

/// The points of a lesson's steps add up to this, so scores read as percentages.
pub const TOTAL_POINTS: i64 = 100;

const LESSON_FIELDS: &[&str] = &[
    "id",
    "schema",
    "version",
    "region",
    "title",
    "summary",
    "depends_on",
    "variables",
    "permissions",
    "grading",
    "steps",
];
const STEP_FIELDS: &[&str] = &[
    "id",
    "kind",
    "points",
    "depends",
    "proved_by",
    "title",
    "instructions",
    "console",
    "hints",
    "with",
];
/// The particle pairs a Korean text writes after a placeholder, as a problem lists them.
const PARTICLE_PAIRS: &str = "을(를), 이(가), 은(는), 과(와), (으)로, (이)라는";
const TEXT_FIELDS: &[&str] = &["ko", "en"];
const HINT_FIELDS: &[&str] = &["ko", "en", "sandbox"];
const VARIABLE_FIELDS: &[&str] = &["default", "ko", "en"];
const PERMISSION_FIELDS: &[&str] = &["actions", "resource"];

/// Reads lesson `id` from `text` (the file `file` of `source`), with `overrides` (`--set`) for
/// its variables. Every problem of the file comes back at once; an override naming no variable
/// is the command line's error, not the file's.
pub fn read(
    source: &Source,
    id: &str,
    file: &str,
    text: &str,
    overrides: &[(String, String)],
) -> Result<Lesson, LessonError> {
    let table = match text.parse::<Table>() {
        // Every string of a lesson (texts, names, parameters, keys) is neutralised like text
        // from an account: a lesson may come from anyone, and its texts reach terminals.
        Ok(table) => neutralise_table(table),
        Err(e) => {
            let said = Text::new("lesson-file.syntax").arg("detail", toml_error_message(&e));
            return Err(LessonError::Invalid(vec![Problem::new(
                file, "(file)", said,
            )]));
        }
    };
    let mut reader = Reader {
        file,
        text,
        spans: toml::de::DeTable::parse(text).ok(),
        problems: Vec::new(),
    };
    let lesson = reader.lesson(source, id, text, &table, overrides)?;
    match lesson {
        Some(lesson) if reader.problems.is_empty() => Ok(lesson),
        _ => Err(LessonError::Invalid(reader.problems)),
    }
}

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

/// The one rule for `depends`: a step depends only on steps listed before it, so the
/// dependencies can form no cycle. `ids` are the lesson's step ids in order; the answer is why
/// `dep` of step `at` breaks the rule, if it does.
pub fn dependency_problem(ids: &[&str], at: usize, dep: &str) -> Option<Text> {
    if ids.get(..at).is_some_and(|before| before.contains(&dep)) {
        None
    } else if ids.get(at + 1..).is_some_and(|after| after.contains(&dep)) {
        Some(Text::new("lesson-file.depends-later").arg("step", dep))
    } else {
        Some(step_not_there(ids, at, dep))
    }
}

/// The rule for `proved_by`: a step is proved only by steps listed after it (what undoes it
/// comes later). The answer is why `proof` of step `at` breaks it, if it does.
pub fn proof_problem(ids: &[&str], at: usize, proof: &str) -> Option<Text> {
    if ids
        .get(at + 1..)
        .is_some_and(|after| after.contains(&proof))
    {
        None
    } else if ids.get(..at).is_some_and(|before| before.contains(&proof)) {
        Some(Text::new("lesson-file.proof-earlier").arg("step", proof))
    } else {
        Some(step_not_there(ids, at, proof))
    }
}

/// A step named that is this very step, or none of the lesson's.
fn step_not_there(ids: &[&str], at: usize, named: &str) -> Text {
    if ids.get(at) == Some(&named) {
        Text::new("lesson-file.step-itself").arg("step", named)
    } else {
        Text::new("lesson-file.no-step")
            .arg("step", named)
            .arg("steps", ids.join(", "))
    }
}

fn neutralise_table(table: Table) -> Table {
    table
        .into_iter()
        .map(|(k, v)| (neutralised_lesson_text(&k), neutralise_value(v)))
        .collect()
}

fn neutralise_value(value: Value) -> Value {
    match value {
        Value::String(s) => Value::String(neutralised_lesson_text(&s)),
        Value::Array(items) => Value::Array(items.into_iter().map(neutralise_value).collect()),
        Value::Table(t) => Value::Table(neutralise_table(t)),
        other => other,
    }
}

/// A lesson without a `version` is known by its file's content: `sha256:` and 12 hex digits.
fn content_version(text: &str) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().take(6).map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// `path.key`, or `key` at the top of the file.
fn at(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// How a problem names step `i`: `steps[3] (traffic)`.
fn step_path(i: usize, step: Option<&Table>) -> String {
    let id = step
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .unwrap_or("?");
    format!("steps[{i}] ({id})")
}

/// The values of the lesson's variables, for filling in `{name}`.
type Values = BTreeMap<String, String>;

/// A template with the lesson's variables filled in; runtime placeholders stay for later. Err
/// names an unknown one.
pub(super) fn substitute(template: &str, values: &Values) -> Result<String, String> {
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

/// Every string in `value` filled in; Err is the path under it and the unknown variable.
fn substitute_value(value: &mut Value, values: &Values) -> Result<(), (String, String)> {
    match value {
        Value::String(s) => {
            *s = substitute(s, values).map_err(|name| (String::new(), name))?;
        }
        Value::Array(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                substitute_value(item, values).map_err(|(p, n)| (format!("[{i}]{p}"), n))?;
            }
        }
        Value::Table(t) => {
            for (key, value) in t.iter_mut() {
                substitute_value(value, values).map_err(|(path, name)| {
                    let sep = if path.starts_with('[') || path.is_empty() {
                        ""
                    } else {
                        "."
                    };
                    (format!("{key}{sep}{path}"), name)
                })?;
            }
        }
        _ => {}
    }
    Ok(())
}

fn unknown_variable(name: &str) -> Text {
    Text::new("lesson-file.unknown-variable").arg("placeholder", format!("{{{name}}}"))
}

/// The file's header: what the lesson says about itself.
struct Header {
    id: String,
    version: Option<String>,
    region: Option<String>,
    title: Localized,
    summary: Localized,
    depends_on: Vec<String>,
    grading: Grading,
}

struct Reader<'a> {
    file: &'a str,
    /// The file's text and its fields' places in it, to find the line of a field.
    text: &'a str,
    spans: Option<toml::Spanned<toml::de::DeTable<'a>>>,
    problems: Vec<Problem>,
}

impl Reader<'_> {
    fn say(&mut self, field: impl Into<String>, text: Text) {
        let field = field.into();
        let line = self
            .spans
            .as_ref()
            .and_then(|spans| line_of(self.text, spans, &field));
        let problem = Problem::new(self.file, field, text).on_line(line);
        self.problems.push(problem);
    }

    /// A problem for every key of `table` that is not one of `known`.
    fn known_fields(&mut self, table: &Table, known: &[&str], path: &str) {
        for key in table.keys().filter(|k| !known.contains(&k.as_str())) {
            let said = Text::new("lesson-file.unknown-field").arg("known", known.join(", "));
            self.say(at(path, key), said);
        }
    }

    fn typed<T: DeserializeOwned>(&mut self, value: &Value, path: &str) -> Option<T> {
        match value.clone().try_into() {
            Ok(typed) => Some(typed),
            Err(e) => {
                let e: toml::de::Error = e;
                self.say(
                    path,
                    Text::new("lesson-file.invalid").arg("detail", e.message()),
                );
                None
            }
        }
    }

    fn required<T: DeserializeOwned>(&mut self, table: &Table, key: &str, path: &str) -> Option<T> {
        match table.get(key) {
            Some(value) => self.typed(value, &at(path, key)),
            None => {
                self.say(at(path, key), Text::new("lesson-file.missing"));
                None
            }
        }
    }

    /// A field that may be left out; one written wrong is a problem, and reads as left out.
    fn optional<T: DeserializeOwned>(&mut self, table: &Table, key: &str, path: &str) -> Option<T> {
        table
            .get(key)
            .and_then(|value| self.typed(value, &at(path, key)))
    }

    /// The tables of the array `key`, each with its index; anything else is a problem.
    fn tables<'t>(&mut self, table: &'t Table, key: &str) -> Vec<(usize, Option<&'t Table>)> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        let Some(items) = value.as_array() else {
            self.say(key, Text::new("lesson-file.not-list"));
            return Vec::new();
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if item.as_table().is_none() {
                    self.say(format!("{key}[{i}]"), Text::new("lesson-file.not-table"));
                }
                (i, item.as_table())
            })
            .collect()
    }

    /// A text in Korean and English, each there, a string, not empty, and the Korean with
    /// particle pairs after placeholders.
    fn text(&mut self, value: Option<&Value>, path: &str, known: &[&str]) -> Option<Localized> {
        let Some(table) = value.and_then(Value::as_table) else {
            self.say(path, Text::new("lesson-file.text-missing"));
            return None;
        };
        self.known_fields(table, known, path);
        let ko = self.language(table, "ko", path);
        let en = self.language(table, "en", path);
        Some(Localized { ko: ko?, en: en? })
    }

    fn language(&mut self, table: &Table, lang: &str, path: &str) -> Option<String> {
        let field = at(path, lang);
        let problem = match table.get(lang) {
            Some(Value::String(s)) if !s.trim().is_empty() => {
                if lang == "ko" {
                    for wrong in crate::korean::fixed_particles(s) {
                        self.say(
                            &field,
                            Text::new("lesson-file.one-sound-particle")
                                .arg("wrong", wrong)
                                .arg("pairs", PARTICLE_PAIRS),
                        );
                    }
                }
                return Some(s.clone());
            }
            Some(Value::String(_)) => "lesson-file.text-empty",
            Some(_) => "lesson-file.not-string",
            None => "lesson-file.language-missing",
        };
        self.say(field, Text::new(problem));
        None
    }

    /// A text with the lesson's variables filled in.
    fn filled(&mut self, text: &Localized, path: &str, values: &Values) -> Option<Localized> {
        let mut one = |lang: &str, template: &str| match substitute(template, values) {
            Ok(filled) => Some(filled),
            Err(name) => {
                self.say(at(path, lang), unknown_variable(&name));
                None
            }
        };
        let ko = one("ko", &text.ko);
        let en = one("en", &text.en);
        Some(Localized { ko: ko?, en: en? })
    }

    fn lesson(
        &mut self,
        source: &Source,
        id: &str,
        text: &str,
        table: &Table,
        overrides: &[(String, String)],
    ) -> Result<Option<Lesson>, LessonError> {
        self.known_fields(table, LESSON_FIELDS, "");
        let header = self.header(source, id, table);
        let variables = self.variables(table, id, overrides)?;
        let values: Values = variables
            .iter()
            .map(|(k, v)| (k.clone(), v.value.clone()))
            .collect();
        let permissions = self.permissions(table, &values);
        let raw_steps = self.tables(table, "steps");
        if raw_steps.is_empty() && table.get("steps").is_none_or(|s| s.is_array()) {
            self.say("steps", Text::new("lesson-file.no-steps"));
        }
        self.step_order(&raw_steps);
        let mut assets = BTreeMap::new();
        let steps: Vec<Option<Step>> = raw_steps
            .iter()
            .map(|(i, step)| {
                let step = (*step)?;
                self.step(*i, step, &values, source, id, &permissions, &mut assets)
            })
            .collect();
        self.points(&raw_steps);
        let Some(header) = header else {
            return Ok(None);
        };
        let Some(steps) = steps.into_iter().collect::<Option<Vec<Step>>>() else {
            return Ok(None);
        };
        self.vpc_named(&steps, &variables, &header.depends_on);
        let title = self.filled(&header.title, "title", &values);
        let summary = self.filled(&header.summary, "summary", &values);
        let (Some(title), Some(summary)) = (title, summary) else {
            return Ok(None);
        };
        let lab = Lab {
            files: Lab::default_files(&header.id),
            id: header.id.clone(),
            assets,
            permissions,
            steps: steps
                .iter()
                .map(|s| LabStep {
                    id: s.id.clone(),
                    spec: s.spec.clone(),
                })
                .collect(),
        };
        Ok(Some(Lesson {
            id: header.id,
            title,
            summary,
            depends_on: header.depends_on,
            variables,
            grading: header.grading,
            steps,
            lab,
            file: self.file.to_string(),
            version: header.version.unwrap_or_else(|| content_version(text)),
            region: header.region,
        }))
    }

    fn header(&mut self, source: &Source, id: &str, table: &Table) -> Option<Header> {
        let schema: Option<u32> = self.required(table, "schema", "");
        if let Some(schema) = schema.filter(|s| *s != 1) {
            self.say(
                "schema",
                Text::new("lesson-file.schema").arg("schema", schema),
            );
        }
        let own: Option<String> = self.required(table, "id", "");
        if let Some(own) = own.as_deref().filter(|own| *own != id) {
            self.say(
                "id",
                Text::new("lesson-file.id")
                    .arg("id", own)
                    .arg("directory", id),
            );
        }
        let version = self.optional(table, "version", "");
        let region = self.optional(table, "region", "");
        let title = self.text(table.get("title"), "title", TEXT_FIELDS);
        let summary = self.text(table.get("summary"), "summary", TEXT_FIELDS);
        let depends_on = self.depends_on(source, id, table);
        let grading = self.optional(table, "grading", "").unwrap_or_default();
        Some(Header {
            id: own.filter(|own| own == id)?,
            version,
            region,
            title: title?,
            summary: summary?,
            depends_on,
            grading,
        })
    }

    /// The lessons named in `depends_on`: each one of `source`'s, and not this one.
    fn depends_on(&mut self, source: &Source, id: &str, table: &Table) -> Vec<String> {
        let Some(value) = table.get("depends_on") else {
            return Vec::new();
        };
        let list: Option<Vec<String>> = value
            .as_array()
            .and_then(|a| a.iter().map(|v| v.as_str().map(str::to_string)).collect());
        let Some(list) = list else {
            self.say("depends_on", Text::new("lesson-file.depends-on-list"));
            return Vec::new();
        };
        let known = source.lesson_ids().unwrap_or_default();
        for other in &list {
            let said = if other == id {
                Text::new("lesson-file.depends-on-itself").arg("lesson", other)
            } else if !known.contains(other) {
                Text::new("lesson-file.depends-on-unknown")
                    .arg("lesson", other)
                    .arg("lessons", known.join(", "))
            } else {
                continue;
            };
            self.say("depends_on", said);
        }
        list
    }

    fn variables(
        &mut self,
        table: &Table,
        id: &str,
        overrides: &[(String, String)],
    ) -> Result<BTreeMap<String, Variable>, LessonError> {
        let mut variables = BTreeMap::new();
        let declared = match table.get("variables") {
            None => None,
            Some(Value::Table(t)) => Some(t),
            Some(_) => {
                self.say("variables", Text::new("lesson-file.not-table"));
                None
            }
        };
        for (name, var) in declared.into_iter().flatten() {
            let path = format!("variables.{name}");
            if RUNTIME_VARIABLES.contains(&name.as_str()) {
                self.say(&path, Text::new("lesson-file.reserved-variable"));
            }
            let description = self.text(Some(var), &path, VARIABLE_FIELDS);
            let default: Option<String> = var
                .as_table()
                .and_then(|t| self.required(t, "default", &path));
            if let (Some(default), Some(description)) = (default, description) {
                let variable = Variable {
                    value: default.clone(),
                    default,
                    description,
                };
                variables.insert(name.clone(), variable);
            }
        }
        for (key, value) in overrides {
            let Some(var) = variables.get_mut(key) else {
                return Err(LessonError::Override {
                    key: key.clone(),
                    message: format!(
                        "lesson '{id}' has no such variable (it has: {})",
                        variables.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                });
            };
            var.value = neutralised_lesson_text(value);
        }
        Ok(variables)
    }

    fn permissions(&mut self, table: &Table, values: &Values) -> Vec<Permission> {
        let mut out = Vec::new();
        for (i, permission) in self.tables(table, "permissions") {
            let Some(permission) = permission else {
                continue;
            };
            let path = format!("permissions[{i}]");
            self.known_fields(permission, PERMISSION_FIELDS, &path);
            let actions: Option<Vec<String>> = self.required(permission, "actions", &path);
            if actions.as_ref().is_some_and(Vec::is_empty) {
                self.say(at(&path, "actions"), Text::new("lesson-file.no-actions"));
            }
            let resource: Option<String> = self.required(permission, "resource", &path);
            let resource = resource.and_then(|r| match substitute(&r, values) {
                Ok(r) => Some(r),
                Err(name) => {
                    self.say(at(&path, "resource"), unknown_variable(&name));
                    None
                }
            });
            if let (Some(actions), Some(resource)) = (actions, resource) {
                out.push(Permission { actions, resource });
            }
        }
        out
    }

    /// Unique step ids; each step depends only on steps before it and is proved only by
    /// steps after it.
    fn step_order(&mut self, steps: &[(usize, Option<&Table>)]) {
        let ids: Vec<&str> = steps
            .iter()
            .map(|(_, s)| s.and_then(|s| s.get("id")).and_then(Value::as_str))
            .map(Option::unwrap_or_default)
            .collect();
        let mut seen = BTreeSet::new();
        for (i, step) in steps {
            let Some(step) = step else { continue };
            let path = step_path(*i, Some(step));
            if !seen.insert(ids[*i]) {
                self.say(at(&path, "id"), Text::new("lesson-file.duplicate-step"));
            }
            let names = |key: &str| -> Vec<&str> {
                step.get(key)
                    .and_then(Value::as_array)
                    .map(|d| d.iter().filter_map(Value::as_str).collect())
                    .unwrap_or_default()
            };
            for dep in names("depends") {
                if let Some(said) = dependency_problem(&ids, *i, dep) {
                    self.say(at(&path, "depends"), said);
                }
            }
            for proof in names("proved_by") {
                if let Some(said) = proof_problem(&ids, *i, proof) {
                    self.say(at(&path, "proved_by"), said);
                }
            }
        }
    }

    /// Every step has its points, and together they make [`TOTAL_POINTS`].
    fn points(&mut self, steps: &[(usize, Option<&Table>)]) {
        let mut points = Vec::new();
        for (i, step) in steps {
            let Some(step) = step else { continue };
            match step.get("points").and_then(Value::as_integer) {
                Some(p) => points.push((step_path(*i, Some(step)), p)),
                None => self.say(
                    at(&step_path(*i, Some(step)), "points"),
                    Text::new("lesson-file.points-missing"),
                ),
            }
        }
        let sum: i64 = points.iter().map(|(_, p)| p).sum();
        if sum != TOTAL_POINTS && points.len() == steps.len() && !steps.is_empty() {
            let list: Vec<String> = steps
                .iter()
                .zip(&points)
                .map(|((_, s), (_, p))| {
                    let id = s.and_then(|s| s.get("id")).and_then(Value::as_str);
                    format!("{} {p}", id.unwrap_or("?"))
                })
                .collect();
            self.say(
                "steps[*].points",
                Text::new("lesson-file.points-sum")
                    .arg("sum", sum)
                    .arg("total", TOTAL_POINTS)
                    .arg("list", list.join(", ")),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn step(
        &mut self,
        i: usize,
        step: &Table,
        values: &Values,
        source: &Source,
        lesson: &str,
        permissions: &[Permission],
        assets: &mut BTreeMap<String, String>,
    ) -> Option<Step> {
        let path = step_path(i, Some(step));
        self.known_fields(step, STEP_FIELDS, &path);
        let id: Option<String> = self.required(step, "id", &path);
        let points: Option<u32> = step
            .get("points")
            .filter(|p| p.as_integer().is_some())
            .and_then(|p| self.typed(p, &at(&path, "points")));
        let depends = self.optional(step, "depends", &path).unwrap_or_default();
        let proved_by = self.optional(step, "proved_by", &path).unwrap_or_default();
        let title = self.text(step.get("title"), &at(&path, "title"), TEXT_FIELDS);
        let instructions = self.text(
            step.get("instructions"),
            &at(&path, "instructions"),
            TEXT_FIELDS,
        );
        let hints = self.hints(step, &path, values);
        // Where the step is done in the AWS console, in the console's own words: optional.
        let console = step.get("console").map(|c| {
            let field = at(&path, "console");
            self.text(Some(c), &field, TEXT_FIELDS)
                .and_then(|t| self.filled(&t, &field, values))
        });
        let spec = self.spec(step, &path, values);
        if let Some(spec) = &spec {
            self.assets(spec, step, &path, source, lesson, permissions, assets);
        }
        let title = self.filled(&title?, &at(&path, "title"), values);
        let instructions = self.filled(&instructions?, &at(&path, "instructions"), values);
        Some(Step {
            id: id?,
            spec: spec?,
            points: points?,
            depends,
            proved_by,
            title: title?,
            instructions: instructions?,
            console: console.map(|c| c.ok_or(())).transpose().ok()?,
            hints: hints?,
        })
    }

    fn hints(&mut self, step: &Table, path: &str, values: &Values) -> Option<Vec<Hint>> {
        let Some(value) = step.get("hints") else {
            return Some(Vec::new());
        };
        let Some(items) = value.as_array() else {
            self.say(at(path, "hints"), Text::new("lesson-file.not-list"));
            return None;
        };
        let mut hints = Vec::new();
        for (h, hint) in items.iter().enumerate() {
            let field = format!("{path}.hints[{h}]");
            let text = self.text(Some(hint), &field, HINT_FIELDS);
            let sandbox = hint.get("sandbox").map(|s| {
                let field = format!("{field}.sandbox");
                self.text(Some(s), &field, TEXT_FIELDS)
                    .and_then(|t| self.filled(&t, &field, values))
            });
            let text = text.and_then(|t| self.filled(&t, &field, values));
            hints.push(Hint {
                text: text?,
                sandbox: sandbox.map(|s| s.ok_or(())).transpose().ok()?,
            });
        }
        Some(hints)
    }

    /// The step's kind and its parameters (`with`, variables filled in).
    fn spec(&mut self, step: &Table, path: &str, values: &Values) -> Option<StepSpec> {
        let kind: Option<String> = self.required(step, "kind", path);
        let kind = kind.filter(|kind| {
            let known = KINDS.contains(&kind.as_str());
            if !known {
                self.say(
                    at(path, "kind"),
                    Text::new("lesson-file.unknown-kind")
                        .arg("kind", kind)
                        .arg("kinds", KINDS.join(", ")),
                );
            }
            known
        });
        let mut with = match step.get("with") {
            None => Value::Table(Table::new()),
            Some(with @ Value::Table(_)) => with.clone(),
            Some(_) => {
                self.say(at(path, "with"), Text::new("lesson-file.not-table"));
                return None;
            }
        };
        if let Err((under, name)) = substitute_value(&mut with, values) {
            self.say(format!("{path}.with.{under}"), unknown_variable(&name));
            return None;
        }
        let Value::Table(with) = with else {
            return None;
        };
        match StepSpec::from_kind(&kind?, with) {
            Ok(spec) => Some(spec),
            Err(detail) => {
                self.say(
                    at(path, "with"),
                    Text::new("lesson-file.params").arg("detail", detail),
                );
                None
            }
        }
    }

    /// The documents `spec` hands out: each there, JSON, and asking for no more than the
    /// lesson allows ([`documents::judge`]).
    #[allow(clippy::too_many_arguments)]
    fn assets(
        &mut self,
        spec: &StepSpec,
        step: &Table,
        path: &str,
        source: &Source,
        lesson: &str,
        permissions: &[Permission],
        assets: &mut BTreeMap<String, String>,
    ) {
        for name in spec.assets() {
            let field = asset_field(step, path, name);
            let text = match source.asset(lesson, name) {
                Ok((_, text)) if serde_json::from_str::<serde_json::Value>(&text).is_ok() => text,
                Ok((file, text)) => {
                    let e = serde_json::from_str::<serde_json::Value>(&text).err();
                    let detail = e.map(|e| e.to_string()).unwrap_or_default();
                    let said = Text::new("lesson-file.asset-json")
                        .arg("file", file)
                        .arg("detail", detail);
                    self.say(field, said);
                    continue;
                }
                Err(LessonError::Asset { file, message }) => {
                    let said = Text::new("lesson-file.asset")
                        .arg("file", file)
                        .arg("detail", message);
                    self.say(field, said);
                    continue;
                }
                Err(other) => {
                    let said = Text::new("lesson-file.asset")
                        .arg("file", name)
                        .arg("detail", other.to_string());
                    self.say(field, said);
                    continue;
                }
            };
            for said in documents::judge(spec, name, &text, permissions) {
                self.say(&field, said);
            }
            assets.insert(name.to_string(), text);
        }
    }

    /// The sandbox seeds the VPC the lab works in, under the name the lesson gives it: a step
    /// that works in a VPC names it, else the variable `vpc`, else the lessons this one starts
    /// from do.
    fn vpc_named(
        &mut self,
        steps: &[Step],
        variables: &BTreeMap<String, Variable>,
        depends_on: &[String],
    ) {
        let named = steps.iter().any(|s| s.spec.vpc().is_some()) || variables.contains_key("vpc");
        if !named && depends_on.is_empty() {
            self.say("variables.vpc", Text::new("lesson-file.no-vpc"));
        }
    }
}

/// The line `field` (`steps[3] (traffic).with.port`) is on in `text`, or that of the nearest
/// table above it that the file has.
fn line_of(text: &str, root: &toml::Spanned<toml::de::DeTable>, field: &str) -> Option<usize> {
    use std::borrow::Borrow;
    use toml::de::{DeTable, DeValue};
    let mut span = None;
    let mut here: Option<&DeValue> = None;
    let mut table: &DeTable = root.get_ref();
    for segment in field.split('.') {
        // `steps[3] (traffic)`: the key, then the index.
        let segment = segment.split(" (").next().unwrap_or(segment);
        let (key, index) = match segment.split_once('[') {
            Some((key, rest)) => (key, rest.trim_end_matches(']').parse::<usize>().ok()),
            None => (segment, None),
        };
        if let Some(DeValue::Table(t)) = here {
            table = t;
        } else if here.is_some() {
            break;
        }
        let Some((_, value)) = table.iter().find(|(k, _)| {
            let k: &str = k.get_ref().borrow();
            k == key
        }) else {
            break;
        };
        span = Some(value.span());
        here = Some(value.get_ref());
        if let (Some(i), DeValue::Array(items)) = (index, value.get_ref()) {
            let items: &[toml::Spanned<DeValue>] = items.borrow();
            let Some(item) = items.get(i) else { break };
            span = Some(item.span());
            here = Some(item.get_ref());
        }
    }
    let start = span?.start;
    Some(text.get(..start)?.matches('\n').count() + 1)
}

/// The field of a step that names the asset `name` (`steps[0] (policy).with.document`).
fn asset_field(step: &Table, path: &str, name: &str) -> String {
    let with = step.get("with").and_then(Value::as_table);
    let key = with
        .into_iter()
        .flatten()
        .find(|(_, v)| v.as_str() == Some(name))
        .map(|(k, _)| k.as_str());
    match key {
        Some(key) => format!("{path}.with.{key}"),
        None => format!("{path}.with"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Lang;

    const HEAD: &str = r#"id = "t"
schema = 1
title = { ko = "제목", en = "Title" }
summary = { ko = "요약", en = "Summary" }

[variables]
vpc = { default = "lab-vpc", ko = "VPC 이름", en = "The VPC's name" }
"#;

    /// A log-group step (it needs no document) with `extra` lines in its table.
    fn step(id: &str, points: u32, extra: &str) -> String {
        format!(
            "\n[[steps]]\nid = \"{id}\"\nkind = \"log-group\"\npoints = {points}\n{extra}\n\
             title = {{ ko = \"가\", en = \"a\" }}\ninstructions = {{ ko = \"가\", en = \"a\" }}\n\
             with = {{ name = \"g-{id}\" }}\n"
        )
    }

    fn problems(text: &str) -> Vec<Problem> {
        match read(&Source::Embedded, "t", "lesson.toml", text, &[]) {
            Ok(_) => Vec::new(),
            Err(LessonError::Invalid(problems)) => problems,
            Err(other) => panic!("not a problem of the file: {other}"),
        }
    }

    fn fields(problems: &[Problem]) -> Vec<&str> {
        problems.iter().map(|p| p.field.as_str()).collect()
    }

    #[test]
    fn a_small_lesson_reads() {
        assert_eq!(problems(&format!("{HEAD}{}", step("a", 100, ""))), []);
    }

    #[test]
    fn a_missing_language_names_the_field() {
        let text = format!(
            "{HEAD}\n[[steps]]\nid = \"a\"\nkind = \"log-group\"\npoints = 100\n\
             title = {{ en = \"A\" }}\ninstructions = {{ ko = \"가\", en = \" \" }}\n\
             with = {{ name = \"g\" }}\n"
        );
        let p = problems(&text);
        assert_eq!(
            fields(&p),
            ["steps[0] (a).title.ko", "steps[0] (a).instructions.en"]
        );
        assert!(p[0].message().contains("missing"), "{p:?}");
        assert!(p[1].message().contains("is empty"), "{p:?}");
    }

    #[test]
    fn a_console_path_is_optional_and_a_text_like_the_others() {
        let with = |console: &str| format!("{HEAD}{}", step("a", 100, console));
        assert_eq!(problems(&with("")), []);
        let text = with("console = { ko = \"VPC → {vpc}\", en = \"VPC → {vpc}\" }");
        let lesson = read(&Source::Embedded, "t", "lesson.toml", &text, &[]).expect("reads");
        let console = lesson.steps[0].console.as_ref().expect("a console path");
        assert_eq!(console.en, "VPC → lab-vpc");
        let p = problems(&with("console = { en = \"VPC\", fr = \"VPC\" }"));
        assert_eq!(
            fields(&p),
            ["steps[0] (a).console.fr", "steps[0] (a).console.ko"],
            "{p:?}"
        );
    }

    #[test]
    fn later_unknown_and_own_dependencies_are_told_apart() {
        let text = format!(
            "{HEAD}{}{}{}{}",
            step("a", 25, "depends = [\"b\"]"),
            step("b", 25, "depends = [\"nope\"]"),
            step("c", 25, "depends = [\"c\"]"),
            step("d", 25, "depends = [\"a\"]")
        );
        let p = problems(&text);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].message().contains("comes later"), "{p:?}");
        assert!(p[1].message().contains("no step 'nope'"), "{p:?}");
        assert!(p[2].message().contains("itself"), "{p:?}");
    }

    #[test]
    fn a_step_is_proved_only_by_later_steps() {
        let ids = ["a", "b", "c"];
        assert_eq!(proof_problem(&ids, 0, "c"), None);
        for (proof, words) in [("a", "itself"), ("x", "no step 'x'")] {
            let problem = proof_problem(&ids, 0, proof).map(|t| t.render(Lang::En));
            assert!(problem.unwrap_or_default().contains(words), "{proof}");
        }
        let earlier = proof_problem(&ids, 2, "a").map(|t| t.render(Lang::En));
        assert!(earlier.unwrap_or_default().contains("comes earlier"));
    }

    #[test]
    fn points_must_add_up_to_100() {
        let p = problems(&format!("{HEAD}{}", step("a", 90, "")));
        assert_eq!(fields(&p), ["steps[*].points"]);
        assert!(p[0].message().contains("add up to 90, not 100"), "{p:?}");
    }

    /// Every problem of the file at once, each where it is, in the reader's language.
    #[test]
    fn every_problem_is_named_at_once_with_its_field() {
        let text = format!(
            "favourite = 1\n{}{}{}{}",
            HEAD.replace("schema = 1", "schema = 2"),
            step("a", 40, "").replace("log-group", "s3-bucket"),
            step("b", 30, "").replace("g-b", "{nope}"),
            "\n[[steps]]\nid = \"c\"\nkind = \"traffic\"\npoints = 30\n\
             title = { ko = \"가\", en = \"a\" }\ninstructions = { ko = \"가\", en = \"a\" }\n\
             with = { vpc = \"v\", port = 70000, flow_log = \"f\", log_group = \"g\" }\n"
        );
        let p = problems(&text);
        assert_eq!(
            fields(&p),
            [
                "favourite",
                "schema",
                "steps[0] (a).kind",
                "steps[1] (b).with.name",
                "steps[2] (c).with",
            ],
            "{p:#?}"
        );
        assert!(p[2].message().contains("unknown step kind 's3-bucket'"));
        assert!(p[3].message().contains("unknown variable {nope}"));
        assert!(p[4].message().contains("not a port number"), "{p:?}");
        let korean = p[1].render(Lang::Ko);
        assert!(
            korean.starts_with("lesson.toml 3번째 줄: schema: 스키마 2는 지원하지"),
            "{korean}"
        );
    }

    #[test]
    fn a_problem_names_the_line_of_its_field_or_of_the_table_it_belongs_in() {
        let text = format!(
            "{HEAD}{}{}",
            step("a", 50, ""),
            step("b", 50, "").replace("g-b", "{nope}")
        );
        let p = problems(&text);
        assert_eq!(fields(&p), ["steps[1] (b).with.name"]);
        let line = text
            .lines()
            .position(|l| l.contains("{nope}"))
            .map(|n| n + 1);
        assert_eq!(p[0].line, line);
        assert!(
            p[0].render(Lang::En).starts_with(&format!(
                "lesson.toml, line {}: steps[1]",
                line.unwrap_or(0)
            )),
            "{p:?}"
        );
        // A field that is not there: the line of the table it belongs in.
        let without = HEAD.replace("vpc = {", "other = {");
        let p = problems(&format!("{without}{}", step("a", 100, "")));
        let variables = without.lines().position(|l| l == "[variables]");
        assert_eq!(p[0].line, variables.map(|n| n + 1), "{p:?}");
    }

    #[test]
    fn malformed_files_get_problems_not_a_panic() {
        for text in [
            "",
            "not toml = = =",
            "steps = 3",
            "steps = [1, \"x\"]",
            "[[steps]]\nid = 5\npoints = -1\nhints = 1\nwith = 2\ntitle = \"x\"",
            "variables = []\npermissions = [{ actions = [], resource = \"{x}\" }]",
            "[variables.v]\ndefault = 1\nko = 2",
            "depends_on = \"x\"\ntitle = { ko = 1, en = [] }\n[grading]\nlate = \"never\"",
        ] {
            let p = problems(text);
            assert!(!p.is_empty(), "{text}");
            for problem in &p {
                assert!(!problem.message().is_empty(), "{text}: {problem:?}");
            }
        }
    }

    #[test]
    fn a_lesson_names_the_vpc_the_sandbox_seeds() {
        let without = HEAD.replace("vpc = {", "other = {");
        let p = problems(&format!("{without}{}", step("a", 100, "")));
        assert_eq!(fields(&p), ["variables.vpc"]);
        // A step that works in a VPC names it; a lesson that starts from another needs none.
        let traffic = "\n[[steps]]\nid = \"a\"\nkind = \"traffic\"\npoints = 100\n\
             title = { ko = \"가\", en = \"a\" }\ninstructions = { ko = \"가\", en = \"a\" }\n\
             with = { vpc = \"v\", port = 80, flow_log = \"f\", log_group = \"g\" }\n";
        assert_eq!(problems(&format!("{without}{traffic}")), []);
        let after = format!("depends_on = [\"vpc-flow-logs\"]\n{without}");
        assert_eq!(problems(&format!("{after}{}", step("a", 100, ""))), []);
    }

    #[test]
    fn the_shipped_lessons_are_valid() {
        for id in ["vpc-flow-logs", "flow-logs-troubleshooting"] {
            let (file, text) = Source::Embedded.lesson_file(id).expect("shipped lesson");
            if let Err(e) = read(&Source::Embedded, id, &file, &text, &[]) {
                panic!("{id}: {e}");
            }
        }
    }

    #[test]
    fn depends_on_must_name_another_lesson_and_proved_by_a_later_step() {
        let id = "flow-logs-troubleshooting";
        let (file, text) = Source::Embedded.lesson_file(id).expect("shipped lesson");
        let broken = text
            .replace(
                "depends_on = [\"vpc-flow-logs\"]",
                "depends_on = [\"nope\", \"flow-logs-troubleshooting\"]",
            )
            .replace("proved_by = [\"rejected\"]", "proved_by = [\"close-port\"]");
        let problems = match read(&Source::Embedded, id, &file, &broken, &[]) {
            Err(LessonError::Invalid(problems)) => problems,
            other => panic!("{other:?}"),
        };
        let said = |field: &str, words: &str| {
            problems
                .iter()
                .any(|p| p.field == field && p.message().contains(words))
        };
        assert!(said("depends_on", "no lesson 'nope'"), "{problems:?}");
        assert!(said("depends_on", "this lesson itself"), "{problems:?}");
        assert!(
            said("steps[0] (close-port).proved_by", "this step itself"),
            "{problems:?}"
        );
    }
}
