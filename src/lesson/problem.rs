//! One thing wrong with a lesson file, where it is: the file, the field's path in it
//! (`steps[3] (traffic).with.port`), and what is wrong, as a catalogue message for the reader's
//! language.

use crate::i18n::{Lang, Text};

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    /// The line of the file the field is on, or the nearest line above it that the file has
    /// (the table a missing field belongs in).
    pub line: Option<usize>,
    pub field: String,
    pub text: Text,
}

impl Problem {
    pub fn new(file: &str, field: impl Into<String>, text: Text) -> Problem {
        Problem {
            file: file.to_string(),
            line: None,
            field: field.into(),
            text,
        }
    }

    /// The same problem, on `line` of its file.
    pub fn on_line(mut self, line: Option<usize>) -> Problem {
        self.line = line;
        self
    }

    /// What is wrong, in English (what tests and logs read).
    pub fn message(&self) -> String {
        self.text.render(Lang::En)
    }

    /// `file, line n: field: message`, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let key = match self.line {
            Some(_) => "lesson-file.problem-at",
            None => "lesson-file.problem",
        };
        Text::new(key)
            .arg("file", &self.file)
            .arg("line", self.line.unwrap_or(0))
            .arg("field", &self.field)
            .arg("message", self.text.render(lang))
            .render(lang)
    }
}
