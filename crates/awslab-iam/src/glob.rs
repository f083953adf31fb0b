//! Wildcard matching as IAM uses it in `Action`, `Resource` and the `*Like`
//! condition operators: `*` matches any run of characters (including none),
//! `?` matches exactly one character. No other character is special.
//! [`glob_match`] works on pattern text; the crate-internal token form also
//! carries literal `*`/`?` (from policy variables) and wildcards confined to
//! one ARN segment.

/// One element of a wildcard pattern. Patterns are kept as tokens rather
/// than strings because a policy variable can put a literal `*` or `?` into
/// a pattern (`${*}`, or a substituted value), and because in a `Resource`
/// ARN a wildcard may be confined to one colon-separated segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tok {
    Lit(char),
    /// `*`: any run of characters; with `colons: false`, a run without `:`.
    Star {
        colons: bool,
    },
    /// `?`: exactly one character; with `colons: false`, one that is not `:`.
    One {
        colons: bool,
    },
}

/// The tokens of a plain IAM wildcard pattern: `*` and `?` are wildcards,
/// every other character stands for itself.
pub(crate) fn tokens(pattern: &str) -> Vec<Tok> {
    pattern
        .chars()
        .map(|c| match c {
            '*' => Tok::Star { colons: true },
            '?' => Tok::One { colons: true },
            c => Tok::Lit(c),
        })
        .collect()
}

/// Returns whether `text` matches the IAM wildcard `pattern`.
///
/// Works on Unicode scalar values, so `?` consumes one character rather than
/// one byte.
pub fn glob_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    tokens_match(&tokens(pattern), text, case_insensitive)
}

/// Whether `text` matches the token pattern.
pub(crate) fn tokens_match(pattern: &[Tok], text: &str, case_insensitive: bool) -> bool {
    let text: Vec<char> = text.chars().collect();
    let confined = pattern
        .iter()
        .any(|t| matches!(t, Tok::Star { colons: false } | Tok::One { colons: false }));
    if confined {
        table_match(pattern, &text, case_insensitive)
    } else {
        backtrack_match(pattern, &text, case_insensitive)
    }
}

/// The iterative single-backtrack-point algorithm: each `*` only ever
/// remembers the latest position, which bounds the work to
/// O(pattern × text) even for hostile patterns like `*a*a*a*a*b`. Only
/// correct when every `*` may swallow any character.
fn backtrack_match(pattern: &[Tok], text: &[char], case_insensitive: bool) -> bool {
    let mut p = 0;
    let mut t = 0;
    // Position of the last `*` seen and the text position it is currently
    // assumed to extend to; on a mismatch we let that star swallow one more char.
    let mut backtrack: Option<(usize, usize)> = None;

    while let Some(&tc) = text.get(t) {
        match pattern.get(p) {
            Some(Tok::Star { .. }) => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&tok) if single_matches(tok, tc, case_insensitive) => {
                p += 1;
                t += 1;
            }
            _ => match backtrack {
                Some((star, star_text)) => {
                    p = star + 1;
                    t = star_text + 1;
                    backtrack = Some((star, star_text + 1));
                }
                None => return false,
            },
        }
    }

    // Trailing stars can match the empty remainder.
    while matches!(pattern.get(p), Some(Tok::Star { .. })) {
        p += 1;
    }
    p == pattern.len()
}

/// Row-by-row table over (pattern prefix, text prefix), for patterns whose
/// stars may not cross a colon; O(pattern × text) time, O(text) memory.
fn table_match(pattern: &[Tok], text: &[char], case_insensitive: bool) -> bool {
    // row[j]: the pattern prefix seen so far matches text[..j].
    let mut row = vec![false; text.len() + 1];
    let mut next = vec![false; text.len() + 1];
    row[0] = true;
    for &tok in pattern {
        match tok {
            Tok::Star { colons } => {
                next[0] = row[0];
                for (j, &c) in text.iter().enumerate() {
                    next[j + 1] = row[j + 1] || (next[j] && (colons || c != ':'));
                }
            }
            single => {
                next[0] = false;
                for (j, &c) in text.iter().enumerate() {
                    next[j + 1] = row[j] && single_matches(single, c, case_insensitive);
                }
            }
        }
        std::mem::swap(&mut row, &mut next);
    }
    row[text.len()]
}

fn single_matches(tok: Tok, c: char, case_insensitive: bool) -> bool {
    match tok {
        Tok::Lit(p) => chars_equal(p, c, case_insensitive),
        Tok::One { colons } => colons || c != ':',
        Tok::Star { .. } => false,
    }
}

