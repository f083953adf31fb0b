//! Korean and English words for everything awslab says, from the catalogues in `locales/`.
//!
//! Code never holds user-facing sentences: it names a message key and its arguments (a [`Text`]),
//! and the catalogue of the chosen language renders it. That keeps checks pure and lets JSON,
//! text and JUnit output speak the same language.

use std::collections::BTreeMap;
use std::sync::OnceLock;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Ko,
    En,
}

impl Lang {
    /// The language a user's locale asks for: Korean when LC_ALL/LC_MESSAGES/LANG start with
    /// `ko`, English otherwise.
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var) {
                if value.is_empty() {
                    continue;
                }
                return if value.to_ascii_lowercase().starts_with("ko") {
                    Lang::Ko
                } else {
                    Lang::En
                };
            }
        }
        Lang::En
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Ko => "ko",
            Lang::En => "en",
        }
    }
}

/// The arguments of a message that are shell commands (a fix's `cli`, then `follow`), in the
/// order a student runs them. Each stands alone on its line after `$ ` (a test checks).
pub const COMMAND_ARGS: &[&str] = &["cli", "follow", "follow_v1"];

/// A message to be rendered later: a catalogue key and named arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct Text {
    pub key: &'static str,
    pub args: Vec<(&'static str, String)>,
    /// Arguments that differ by language (a step's title), Korean first.
    pub localized: Vec<(&'static str, [String; 2])>,
}

impl Text {
    pub fn new(key: &'static str) -> Text {
        Text {
            key,
            args: Vec::new(),
            localized: Vec::new(),
        }
    }

    /// An argument with a value for each language: `ko`, `en`.
    pub fn arg_localized(mut self, name: &'static str, ko: String, en: String) -> Text {
        self.localized.push((name, [ko, en]));
        self
    }

    fn value(&self, name: &str, lang: Lang) -> Option<&str> {
        self.args
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .or_else(|| {
                self.localized
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, [ko, en])| match lang {
                        Lang::Ko => ko.as_str(),
                        Lang::En => en.as_str(),
                    })
            })
    }

    pub fn arg(mut self, name: &'static str, value: impl ToString) -> Text {
        self.args.push((name, value.to_string()));
        self
    }

    pub fn render(&self, lang: Lang) -> String {
        // A count of one takes the message's `-one` form where it has one ("1 resource").
        let one = self
            .args
            .iter()
            .any(|(n, v)| matches!(*n, "count" | "minutes" | "seconds") && v == "1");
        let singular = one
            .then(|| catalog(lang).get(&format!("{}-one", self.key)))
            .flatten();
        let template = singular
            .or_else(|| catalog(lang).get(self.key))
            .or_else(|| catalog(Lang::En).get(self.key))
            .map(String::as_str)
            // A key missing from both catalogues is a bug, but the user still sees something
            // traceable rather than nothing.
            .unwrap_or(self.key);
        // Every placeholder a message names must be given: a raw `{name}` in front of a
        // student is a bug. Debug builds (every test) stop on it; a release shows the name.
        debug_assert!(
            placeholders(template)
                .iter()
                .all(|p| self.value(p, lang).is_some()),
            "message {} rendered without {:?}",
            self.key,
            placeholders(template)
                .into_iter()
                .filter(|p| self.value(p, lang).is_none())
                .collect::<Vec<_>>()
        );
        fill_with(
            template,
            |name| self.value(name, lang).map(neutralised),
            lang == Lang::Ko,
        )
    }
}

/// A value as it may reach a terminal: text from AWS (tag values, names, error messages) can
/// hold control characters and escape sequences that would recolour, move or rewrite the
/// student's screen. Each becomes U+FFFD; line breaks stay. Bidirectional controls and
/// zero-width characters, which reorder or hide what a person reads, are shown by their code
/// point (`<U+202E>`, see [`unhide`]).
pub fn neutralised(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if c.is_control() && c != '\n' {
            out.push('\u{fffd}');
        } else if is_invisible(c) {
            out.push_str(&shown(c));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters that change what a person reads without being seen: the bidirectional controls
/// (embeddings, overrides, isolates, marks) and the zero-width ones (spaces, joiners, word
/// joiner, byte order mark).
pub fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{202A}'..='\u{202E}'
            | '\u{2066}'..='\u{2069}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{061C}'
            | '\u{200B}'..='\u{200D}'
            | '\u{2060}'
            | '\u{FEFF}'
    )
}

