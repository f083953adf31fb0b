//! Dates as the `Date*` condition operators read them: "one of the W3C
//! implementations of the ISO 8601 date formats or in epoch (UNIX) time"
//! (IAM User Guide, condition operators). Parsing is strict: a date that
//! cannot exist (2026-02-31, 24:00) is rejected rather than normalised.

/// A point in time: seconds since the Unix epoch and nanoseconds within.
pub(crate) type Instant = (i64, u32);

/// Parses epoch seconds (`1700000000`, `-5`), a date (`2026-02-28`, taken as
/// midnight UTC) or a date-time with a zone (`2026-02-28T12:30Z`,
/// `2026-02-28T12:30:15.25+09:00`).
pub(crate) fn parse_date(text: &str) -> Option<Instant> {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse::<i64>().ok().map(|s| (s, 0));
    }
    let (date, time) = match text.split_once('T') {
        Some((d, t)) => (d, Some(t)),
        None => (text, None),
    };
    let days = parse_ymd(date)?;
    let (seconds, nanos) = match time {
        Some(t) => parse_time(t)?,
        None => (0, 0),
    };
    Some((days * 86_400 + seconds, nanos))
}

/// `YYYY-MM-DDThh:mm:ssZ` for epoch seconds, as AWS writes aws:CurrentTime.
pub(crate) fn format_rfc3339(epoch_secs: i64) -> String {
    let days = epoch_secs.div_euclid(86_400);
    let secs = epoch_secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Days since 1970-01-01 for `YYYY-MM-DD`, if that day exists.
fn parse_ymd(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = number(&text[0..4])?;
    let month = number(&text[5..7])?;
    let day = number(&text[8..10])?;
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

/// Seconds into the UTC day (may fall outside 0..86400 after the zone
/// offset) and nanoseconds, for `hh:mm[:ss[.fff]]` followed by `Z` or `±hh:mm`.
fn parse_time(text: &str) -> Option<(i64, u32)> {
    let (clock, offset) = if let Some(clock) = text.strip_suffix('Z') {
        (clock, 0)
    } else {
        let sign_at = text.rfind(['+', '-'])?;
        let (clock, zone) = text.split_at(sign_at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':')?;
        let (h, m) = (two_digits(h)?, two_digits(m)?);
        if h > 23 || m > 59 {
            return None;
        }
        (clock, sign * (h * 3600 + m * 60))
    };
    let (hms, fraction) = match clock.split_once('.') {
        Some((hms, f)) => (hms, Some(f)),
        None => (clock, None),
    };
    let mut parts = hms.split(':');
    let hour = two_digits(parts.next()?)?;
    let minute = two_digits(parts.next()?)?;
    let second = match parts.next() {
        Some(s) => two_digits(s)?,
        None if fraction.is_none() => 0,
        None => return None,
    };
    if parts.next().is_some() || hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let nanos = match fraction {
        None => 0,
        Some(f) if !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()) => {
            // Digits past the ninth are below a nanosecond and are dropped.
            let kept: String = f.chars().chain(std::iter::repeat('0')).take(9).collect();
            kept.parse().ok()?
        }
        Some(_) => return None,
    };
    Some((hour * 3600 + minute * 60 + second - offset, nanos))
}

fn two_digits(text: &str) -> Option<i64> {
    if text.len() == 2 { number(text) } else { None }
}

fn number(text: &str) -> Option<i64> {
    if text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's days_from_civil: days since 1970-01-01 in the proleptic
/// Gregorian calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_documented_forms_and_rejects_impossible_dates() {
        let cases: &[(&str, Option<Instant>)] = &[
            ("0", Some((0, 0))),
            ("1700000000", Some((1_700_000_000, 0))),
            ("-86400", Some((-86_400, 0))),
            ("1970-01-02", Some((86_400, 0))),
            ("2024-02-29", Some((1_709_164_800, 0))),
            ("2020-01-01T00:00:00Z", Some((1_577_836_800, 0))),
            ("2020-01-01T00:00Z", Some((1_577_836_800, 0))),
            ("2020-01-01T09:00:00+09:00", Some((1_577_836_800, 0))),
            ("2019-12-31T23:00:00-01:00", Some((1_577_836_800, 0))),
            ("2020-01-01T00:00:00.5Z", Some((1_577_836_800, 500_000_000))),
            (
                "2020-01-01T00:00:00.1234567891Z",
                Some((1_577_836_800, 123_456_789)),
            ),
            ("2026-02-31", None),
            ("2023-02-29", None),
            ("1900-02-29", None),
            ("2026-13-01", None),
            ("2026-00-10", None),
            ("2026-04-31", None),
            ("2026-01-01T24:00:00Z", None),
            ("2026-01-01T23:60:00Z", None),
            ("2026-01-01T23:59:60Z", None),
            ("2026-01-01T12:00:00", None),
            ("2026-01-01T12:00:00+25:00", None),
            ("2026-01-01T12:00:00.Z", None),
            ("2026-01-01T12:00.5Z", None),
            ("2026-1-01", None),
            ("26-01-01", None),
            ("2026-01-01T", None),
            ("", None),
            ("-", None),
            ("now", None),
            ("99999999999999999999", None),
            ("２０２６-01-01", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_date(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn formats_like_aws_and_round_trips() {
        assert_eq!(format_rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(format_rfc3339(1_709_164_800), "2024-02-29T00:00:00Z");
        assert_eq!(format_rfc3339(1_767_225_599), "2025-12-31T23:59:59Z");
        assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59Z");
        for secs in (-5_000_000_000_i64..5_000_000_000).step_by(7_777_777) {
            assert_eq!(parse_date(&format_rfc3339(secs)), Some((secs, 0)));
        }
    }
}
