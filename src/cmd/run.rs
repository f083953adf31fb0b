//! `awslab run`: the lab wizard in a real account, or the sandbox when there is none.

use crate::aws::Waiting;
use crate::cmd::cli::RunArgs;
use crate::cmd::context::{Context, Joined, NoAccount};
use crate::cmd::lesson_files;
use crate::cmd::student_page;
use crate::error::AppError;
use crate::exit::ExitCode;
use crate::finding::Status;
use crate::i18n::Text;
use crate::lesson::Lesson;
use crate::report::fit_terminal;
use crate::sandbox;
use crate::steps::Lab;
use crate::wizard::prompt::{Auto, Prompter, Terminal};
use crate::wizard::{Options, Outcome, Wizard};
use std::io::IsTerminal;
use std::time::Duration;

pub async fn run(ctx: &Context, args: &RunArgs) -> Result<ExitCode, AppError> {
    if !args.auto && !std::io::stdin().is_terminal() {
        return Err(AppError::Usage(
            Text::new("wizard.no-terminal").render(ctx.lang),
        ));
    }
    // Every argument is checked before any work: the intro, the account, a sandbox.
    let mut lesson = ctx.lesson(args.lesson.as_deref())?;
    if let Some(from) = args.from.as_deref() {
        if lesson.step(from).is_none() {
            return Err(crate::wizard::bad_from(&lesson, from, ctx.lang));
        }
    }
    // Newcomers without an account practise in the sandbox instead of meeting an error.
    let asked_sandbox = ctx.sandbox || ctx.private_sandbox;
    if asked_sandbox && args.probe_url.is_some() {
        return Err(AppError::Usage(
            Text::new("wizard.probe-url-sandbox").render(ctx.lang),
        ));
    }
    check_probe_url(ctx, args, ctx.target.endpoint_url.is_some())?;
    let realism = sandbox::Realism {
        warmup: Duration::from_secs(args.realism.warmup),
        iam_delay: Duration::from_secs(args.realism.iam_delay),
        ..sandbox::Realism::default()
    };
    let connection = ctx.connect_with(&lesson, NoAccount::Start, realism).await?;
    if connection.sandbox.is_some() && args.probe_url.is_some() {
        return Err(AppError::Usage(
            Text::new("wizard.probe-url-sandbox").render(ctx.lang),
        ));
    }
    let course = ctx.course()?;
    // What brings the student back here: without credentials (or in a shell pointed at the
    // sandbox) the sandbox is where `awslab run` goes anyway; asked for, it is said.
    let place = match connection.joined {
        Joined::Real => match &ctx.target.endpoint_url {
            Some(url) => format!(" --endpoint-url {}", crate::steps::sh(url)),
            None => String::new(),
        },
        _ if ctx.sandbox => " --sandbox".to_string(),
        _ => String::new(),
    };
    // `awslab run` alone goes on with the course: the first lesson not done yet.
    if args.lesson.is_none() && args.from.is_none() {
        if let Some(next) = first_not_done(&connection.aws, &course).await? {
            if next.id != lesson.id {
                say(&Text::new("wizard.course-next")
                    .arg("done", lesson.title.get(ctx.lang))
                    .arg("lesson", next.title.get(ctx.lang))
                    .arg("id", &next.id)
                    .render(ctx.lang));
                lesson = Lesson::load(&ctx.source, &next.id, &[])?;
            }
        }
    }
    let files = lab_folder(&mut lesson, args.lab_dir.clone(), args, ctx)?;
    // The endpoint may also come from AWS_ENDPOINT_URL or the profile: judge the one in use.
    let custom_endpoint = connection.aws.sdk().endpoint_url().is_some();
    let probe_url = check_probe_url(ctx, args, custom_endpoint)?;
    // IAM propagation waits are said as they happen, on stderr beside the wizard's own lines.
    let lang = ctx.lang;
    let aws =
        connection
            .aws
            .fresh()
            .with_notice(std::sync::Arc::new(move |waiting| match waiting {
                Waiting::IamPropagation {
                    operation,
                    waited,
                    limit,
                } => eprintln!(
                    "{}",
                    fit_terminal(&format!(
                        "⏳ {}",
                        Text::new("wizard.iam-propagation")
                            .arg("operation", operation)
                            .arg("waited", waited.as_secs())
                            .arg("limit", limit.as_secs())
                            .render(lang)
                    ))
                ),
            }));
    // The page beside the console follows the lesson the wizard starts with.
    let _page = match args.page.web {
        true => {
            let view = crate::live::student::View {
                lang: ctx.lang,
                sandbox: connection.sandbox.is_some(),
            };
            student_page::start(ctx, &lesson, view, args.page.no_browser)
                .await?
                .map(|page| {
                    student_page::follow(page, connection.aws.fresh(), lesson.clone(), view)
                })
        }
        false => None,
    };
    let mut terminal = Terminal { lang: ctx.lang };
    let mut auto = Auto;
    let prompt: &mut dyn Prompter = if args.auto { &mut auto } else { &mut terminal };
    let mut stdout = std::io::stdout();
    let poll = match args.poll {
        Some(s) => Duration::from_secs_f64(s),
        None if connection.sandbox.is_some() => Duration::from_millis(500),
        None => Duration::from_secs(5),
    };
    let opts = |from: Option<String>, files: Option<String>, next: Vec<(String, String)>| Options {
        from,
        yes: args.yes,
        wait: args.wait.map(|m| Duration::from_secs_f64(m * 60.0)),
        poll,
        spinner: std::io::stderr().is_terminal(),
        probe_url: probe_url.clone(),
        files,
        next,
        place: place.clone(),
    };
    // A lesson that starts where others end: those first, each checked, and done now if the
    // student agrees (always with --auto).
    for id in &lesson.depends_on {
        let mut before = Lesson::load(&ctx.source, id, &[])?;
        let verdict = crate::engine::verify(&aws.fresh(), &before).await;
        if let Some(e) = verdict.fatal {
            return Err(e.into());
        }
        if verdict.status == Status::Pass {
            say(&Text::new("wizard.prerequisite-done")
                .arg("lesson", before.title.get(ctx.lang))
                .render(ctx.lang));
            continue;
        }
        let question = Text::new("wizard.prerequisite-first")
            .arg("lesson", before.title.get(ctx.lang))
            .arg("id", &before.id)
            .arg("earned", verdict.earned)
            .arg("possible", verdict.possible)
            .render(ctx.lang);
        say(&question);
        let go = prompt.automatic()
            || prompt.confirm(&Text::new("wizard.prerequisite-confirm").render(ctx.lang))?;
        if !go {
            say(&Text::new("wizard.prerequisite-declined")
                .arg("id", &before.id)
                .render(ctx.lang));
            return Ok(ExitCode::from_status(verdict.status));
        }
        // Its own lab folder, beside this lesson's.
        let beside = args
            .lab_dir
            .as_deref()
            .and_then(std::path::Path::parent)
            .map(|p| p.join(Lab::default_files(&before.id)));
        let before_files = lab_folder(&mut before, beside, args, ctx)?;
        let outcome = Wizard {
            lesson: &before,
            aws: &aws,
            sandbox: connection.sandbox.as_ref(),
            prompt: &mut *prompt,
            out: &mut stdout,
            lang: ctx.lang,
            opts: opts(None, before_files, Vec::new()),
        }
        .run()
        .await?;
        if !matches!(&outcome, Outcome::Finished(v) if v.status == Status::Pass) {
            say(&Text::new("wizard.prerequisite-unfinished")
                .arg("id", &before.id)
                .arg("next", &lesson.id)
                .render(ctx.lang));
            return Ok(ExitCode::from_status(outcome.verdict().status));
        }
    }
    // The lesson, then, when the student agrees, the lessons that follow it in the course.
    let (mut from, mut files) = (args.from.clone(), files);
    loop {
        let next = followers(&course, &lesson.id, ctx);
        let outcome = Wizard {
            lesson: &lesson,
            aws: &aws,
            sandbox: connection.sandbox.as_ref(),
            prompt: &mut *prompt,
            out: &mut stdout,
            lang: ctx.lang,
            opts: opts(from.take(), files.take(), next.clone()),
        }
        .run()
        .await?;
        let v = match outcome {
            Outcome::Finished(v) => v,
            Outcome::Quit(_) => return Ok(ExitCode::Pass),
        };
        let Some((id, title)) = next.first() else {
            return Ok(ExitCode::from_status(v.status));
        };
        if v.status != Status::Pass || prompt.automatic() {
            return Ok(ExitCode::from_status(v.status));
        }
        let question = Text::new("wizard.next-confirm")
            .arg("lesson", title)
            .render(ctx.lang);
        if !prompt.confirm(&question)? {
            return Ok(ExitCode::Pass);
        }
        lesson = Lesson::load(&ctx.source, id, &[])?;
        let beside = args
            .lab_dir
            .as_deref()
            .and_then(std::path::Path::parent)
            .map(|p| p.join(Lab::default_files(&lesson.id)));
        files = lab_folder(&mut lesson, beside, args, ctx)?;
    }
}

