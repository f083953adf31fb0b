//! The class roster: a CSV with a header, one student per row, and one way into each
//! student's account. Bad rows are reported with their line numbers and the rest are graded.

use crate::i18n::{Lang, Text};
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq)]
pub enum Access {
    /// Assume this role with the instructor's credentials.
    Role {
        arn: String,
        external_id: Option<String>,
    },
    /// Assume `--role-name` in this account.
    Account {
        id: String,
        external_id: Option<String>,
    },
    /// A named profile of the instructor's AWS configuration.
    Profile(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    /// The roster line, or 0 for an account found in AWS Organizations.
    pub line: usize,
    pub student: String,
    /// What tells this student from every other in a gradebook: the `student_id` column, else
    /// `email`, when the roster has one. Without it the name is the key.
    pub key: Option<String>,
    pub access: Access,
    pub region: Option<String>,
    /// The roster's other columns, with their headers as written: grades.csv keeps them, so
    /// that an LMS can match its rows (organization mode: the account's email and OU path).
    pub extra: Vec<(String, String)>,
}

impl Row {
    /// The account this row reaches, when its way in names one.
    pub fn account_id(&self) -> Option<&str> {
        match &self.access {
            Access::Account { id, .. } => Some(id),
            Access::Role { arn, .. } => arn.split(':').nth(4),
            Access::Profile(_) => None,
        }
    }

