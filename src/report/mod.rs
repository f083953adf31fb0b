//! Presentation of a verdict: text for people, JSON for tools, JUnit XML for CI dashboards.

pub mod json;
pub mod junit;
pub mod text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
    Junit,
}

/// Columns a text takes on a terminal: Hangul and other wide characters take two, colour codes
/// none. Every aligned table measures with this, never with `chars().count()`.
pub fn width(text: &str) -> usize {
    console::measure_text_width(text)
}

/// `text` followed by spaces up to `columns` display columns.
pub fn pad(text: &str, columns: usize) -> String {
    let mut out = text.to_string();
    out.push_str(&" ".repeat(columns.saturating_sub(width(text))));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hangul_takes_two_columns_and_colour_none() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("김민수"), 6);
        assert_eq!(width("\u{1b}[1mbold\u{1b}[0m"), 4);
        assert_eq!(pad("김민수", 8), "김민수  ");
        assert_eq!(pad("toolong", 3), "toolong");
    }
}
