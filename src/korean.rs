//! Korean particles chosen by the sound of what is filled in. A Korean message is written with
//! the particle in both forms right after a placeholder, `{policy}을(를)`, `{port}(으)로`,
//! `{name}(이)라는`; when the value is known, the form that fits its last syllable replaces
//! the pair, as a Korean teacher would write it: `my-flowpolicy를`, `80으로`,
//! `MyVpc22-Log가`. Latin letters and digits are read the way Koreans read them: a number as
//! Sino-Korean (`80` 팔십), an acronym letter by letter (`VPC` 브이피씨), a word as its
//! loanword (`Log` 로그, `role` 롤, `group` 그룹).

/// How a value's last syllable ends, which is all a particle depends on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Coda {
    /// Ends in a vowel: 를, 가, 는, 와, 로, 라는.
    Open,
    /// Ends in ㄹ: like any final consonant, except that (으)로 takes 로.
    Rieul,
    /// Ends in another consonant: 을, 이, 은, 과, 으로, 이라는.
    Closed,
}

/// The particle pairs as written in messages, and their forms after a vowel / a consonant.
/// `(이)` and `(으)` prefix whatever follows them (`(이)라는`, `(으)로의`).
const PAIRS: &[(&str, &str, &str)] = &[
    ("을(를)", "를", "을"),
    ("를(을)", "를", "을"),
    ("이(가)", "가", "이"),
    ("가(이)", "가", "이"),
    ("은(는)", "는", "은"),
    ("는(은)", "는", "은"),
    ("과(와)", "와", "과"),
    ("와(과)", "와", "과"),
];

/// If `rest` (the message right after a filled-in value) starts with a particle pair, the
/// form that fits `value` and how many bytes of `rest` it replaces.
pub fn particle(value: &str, rest: &str) -> Option<(String, usize)> {
    let coda = coda(value);
    for (pair, open, closed) in PAIRS {
        if rest.starts_with(pair) {
            let form = if coda == Coda::Open { open } else { closed };
            return Some((form.to_string(), pair.len()));
        }
    }
    if rest.starts_with("(으)로") {
        let form = if coda == Coda::Closed {
            "으로"
        } else {
            "로"
        };
        return Some((form.to_string(), "(으)로".len()));
    }
    if rest.starts_with("(이)") {
        let form = if coda == Coda::Open { "" } else { "이" };
        return Some((form.to_string(), "(이)".len()));
    }
    None
}

/// Particles whose form depends on the sound before them, as they would be written for one
/// sound only (`{port}를` is wrong after 80, 팔십).
const ONE_SOUND: &[&str] = &["을", "를", "이", "가", "은", "는", "과", "와", "로", "으로"];

/// The placeholders in a Korean text followed by a particle written for one sound only
/// (`{port}를`), where the pair must be written (`{port}을(를)`) for the value to choose.
pub fn fixed_particles(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(close) = rest.find('}') {
        let open = rest[..close].rfind('{');
        let after = &rest[close + 1..];
        if let Some(open) = open {
            let name = &rest[open + 1..close];
            let is_name =
                !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            let pair = particle("가", after).is_some();
            let bare = ONE_SOUND
                .iter()
                .find(|p| after.starts_with(**p) && !after[p.len()..].starts_with('('));
            if let (true, false, Some(p)) = (is_name, pair, bare) {
                found.push(format!("{{{name}}}{p}"));
            }
        }
        rest = after;
    }
    found
}

