//! Times as the lab shows and reads them: unix seconds to UTC text, and RFC 3339 text (grading
//! deadlines) to unix seconds, through the `time` crate (already in the AWS SDK's tree).

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Unix seconds as a UTC timestamp: `2014-12-14 04:06:50 UTC`.
pub fn utc(secs: i64) -> String {
    match OffsetDateTime::from_unix_timestamp(secs) {
        Ok(t) => format!(
            "{:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC",
            t.year(),
            u8::from(t.month()),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        // Beyond the years `time` represents: the number is still the truth.
        Err(_) => format!("{secs} (unix seconds)"),
    }
}

/// A time as a reader wants it: UTC, and for a Korean reader Korea's time beside it.
pub fn for_reader(secs: i64, lang: crate::i18n::Lang) -> String {
    match lang {
        crate::i18n::Lang::Ko => {
            let kst = utc(secs + 9 * 3600).replace(" UTC", " KST");
            format!("{kst} ({})", utc(secs))
        }
        crate::i18n::Lang::En => utc(secs),
    }
}

/// The time of day a reader goes by, for "checked at": KST for a Korean reader, else UTC.
pub fn clock(secs: i64, lang: crate::i18n::Lang) -> String {
    let (shifted, zone) = match lang {
        crate::i18n::Lang::Ko => (secs + 9 * 3600, "KST"),
        crate::i18n::Lang::En => (secs, "UTC"),
    };
    match OffsetDateTime::from_unix_timestamp(shifted) {
        Ok(t) => format!("{:02}:{:02}:{:02} {zone}", t.hour(), t.minute(), t.second()),
        Err(_) => utc(secs),
    }
}

/// Now, in unix seconds.
pub fn now_unix() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// `2026-12-01T18:00:00+09:00`, `2026-12-01T09:00:00Z`, with optional fractional seconds. A
/// date that does not exist (`2026-02-31`) is `None`, not a day in the next month.
pub fn parse_rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s.trim(), &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_clock_is_korean_time_for_a_korean_reader() {
        // 2014-12-14 04:06:50 UTC
        assert_eq!(clock(1418530010, crate::i18n::Lang::En), "04:06:50 UTC");
        assert_eq!(clock(1418530010, crate::i18n::Lang::Ko), "13:06:50 KST");
    }

    #[test]
    fn utc_formats_known_instants() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(1_418_530_010), "2014-12-14 04:06:50 UTC");
        assert_eq!(utc(951_782_400), "2000-02-29 00:00:00 UTC");
    }

    #[test]
    fn rfc3339_with_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2014-12-14T04:06:50Z"), Some(1_418_530_010));
        assert_eq!(
            parse_rfc3339("2014-12-14T13:06:50+09:00"),
            Some(1_418_530_010)
        );
        assert_eq!(
            parse_rfc3339("2014-12-13T23:06:50.123-05:00"),
            Some(1_418_530_010)
        );
        for bad in [
            "tomorrow",
            "2014-12-14",
            "2014-13-01T00:00:00Z",
            "2014-12-14T04:06:50",
            "2014-12-14T04:06:50+9",
            // Impossible dates are errors, not the next month.
            "2026-02-31T00:00:00Z",
            "2026-02-29T00:00:00Z",
            "2026-04-31T12:00:00+09:00",
            "",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
        for secs in [0, 951_782_400, 1_795_840_502] {
            let text = utc(secs).replace(" UTC", "Z").replace(' ', "T");
            assert_eq!(parse_rfc3339(&text), Some(secs), "{text}");
        }
    }
}
