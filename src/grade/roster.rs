//! The class roster: a CSV with a header, one student per row, and one way into each
//! student's account. Bad rows are reported with their line numbers and the rest are graded.

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
    pub access: Access,
    pub region: Option<String>,
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

const COLUMNS: &[&str] = &[
    "student",
    "role_arn",
    "external_id",
    "account_id",
    "profile",
    "region",
];

pub fn parse(file: &str, text: &str) -> Result<(Vec<Row>, Vec<RowError>), RosterError> {
    let whole = |message: String| RosterError::File {
        file: file.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .comment(Some(b'#'))
        .from_reader(text.as_bytes());
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| whole(format!("cannot read the header line: {e}")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
        .collect();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let Some(student_col) = col("student") else {
        return Err(whole(format!(
            "the header line needs a 'student' column (columns: {})",
            COLUMNS.join(", ")
        )));
    };
    if col("role_arn").is_none() && col("account_id").is_none() && col("profile").is_none() {
        return Err(whole(
            "the header line needs a way into each account: a 'role_arn', 'account_id' or 'profile' column"
                .into(),
        ));
    }
    let mut rows = Vec::new();
    let mut errors = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map(|p| p.line() as usize).unwrap_or(0);
                errors.push(RowError {
                    line,
                    message: format!("not valid CSV: {e}"),
                });
                continue;
            }
        };
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if record.len() != headers.len() {
            errors.push(RowError {
                line,
                message: format!(
                    "has {} fields, the header has {}",
                    record.len(),
                    headers.len()
                ),
            });
            continue;
        }
        let get = |name: &str| {
            col(name)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        match row(line, record.get(student_col).unwrap_or(""), &get) {
            Ok(r) => {
                if let Some(first) = seen.get(&r.student) {
                    errors.push(RowError {
                        line,
                        message: format!(
                            "student '{}' is listed twice (first on line {first})",
                            r.student
                        ),
                    });
                } else {
                    seen.insert(r.student.clone(), line);
                    rows.push(r);
                }
            }
            Err(message) => errors.push(RowError { line, message }),
        }
    }
    Ok((rows, errors))
}

fn row(line: usize, student: &str, get: &dyn Fn(&str) -> Option<String>) -> Result<Row, String> {
    if student.is_empty() {
        return Err("the student column is empty".into());
    }
    if student.chars().any(char::is_control) || student.len() > 200 {
        return Err(
            "the student name must be at most 200 characters, without control characters".into(),
        );
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
        [] => return Err("no way into the account: fill role_arn, account_id or profile".into()),
        [one] => one.clone(),
        _ => return Err(
            "more than one way into the account: fill only one of role_arn, account_id, profile"
                .into(),
        ),
    };
    match &access {
        Access::Role { arn, .. } if !valid_role_arn(arn) => {
            return Err(format!(
                "'{arn}' is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)"
            ));
        }
        Access::Account { id, .. } if !valid_account(id) => {
            return Err(format!("'{id}' is not an AWS account id (12 digits)"));
        }
        _ => {}
    }
    let region = get("region");
    if let Some(r) = &region {
        if !valid_region(r) {
            return Err(format!("'{r}' is not a region name (like ap-northeast-2)"));
        }
    }
    Ok(Row {
        line,
        // Bidirectional and zero-width characters shown by their code point, in every report.
        student: crate::i18n::unhide(student),
        access,
        region,
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
        let (rows, errors) = parse("roster.csv", text).expect("parses");
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
        assert!(parse("r.csv", "name,role_arn\nx,y\n").is_err());
        assert!(parse("r.csv", "student,region\nx,us-east-1\n").is_err());
        assert!(parse("r.csv", "").is_err());
    }

    #[test]
    fn hostile_input_is_a_clear_error_not_a_panic() {
        let garbage =
            String::from_utf8_lossy(&[0xff, 0xfe, b'"', b',', b'\n', 0, 1, 2]).into_owned();
        let whole = parse("r.csv", &garbage)
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
}