/// An invisible character as it is shown instead: its code point, `<U+202E>`.
pub fn shown(c: char) -> String {
    format!("<U+{:04X}>", c as u32)
}

/// `value` with every invisible character ([`is_invisible`]) shown by its code point and
/// nothing else changed: for outputs that deal with control characters their own way.
pub fn unhide(value: &str) -> String {
    if !value.chars().any(is_invisible) {
        return value.to_string();
    }
    value
        .chars()
        .map(|c| {
            if is_invisible(c) {
                shown(c)
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Text a lesson file gives (titles, instructions, hints, names): neutralised like text from an
/// account, since a lesson may come from anyone (`--lessons DIR`). Line breaks and tabs stay
/// (a Windows line end is a line break).
pub fn neutralised_lesson_text(value: &str) -> String {
    neutralised(&value.replace("\r\n", "\n").replace('\t', "    "))
}

/// The message of `key` in `lang`'s catalogue, as written (no placeholders filled).
pub fn message(lang: Lang, key: &str) -> Option<&'static str> {
    catalog(lang).get(key).map(String::as_str)
}

/// Whether the catalogue of `lang` has a message for `key`.
pub fn has_key(lang: Lang, key: &str) -> bool {
    catalog(lang).contains_key(key)
}

/// Replaces `{name}` with what `lookup` gives; unknown names are left as they are.
pub fn fill(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    fill_with(template, lookup, false)
}

/// `fill` for a Korean text: a particle pair right after a placeholder (`{name}을(를)`)
/// becomes the form that fits the value filled in (`korean`).
pub fn fill_korean(template: &str, lookup: impl Fn(&str) -> Option<String>) -> String {
    fill_with(template, lookup, true)
}

fn fill_with(template: &str, lookup: impl Fn(&str) -> Option<String>, korean: bool) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                let name = &after[..close];
                rest = &after[close + 1..];
                match lookup(name) {
                    Some(value) => {
                        out.push_str(&value);
                        if korean {
                            if let Some((form, used)) = crate::korean::particle(&value, rest) {
                                out.push_str(&form);
                                rest = &rest[used..];
                            }
                        }
                    }
                    None => {
                        out.push('{');
                        out.push_str(name);
                        out.push('}');
                    }
                }
            }
            _ => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// The placeholders `{name}` a template uses.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut names = Vec::new();
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}') {
            Some(close) if is_name(&after[..close]) => {
                names.push(&after[..close]);
                rest = &after[close + 1..];
            }
            _ => rest = after,
        }
    }
    names
}

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

type Catalog = BTreeMap<String, String>;

const KO: &str = include_str!("../locales/ko.toml");
const EN: &str = include_str!("../locales/en.toml");

fn catalog(lang: Lang) -> &'static Catalog {
    static KO_CAT: OnceLock<Catalog> = OnceLock::new();
    static EN_CAT: OnceLock<Catalog> = OnceLock::new();
    match lang {
        Lang::Ko => KO_CAT.get_or_init(|| parse_catalog(KO)),
        Lang::En => EN_CAT.get_or_init(|| parse_catalog(EN)),
    }
}

/// The catalogues are compiled in and checked by tests, so a broken one can only come from a
/// bad build; it degrades to showing keys instead of stopping the tool.
fn parse_catalog(text: &str) -> Catalog {
    let mut out = Catalog::new();
    if let Ok(table) = text.parse::<toml::Table>() {
        flatten("", &table, &mut out);
    }
    out
}

