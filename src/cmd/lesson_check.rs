//! `awslab lesson check`: what a lesson author runs before shipping a lesson, and CI runs on
//! every lesson. First the file itself: it loads, every text exists in Korean and English,
//! step ids are unique, each step depends only on steps before it, the assets exist and are
//! JSON, the points add up to 100. Then, in a private sandbox, that the lesson is sound the
//! way rustlings proves its exercises: on an empty account every check fails, and applying
//! the steps in order makes each one pass (the last, the test request, included).
//!
//! Exit codes: 0 sound, 1 a check that does not prove what it should, 2 a lesson that is not
//! valid (or could not be checked at all).

use crate::aws::Aws;
use crate::cmd::cli::LessonCheckArgs;
use crate::cmd::context::Context;
use crate::engine::{self, Verdict};
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::finding::Status;
use crate::i18n::{Lang, Text};
use crate::iam::{ActionSpec, Effect, PolicyDocument, Principals, ResourceSpec, Statement};
use crate::lesson::{Lesson, LessonError, Source};
use crate::sandbox;
use crate::steps::{Consent, Permission, StepSpec};
use std::collections::BTreeSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// The points of a lesson's steps add up to this, so scores read as percentages.
pub const TOTAL_POINTS: i64 = 100;
/// How long the sandbox takes to deliver the test request's record, at most.
const RECORD_WAIT: Duration = Duration::from_secs(30);

/// One thing wrong with a lesson, where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    pub field: String,
    /// The problem in English (what tests and logs read).
    pub message: String,
    /// The problem as a catalogue message, for the user's language, when it has one.
    pub text: Option<Text>,
}

impl Problem {
    fn new(file: &str, field: impl Into<String>, message: impl Into<String>) -> Problem {
        Problem {
            file: file.to_string(),
            field: field.into(),
            message: message.into(),
            text: None,
        }
    }

    fn said(file: &str, field: impl Into<String>, text: Text) -> Problem {
        Problem {
            message: text.render(Lang::En),
            text: Some(text),
            ..Problem::new(file, field, "")
        }
    }

    fn render(&self, lang: Lang) -> String {
        let message = match &self.text {
            Some(text) => text.render(lang),
            None => self.message.clone(),
        };
        Text::new("lesson-check.problem")
            .arg("file", &self.file)
            .arg("field", &self.field)
            .arg("message", message)
            .render(lang)
    }
}

/// The lessons to check: those of a directory of lessons, one lesson's own directory, or
/// (without DIR) the ones awslab would use.
fn lessons_to_check(
    ctx: &Context,
    dir: Option<&Path>,
) -> Result<(Source, Vec<String>), LessonError> {
    let source = match dir {
        Some(dir) if dir.join("lesson.toml").is_file() => {
            let id = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.file_name().map(|n| n.to_string_lossy().into_owned()))
                .unwrap_or_default();
            let parent = dir
                .canonicalize()
                .ok()
                .and_then(|d| d.parent().map(Path::to_path_buf))
                .unwrap_or_else(|| PathBuf::from("."));
            return Ok((Source::Dir(parent), vec![id]));
        }
        Some(dir) => Source::Dir(dir.to_path_buf()),
        None => ctx.source.clone(),
    };
    let ids = source.lesson_ids()?;
    Ok((source, ids))
}

pub async fn run(ctx: &Context, args: &LessonCheckArgs) -> Result<ExitCode, AppError> {
    let lang = ctx.lang;
    let (source, ids) = lessons_to_check(ctx, args.dir.as_deref())?;
    if ids.is_empty() {
        return Err(LessonError::Unknown {
            id: String::new(),
            available: Vec::new(),
        }
        .into());
    }
    let mut invalid = 0;
    let mut unsound = 0;
    for id in &ids {
        let (file, text) = source.lesson_file(id)?;
        ctx.print(&format!(
            "{}\n",
            Text::new("lesson-check.checking")
                .arg("file", &file)
                .render(lang)
        ))?;
        let (lesson, problems) = check_static(&source, id, &file, &text);
        for p in &problems {
            ctx.print(&format!("{}\n", p.render(lang)))?;
        }
        invalid += problems.len();
        let Some(lesson) = lesson.filter(|_| problems.is_empty()) else {
            continue;
        };
        ctx.print(&format!(
            "{}\n",
            Text::new("lesson-check.static-ok")
                .arg("points", lesson.possible_points())
                .render(lang)
        ))?;
        if args.static_only {
            continue;
        }
        ctx.print(&format!(
            "{}\n",
            Text::new("lesson-check.sandbox").render(lang)
        ))?;
        let problems = check_sound(ctx, &source, &lesson).await?;
        for p in &problems {
            ctx.print(&format!("{}\n", p.render(lang)))?;
        }
        unsound += problems.len();
    }
    let total = invalid + unsound;
    let end = if total == 0 {
        Text::new("lesson-check.ok").arg("count", ids.len())
    } else {
        Text::new("lesson-check.failed").arg("count", total)
    };
    ctx.print(&format!("{}\n", end.render(lang)))?;
    Ok(if invalid > 0 {
        ExitCode::CouldNotCheck
    } else if unsound > 0 {
        ExitCode::Fail
    } else {
        ExitCode::Pass
    })
}