    /// The student's key, else their name: what `--only` and the class view match by.
    pub fn id(&self) -> &str {
        self.key.as_deref().unwrap_or(&self.student)
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RowError {
    pub line: usize,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("{file}: {message}")]
    File { file: String, message: String },
}

/// The columns awslab reads; any other column is the instructor's and passes through.
const COLUMNS: &[&str] = &[
    "student",
    "role_arn",
    "external_id",
    "account_id",
    "profile",
    "region",
];

/// The columns that identify a student in a gradebook, the first present wins.
const KEYS: &[&str] = &["student_id", "email"];

pub fn parse(file: &str, text: &str, lang: Lang) -> Result<(Vec<Row>, Vec<RowError>), RosterError> {
    let whole = |message: Text| RosterError::File {
        file: file.to_string(),
        message: message.render(lang),
    };
    // The reader miscounts lines after a CRLF (what Excel writes) and skips comment lines
    // without counting them: both are made plain here, a comment kept as an empty line.
    let text: String = text
        .lines()
        .map(|l| if l.starts_with('#') { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n");
    // A record's line, from its byte offset. The reader's own count, and its offset, stop at
    // the empty lines before a record: they are stepped over here.
    let line_at = |p: &csv::Position| {
        let bytes = text.as_bytes();
        let mut at = usize::try_from(p.byte())
            .unwrap_or(bytes.len())
            .min(bytes.len());
        while bytes.get(at) == Some(&b'\n') {
            at += 1;
        }
        bytes[..at].iter().filter(|&&b| b == b'\n').count() + 1
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let written: Vec<String> = reader
        .headers()
        .map_err(|e| whole(Text::new("roster.header-unreadable").arg("error", e)))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_string())
        .collect();
    let headers: Vec<String> = written.iter().map(|h| h.to_ascii_lowercase()).collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let Some(student_col) = col("student") else {
        return Err(whole(
            Text::new("roster.no-student-column").arg("columns", COLUMNS.join(", ")),
        ));
    };
    if col("role_arn").is_none() && col("account_id").is_none() && col("profile").is_none() {
        return Err(whole(Text::new("roster.no-access-column")));
    }
    let key_col = KEYS.iter().find_map(|k| col(k).map(|i| (i, *k)));
    let extra_cols: Vec<usize> = (0..headers.len())
        .filter(|&i| !COLUMNS.contains(&headers[i].as_str()))
        .collect();
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut push_error = |line: usize, message: Text| {
        errors.push(RowError {
            line,
            message: message.render(lang),
        })
    };
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(line_at).unwrap_or(0);
                push_error(line, Text::new("roster.not-csv").arg("error", e));
                continue;
            }
        };
        let line = record.position().map(line_at).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != headers.len() {
            push_error(
                line,
                Text::new("roster.field-count")
                    .arg("fields", record.len())
                    .arg("header", headers.len()),
            );
            continue;
        }
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        let mut r = match row(line, record.get(student_col).unwrap_or(""), &get) {
            Ok(r) => r,
            Err(message) => {
                push_error(line, message);
                continue;
            }
        };
        r.key = key_col
            .and_then(|(i, _)| record.get(i))
            .filter(|v| !v.is_empty())
            .map(crate::i18n::unhide);
        r.extra = extra_cols
            .iter()
            .map(|&i| (written[i].clone(), record.get(i).unwrap_or("").to_string()))
            .collect();
        let twice = match (&r.key, key_col) {
            (Some(key), Some((_, column))) => seen.get(key).map(|first| {
                Text::new("roster.key-twice")
                    .arg("column", column)
                    .arg("key", key)
                    .arg("first", first)
            }),
            _ => seen.get(r.id()).map(|first| {
                Text::new("roster.twice")
                    .arg("student", &r.student)
                    .arg("first", first)
            }),
        };
        match twice {
            Some(message) => push_error(line, message),
            None => {
                seen.insert(r.id().to_string(), line);
                rows.push(r);
            }
        }
    }
    Ok((rows, errors))
}

fn row(line: usize, student: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<Row, Text> {
    if student.is_empty() {
        return Err(Text::new("roster.student-empty"));
    }
    if student.chars().any(char::is_control) || student.len() > 200 {
        return Err(Text::new("roster.student-bad"));
    }
    let external_id = get("external_id");
    let ways: Vec<Access> = [
        get("role_arn").map(|arn| Access::Role {
            arn,
            external_id: external_id.clone(),
        }),
        get("account_id").map(|id| Access::Account {
            id,
            external_id: external_id.clone(),
        }),
        get("profile").map(Access::Profile),
    ]
    .into_iter()
    .flatten()
    .collect();
    let access = match ways.as_slice() {
        [] => return Err(Text::new("roster.no-way")),
        [one] => one.clone(),
        _ => return Err(Text::new("roster.many-ways")),
    };
    match &access {
        Access::Role { arn, .. } if !valid_role_arn(arn) => {
            return Err(Text::new("roster.bad-role-arn").arg("arn", arn));
        }
        Access::Account { id, .. } if !valid_account(id) => {
            return Err(Text::new("roster.bad-account").arg("account", id));
        }
        _ => {}
    }
    let region = get("region");
    if let Some(r) = &region {
        if !valid_region(r) {
            return Err(Text::new("roster.bad-region").arg("region", r));
        }
    }
    Ok(Row {
        line,
        // Bidirectional and zero-width characters shown by their code point, in every report.
        student: crate::i18n::unhide(student),
        key: None,
        access,
        region,
        extra: Vec::new(),
    })
}

fn valid_account(id: &str) -> bool {
    id.len() == 12 && id.chars().all(|c| c.is_ascii_digit())
}

fn valid_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    matches!(parts.as_slice(), ["arn", partition, "iam", "", account, resource]
    if partition.starts_with("aws")
        && valid_account(account)
        && resource.strip_prefix("role/").is_some_and(|n| {
            !n.is_empty() && n.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@_-/".contains(c))
        }))
}

fn valid_region(r: &str) -> bool {
    let parts: Vec<&str> = r.split('-').collect();
    parts.len() >= 3
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        })
        && parts
            .last()
            .is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_rows_are_read_and_bad_ones_reported_by_line() {
        let text = "\
Student,role_arn,external_id,account_id,profile,region
kim,arn:aws:iam::111122223333:role/Grader,ext-1,,,
lee,,,444455556666,,us-east-1
park,,,,park-profile,
choi,arn:aws:iam::12345:role/x,,,,
jung,,,12345678901a,,
kim,,,999988887777,,
han,,,,,
yoon,arn:aws:iam::111122223333:role/R,,111122223333,,
lim,,,111122223333,,moon-1
too,many
";
        let (rows, errors) = parse("roster.csv", text, Lang::En).expect("parses");
        assert_eq!(
            rows.iter().map(|r| r.student.as_str()).collect::<Vec<_>>(),
            ["kim", "lee", "park"]
        );
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[0].access,
            Access::Role {
                arn: "arn:aws:iam::111122223333:role/Grader".into(),
                external_id: Some("ext-1".into())
            }
        );
        assert_eq!(rows[1].region.as_deref(), Some("us-east-1"));
        let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
        assert_eq!(lines, [5, 6, 7, 8, 9, 10, 11], "{errors:#?}");
        assert!(
            errors[2].message.contains("line 2"),
            "{}",
            errors[2].message
        );
    }

    #[test]
    fn header_problems_are_whole_file_errors() {
        assert!(parse("r.csv", "name,role_arn\nx,y\n", Lang::En).is_err());
        assert!(parse("r.csv", "student,region\nx,us-east-1\n", Lang::En).is_err());
        assert!(parse("r.csv", "", Lang::En).is_err());
    }

    #[test]
    fn hostile_input_is_a_clear_error_not_a_panic() {
        let garbage =
            String::from_utf8_lossy(&[0xff, 0xfe, b'"', b',', b'\n', 0, 1, 2]).into_owned();
        let whole = parse("r.csv", &garbage, Lang::En)
            .map(|_| ())
            .map_err(|e| e.to_string());
        assert_eq!(
            whole,
            Err(format!(
                "r.csv: the header line needs a 'student' column (columns: {})",
                COLUMNS.join(", ")
            ))
        );
        // A quote never closed swallows the rest of the file into one field: one bad row.
        let (rows, errors) = parse(
            "r.csv",
            &format!("student,profile\n\"{}\n", "x".repeat(100_000)),
            Lang::En,
        )
        .expect("the header is fine");
        assert!(rows.is_empty(), "{rows:?}");
        assert_eq!(
            errors,
            [RowError {
                line: 2,
                message: "has 1 fields, the header has 2".to_string()
            }]
        );
    }

    #[test]
    fn a_crlf_roster_has_the_same_line_numbers_as_its_lf_twin() {
        let lf = "student,account_id\nkim,111122223333\n# note\nlee,12345\n\npark,1\n";
        let crlf = lf.replace('\n', "\r\n");
        let lines = |text: &str| {
            let (rows, errors) = parse("r.csv", text, Lang::En).expect("parses");
            let rows: Vec<usize> = rows.iter().map(|r| r.line).collect();
            let errors: Vec<usize> = errors.iter().map(|e| e.line).collect();
            (rows, errors)
        };
        assert_eq!(lines(lf), (vec![2], vec![4, 6]));
        assert_eq!(lines(&crlf), lines(lf));
    }

    #[test]
    fn a_student_id_tells_equal_names_apart_and_other_columns_pass_through() {
        let text = "\u{feff}Student,Student_ID,Email,Section,account_id\n\
                    김민수,2024001,a@example.com,A,111122223333\n\
                    김민수,2024002,b@example.com,B,444455556666\n\
                    이서연,2024001,c@example.com,A,777788889999\n";
        let (rows, errors) = parse("r.csv", text, Lang::En).expect("parses");
        assert_eq!(rows.len(), 2, "{errors:?}");
        assert_eq!(rows[0].key.as_deref(), Some("2024001"));
        assert_eq!(rows[1].id(), "2024002");
        assert_eq!(
            rows[1].extra,
            [
                ("Student_ID".to_string(), "2024002".to_string()),
                ("Email".to_string(), "b@example.com".to_string()),
                ("Section".to_string(), "B".to_string()),
            ]
        );
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].line, 4);
        assert_eq!(
            errors[0].message,
            "student_id '2024001' is listed twice (first on line 2)"
        );
    }

    #[test]
    fn without_a_key_the_email_is_one_and_without_either_the_name() {
        let (rows, _) = parse(
            "r.csv",
            "student,email,account_id\nkim,k@example.com,111122223333\n",
            Lang::En,
        )
        .expect("parses");
        assert_eq!(rows[0].id(), "k@example.com");
        let (rows, errors) = parse(
            "r.csv",
            "student,account_id\nkim,111122223333\nkim,444455556666\n",
            Lang::En,
        )
        .expect("parses");
        assert_eq!(rows[0].id(), "kim");
        assert!(errors[0].message.contains("student_id"), "{errors:?}");
    }

    #[test]
    fn roster_problems_are_said_in_korean_with_lang_ko() {
        let (_, errors) = parse(
            "r.csv",
            "student,account_id\nkim,12345\n,111122223333\n",
            Lang::Ko,
        )
        .expect("parses");
        assert_eq!(
            errors[0].message,
            "12345는 AWS 계정 ID가 아닙니다(숫자 12자리)."
        );
        assert_eq!(errors[1].message, "student 칸이 비어 있습니다.");
        let whole = parse("r.csv", "name,role_arn\n", Lang::Ko).expect_err("no student column");
        assert!(
            whole.to_string().contains("머리글 줄에 'student' 열"),
            "{whole}"
        );
    }
}
