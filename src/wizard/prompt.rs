//! The wizard's questions, behind a trait: a real terminal (dialoguer), `--auto` (always "do
//! it for me", always yes), and a script of answers for tests.

use std::collections::VecDeque;
use std::io;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    DoIt,
    Myself,
    Hint,
    Skip,
    Quit,
}

/// What the student did while the wizard watched a step they do elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Watch {
    /// Enter: check now.
    Now,
    /// `m` and Enter: back to the step's menu (hint, skip, quit).
    Menu,
}

pub trait Prompter {
    /// Picks one of `items` (each a choice and its label).
    fn choose(&mut self, prompt: &str, items: &[(Choice, String)]) -> io::Result<Choice>;
    fn confirm(&mut self, question: &str) -> io::Result<bool>;
    /// Waits until the user says they are done (Enter).
    fn pause(&mut self, message: &str) -> io::Result<()>;
    /// While a step is watched: a key pressed since the last look, without waiting for one
    /// (the wizard waits between looks without holding up the sandbox's servers).
    fn watch_key(&mut self) -> io::Result<Option<Watch>>;
    /// No one is there to answer: never loop waiting for a person.
    fn automatic(&self) -> bool {
        false
    }
}

/// A person at a terminal.
pub struct Terminal;

impl Prompter for Terminal {
    fn choose(&mut self, prompt: &str, items: &[(Choice, String)]) -> io::Result<Choice> {
        let labels: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
        let picked = dialoguer::Select::new()
            .with_prompt(prompt)
            .items(&labels)
            .default(0)
            .interact_opt()
            .map_err(to_io)?;
        Ok(picked
            .and_then(|i| items.get(i))
            .map(|(c, _)| *c)
            .unwrap_or(Choice::Quit))
    }

    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact()
            .map_err(to_io)
    }

    fn pause(&mut self, message: &str) -> io::Result<()> {
        dialoguer::Input::<String>::new()
            .with_prompt(message)
            .allow_empty(true)
            .interact_text()
            .map(|_| ())
            .map_err(to_io)
    }

    fn watch_key(&mut self) -> io::Result<Option<Watch>> {
        if !stdin_ready()? {
            return Ok(None);
        }
        let mut line = String::new();
        if io::stdin().read_line(&mut line)? == 0 {
            // Input closed: nobody can press Enter any more, so leave the watch.
            return Ok(Some(Watch::Menu));
        }
        Ok(Some(match line.trim() {
            // ㅡ is the m key on a Korean keyboard layout.
            "m" | "M" | "ㅡ" => Watch::Menu,
            _ => Watch::Now,
        }))
    }
}

/// Whether a line can be read from stdin now (the terminal hands over whole lines).
#[cfg(unix)]
fn stdin_ready() -> io::Result<bool> {
    let mut fd = libc::pollfd {
        fd: libc::STDIN_FILENO,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd, for the duration of the call; a timeout of 0 never blocks.
    let n = unsafe { libc::poll(&mut fd, 1, 0) };
    match n {
        n if n < 0 => {
            let e = io::Error::last_os_error();
            // A signal (the terminal resized, say) is not an answer: check again.
            if e.kind() == io::ErrorKind::Interrupted {
                Ok(false)
            } else {
                Err(e)
            }
        }
        0 => Ok(false),
        _ => Ok(true),
    }
}

/// Without poll(2), the watch checks on its own schedule only; Enter is read at the menu.
#[cfg(not(unix))]
fn stdin_ready() -> io::Result<bool> {
    Ok(false)
}

fn to_io(e: dialoguer::Error) -> io::Error {
    match e {
        dialoguer::Error::IO(e) => e,
    }
}

/// `--auto`: does every step, and agrees to nothing destructive: only `--yes` does that (the
/// wizard asks `--yes` before it asks the prompter), so an unattended run never deletes.
pub struct Auto;

impl Prompter for Auto {
    fn choose(&mut self, _: &str, _: &[(Choice, String)]) -> io::Result<Choice> {
        Ok(Choice::DoIt)
    }
    fn confirm(&mut self, _: &str) -> io::Result<bool> {
        Ok(false)
    }
    fn pause(&mut self, _: &str) -> io::Result<()> {
        Ok(())
    }
    fn watch_key(&mut self) -> io::Result<Option<Watch>> {
        Ok(Some(Watch::Menu))
    }
    fn automatic(&self) -> bool {
        true
    }
}

/// Answers given in advance, for tests. Running out of answers means quitting.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    Choose(Choice),
    Confirm(bool),
    Enter,
    /// While a step is watched: press no key and let the watch find the step done (the test
    /// does it in another process); gives up, back to the menu, after `Scripted::watch_limit`.
    Watch,
}

pub struct Scripted {
    pub answers: VecDeque<Answer>,
    /// Every prompt shown, in order, for assertions.
    pub asked: Vec<String>,
    /// What runs when the user "does it themselves" (the test's stand-in for the console).
    pub on_pause: Option<Box<dyn FnMut()>>,
    /// How long an `Answer::Watch` waits for the step to pass before it goes back to the menu.
    pub watch_limit: Duration,
    watching_since: Option<std::time::Instant>,
}

impl Scripted {
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Scripted {
        Scripted {
            answers: answers.into_iter().collect(),
            asked: Vec::new(),
            on_pause: None,
            watch_limit: Duration::from_secs(120),
            watching_since: None,
        }
    }
}

impl Prompter for Scripted {
    fn choose(&mut self, prompt: &str, _: &[(Choice, String)]) -> io::Result<Choice> {
        self.asked.push(prompt.to_string());
        // A watch that ended with the step done leaves its answer unused.
        if self.answers.front() == Some(&Answer::Watch) {
            self.answers.pop_front();
        }
        self.watching_since = None;
        Ok(match self.answers.pop_front() {
            Some(Answer::Choose(c)) => c,
            _ => Choice::Quit,
        })
    }
    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        self.asked.push(question.to_string());
        Ok(matches!(
            self.answers.pop_front(),
            Some(Answer::Confirm(true))
        ))
    }
    fn pause(&mut self, message: &str) -> io::Result<()> {
        self.asked.push(message.to_string());
        let _ = self.answers.pop_front();
        if let Some(f) = self.on_pause.as_mut() {
            f();
        }
        Ok(())
    }
    /// Enter does what the student did elsewhere (`on_pause`), then checks; `Watch` lets the
    /// watch go on; any other answer is for the menu.
    fn watch_key(&mut self) -> io::Result<Option<Watch>> {
        match self.answers.front() {
            Some(Answer::Enter) => {
                self.answers.pop_front();
                if let Some(f) = self.on_pause.as_mut() {
                    f();
                }
                Ok(Some(Watch::Now))
            }
            Some(Answer::Watch) => {
                let since = *self
                    .watching_since
                    .get_or_insert_with(std::time::Instant::now);
                if since.elapsed() > self.watch_limit {
                    self.answers.pop_front();
                    self.watching_since = None;
                    return Ok(Some(Watch::Menu));
                }
                Ok(None)
            }
            _ => Ok(Some(Watch::Menu)),
        }
    }
}
