//! The wizard's questions, behind a trait: a real terminal (dialoguer), `--auto` (always "do
//! it for me", always yes), and a script of answers for tests.

use crate::i18n::{Lang, Text};
use std::collections::VecDeque;
use std::io::{self, BufRead, Write};
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
    /// A line that is neither Enter alone nor `m` (a command pasted into the wrong window):
    /// not taken as "check now".
    Other,
}

pub trait Prompter {
    /// Picks one of `items` (each a choice and its label), the cursor first on `cursor`.
    fn choose(
        &mut self,
        prompt: &str,
        items: &[(Choice, String)],
        cursor: Choice,
    ) -> io::Result<Choice>;
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

/// A person at a terminal, answering in `lang`.
pub struct Terminal {
    pub lang: Lang,
}

/// dialoguer's look without the colon it puts after a question ("어떻게 할까요?:"), and the
/// choice made shown after an arrow.
struct Plain;

impl dialoguer::theme::Theme for Plain {
    fn format_prompt(&self, f: &mut dyn std::fmt::Write, prompt: &str) -> std::fmt::Result {
        write!(f, "{prompt}")
    }
    fn format_input_prompt(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        _: Option<&str>,
    ) -> std::fmt::Result {
        write!(f, "{prompt} ")
    }
    fn format_input_prompt_selection(
        &self,
        f: &mut dyn std::fmt::Write,
        prompt: &str,
        sel: &str,
    ) -> std::fmt::Result {
        write!(f, "{prompt} → {sel}")
    }
}

/// Asks a yes/no question on the terminal, no by default: the answer counts only once Enter
/// is pressed (a single key would let the Enter after it answer the next question unseen), and
/// is said back in `lang`. Yes is y, yes, 예, 네, or ㅛ (y on a Korean keyboard layout).
pub fn ask_yes_no(question: &str, lang: Lang) -> io::Result<bool> {
    let mut out = io::stdout();
    let asked = format!("{question} {}", Text::new("prompt.yes-no").render(lang));
    write!(out, "{} ", crate::report::fit_terminal(&asked))?;
    out.flush()?;
    let mut line = String::new();
    io::stdin().lock().read_line(&mut line)?;
    let yes = is_yes(&line);
    let said = Text::new(if yes {
        "prompt.said-yes"
    } else {
        "prompt.said-no"
    })
    .render(lang);
    writeln!(out, "  → {said}")?;
    Ok(yes)
}

/// Whether a typed answer means yes.
pub fn is_yes(answer: &str) -> bool {
    matches!(
        answer.trim().to_lowercase().as_str(),
        "y" | "yes" | "예" | "네" | "ㅛ"
    )
}

impl Prompter for Terminal {
    fn choose(
        &mut self,
        prompt: &str,
        items: &[(Choice, String)],
        cursor: Choice,
    ) -> io::Result<Choice> {
        let labels: Vec<&str> = items.iter().map(|(_, l)| l.as_str()).collect();
        let picked = dialoguer::Select::with_theme(&Plain)
            .with_prompt(prompt)
            .items(&labels)
            .default(items.iter().position(|(c, _)| *c == cursor).unwrap_or(0))
            .interact_opt()
            .map_err(to_io)?;
        Ok(picked
            .and_then(|i| items.get(i))
            .map(|(c, _)| *c)
            .unwrap_or(Choice::Quit))
    }

    fn confirm(&mut self, question: &str) -> io::Result<bool> {
        ask_yes_no(question, self.lang)
    }

    fn pause(&mut self, message: &str) -> io::Result<()> {
        dialoguer::Input::<String>::with_theme(&Plain)
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
        Ok(Some(watch_answer(&line)))
    }
}

/// What a line typed while watching means.
pub fn watch_answer(line: &str) -> Watch {
    match line.trim() {
        "" => Watch::Now,
        // ㅡ is the m key on a Korean keyboard layout.
        "m" | "M" | "ㅡ" => Watch::Menu,
        _ => Watch::Other,
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
    fn choose(&mut self, _: &str, _: &[(Choice, String)], _: Choice) -> io::Result<Choice> {
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
    fn choose(&mut self, prompt: &str, _: &[(Choice, String)], _: Choice) -> io::Result<Choice> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_yes_in_either_language_is_yes() {
        for yes in ["y", "Y\n", " yes ", "예", "네\n", "ㅛ"] {
            assert!(is_yes(yes), "{yes:?}");
        }
        for no in [
            "",
            "\n",
            "n",
            "no",
            "아니요",
            "yy",
            "aws ec2 create-flow-logs",
        ] {
            assert!(!is_yes(no), "{no:?}");
        }
    }

    #[test]
    fn while_watching_only_enter_checks_and_a_pasted_command_is_no_key() {
        assert_eq!(watch_answer("\n"), Watch::Now);
        assert_eq!(watch_answer("m\n"), Watch::Menu);
        assert_eq!(watch_answer("ㅡ"), Watch::Menu);
        assert_eq!(
            watch_answer("aws logs create-log-group --log-group-name x\n"),
            Watch::Other
        );
    }
}