fn flatten(prefix: &str, table: &toml::Table, out: &mut Catalog) {
    for (key, value) in table {
        let full = if prefix.is_empty() {
            key.clone()
        } else {
            format!("{prefix}.{key}")
        };
        match value {
            toml::Value::String(s) => {
                out.insert(full, s.trim_end_matches('\n').to_string());
            }
            toml::Value::Table(t) => flatten(&full, t, out),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogues_parse_and_have_the_same_keys() {
        for (name, text) in [("ko", KO), ("en", EN)] {
            assert!(
                text.parse::<toml::Table>().is_ok(),
                "locales/{name}.toml does not parse"
            );
        }
        let ko: Vec<_> = catalog(Lang::Ko).keys().collect();
        let en: Vec<_> = catalog(Lang::En).keys().collect();
        assert!(en.len() > 20, "English catalogue is nearly empty");
        assert_eq!(ko, en, "ko and en catalogues must have the same keys");
    }

    #[test]
    fn catalogues_use_the_same_placeholders() {
        for (key, en) in catalog(Lang::En) {
            let ko = &catalog(Lang::Ko)[key];
            let mut a = placeholders(en);
            let mut b = placeholders(ko);
            a.sort();
            a.dedup();
            b.sort();
            b.dedup();
            assert_eq!(a, b, "placeholders differ for {key}");
        }
    }

    /// One term per concept (the glossary at the top of locales/ko.toml), and steps named by
    /// their titles: a Korean sentence never reads "flow-log 단계".
    #[test]
    fn no_korean_message_uses_a_drifted_term_or_a_step_id() {
        const DRIFTED: &[&str] = &[
            "Flow Log",
            "플로우 로그",
            "집계 구간",
            "시험 실행",
            "\"유지",
            "유지:",
            "공인 IP",
            "사설 IP",
            "사설 주소",
            "도움말",
            "최선형",
            "유리하게 세지",
            "file://이",
            "문에 추가",
            "과정에서 쓰는 방식",
            "일부러 되돌렸기 때문에",
            "먼저 지울, 기본",
            "플래그의 OR",
        ];
        const STEP_IDS: &[&str] = &[
            "policy",
            "role",
            "trust",
            "log-group",
            "flow-log",
            "traffic",
            "close-port",
            "rejected",
            "reopened",
        ];
        let ko = include_str!("../locales/ko.toml");
        // The glossary names the drifted terms on purpose; the messages come after it.
        for (key, text) in catalog(Lang::Ko) {
            for term in DRIFTED {
                assert!(!text.contains(term), "ko {key}: {term:?} in {text:?}");
            }
            assert!(
                !text.contains("{steps} 단계"),
                "ko {key}: a step id as a step"
            );
            for id in STEP_IDS {
                assert!(
                    !text.contains(&format!("{id} 단계")),
                    "ko {key}: the step id {id} in a sentence: {text:?}"
                );
            }
        }
        assert!(ko.contains("용어집"), "the glossary is in locales/ko.toml");
    }

    /// A command is pasted whole: it stands alone on its line after `$ `, where a student (and
    /// the test that runs every printed command) finds where it starts and ends.
    #[test]
    fn commands_stand_alone_on_their_lines() {
        for lang in [Lang::En, Lang::Ko] {
            for (key, text) in catalog(lang) {
                for name in COMMAND_ARGS {
                    let placeholder = format!("{{{name}}}");
                    for line in text.lines().filter(|l| l.contains(&placeholder)) {
                        assert_eq!(
                            line,
                            format!("$ {placeholder}"),
                            "{lang:?} {key}: a command must be a line of its own"
                        );
                    }
                }
            }
        }
    }

    /// A particle written for one sound after a placeholder is wrong for half the values.
    #[test]
    fn korean_particles_after_placeholders_are_written_as_pairs() {
        let wrong: Vec<String> = catalog(Lang::Ko)
            .iter()
            .flat_map(|(key, text)| {
                crate::korean::fixed_particles(text)
                    .into_iter()
                    .map(move |p| format!("{key}: {p}"))
            })
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    #[test]
    fn fill_replaces_known_names_only() {
        let out = fill("a {x} b {y} {not a name} {", |n| {
            (n == "x").then(|| "1".to_string())
        });
        assert_eq!(out, "a 1 b {y} {not a name} {");
    }

    #[test]
    fn a_count_of_one_takes_the_singular_form() {
        let text = |n: u32| {
            Text::new("cleanup.confirm-all")
                .arg("count", n)
                .render(Lang::En)
        };
        assert_eq!(text(1), "Delete the 1 resource marked [delete]?");
        assert_eq!(text(3), "Delete the 3 resources marked [delete]?");
        let minutes = Text::new("wizard.record-timeout")
            .arg("minutes", 1)
            .arg("command", "awslab run vpc-flow-logs --from traffic")
            .render(Lang::En);
        assert!(minutes.contains("after 1 minute."), "{minutes}");
    }

    #[test]
    fn terminal_escapes_in_values_are_neutralised() {
        let text = Text::new("flow-log.name-other")
            .arg("name", "\u{1b}[31mred\u{1b}]0;title\u{7}\r")
            .arg("wanted", "my-flowlog")
            .render(Lang::En);
        assert!(!text.chars().any(|c| c.is_control()), "{text:?}");
        assert!(text.contains("red"), "{text}");
    }

    #[test]
    fn invisible_characters_in_values_are_shown_by_their_code_point() {
        let text = Text::new("flow-log.name-other")
            .arg("name", "my\u{202e}gol\u{2066}x\u{200b}\u{feff}\u{61c}")
            .arg("wanted", "my-flowlog")
            .render(Lang::En);
        assert!(!text.chars().any(is_invisible), "{text:?}");
        assert!(
            text.contains("my<U+202E>gol<U+2066>x<U+200B><U+FEFF><U+061C>"),
            "{text}"
        );
        for c in [
            '\u{202a}', '\u{202e}', '\u{2066}', '\u{2069}', '\u{200e}', '\u{200f}', '\u{61c}',
            '\u{200b}', '\u{200d}', '\u{2060}', '\u{feff}',
        ] {
            assert!(is_invisible(c), "{:04X}", c as u32);
        }
        assert!(!is_invisible('a') && !is_invisible('한'));
        assert_eq!(unhide("plain"), "plain");
    }

    #[test]
    fn lesson_text_keeps_its_lines_and_loses_its_escapes() {
        assert_eq!(
            neutralised_lesson_text("a\r\nb\tc\u{1b}[8md\u{202e}"),
            "a\nb    c\u{fffd}[8md<U+202E>"
        );
    }

    #[test]
    fn render_falls_back_to_the_key() {
        assert_eq!(Text::new("no.such.key").render(Lang::Ko), "no.such.key");
    }
}

#[cfg(test)]
mod korean_rendering {
    use super::*;

    /// Values a Korean message is filled with: the lab's own, and odd ones.
    const VALUES: &[&str] = &[
        "my-flowpolicy",
        "MyVpc22-Log",
        "my-flowlog-role",
        "80",
        "VPC",
        "김민수",
        "v1",
        "ap-northeast-2",
        "10",
    ];

    #[test]
    fn no_korean_message_keeps_a_particle_pair_for_the_reader() {
        let mut left = Vec::new();
        for (key, template) in catalog(Lang::Ko) {
            let names = placeholders(template);
            for value in VALUES {
                let args = names.iter().map(|n| (*n, value.to_string()));
                let text = fill_korean(template, |name| {
                    args.clone().find(|(n, _)| *n == name).map(|(_, v)| v)
                });
                for pair in ["을(를)", "이(가)", "은(는)", "과(와)", "(으)로", "(이)"] {
                    if text.contains(pair) && !left.contains(key) {
                        left.push(key.clone());
                    }
                }
            }
        }
        assert!(left.is_empty(), "particle pairs left in: {left:#?}");
    }

    #[test]
    fn a_filled_sentence_takes_the_forms_of_its_values() {
        let filled = fill_korean(
            "정책 {p}을(를) 만들고 포트 {n}(으)로 보냅니다",
            |k| match k {
                "p" => Some("my-flowpolicy".to_string()),
                "n" => Some("80".to_string()),
                _ => None,
            },
        );
        assert_eq!(filled, "정책 my-flowpolicy를 만들고 포트 80으로 보냅니다");
    }

    #[test]
    fn particles_follow_the_value_in_real_messages() {
        let missing = Text::new("policy.missing")
            .arg("name", "my-flowpolicy")
            .render(Lang::Ko);
        assert!(missing.starts_with("my-flowpolicy라는"), "{missing}");
        let wrong = Text::new("flow-log.wrong-log-group")
            .arg("wanted", "MyVpc22-Log")
            .arg("group", "other")
            .render(Lang::Ko);
        assert!(wrong.starts_with("MyVpc22-Log가 아니라"), "{wrong}");
        let found = Text::new("traffic.found")
            .arg("stream", "eni-1-all")
            .arg("ip", "10.0.1.4")
            .arg("port", 80)
            .render(Lang::Ko);
        assert!(found.contains("포트 80으로의"), "{found}");
    }
}