/// The file's own checks, then the loader's (schema, variables, step kinds, assets). The
/// loader stops at its first error; the walk over the raw file reports every text and
/// dependency problem at once, so an author fixes them in one go.
pub fn check_static(
    source: &Source,
    id: &str,
    file: &str,
    text: &str,
) -> (Option<Lesson>, Vec<Problem>) {
    let raw = match text.parse::<toml::Table>() {
        Ok(t) => t,
        Err(e) => {
            return (
                None,
                vec![Problem::new(
                    file,
                    "(file)",
                    crate::lesson::toml_error_message(&e),
                )],
            );
        }
    };
    let mut problems = check_raw(file, &raw);
    problems.extend(check_kinds_and_assets(source, id, file, &raw));
    problems.extend(check_depends_on(source, id, file, &raw));
    match Lesson::load(source, id, &[]) {
        Ok(lesson) => {
            problems.extend(check_documents(file, &lesson));
            (Some(lesson), problems)
        }
        Err(e) => {
            let from_loader = match e {
                LessonError::Field {
                    file,
                    field,
                    message,
                } => Problem::new(&file, field, message),
                LessonError::Asset {
                    file: path,
                    message,
                } => Problem::new(
                    file,
                    asset_field(&raw, &path),
                    format!("asset {path}: {message}"),
                ),
                // A text or a field missing makes the typed parse fail too; the walk above
                // has already said which, better than serde can.
                LessonError::Parse { .. } if !problems.is_empty() => return (None, problems),
                LessonError::Parse { message, .. } => Problem::new(file, "(file)", message),
                other => Problem::new(file, "(lesson)", other.to_string()),
            };
            // Said already, by the field or (an unknown kind) by the kind check above.
            let said = problems.iter().any(|p| {
                p.field == from_loader.field
                    || (p.field.ends_with(".kind")
                        && from_loader.message.contains("unknown step kind"))
            });
            if !said {
                problems.push(from_loader);
            }
            (None, problems)
        }
    }
}

/// Every step kind awslab does not know and every asset that is missing or not JSON, all at
/// once (the loader stops at the first).
fn check_kinds_and_assets(
    source: &Source,
    id: &str,
    file: &str,
    raw: &toml::Table,
) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, step) in steps_of(raw).iter().enumerate() {
        let at = step_at(i, step);
        match step.get("kind").and_then(toml::Value::as_str) {
            Some(kind) if crate::steps::KINDS.contains(&kind) => {}
            Some(kind) => out.push(Problem::new(
                file,
                format!("{at}.kind"),
                format!(
                    "unknown step kind '{kind}' (known kinds: {})",
                    crate::steps::KINDS.join(", ")
                ),
            )),
            None => out.push(Problem::new(file, format!("{at}.kind"), "missing")),
        }
        let Some(with) = step.get("with").and_then(toml::Value::as_table) else {
            continue;
        };
        // Every step kind that hands out a document names it `document`.
        if let Some(name) = with.get("document").and_then(toml::Value::as_str) {
            let problem = match source.asset(id, name) {
                Ok((path, text)) => serde_json::from_str::<serde_json::Value>(&text)
                    .err()
                    .map(|e| format!("asset {path}: not valid JSON: {e}")),
                Err(LessonError::Asset {
                    file: path,
                    message,
                }) => Some(format!("asset {path}: {message}")),
                Err(other) => Some(other.to_string()),
            };
            if let Some(message) = problem {
                out.push(Problem::new(file, format!("{at}.with.document"), message));
            }
        }
    }
    out
}