/// How `value` ends when read aloud in Korean.
pub fn coda(value: &str) -> Coda {
    let trimmed = value.trim_end_matches(|c: char| !c.is_alphanumeric());
    let Some(last) = trimmed.chars().last() else {
        return Coda::Open;
    };
    if let Some(jong) = hangul_final(last) {
        return match jong {
            0 => Coda::Open,
            8 => Coda::Rieul,
            _ => Coda::Closed,
        };
    }
    if last.is_ascii_digit() {
        let digits: String = trimmed
            .chars()
            .rev()
            .take_while(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return number(&digits);
    }
    if last.is_ascii_alphabetic() {
        let word: String = trimmed
            .chars()
            .rev()
            .take_while(char::is_ascii_alphabetic)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        return latin(&word);
    }
    Coda::Open
}

/// The final consonant index of a Hangul syllable (0 for none), if `c` is one.
fn hangul_final(c: char) -> Option<u32> {
    let code = c as u32;
    (0xAC00..=0xD7A3)
        .contains(&code)
        .then(|| (code - 0xAC00) % 28)
}

/// A number read as Sino-Korean: its last non-zero place decides (`80` 팔십, `100` 백).
fn number(digits: &str) -> Coda {
    let zeros = digits.chars().rev().take_while(|c| *c == '0').count();
    if zeros == digits.len() {
        return Coda::Closed; // 영
    }
    if zeros > 0 {
        return Coda::Closed; // 십, 백, 천, 만: all end in a consonant
    }
    match digits.chars().last() {
        // 일, 칠, 팔
        Some('1' | '7' | '8') => Coda::Rieul,
        // 삼, 육
        Some('3' | '6') => Coda::Closed,
        // 이, 사, 오, 구
        _ => Coda::Open,
    }
}

/// A Latin word: an acronym letter by letter, anything else as its loanword.
fn latin(word: &str) -> Coda {
    let acronym = word.chars().all(|c| c.is_ascii_uppercase());
    let lower = word.to_ascii_lowercase();
    if acronym || lower.len() == 1 {
        // The name of the last letter: 엘, 알; 엠, 엔; every other ends in a vowel.
        return match lower.chars().last() {
            Some('l' | 'r') => Coda::Rieul,
            Some('m' | 'n') => Coda::Closed,
            _ => Coda::Open,
        };
    }
    let b = lower.as_bytes();
    let last = b[b.len() - 1];
    let before = b.get(b.len().wrapping_sub(2)).copied();
    let vowel = |c: Option<u8>| matches!(c, Some(b'a' | b'e' | b'i' | b'o' | b'u'));
    match last {
        // role 롤, table 테이블, all 올
        b'l' => Coda::Rieul,
        b'e' if before == Some(b'l') => Coda::Rieul,
        // name 네임, lane 레인, main 메인, song 송
        b'm' | b'n' => Coda::Closed,
        b'e' if matches!(before, Some(b'm' | b'n')) => Coda::Closed,
        b'g' if before == Some(b'n') => Coda::Closed,
        // group 그룹, book 북, bucket 버킷: a short vowel keeps the consonant
        b'p' | b'k' | b't' if vowel(before) => Coda::Closed,
        // log 로그, policy 폴리시, server 서버, test 테스트
        _ => Coda::Open,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with(value: &str, pair: &str) -> String {
        let (form, used) = particle(value, pair).unwrap_or_else(|| panic!("no pair in {pair}"));
        format!("{value}{form}{}", &pair[used..])
    }

    #[test]
    fn particles_written_for_one_sound_are_found() {
        assert_eq!(fixed_particles("TCP {port}를 허용"), vec!["{port}를"]);
        assert_eq!(fixed_particles("{name}이라는 역할"), vec!["{name}이"]);
        assert_eq!(fixed_particles("{group}로 전달"), vec!["{group}로"]);
        for fine in [
            "{port}을(를) 허용",
            "{name}(이)라는",
            "{group}(으)로",
            "{policy}이(가)",
            "{count}개, {seconds}초, {name}의, {region}에서",
            "JSON {\"a\": 1}이 아닌", // not a placeholder
        ] {
            assert!(fixed_particles(fine).is_empty(), "{fine}");
        }
    }

    #[test]
    fn the_labs_own_values() {
        assert_eq!(with("my-flowpolicy", "(이)라는"), "my-flowpolicy라는");
        assert_eq!(with("my-flowpolicy", "을(를)"), "my-flowpolicy를");
        assert_eq!(with("MyVpc22-Log", "이(가)"), "MyVpc22-Log가");
        assert_eq!(with("MyVpc22", "(이)라는"), "MyVpc22라는");
        assert_eq!(with("my-flowlog-role", "을(를)"), "my-flowlog-role을");
        assert_eq!(with("my-flowlog-role", "(으)로"), "my-flowlog-role로");
        assert_eq!(with("my-flowlog", "(으)로"), "my-flowlog로");
        assert_eq!(with("80", "(으)로"), "80으로");
        assert_eq!(with("80", "을(를)"), "80을");
        assert_eq!(
            with("vpc-flow-logs.amazonaws.com", "이(가)"),
            "vpc-flow-logs.amazonaws.com이"
        );
        assert_eq!(with("ap-northeast-2", "(으)로"), "ap-northeast-2로");
        assert_eq!(with("eni-0a1b2c3d-all", "(으)로"), "eni-0a1b2c3d-all로");
    }

    #[test]
    fn digits_acronyms_and_hangul() {
        // (value, 을/를, (으)로)
        let cases = [
            ("1", "을", "로"),
            ("2", "를", "로"),
            ("3", "을", "으로"),
            ("10", "을", "으로"),
            ("100", "을", "으로"),
            ("22", "를", "로"),
            ("v1", "을", "로"),
            ("VPC", "를", "로"),
            ("IAM", "을", "으로"),
            ("ACL", "을", "로"),
            ("ENI", "를", "로"),
            ("김민수", "를", "로"),
            ("로그 그룹", "을", "으로"),
            ("서울", "을", "로"),
            ("group", "을", "으로"),
            ("name", "을", "으로"),
            ("log", "를", "로"),
            ("", "를", "로"),
            ("(괄호)", "를", "로"),
        ];
        for (value, object, direction) in cases {
            assert_eq!(with(value, "을(를)"), format!("{value}{object}"), "{value}");
            assert_eq!(
                with(value, "(으)로"),
                format!("{value}{direction}"),
                "{value}"
            );
        }
    }

    #[test]
    fn text_without_a_pair_is_left_alone() {
        assert_eq!(particle("80", "번 포트"), None);
        // The pair is replaced, what follows it kept: "(으)로의" → "으로의".
        assert_eq!(
            particle("80", "(으)로의 요청"),
            Some(("으로".to_string(), "(으)로".len()))
        );
    }
}