fn chars_equal(a: char, b: char, case_insensitive: bool) -> bool {
    a == b || (case_insensitive && a.to_lowercase().eq(b.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::{Tok, glob_match, tokens_match};

    #[test]
    fn table() {
        // (pattern, text, case_insensitive, expected)
        let cases: &[(&str, &str, bool, bool)] = &[
            ("", "", false, true),
            ("", "a", false, false),
            ("a", "", false, false),
            ("*", "", false, true),
            ("*", "anything:at/all", false, true),
            ("**", "x", false, true),
            ("a**b", "ab", false, true),
            ("?", "", false, false),
            ("?", "ab", false, false),
            ("??", "ab", false, true),
            ("a*b*c", "aXXbYYc", false, true),
            ("a*b*c", "aXXbYY", false, false),
            ("*a", "ba", false, true),
            ("a*", "ba", false, false),
            ("*.txt", "notes.txt.bak", false, false),
            ("*.txt*", "notes.txt.bak", false, true),
            // Actions: case-insensitive.
            ("logs:*", "logs:PutLogEvents", true, true),
            ("logs:*", "ec2:DescribeInstances", true, false),
            ("logs:Describe*", "logs:DescribeLogGroups", true, true),
            ("logs:Describe*", "logs:PutLogEvents", true, false),
            ("logs:Put?ogEvents", "logs:PutLogEvents", true, true),
            ("logs:Put?ogEvents", "logs:PutogEvents", true, false),
            ("logs:Put?ogEvents", "logs:PutLLogEvents", true, false),
            ("LOGS:putlogevents", "logs:PutLogEvents", true, true),
            ("LOGS:putlogevents", "logs:PutLogEvents", false, false),
            // Resources: case-sensitive.
            (
                "arn:aws:s3:::Bucket/*",
                "arn:aws:s3:::bucket/key",
                false,
                false,
            ),
            (
                "arn:aws:s3:::bucket/*",
                "arn:aws:s3:::bucket/key",
                false,
                true,
            ),
            (
                "arn:aws:logs:*:*:log-group:MyVpc22-Log:*",
                "arn:aws:logs:ap-northeast-2:123456789012:log-group:MyVpc22-Log:log-stream:eni-0abc-all",
                false,
                true,
            ),
            (
                "arn:aws:logs:*:*:log-group:MyVpc22-Log:*",
                "arn:aws:logs:ap-northeast-2:123456789012:log-group:Other-Log:log-stream:x",
                false,
                false,
            ),
            // Unicode: `?` is one character, not one byte.
            ("日本*", "日本語", false, true),
            ("?", "日", false, true),
            ("??", "日", false, false),
            ("ÄBC", "äbc", true, true),
            ("ÄBC", "äbc", false, false),
        ];
        for &(pattern, text, ci, expected) in cases {
            assert_eq!(
                glob_match(pattern, text, ci),
                expected,
                "glob_match({pattern:?}, {text:?}, {ci})"
            );
        }
    }

    #[test]
    fn pathological_pattern_terminates_and_is_correct() {
        let text = "a".repeat(20_000);
        let pattern = format!("{}b", "*a".repeat(50));
        assert!(!glob_match(&pattern, &text, false));
        let text_with_b = format!("{text}b");
        assert!(glob_match(&pattern, &text_with_b, false));
    }

    #[test]
    fn star_only_patterns_match_long_text() {
        let text = "x".repeat(100_000);
        assert!(glob_match(&"*".repeat(1_000), &text, false));
        assert!(!glob_match(
            &format!("{}y", "*".repeat(1_000)),
            &text,
            false
        ));
    }

    #[test]
    fn confined_wildcards_stay_inside_a_segment() {
        let seg_star = Tok::Star { colons: false };
        let any_star = Tok::Star { colons: true };
        let seg_one = Tok::One { colons: false };
        let lit = |s: &str| s.chars().map(Tok::Lit).collect::<Vec<_>>();
        let cat = |parts: &[&[Tok]]| parts.concat();
        // a*b with a confined star: no colon in between.
        let pattern = cat(&[&lit("a"), &[seg_star], &lit("b")]);
        assert!(tokens_match(&pattern, "axxb", false));
        assert!(!tokens_match(&pattern, "ax:xb", false));
        // The same with an unconfined star crosses colons.
        let pattern = cat(&[&lit("a"), &[any_star], &lit("b")]);
        assert!(tokens_match(&pattern, "ax:xb", false));
        // A confined ? never matches a colon.
        let pattern = cat(&[&lit("a"), &[seg_one], &lit("b")]);
        assert!(tokens_match(&pattern, "axb", false));
        assert!(!tokens_match(&pattern, "a:b", false));
        // Literal * and ? (from ${*} and ${?}) are not wildcards.
        let pattern = lit("a*?");
        assert!(tokens_match(&pattern, "a*?", false));
        assert!(!tokens_match(&pattern, "abc", false));
        // Mixed: the table algorithm also handles case-insensitivity and the empty text.
        let pattern = cat(&[&[seg_star], &lit("X")]);
        assert!(tokens_match(&pattern, "abx", true));
        assert!(!tokens_match(&pattern, "", true));
        assert!(tokens_match(&[seg_star], "", false));
    }
}
