//! Calendar dates in the strict `YYYY-MM-DD` form used throughout fixlog.

use time::{Date, Month};

/// Why a date could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// The text is not of the shape `YYYY-MM-DD`.
    #[error("`{value}` is not a date, expected YYYY-MM-DD")]
    Malformed {
        /// The rejected text.
        value: String,
    },
    /// The text has the right shape but names no calendar day.
    #[error("`{value}` is not a calendar day")]
    NoSuchDay {
        /// The rejected text.
        value: String,
    },
}

/// Parses a date in the strict form `YYYY-MM-DD` (four-digit year, two-digit
/// month and day, nothing before or after).
pub fn parse_date(value: &str) -> Result<Date, DateError> {
    let malformed = || DateError::Malformed {
        value: value.to_owned(),
    };
    let bytes = value.as_bytes();
    if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
        return Err(malformed());
    }
    let number = |range: std::ops::Range<usize>| -> Result<u16, DateError> {
        let digits = &bytes[range];
        if !digits.iter().all(u8::is_ascii_digit) {
            return Err(malformed());
        }
        Ok(digits
            .iter()
            .fold(0u16, |acc, digit| acc * 10 + u16::from(digit - b'0')))
    };
    let year = number(0..4)?;
    let month = number(5..7)?;
    let day = number(8..10)?;
    let no_such_day = || DateError::NoSuchDay {
        value: value.to_owned(),
    };
    let month = u8::try_from(month)
        .ok()
        .and_then(|month| Month::try_from(month).ok())
        .ok_or_else(no_such_day)?;
    let day = u8::try_from(day).map_err(|_| no_such_day())?;
    Date::from_calendar_date(i32::from(year), month, day).map_err(|_| no_such_day())
}

/// Formats a date as `YYYY-MM-DD`.
pub fn format_date(date: Date) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        date.year(),
        u8::from(date.month()),
        date.day()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_strict_dates() {
        for good in ["2026-11-29", "2024-02-29", "0001-01-01", "9999-12-31"] {
            let date = parse_date(good).unwrap_or_else(|error| panic!("{good}: {error}"));
            assert_eq!(format_date(date), good);
        }
        let date = parse_date("2026-04-01").unwrap();
        assert_eq!(
            (date.year(), u8::from(date.month()), date.day()),
            (2026, 4, 1)
        );
    }

    #[test]
    fn rejects_loose_or_impossible_dates() {
        for bad in [
            "",
            "2026-4-01",
            "2026/04/01",
            "26-04-01",
            "2026-04-01T00:00:00Z",
            " 2026-04-01",
            "2026-04-0a",
            "+026-04-01",
            "２０２６-04-01",
        ] {
            assert!(
                matches!(parse_date(bad), Err(DateError::Malformed { .. })),
                "{bad:?}"
            );
        }
        for impossible in [
            "2026-02-29",
            "2026-13-01",
            "2026-00-10",
            "2026-04-31",
            "2026-01-00",
        ] {
            assert!(
                matches!(parse_date(impossible), Err(DateError::NoSuchDay { .. })),
                "{impossible:?}"
            );
        }
    }
}