/// The lesson's documents judged against the lesson: a trust document may trust only its
/// step's service, and a policy document may grant only the actions the lesson's
/// `[[permissions]]` list, on resources they name. Anything more is a problem naming the
/// statement. Deny statements and conditions only take away, so they are not judged.
/// `"Resource": "*"` is accepted: narrowing it is the policy check's least-privilege tip.
fn check_documents(file: &str, lesson: &Lesson) -> Vec<Problem> {
    let mut out = Vec::new();
    for (i, step) in lesson.steps.iter().enumerate() {
        let field = format!("steps[{i}] ({}).with.document", step.id);
        let name = match &step.spec {
            StepSpec::Policy(p) => p.document.as_str(),
            StepSpec::Trust(t) => t.document.as_str(),
            _ => continue,
        };
        let Some(text) = lesson.lab.assets.get(name) else {
            continue;
        };
        let document = match crate::iam::parse_document(text) {
            Ok(document) => document,
            Err(e) => {
                out.push(Problem::said(
                    file,
                    field,
                    Text::new("lesson-check.document-unparsable")
                        .arg("document", name)
                        .arg("error", e),
                ));
                continue;
            }
        };
        let said = match &step.spec {
            StepSpec::Trust(t) => strangers_trusted(&document, &t.service),
            _ => overreaching_grants(&document, &lesson.lab.permissions),
        };
        out.extend(
            said.into_iter()
                .map(|t| Problem::said(file, field.clone(), t.arg("document", name))),
        );
    }
    out
}

/// How a problem names a statement: its number, and its Sid when it has one.
fn statement_label(n: usize, s: &Statement) -> String {
    match &s.sid {
        Some(sid) => format!("{} (Sid {sid})", n + 1),
        None => (n + 1).to_string(),
    }
}

/// What the Allow statements of a policy grant beyond `permissions`.
fn overreaching_grants(document: &PolicyDocument, permissions: &[Permission]) -> Vec<Text> {
    let mut out = Vec::new();
    for (n, s) in document.statements.iter().enumerate() {
        if s.effect != Effect::Allow {
            continue;
        }
        let statement = statement_label(n, s);
        let actions = match &s.actions {
            ActionSpec::Action(actions) => actions.as_slice(),
            ActionSpec::NotAction(_) => {
                out.push(Text::new("lesson-check.policy-not-action").arg("statement", &statement));
                continue;
            }
            ActionSpec::None => continue,
        };
        let listed = |p: &Permission, a: &str| p.actions.iter().any(|x| x.eq_ignore_ascii_case(a));
        let extra: Vec<&str> = actions
            .iter()
            .filter(|a| !permissions.iter().any(|p| listed(p, a)))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            out.push(
                Text::new("lesson-check.policy-actions")
                    .arg("statement", &statement)
                    .arg("actions", extra.join(", ")),
            );
        }
        let resources = match &s.resources {
            ResourceSpec::Resource(resources) => resources.as_slice(),
            ResourceSpec::NotResource(_) => {
                out.push(
                    Text::new("lesson-check.policy-not-resource").arg("statement", &statement),
                );
                continue;
            }
            ResourceSpec::None => continue,
        };
        // A resource is the lesson's when a permission for one of the statement's actions
        // names a resource it can match ({region} and {account} stand for any).
        let named = |r: &str| {
            permissions.iter().any(|p| {
                actions.iter().any(|a| listed(p, a))
                    && globs_overlap(
                        r,
                        &crate::steps::fill_runtime(&p.resource, SEGMENT, SEGMENT),
                    )
            })
        };
        let extra: Vec<&str> = resources
            .iter()
            .filter(|r| *r != "*" && !named(r))
            .map(String::as_str)
            .collect();
        if !extra.is_empty() {
            out.push(
                Text::new("lesson-check.policy-resources")
                    .arg("statement", &statement)
                    .arg("resources", extra.join(", ")),
            );
        }
    }
    out
}

/// Who the Allow statements of a trust policy let in besides `service`.
fn strangers_trusted(document: &PolicyDocument, service: &str) -> Vec<Text> {
    let mut out = Vec::new();
    for (n, s) in document.statements.iter().enumerate() {
        if s.effect != Effect::Allow {
            continue;
        }
        let statement = statement_label(n, s);
        if s.not_principal.is_some() {
            out.push(
                Text::new("lesson-check.trust-not-principal")
                    .arg("statement", &statement)
                    .arg("service", service),
            );
            continue;
        }
        let strangers: Vec<String> = match &s.principal {
            None => Vec::new(),
            Some(Principals::Any) => vec!["*".to_string()],
            Some(Principals::Map(map)) => map
                .iter()
                .flat_map(|(kind, values)| {
                    values
                        .iter()
                        .filter(move |v| {
                            !(kind.eq_ignore_ascii_case("Service")
                                && v.eq_ignore_ascii_case(service))
                        })
                        .map(move |v| format!("{kind} {v}"))
                })
                .collect(),
        };
        if !strangers.is_empty() {
            out.push(
                Text::new("lesson-check.trust-principals")
                    .arg("statement", &statement)
                    .arg("principals", strangers.join(", "))
                    .arg("service", service),
            );
        }
    }
    out
}

