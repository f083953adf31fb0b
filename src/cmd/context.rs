//! What every command shares: language, lesson source, how to reach AWS, and printing.

use crate::aws::{Aws, DEFAULT_REGION, Target};
use crate::cmd::cli::Global;
use crate::error::AppError;
use crate::i18n::Lang;
use crate::i18n::Text;
use crate::lesson::{Lesson, Source};
use crate::sandbox::{self, SandboxError, SandboxInfo, state};
use std::io::IsTerminal;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub struct Context {
    pub lang: Lang,
    pub source: Source,
    pub target: Target,
    pub overrides: Vec<(String, String)>,
    /// `--sandbox`: use the running sandbox, or start it.
    pub sandbox: bool,
    /// `--private-sandbox`: a throw-away sandbox for this command alone.
    pub private_sandbox: bool,
    pub lessons_dir: Option<std::path::PathBuf>,
}

/// An account to work on, and the private sandbox behind it if one was started for this
/// command (dropping it stops the sandbox).
pub struct Connection {
    pub aws: Aws,
    pub sandbox: Option<SandboxInfo>,
    pub private: Option<sandbox::Running>,
    pub joined: Joined,
}

/// How a command came to its account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Joined {
    /// The account the credentials (or the endpoint) reach.
    Real,
    /// The sandbox that was already running.
    Running,
    /// The running sandbox, named by its endpoint (`AWS_ENDPOINT_URL`, `--endpoint-url`).
    Endpoint,
    /// The sandbox, started by this command; it keeps running after it.
    Started,
    /// A throw-away sandbox of this command alone (`--private-sandbox`).
    Private,
}

/// What a command does when there are no AWS credentials (and no endpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoAccount {
    /// Reach AWS regardless, and report its error (grading, scripts).
    Fail,
    /// Use the running sandbox; with none, say how to start one.
    Join,
    /// Use the running sandbox, or start it (the wizard).
    Start,
}

impl Connection {
    /// The sandbox that runs in the background, once its emulator has answered: a sandbox
    /// whose emulator stopped is said to be one, not taken for a network problem.
    async fn shared(info: SandboxInfo, joined: Joined) -> Result<Connection, AppError> {
        let aws = Aws::connect(&info.target())
            .await
            .with_stand_in(info.stand_in());
        if let Err(e) = aws.fresh().identity().await {
            if matches!(
                e.kind,
                crate::aws::ErrorKind::Network | crate::aws::ErrorKind::Timeout
            ) {
                return Err(AppError::SandboxUnreachable {
                    endpoint: info.endpoint.clone(),
                    detail: e.to_string(),
                });
            }
        }
        Ok(Connection {
            aws,
            sandbox: Some(info),
            private: None,
            joined,
        })
    }
}

/// The sandbox that is running, if any: a state file whose serving process still runs.
pub fn running_sandbox() -> Result<Option<SandboxInfo>, AppError> {
    Ok(state::read()?.filter(state::running))
}

/// Whether two endpoint URLs name the same place (`http://127.0.0.1:5000/` and
/// `http://127.0.0.1:5000` do).
pub fn same_endpoint(a: &str, b: &str) -> bool {
    let norm = |s: &str| s.trim().trim_end_matches('/').to_ascii_lowercase();
    norm(a) == norm(b)
}

fn io(context: &str, source: std::io::Error) -> AppError {
    AppError::Io {
        context: context.to_string(),
        source,
    }
}

