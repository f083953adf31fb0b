//! The wizard's questions, behind a trait: a real terminal (dialoguer), `--auto` (always "do
//! it for me", always yes), and a script of answers for tests.

use std::collections::VecDeque;
use std::io;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    DoIt,
    Myself,
    Hint,
    Skip,
    Quit,
}

pub trait Prompter {
    /// Picks one of `items` (each a choice and its label).
    fn choose(&mut self, prompt: &str, items: &[(Choice, String)]) -> io::Result<Choice>;
    fn confirm(&mut self, question: &str) -> io::Result<bool>;
    /// Waits until the user says they are done (Enter).
    fn pause(&mut self, message: &str) -> io::Result<()>;
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
}

#[derive(Default)]
pub struct Scripted {
    pub answers: VecDeque<Answer>,
    /// Every prompt shown, in order, for assertions.
    pub asked: Vec<String>,
    /// What runs when the user "does it themselves" (the test's stand-in for the console).
    pub on_pause: Option<Box<dyn FnMut()>>,
}

impl Scripted {
    pub fn new(answers: impl IntoIterator<Item = Answer>) -> Scripted {
        Scripted {
            answers: answers.into_iter().collect(),
            ..Default::default()
        }
    }
}

impl Prompter for Scripted {
    fn choose(&mut self, prompt: &str, _: &[(Choice, String)]) -> io::Result<Choice> {
        self.asked.push(prompt.to_string());
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
}