/// In a pattern of [`globs_overlap`], any run of characters within one ARN field (no `:`): what
/// `{region}` and `{account}` of a lesson's permission stand for.
const SEGMENT: &str = "\u{0}";

/// Whether some text matches both patterns (`*`: any run of characters, `?`: any one,
/// [`SEGMENT`]: any run without `:`).
fn globs_overlap(a: &str, b: &str) -> bool {
    // IAM takes ARNs of at most 2048 characters; longer is not a resource of any lesson.
    if a.len() > 2048 || b.len() > 2048 {
        return false;
    }
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // memo[i][j]: whether a[i..] and b[j..] can match a common text.
    let mut memo = vec![vec![None; b.len() + 1]; a.len() + 1];
    fn go(a: &[char], b: &[char], i: usize, j: usize, memo: &mut [Vec<Option<bool>>]) -> bool {
        if let Some(known) = memo[i][j] {
            return known;
        }
        let closure = |c: char| c == '*' || c == '\u{0}';
        // Whether a closure token takes the one character `single` stands for.
        let takes = |closure: char, single: char| closure == '*' || single != ':';
        let answer = match (a.get(i).copied(), b.get(j).copied()) {
            (None, None) => true,
            // A closure in `a`: it ends here, or it takes what `b` has next (a closure of
            // `b` is then left empty; the other order is the case below).
            (Some(x), y) if closure(x) => {
                go(a, b, i + 1, j, memo)
                    || y.is_some_and(|y| closure(y) || takes(x, y)) && go(a, b, i, j + 1, memo)
            }
            (x, Some(y)) if closure(y) => {
                go(a, b, i, j + 1, memo)
                    || x.is_some_and(|x| takes(y, x)) && go(a, b, i + 1, j, memo)
            }
            (Some(x), Some(y)) => (x == y || x == '?' || y == '?') && go(a, b, i + 1, j + 1, memo),
            _ => false,
        };
        memo[i][j] = Some(answer);
        answer
    }
    go(&a, &b, 0, 0, &mut memo)
}

/// Every lesson `depends_on` names is one of `source`'s, and not this one.
fn check_depends_on(source: &Source, id: &str, file: &str, raw: &toml::Table) -> Vec<Problem> {
    let known = source.lesson_ids().unwrap_or_default();
    let Some(list) = raw.get("depends_on") else {
        return Vec::new();
    };
    let Some(list) = list.as_array() else {
        return vec![Problem::new(
            file,
            "depends_on",
            "must be a list of lesson ids",
        )];
    };
    list.iter()
        .filter_map(|v| match v.as_str() {
            None => Some("must be a list of lesson ids".to_string()),
            Some(other) if other == id => Some(format!("'{other}' is this lesson itself")),
            Some(other) if !known.iter().any(|k| k == other) => Some(format!(
                "no lesson '{other}' (lessons: {})",
                known.join(", ")
            )),
            Some(_) => None,
        })
        .map(|message| Problem::new(file, "depends_on", message))
        .collect()
}

/// The field of the step that names an asset (`steps[0] (policy).with.document`).
fn asset_field(raw: &toml::Table, path: &str) -> String {
    let name = Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    for (i, step) in steps_of(raw).iter().enumerate() {
        let Some(with) = step.get("with").and_then(toml::Value::as_table) else {
            continue;
        };
        for (key, value) in with {
            if value.as_str() == Some(name.as_str()) {
                return format!("{}.with.{key}", step_at(i, step));
            }
        }
    }
    "(asset)".to_string()
}

fn steps_of(raw: &toml::Table) -> Vec<&toml::Table> {
    raw.get("steps")
        .and_then(toml::Value::as_array)
        .map(|a| a.iter().filter_map(toml::Value::as_table).collect())
        .unwrap_or_default()
}

fn step_at(i: usize, step: &toml::Table) -> String {
    let id = step.get("id").and_then(toml::Value::as_str).unwrap_or("?");
    format!("steps[{i}] ({id})")
}

