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

/// A time as a reader wants it: in the machine's own time zone, named, with UTC beside it
/// (UTC alone where that is the machine's zone).
pub fn for_reader(secs: i64) -> String {
    let (offset, zone) = local_zone(secs).unwrap_or((0, "UTC".to_string()));
    in_zone(secs, offset, &zone)
}

/// `secs` as a date and time `offset` seconds east of UTC in the zone named `zone`, and in UTC.
fn in_zone(secs: i64, offset: i64, zone: &str) -> String {
    if offset == 0 {
        return utc(secs);
    }
    let local = utc(secs + offset);
    let date_time = local.strip_suffix(" UTC").unwrap_or(&local);
    format!("{date_time} {} ({})", zone_name(offset, zone), utc(secs))
}

/// A zone's abbreviation, or `UTC+09:00` when it has only an offset (or nothing) for a name.
fn zone_name(offset: i64, zone: &str) -> String {
    if zone.chars().any(|c| c.is_ascii_alphabetic()) {
        zone.to_string()
    } else {
        let sign = if offset < 0 { '-' } else { '+' };
        let minutes = offset.abs() / 60;
        format!("UTC{sign}{:02}:{:02}", minutes / 60, minutes % 60)
    }
}

/// The time of day on the machine's clock, in its own time zone, named: `13:06:50 KST`.
pub fn clock(secs: i64) -> String {
    let (offset, zone) = local_zone(secs).unwrap_or((0, "UTC".to_string()));
    clock_in(secs, offset, &zone)
}

/// `secs` as a time of day `offset` seconds east of UTC, in the zone named `zone` (a name
/// that is only an offset, or none, is written `UTC+09:00`).
fn clock_in(secs: i64, offset: i64, zone: &str) -> String {
    let named = zone_name(offset, zone);
    match OffsetDateTime::from_unix_timestamp(secs + offset) {
        Ok(t) => format!(
            "{:02}:{:02}:{:02} {named}",
            t.hour(),
            t.minute(),
            t.second()
        ),
        Err(_) => utc(secs),
    }
}

/// The machine's time zone at `secs` (the TZ variable, else /etc/localtime): its offset from
/// UTC in seconds and its abbreviation.
#[cfg(unix)]
fn local_zone(secs: i64) -> Option<(i64, String)> {
    let t = libc::time_t::try_from(secs).ok()?;
    // SAFETY: a zeroed `tm` is a valid value to be written over; localtime_r writes only into
    // it, and tm_zone then points at a static string of the C library (or is null).
    let mut tm: libc::tm = unsafe { std::mem::zeroed() };
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return None;
    }
    let zone = if tm.tm_zone.is_null() {
        String::new()
    } else {
        // SAFETY: non-null, and a NUL-terminated string the C library keeps.
        unsafe { std::ffi::CStr::from_ptr(tm.tm_zone) }
            .to_string_lossy()
            .into_owned()
    };
    // c_long: i64 here, i32 on 32-bit targets.
    #[allow(clippy::useless_conversion)]
    let offset = i64::from(tm.tm_gmtoff);
    Some((offset, zone))
}

#[cfg(not(unix))]
fn local_zone(_: i64) -> Option<(i64, String)> {
    None
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
    fn the_clock_is_the_machines_zone_and_names_it() {
        // 2014-12-14 04:06:50 UTC
        assert_eq!(clock_in(1418530010, 0, "UTC"), "04:06:50 UTC");
        assert_eq!(in_zone(1418530010, 0, "UTC"), "2014-12-14 04:06:50 UTC");
        assert_eq!(
            in_zone(1418530010, 9 * 3600, "KST"),
            "2014-12-14 13:06:50 KST (2014-12-14 04:06:50 UTC)"
        );
        assert_eq!(
            in_zone(1418530010, 9 * 3600, "+09"),
            "2014-12-14 13:06:50 UTC+09:00 (2014-12-14 04:06:50 UTC)"
        );
        assert_eq!(clock_in(1418530010, 9 * 3600, "KST"), "13:06:50 KST");
        assert_eq!(clock_in(1418530010, 9 * 3600, "+09"), "13:06:50 UTC+09:00");
        assert_eq!(
            clock_in(1418530010, -(5 * 3600 + 1800), ""),
            "22:36:50 UTC-05:30"
        );
        assert!(clock(1418530010).ends_with(|c: char| c.is_ascii_alphanumeric()));
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
