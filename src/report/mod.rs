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

/// Escaping for XML and HTML alike, text and quoted attribute values: markup characters become
/// references, and control characters (which XML 1.0 cannot carry and HTML parsers reject) and
/// the two non-characters are dropped; tabs and line breaks stay. Bidirectional controls and
/// zero-width characters are shown by their code point (`<U+202E>`), as on the terminal.
pub fn escape_markup(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            c if crate::i18n::is_invisible(c) => {
                out.push_str(&escape_markup(&crate::i18n::shown(c)));
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
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

/// Re-flows `text` to `columns` display columns: the lines of each paragraph (a lesson's text
/// is wrapped for its file, not for this terminal) are joined, then broken again between
/// words only. Paragraphs are separated by blank lines; a word wider than the line stands alone.
pub fn wrap(text: &str, columns: usize) -> String {
    let mut out = Vec::new();
    for paragraph in text.trim().split("\n\n") {
        let mut line = String::new();
        let mut lines = Vec::new();
        for word in paragraph.split_whitespace() {
            if !line.is_empty() && width(&line) + 1 + width(word) > columns {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        if !line.is_empty() {
            lines.push(line);
        }
        out.push(lines.join("\n"));
    }
    out.join("\n\n")
}

/// Every line of terminal text that is wider than `columns` display columns (Hangul and emoji
/// count two, colour none) broken between words, its continuation lines under its own indent.
/// A command (`$ …`, `export …`) stays whole on its line, to be pasted as it is; a line that
/// fits is left alone, so text wrapped before passes through unchanged.
pub fn fit(text: &str, columns: usize) -> String {
    let mut out = String::with_capacity(text.len());
    for (n, line) in text.split('\n').enumerate() {
        if n > 0 {
            out.push('\n');
        }
        let plain = console::strip_ansi_codes(line);
        let body = plain.trim_start();
        if width(line) <= columns || body.starts_with("$ ") || body.starts_with("export ") {
            out.push_str(line);
            continue;
        }
        let indent = &line[..line.len() - line.trim_start().len()];
        let wrapped = wrap(
            line.trim_start(),
            columns.saturating_sub(indent.len()).max(20),
        );
        for (i, part) in wrapped.split('\n').enumerate() {
            if i > 0 {
                out.push('\n');
            }
            out.push_str(indent);
            out.push_str(part);
        }
    }
    out
}

/// The width to wrap prose at: the terminal's (or `COLUMNS`), within reason.
pub fn text_columns() -> usize {
    terminal_columns().unwrap_or(80)
}

/// The terminal's width (or `COLUMNS`), within reason; `None` when the text goes to a file or
/// a pipe, where lines are left for the reader's tool to wrap.
pub fn terminal_columns() -> Option<usize> {
    let terminal = console::Term::stdout()
        .size_checked()
        .map(|(_, c)| c as usize);
    let env = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    terminal.or(env).map(|c: usize| c.clamp(20, 100))
}

/// `text` fitted to the terminal it is shown on ([`fit`]), as it is anywhere else.
pub fn fit_terminal(text: &str) -> std::borrow::Cow<'_, str> {
    match terminal_columns() {
        Some(columns) => fit(text, columns).into(),
        None => text.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_between_words_by_display_width_never_inside_one() {
        let text = "로그 그룹은 CloudWatch Logs에서 로그를 모아 두는\n단위입니다. Flow Log가 기록을 쌓을 장소를 지정합니다.\n\n둘째 문단입니다.";
        for columns in [20, 30, 44] {
            let wrapped = wrap(text, columns);
            for line in wrapped.lines() {
                assert!(width(line) <= columns, "{columns}: {line:?}");
            }
            let words = |t: &str| t.split_whitespace().map(str::to_string).collect::<Vec<_>>();
            assert_eq!(words(&wrapped), words(text), "no word split or lost");
            assert!(wrapped.contains("지정합니다."), "{wrapped}");
            assert_eq!(
                wrapped.matches("\n\n").count(),
                1,
                "the paragraph break stays"
            );
        }
    }

    #[test]
    fn fitting_breaks_only_long_prose_under_its_indent_and_never_a_command() {
        let long = "    💡 로그 그룹은 CloudWatch Logs에서 로그를 모아 두는 단위이고 플로우 로그가 기록을 쌓을 곳입니다.";
        let command = "      $ aws logs create-log-group --log-group-name MyVpc22-Log --tags awslab:lesson=vpc-flow-logs --region ap-northeast-2";
        let short = "  ✓ 짧은 줄";
        let text = format!("{long}\n{command}\n{short}");
        for columns in [40, 60, 80] {
            let fitted = fit(&text, columns);
            assert!(fitted.contains(command), "{fitted}");
            assert!(fitted.ends_with(short), "{fitted}");
            for line in fitted.lines().filter(|l| !l.contains("$ ")) {
                assert!(width(line) <= columns, "{columns}: {line:?}");
                assert!(line.starts_with("  "), "{line:?}");
            }
            assert_eq!(
                fit(&fitted, columns),
                fitted,
                "fitting twice changes nothing"
            );
        }
    }

    #[test]
    fn markup_shows_invisible_characters_by_their_code_point() {
        assert_eq!(
            escape_markup("a\u{202e}b\u{200b}<"),
            "a&lt;U+202E&gt;b&lt;U+200B&gt;&lt;"
        );
    }

    #[test]
    fn hangul_takes_two_columns_and_colour_none() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("김민수"), 6);
        assert_eq!(width("\u{1b}[1mbold\u{1b}[0m"), 4);
        assert_eq!(pad("김민수", 8), "김민수  ");
        assert_eq!(pad("toolong", 3), "toolong");
    }
}
