//! Wildcard matching as IAM uses it in `Action`, `Resource` and the `*Like`
//! condition operators: `*` matches any run of characters (including none),
//! `?` matches exactly one character. No other character is special.

/// Returns whether `text` matches the IAM wildcard `pattern`.
///
/// Works on Unicode scalar values, so `?` consumes one character rather than
/// one byte. The algorithm is the iterative single-backtrack-point one: each
/// `*` only ever remembers the latest position, which bounds the work to
/// O(pattern × text) even for hostile patterns like `*a*a*a*a*b`.
pub fn glob_match(pattern: &str, text: &str, case_insensitive: bool) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let text: Vec<char> = text.chars().collect();

    let mut p = 0;
    let mut t = 0;
    // Position of the last `*` seen and the text position it is currently
    // assumed to extend to; on a mismatch we let that star swallow one more char.
    let mut backtrack: Option<(usize, usize)> = None;

    while let Some(&tc) = text.get(t) {
        match pattern.get(p) {
            Some('*') => {
                backtrack = Some((p, t));
                p += 1;
            }
            Some(&pc) if pc == '?' || chars_equal(pc, tc, case_insensitive) => {
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
    while pattern.get(p) == Some(&'*') {
        p += 1;
    }
    p == pattern.len()
}

fn chars_equal(a: char, b: char, case_insensitive: bool) -> bool {
    a == b || (case_insensitive && a.to_lowercase().eq(b.to_lowercase()))
}

#[cfg(test)]
mod tests {
    use super::glob_match;

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
}