/// The first lesson of the course that is not done in the account, if any.
async fn first_not_done<'a>(
    aws: &crate::aws::Aws,
    course: &'a [Lesson],
) -> Result<Option<&'a Lesson>, AppError> {
    for lesson in course {
        let verdict = crate::engine::verify(&aws.fresh(), lesson).await;
        if let Some(e) = verdict.fatal {
            return Err(e.into());
        }
        if verdict.status != Status::Pass {
            return Ok(Some(lesson));
        }
    }
    Ok(None)
}

/// The lessons that start where `id` ends (id, title), in the course's order.
fn followers(course: &[Lesson], id: &str, ctx: &Context) -> Vec<(String, String)> {
    course
        .iter()
        .filter(|l| l.depends_on.iter().any(|d| d == id))
        .map(|l| (l.id.clone(), l.title.get(ctx.lang).to_string()))
        .collect()
}

/// Writes `lesson`'s documents to its lab folder (`dir`, else `./awslab-<id>`, or in AWS
/// CloudShell `~/awslab-<id>`: only the home folder outlives the session) and points its
/// printed `file://` commands there, by absolute path so that a command pasted into a fresh
/// shell in any folder finds them; what the student is told. `--auto` prints nothing to paste,
/// so it writes nothing.
fn lab_folder(
    lesson: &mut Lesson,
    dir: Option<std::path::PathBuf>,
    args: &RunArgs,
    ctx: &Context,
) -> Result<Option<String>, AppError> {
    if args.auto || lesson.lab.assets.is_empty() {
        return Ok(None);
    }
    let dir = dir.unwrap_or_else(|| {
        let name = Lab::default_files(&lesson.id);
        match crate::cloudshell::lab_parent() {
            Some(home) => home.join(name),
            None => name.into(),
        }
    });
    let written = lesson_files::write(&lesson.lab, &dir, ctx.lang)?;
    lesson.lab.files = written.dir.display().to_string();
    Ok(Some(lesson_files::said(&written, ctx.lang)))
}

/// `--probe-url`, checked: an http(s) URL, and on this machine when the account is an
/// emulator's (`custom_endpoint`).
fn check_probe_url(
    ctx: &Context,
    args: &RunArgs,
    custom_endpoint: bool,
) -> Result<Option<String>, AppError> {
    let Some(url) = args.probe_url.as_deref() else {
        return Ok(None);
    };
    crate::probe::check_probe_url(url, custom_endpoint)
        .map(Some)
        .map_err(|e| {
            AppError::Usage(
                Text::new(e.catalogue_key())
                    .arg("url", url)
                    .render(ctx.lang),
            )
        })
}

/// A line of the wizard's own, fitted to the terminal like the wizard's (`report::fit`).
fn say(text: &str) {
    println!("{}", fit_terminal(text));
}