/// Texts in both languages, unique ids, dependencies on earlier steps only, 100 points.
fn check_raw(file: &str, raw: &toml::Table) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut localized = |field: &str, value: Option<&toml::Value>| {
        let Some(table) = value.and_then(toml::Value::as_table) else {
            out.push(Problem::new(
                file,
                field,
                "missing: every text needs `ko` and `en`",
            ));
            return;
        };
        for lang in ["ko", "en"] {
            let message = match table.get(lang) {
                Some(toml::Value::String(s)) if lang == "ko" && !s.trim().is_empty() => {
                    for wrong in crate::korean::fixed_particles(s) {
                        out.push(Problem::new(
                            file,
                            format!("{field}.ko"),
                            format!(
                                "'{wrong}': a particle written for one sound; write the pair \
                                 (을(를), 이(가), 은(는), 과(와), (으)로, (이)라는) and awslab \
                                 picks the form that fits the value"
                            ),
                        ));
                    }
                    continue;
                }
                Some(toml::Value::String(s)) if !s.trim().is_empty() => continue,
                Some(toml::Value::String(_)) => "is empty",
                Some(_) => "must be a string",
                None => "is missing: every text needs `ko` and `en`",
            };
            out.push(Problem::new(file, format!("{field}.{lang}"), message));
        }
    };
    localized("title", raw.get("title"));
    localized("summary", raw.get("summary"));
    if let Some(vars) = raw.get("variables").and_then(toml::Value::as_table) {
        for (name, var) in vars {
            localized(&format!("variables.{name}"), Some(var));
        }
    }
    let steps = steps_of(raw);
    for (i, step) in steps.iter().enumerate() {
        let at = step_at(i, step);
        localized(&format!("{at}.title"), step.get("title"));
        localized(&format!("{at}.instructions"), step.get("instructions"));
        if let Some(hints) = step.get("hints").and_then(toml::Value::as_array) {
            for (h, hint) in hints.iter().enumerate() {
                localized(&format!("{at}.hints[{h}]"), Some(hint));
                if let Some(sandbox) = hint.get("sandbox") {
                    localized(&format!("{at}.hints[{h}].sandbox"), Some(sandbox));
                }
            }
        }
    }

    let ids: Vec<&str> = steps
        .iter()
        .map(|s| s.get("id").and_then(toml::Value::as_str).unwrap_or(""))
        .collect();
    let mut seen = BTreeSet::new();
    let mut points = Vec::new();
    for (i, step) in steps.iter().enumerate() {
        let at = step_at(i, step);
        if !seen.insert(ids[i]) {
            out.push(Problem::new(file, format!("{at}.id"), "duplicate step id"));
        }
        let deps = step
            .get("depends")
            .and_then(toml::Value::as_array)
            .map(|d| d.iter().filter_map(toml::Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        for dep in deps {
            if let Some(message) = crate::lesson::dependency_problem(&ids, i, dep) {
                out.push(Problem::new(file, format!("{at}.depends"), message));
            }
        }
        let proofs = step
            .get("proved_by")
            .and_then(toml::Value::as_array)
            .map(|d| d.iter().filter_map(toml::Value::as_str).collect::<Vec<_>>())
            .unwrap_or_default();
        for proof in proofs {
            if let Some(message) = crate::lesson::proof_problem(&ids, i, proof) {
                out.push(Problem::new(file, format!("{at}.proved_by"), message));
            }
        }
        match step.get("points").and_then(toml::Value::as_integer) {
            Some(p) => points.push((ids[i], p)),
            None => out.push(Problem::new(
                file,
                format!("{at}.points"),
                "missing or not a whole number",
            )),
        }
    }
    let sum: i64 = points.iter().map(|(_, p)| p).sum();
    if sum != TOTAL_POINTS && points.len() == steps.len() {
        let list: Vec<String> = points.iter().map(|(id, p)| format!("{id} {p}")).collect();
        out.push(Problem::new(
            file,
            "steps[*].points",
            format!(
                "the points add up to {sum}, not {TOTAL_POINTS} ({})",
                list.join(", ")
            ),
        ));
    }
    out
}

fn step_status(v: &Verdict, id: &str) -> Status {
    v.steps
        .iter()
        .find(|s| s.id == id)
        .map(|s| s.status)
        .unwrap_or(Status::Error)
}

fn not_done(v: &Verdict, id: &str, lang: Lang) -> String {
    v.steps
        .iter()
        .find(|s| s.id == id)
        .map(|s| {
            s.findings
                .iter()
                .filter(|f| !f.status.is_done())
                .map(|f| format!("{} {}: {}", f.id, f.status.as_str(), f.message.render(lang)))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .unwrap_or_default()
}

/// Does one step in the sandbox the way a student with "do it for me" would: applies it,
/// agreeing to what it names as destructive (the sandbox is this check's own), and for a
/// `traffic` step sends the test request to the stand-in. Whether the request was let through
/// is the step's business: a refused one was still sent.
async fn do_step(
    aws: &Aws,
    info: &sandbox::SandboxInfo,
    lab: &crate::steps::Lab,
    spec: &StepSpec,
) -> Result<bool, String> {
    let changes = spec
        .apply(aws, lab, &Consent::none())
        .await
        .map_err(|e| e.to_string())?;
    if changes.iter().any(|c| c.destructive) {
        spec.apply(aws, lab, &Consent::to(&changes))
            .await
            .map_err(|e| e.to_string())?;
    }
    if !matches!(spec, StepSpec::Traffic(_)) {
        return Ok(true);
    }
    // The test request, to the sandbox's loopback stand-in only.
    let sent = match info.probe_address() {
        Ok(addr) => !matches!(
            crate::probe::send(&format!("http://{addr}/")).await,
            Err(crate::probe::ProbeError::NotLoopback(_) | crate::probe::ProbeError::Other(_))
        ),
        Err(_) => false,
    };
    Ok(sent)
}

/// Verifies until step `id` is done, the record wait included (at most [`RECORD_WAIT`]).
async fn until_done(aws: &Aws, lesson: &Lesson, id: &str, wait: bool) -> (Status, Verdict) {
    let deadline = Instant::now() + RECORD_WAIT;
    loop {
        let v = engine::verify(&aws.fresh(), lesson).await;
        let status = step_status(&v, id);
        if status.is_done() || !wait || Instant::now() > deadline {
            return (status, v);
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Rustlings' proof for a lesson, in a private sandbox: nothing passes on an empty account,
/// and each step passes once applied, in order. A lesson that starts where others end
/// (`depends_on`) starts from an account where those are done, each of their steps applied.
async fn check_sound(
    ctx: &Context,
    source: &Source,
    lesson: &Lesson,
) -> Result<Vec<Problem>, AppError> {
    let lang = ctx.lang;
    let file = lesson.file.as_str();
    let realism = sandbox::Realism {
        delay: Duration::from_secs(1),
        ..sandbox::Realism::default()
    };
    let before = lesson.prerequisites(source)?;
    let running = sandbox::start(
        lesson,
        &before,
        &ctx.region_hint(),
        realism,
        std::io::stderr().is_terminal(),
    )
    .await?;
    let aws = Aws::connect(&running.info.target()).await;
    let mut problems = Vec::new();
    let at = |i: usize| format!("steps[{i}] ({})", lesson.steps[i].id);

    for earlier in &before {
        for step in &earlier.steps {
            let sent = match do_step(&aws, &running.info, &earlier.lab, &step.spec).await {
                Ok(sent) => sent,
                Err(e) => {
                    problems.push(Problem::new(
                        file,
                        "depends_on",
                        format!(
                            "{} could not be done first: its step {} failed: {e}",
                            earlier.id, step.id
                        ),
                    ));
                    return Ok(problems);
                }
            };
            let (status, v) = until_done(&aws, earlier, &step.id, sent).await;
            if !status.is_done() {
                problems.push(Problem::new(
                    file,
                    "depends_on",
                    format!(
                        "{} could not be done first: its step {} is {}: {}",
                        earlier.id,
                        step.id,
                        status.as_str(),
                        not_done(&v, &step.id, lang)
                    ),
                ));
                return Ok(problems);
            }
        }
        ctx.print(&format!(
            "{}\n",
            Text::new("lesson-check.prerequisite-done")
                .arg("lesson", &earlier.id)
                .render(lang)
        ))?;
    }

    let empty = engine::verify(&aws.fresh(), lesson).await;
    if let Some(e) = empty.fatal {
        return Err(e.into());
    }
    for (i, step) in lesson.steps.iter().enumerate() {
        if matches!(step.spec, StepSpec::Traffic(_)) {
            continue;
        }
        let status = step_status(&empty, &step.id);
        if !matches!(status, Status::Fail | Status::Skip) {
            problems.push(Problem::new(
                file,
                at(i),
                format!(
                    "is {} on an empty account: its check proves nothing",
                    status.as_str()
                ),
            ));
        }
    }
    if problems.is_empty() {
        let start = if before.is_empty() {
            Text::new("lesson-check.empty-ok")
        } else {
            let ids: Vec<&str> = before.iter().map(|l| l.id.as_str()).collect();
            Text::new("lesson-check.start-ok").arg("lessons", ids.join(", "))
        };
        ctx.print(&format!("{}\n", start.render(lang)))?;
    }

    for (i, step) in lesson.steps.iter().enumerate() {
        let traffic = matches!(step.spec, StepSpec::Traffic(_));
        let sent = match do_step(&aws, &running.info, &lesson.lab, &step.spec).await {
            Ok(sent) => sent,
            Err(e) => {
                problems.push(Problem::new(
                    file,
                    at(i),
                    format!("applying it failed: {e}"),
                ));
                continue;
            }
        };
        let (status, v) = until_done(&aws, lesson, &step.id, traffic && sent).await;
        // Every step so far still counts as done: a later one undid none unproved.
        let undone: Vec<&str> = lesson.steps[..i]
            .iter()
            .filter(|s| !step_status(&v, &s.id).is_done())
            .map(|s| s.id.as_str())
            .collect();
        if !undone.is_empty() {
            problems.push(Problem::new(
                file,
                at(i),
                format!(
                    "doing it undid {}, which no later step proves (proved_by)",
                    undone.join(", ")
                ),
            ));
        }
        match status {
            s if s.is_done() => ctx.print(&format!(
                "{}\n",
                Text::new(if traffic {
                    "lesson-check.traffic-ok"
                } else {
                    "lesson-check.step-ok"
                })
                .arg("step", &step.id)
                .render(lang)
            ))?,
            Status::Pending if traffic && !sent => ctx.print(&format!(
                "{}\n",
                Text::new("lesson-check.traffic-pending")
                    .arg("step", &step.id)
                    .render(lang)
            ))?,
            s if traffic => problems.push(Problem::new(
                file,
                at(i),
                format!(
                    "is {} after the test request and {} s: {}",
                    s.as_str(),
                    RECORD_WAIT.as_secs(),
                    not_done(&v, &step.id, lang)
                ),
            )),
            s => problems.push(Problem::new(
                file,
                at(i),
                format!(
                    "is {} after applying it: {}",
                    s.as_str(),
                    not_done(&v, &step.id, lang)
                ),
            )),
        }
    }
    drop(running);
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn problems(text: &str) -> Vec<Problem> {
        let raw: toml::Table = text.parse().expect("toml");
        check_raw("lesson.toml", &raw)
    }

    const GOOD_STEP: &str = r#"
title = { ko = "제목", en = "Title" }
summary = { ko = "요약", en = "Summary" }
"#;

    #[test]
    fn a_missing_language_names_the_field() {
        let p = problems(&format!(
            "{GOOD_STEP}\n[[steps]]\nid = \"a\"\npoints = 100\ntitle = {{ en = \"A\" }}\ninstructions = {{ ko = \"가\", en = \" \" }}\n"
        ));
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(
            fields,
            ["steps[0] (a).title.ko", "steps[0] (a).instructions.en"]
        );
    }

    #[test]
    fn later_unknown_and_own_dependencies_are_told_apart() {
        let step = |id: &str, deps: &str| {
            format!(
                "[[steps]]\nid = \"{id}\"\npoints = 25\ndepends = [{deps}]\ntitle = {{ ko = \"가\", en = \"a\" }}\ninstructions = {{ ko = \"가\", en = \"a\" }}\n"
            )
        };
        let text = format!(
            "{GOOD_STEP}{}{}{}{}",
            step("a", "\"b\""),
            step("b", "\"nope\""),
            step("c", "\"c\""),
            step("d", "\"a\"")
        );
        let p = problems(&text);
        assert_eq!(p.len(), 3, "{p:?}");
        assert!(p[0].message.contains("comes later"), "{p:?}");
        assert!(p[1].message.contains("no step 'nope'"), "{p:?}");
        assert!(p[2].message.contains("itself"), "{p:?}");
    }

    #[test]
    fn points_must_add_up_to_100() {
        let p = problems(&format!(
            "{GOOD_STEP}\n[[steps]]\nid = \"a\"\npoints = 90\ntitle = {{ ko = \"가\", en = \"a\" }}\ninstructions = {{ ko = \"가\", en = \"a\" }}\n"
        ));
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].field, "steps[*].points");
        assert!(p[0].message.contains("add up to 90"), "{p:?}");
    }

    #[test]
    fn patterns_overlap_when_some_text_matches_both() {
        let lab = |r: &str| r.replace("{x}", SEGMENT);
        for (a, b) in [
            ("*", lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:")),
            (
                "arn:aws:logs:*:*:log-group:G:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:"),
            ),
            (
                "arn:aws:logs:us-east-1:*:log-group:G:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:s"),
            ),
            ("a?c", "abc".to_string()),
            ("a*", "*b".to_string()),
        ] {
            assert!(globs_overlap(a, &b), "{a} / {b:?}");
            assert!(globs_overlap(&b, a), "{b:?} / {a}");
        }
        for (a, b) in [
            (
                "arn:aws:s3:::bucket/*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:*"),
            ),
            (
                "arn:aws:logs:*:*:log-group:Other:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:"),
            ),
            (
                "arn:aws:logs:a:b:c:log-group:G:*",
                lab("arn:aws:logs:{x}:{x}:log-group:G:log-stream:"),
            ),
            ("abc", "abd".to_string()),
        ] {
            assert!(!globs_overlap(a, &b), "{a} / {b:?}");
            assert!(!globs_overlap(&b, a), "{b:?} / {a}");
        }
    }

    #[test]
    fn a_policy_may_grant_only_the_lessons_permissions() {
        let permissions = vec![Permission {
            actions: vec!["logs:PutLogEvents".into(), "logs:CreateLogStream".into()],
            resource: "arn:aws:logs:{region}:{account}:log-group:G:log-stream:s".into(),
        }];
        let judge = |doc: &str| {
            let d = crate::iam::parse_document(doc).expect("document");
            overreaching_grants(&d, &permissions)
                .into_iter()
                .map(|t| t.arg("document", "doc.json").render(Lang::En))
                .collect::<Vec<_>>()
        };
        let fine = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":["logs:putlogevents"],"Resource":"*"},
            {"Effect":"Allow","Action":"logs:CreateLogStream","Resource":"arn:aws:logs:*:*:log-group:G:*"},
            {"Effect":"Deny","Action":"*","Resource":"*"}]}"#;
        assert!(judge(fine).is_empty(), "{:?}", judge(fine));
        let wide = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"*"},
            {"Sid":"Everything","Effect":"Allow","Action":["*","logs:PutLogEvents"],"Resource":"*"},
            {"Effect":"Allow","Action":"logs:PutLogEvents","Resource":"arn:aws:s3:::loot/*"},
            {"Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}"#;
        let said = judge(wide);
        assert_eq!(said.len(), 3, "{said:?}");
        assert!(
            said[0].contains("statement 2 (Sid Everything)") && said[0].contains("grants *"),
            "{said:?}"
        );
        assert!(
            said[1].contains("statement 3") && said[1].contains("arn:aws:s3:::loot/*"),
            "{said:?}"
        );
        assert!(
            said[2].contains("statement 4") && said[2].contains("NotAction"),
            "{said:?}"
        );
    }

    #[test]
    fn a_trust_policy_may_trust_only_its_service() {
        let judge = |doc: &str| {
            let d = crate::iam::parse_document(doc).expect("document");
            strangers_trusted(&d, "vpc-flow-logs.amazonaws.com")
                .into_iter()
                .map(|t| t.arg("document", "doc.json").render(Lang::En))
                .collect::<Vec<_>>()
        };
        let fine = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"vpc-flow-logs.amazonaws.com"},"Action":"sts:AssumeRole"},
            {"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}"#;
        assert!(judge(fine).is_empty(), "{:?}", judge(fine));
        let open = r#"{"Version":"2012-10-17","Statement":[
            {"Effect":"Allow","Principal":{"Service":["vpc-flow-logs.amazonaws.com","ec2.amazonaws.com"],"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"},
            {"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}]}"#;
        let said = judge(open);
        assert_eq!(said.len(), 2, "{said:?}");
        assert!(
            said[0].contains("statement 1")
                && said[0].contains("arn:aws:iam::999999999999:root")
                && said[0].contains("ec2.amazonaws.com")
                && !said[0].contains("Service vpc-flow-logs"),
            "{said:?}"
        );
        assert!(
            said[1].contains("statement 2") && said[1].contains("trusts *"),
            "{said:?}"
        );
    }

    #[test]
    fn the_shipped_lessons_are_valid() {
        for id in ["vpc-flow-logs", "flow-logs-troubleshooting"] {
            let (file, text) = Source::Embedded.lesson_file(id).expect("shipped lesson");
            let (lesson, problems) = check_static(&Source::Embedded, id, &file, &text);
            assert!(problems.is_empty(), "{id}: {problems:?}");
            assert!(lesson.is_some());
        }
    }

    #[test]
    fn depends_on_must_name_another_lesson_and_proved_by_a_later_step() {
        let (file, text) = Source::Embedded
            .lesson_file("flow-logs-troubleshooting")
            .expect("shipped lesson");
        let broken = text
            .replace(
                "depends_on = [\"vpc-flow-logs\"]",
                "depends_on = [\"nope\", \"flow-logs-troubleshooting\"]",
            )
            .replace("proved_by = [\"rejected\"]", "proved_by = [\"close-port\"]");
        let (_, problems) = check_static(
            &Source::Embedded,
            "flow-logs-troubleshooting",
            &file,
            &broken,
        );
        let said = |field: &str, words: &str| {
            problems
                .iter()
                .any(|p| p.field == field && p.message.contains(words))
        };
        assert!(said("depends_on", "no lesson 'nope'"), "{problems:?}");
        assert!(said("depends_on", "this lesson itself"), "{problems:?}");
        assert!(
            said("steps[0] (close-port).proved_by", "this step itself"),
            "{problems:?}"
        );
    }
}