/// The background sandbox must not die with the terminal or the shell that started it.
fn detach(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                Ok(())
            });
        }
    }
    #[cfg(not(unix))]
    let _ = cmd;
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
            private_sandbox: g.private_sandbox,
            lessons_dir: g.lessons.clone(),
        }
    }

    pub fn lesson(&self, id: Option<&str>) -> Result<Lesson, AppError> {
        let id = Lesson::resolve_id(&self.source, id)?;
        Ok(Lesson::load(&self.source, &id, &self.overrides)?)
    }

    /// Every lesson, in the course's order: a lesson after the lessons it depends on.
    pub fn course(&self) -> Result<Vec<Lesson>, AppError> {
        let mut lessons = Vec::new();
        for id in self.source.lesson_ids()? {
            lessons.push(Lesson::load(&self.source, &id, &[])?);
        }
        lessons.sort_by_key(|l| (l.depends_on.len(), l.id.clone()));
        Ok(lessons)
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

    /// Connects to the account as a grader or script would: the real one, or the sandbox when
    /// asked for (`--sandbox`, `--private-sandbox`) or named by its endpoint. Without
    /// credentials this is an AWS error, as for any account.
    pub async fn connect(&self, lesson: &Lesson) -> Result<Connection, AppError> {
        self.connect_with(lesson, NoAccount::Fail, sandbox::Realism::default())
            .await
    }

    /// Connects to the student's account: as [`Context::connect`], and without credentials the
    /// running sandbox; with none running, a message that says how to start one.
    pub async fn connect_student(&self, lesson: &Lesson) -> Result<Connection, AppError> {
        self.connect_with(lesson, NoAccount::Join, sandbox::Realism::default())
            .await
    }

    /// Connects, choosing the account in this order: a private sandbox (`--private-sandbox`);
    /// the sandbox (`--sandbox`: the running one, else one started now that keeps running); an
    /// endpoint that is the running sandbox's, which is the sandbox; with no credentials (and no
    /// endpoint), what `no_account` says; else the account the credentials reach.
    pub async fn connect_with(
        &self,
        lesson: &Lesson,
        no_account: NoAccount,
        realism: sandbox::Realism,
    ) -> Result<Connection, AppError> {
        if self.private_sandbox {
            let show = std::io::stderr().is_terminal();
            let before = lesson.prerequisites(&self.source)?;
            let running =
                sandbox::start(lesson, &before, &self.region_hint(), realism, show).await?;
            return Ok(Connection {
                aws: Aws::connect(&running.info.target())
                    .await
                    .with_stand_in(running.info.stand_in()),
                sandbox: Some(running.info.clone()),
                private: Some(running),
                joined: Joined::Private,
            });
        }
        if self.sandbox {
            return match running_sandbox()? {
                Some(info) => Connection::shared(info, Joined::Running).await,
                None => {
                    let info = self.start_shared(lesson, realism).await?;
                    Connection::shared(info, Joined::Started).await
                }
            };
        }
        // Not asked for the sandbox: a state file that cannot be read (no cache directory, a
        // file awslab did not write) only means there is no sandbox to join; `--sandbox` and
        // `sandbox status` say what is wrong with it.
        let running = running_sandbox().unwrap_or(None);
        let aws = Aws::connect(&self.target).await;
        let endpoint = aws.sdk().endpoint_url().map(str::to_string);
        if let (Some(info), Some(endpoint)) = (&running, &endpoint) {
            if same_endpoint(endpoint, &info.endpoint) {
                return Connection::shared(info.clone(), Joined::Endpoint).await;
            }
        }
        let named = endpoint.is_some() || self.target.profile.is_some();
        // In AWS CloudShell the console session's credentials are always meant: a refused
        // (expired) session is said as such, never hidden behind a practice account.
        if no_account == NoAccount::Fail
            || named
            || crate::cloudshell::detected()
            || aws.has_credentials().await
        {
            return Ok(Connection {
                aws,
                sandbox: None,
                private: None,
                joined: Joined::Real,
            });
        }
        // No credentials and no endpoint: the student's account is the sandbox.
        if let Some(info) = running {
            eprintln!(
                "{}",
                Text::new("sandbox.joining")
                    .arg("endpoint", &info.endpoint)
                    .render(self.lang)
            );
            return Connection::shared(info, Joined::Running).await;
        }
        if no_account == NoAccount::Start {
            eprintln!("{}", Text::new("sandbox.starting").render(self.lang));
            let info = self.start_shared(lesson, realism).await?;
            return Connection::shared(info, Joined::Started).await;
        }
        Err(AppError::NoAccount)
    }

    /// Starts the sandbox that outlives this command (`awslab sandbox serve` in the
    /// background, in its own session) and waits until it has written its state file.
    /// `lesson` is the one whose prerequisites it seeds.
    pub async fn start_shared(
        &self,
        lesson: &Lesson,
        realism: sandbox::Realism,
    ) -> Result<SandboxInfo, AppError> {
        // What a sandbox that stopped left behind (a process of it still running, its state).
        if let Some(stale) = state::read()? {
            if state::running(&stale) {
                return Ok(stale);
            }
            state::stop(&stale);
            state::remove();
        }
        // Install in the foreground, where the user sees the spinner, not in the daemon.
        let show = std::io::stderr().is_terminal();
        tokio::task::spawn_blocking(move || sandbox::moto::find_or_install(show))
            .await
            .map_err(|e| SandboxError::Start(e.to_string()))??;
        let log_path = state::log_path()?;
        std::fs::create_dir_all(state::dir()?)
            .map_err(|e| io("creating the sandbox directory", e))?;
        let log =
            std::fs::File::create(&log_path).map_err(|e| io("creating the sandbox log", e))?;
        let exe = std::env::current_exe().map_err(|e| io("finding the awslab executable", e))?;
        let mut cmd = Command::new(exe);
        if let Some(dir) = &self.lessons_dir {
            cmd.arg("--lessons").arg(dir);
        }
        for (k, v) in &self.overrides {
            cmd.arg("--set").arg(format!("{k}={v}"));
        }
        cmd.args([
            "--region",
            &self.region_hint(),
            "sandbox",
            "serve",
            "--delay",
        ])
        .arg(realism.delay.as_secs().to_string())
        .arg("--warmup")
        .arg(realism.warmup.as_secs().to_string())
        .arg("--iam-delay")
        .arg(realism.iam_delay.as_secs().to_string())
        .arg(&lesson.id)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log);
        detach(&mut cmd);
        let mut child = cmd.spawn().map_err(|e| io("starting the sandbox", e))?;
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            if let Some(info) = state::read()? {
                if info.pids.first() == Some(&child.id()) {
                    return Ok(info);
                }
            }
            if let Ok(Some(status)) = child.try_wait() {
                let log = std::fs::read_to_string(&log_path).unwrap_or_default();
                return Err(SandboxError::Start(format!(
                    "the sandbox process exited ({status}):\n{}",
                    log.trim_end()
                ))
                .into());
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                return Err(SandboxError::Start(
                    "the sandbox did not become ready within 120 s".into(),
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Writes a message to stdout, in the user's language, on its own line.
    pub fn say(&self, text: crate::i18n::Text) -> Result<(), AppError> {
        self.print(&format!("{}\n", text.render(self.lang)))
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
