//! One thing wrong with a lesson file, where it is: the file, the field's path in it
//! (`steps[3] (traffic).with.port`), and what is wrong, as a catalogue message for the reader's
//! language.

use crate::i18n::{Lang, Text};

#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub file: String,
    pub field: String,
    pub text: Text,
}

impl Problem {
    pub fn new(file: &str, field: impl Into<String>, text: Text) -> Problem {
        Problem {
            file: file.to_string(),
            field: field.into(),
            text,
        }
    }

    /// What is wrong, in English (what tests and logs read).
    pub fn message(&self) -> String {
        self.text.render(Lang::En)
    }

    /// `file: field: message`, in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        Text::new("lesson-file.problem")
            .arg("file", &self.file)
            .arg("field", &self.field)
            .arg("message", self.text.render(lang))
            .render(lang)
    }
}
