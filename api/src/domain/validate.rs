//! Validated newtypes for what clients type: names, codes, slugs, emails, passwords, timezones.
//!
//! Parsing happens once, at the domain boundary, and names the offending field so that the
//! client's error says which input to fix. Each type carries its tests beside it.

use crate::error::{AppError, Result};

fn check_len(field: &str, value: &str, min: usize, max: usize) -> Result<()> {
    let len = value.chars().count();
    if len < min {
        return Err(if min == 1 {
            AppError::validation(field, "must not be empty")
        } else {
            AppError::validation(field, format!("must be at least {min} characters"))
        });
    }
    if len > max {
        return Err(AppError::validation(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(())
}

/// Bidirectional embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069): invisible,
/// they reorder what follows them on screen, so that stored text reads other than it is. The
/// marks (U+200E, U+200F, U+061C) only set the direction of neutral characters and are allowed.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The one check of what people and devices name things with (names, units, free text, filter
/// text; keys are narrower still): no control characters (C0, DEL, C1, NUL included), no
/// bidirectional embeddings, overrides or isolates.
fn no_control_chars(field: &str, value: &str) -> Result<()> {
    if value.chars().any(|c| c.is_control() || is_bidi_control(c)) {
        return Err(AppError::validation(
            field,
            "must not contain control characters or bidirectional overrides",
        ));
    }
    Ok(())
}

/// A display name: trimmed, 1..=max characters, no control characters.
pub fn name(field: &str, value: &str, max: usize) -> Result<String> {
    let value = value.trim();
    check_len(field, value, 1, max)?;
    no_control_chars(field, value)?;
    Ok(value.to_owned())
}

/// Optional free text: trimmed, empty becomes `None`.
pub fn optional_text(field: &str, value: Option<&str>, max: usize) -> Result<Option<String>> {
    match value.map(str::trim) {
        None | Some("") => Ok(None),
        Some(v) => {
            check_len(field, v, 1, max)?;
            no_control_chars(field, v)?;
            Ok(Some(v.to_owned()))
        }
    }
}

/// The longest text a list filter takes (a search, a vendor, a command key): far above any
/// stored name, and far below what makes a LIKE pattern expensive (SQLite refuses patterns over
/// 50,000 bytes as "too complex"; PostgreSQL would scan with them all the same).
pub const FILTER_TEXT_MAX: usize = 200;

/// Free text that filters a list: at most [`FILTER_TEXT_MAX`] characters, no control characters.
pub fn filter_text(field: &str, value: &str) -> Result<()> {
    check_len(field, value, 0, FILTER_TEXT_MAX)?;
    no_control_chars(field, value)
}

/// A code (site, zone, asset): letters, digits, `-` and `_`, 1..=32, stored upper-cased so that
/// `r-01` and `R-01` are the same code.
pub fn code(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    check_len(field, value, 1, 32)?;
    if !value
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        return Err(AppError::validation(
            field,
            "may contain only letters, digits, '-' and '_'",
        ));
    }
    Ok(value.to_ascii_uppercase())
}

/// An organization slug: lower-case letters, digits and single hyphens, 3..=63, as in a DNS label.
pub fn slug(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    check_len(field, value, 3, 63)?;
    let ok_chars = value
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
    if !ok_chars || value.starts_with('-') || value.ends_with('-') || value.contains("--") {
        return Err(AppError::validation(
            field,
            "must be lower-case letters, digits and single hyphens, not starting or ending with a hyphen",
        ));
    }
    Ok(value.to_owned())
}

/// An email address, lower-cased. Deliberately simple: one `@`, a non-empty local part, a domain
/// with a dot and no spaces. Deliverability is the mail system's business.
pub fn email(field: &str, value: &str) -> Result<String> {
    let value = value.trim().to_lowercase();
    check_len(field, &value, 3, 254)?;
    let bad = || AppError::validation(field, "is not a valid email address");
    let (local, domain) = value.split_once('@').ok_or_else(bad)?;
    let valid = !local.is_empty()
        && local.len() <= 64
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains("..")
        && !value.chars().any(|c| c.is_whitespace() || c.is_control());
    if !valid {
        return Err(bad());
    }
    Ok(value)
}

/// A new password: 10..=128 characters (NIST SP 800-63B: length over composition rules).
pub fn password(field: &str, value: &str) -> Result<()> {
    check_len(field, value, 10, 128)
}

/// An IANA timezone name (`Europe/Berlin`, `UTC`).
pub fn timezone(field: &str, value: &str) -> Result<String> {
    let value = value.trim();
    value
        .parse::<chrono_tz::Tz>()
        .map(|tz| tz.name().to_owned())
        .map_err(|_| {
            AppError::validation(field, "is not a known IANA timezone (e.g. Europe/Berlin)")
        })
}

pub fn latitude(field: &str, value: Option<f64>) -> Result<Option<f64>> {
    in_range(field, value, -90.0, 90.0)
}

pub fn longitude(field: &str, value: Option<f64>) -> Result<Option<f64>> {
    in_range(field, value, -180.0, 180.0)
}

pub fn finite(field: &str, value: Option<f64>) -> Result<Option<f64>> {
    in_range(field, value, f64::MIN, f64::MAX)
}

fn in_range(field: &str, value: Option<f64>, min: f64, max: f64) -> Result<Option<f64>> {
    match value {
        Some(v) if !v.is_finite() || v < min || v > max => Err(AppError::validation(
            field,
            format!("must be a number between {min} and {max}"),
        )),
        other => Ok(other),
    }
}

/// A positive integer within bounds.
pub fn int_range(field: &str, value: i32, min: i32, max: i32) -> Result<i32> {
    if value < min || value > max {
        return Err(AppError::validation(
            field,
            format!("must be between {min} and {max}"),
        ));
    }
    Ok(value)
}

/// A JSON object (configuration blobs), bounded in size.
pub fn json_object(
    field: &str,
    value: serde_json::Value,
    max_bytes: usize,
) -> Result<serde_json::Value> {
    if !value.is_object() {
        return Err(AppError::validation(field, "must be a JSON object"));
    }
    if value.to_string().len() > max_bytes {
        return Err(AppError::validation(
            field,
            format!("must be at most {max_bytes} bytes"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of(err: AppError) -> String {
        match err {
            AppError::Validation { field, .. } => field,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("name", "  Plant A ", 10).unwrap(), "Plant A");
        assert_eq!(field_of(name("name", "   ", 10).unwrap_err()), "name");
        assert!(name("name", &"x".repeat(11), 10).is_err());
        assert!(name("name", "a\u{0}b", 10).is_err());
        assert!(name("name", "Zürich Süd", 10).is_ok());
    }

    #[test]
    fn control_characters_and_bidi_overrides_are_refused_in_names_and_text() {
        for bad in [
            "a\u{0}b",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}x",
            "rlo\u{202e}gpj.exe",
            "lre\u{202a}x",
            "isolate\u{2066}x\u{2069}",
            "line\nbreak",
        ] {
            assert!(name("name", bad, 32).is_err(), "{bad:?}");
            assert!(optional_text("unit", Some(bad), 32).is_err(), "{bad:?}");
            assert!(filter_text("search", bad).is_err(), "{bad:?}");
        }
        // Right-to-left text, with the marks that direct its neutral characters, is text.
        for good in ["שלום", "\u{200f}°C", "מעלות\u{200e} 5", "°C"] {
            assert!(name("name", good, 32).is_ok(), "{good:?}");
        }
    }

    #[test]
    fn codes_are_upper_cased_and_restricted() {
        assert_eq!(code("code", "r-01").unwrap(), "R-01");
        assert!(code("code", "R 01").is_err());
        assert!(code("code", "").is_err());
        assert!(code("code", &"A".repeat(33)).is_err());
    }

    #[test]
    fn slugs_are_dns_labels() {
        assert!(slug("slug", "acme-robotics").is_ok());
        for bad in ["ab", "Acme", "-acme", "acme-", "ac--me", "ac me", "acmé"] {
            assert!(slug("slug", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn emails_are_lower_cased_and_plausible() {
        assert_eq!(
            email("email", " Ada@Example.COM ").unwrap(),
            "ada@example.com"
        );
        for bad in [
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a b@example.com",
            "a@b@c.com",
            "ada@.com",
        ] {
            assert!(email("email", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_length() {
        assert!(password("password", "short").is_err());
        assert!(password("password", "long enough pass").is_ok());
        assert!(password("password", &"x".repeat(129)).is_err());
    }

    #[test]
    fn timezones_are_iana_names() {
        assert_eq!(timezone("tz", "Europe/Berlin").unwrap(), "Europe/Berlin");
        assert_eq!(timezone("tz", "UTC").unwrap(), "UTC");
        assert!(timezone("tz", "Mars/Olympus").is_err());
    }

    #[test]
    fn coordinates_are_bounded_and_finite() {
        assert!(latitude("lat", Some(91.0)).is_err());
        assert!(longitude("lon", Some(f64::NAN)).is_err());
        assert_eq!(latitude("lat", Some(52.5)).unwrap(), Some(52.5));
        assert_eq!(latitude("lat", None).unwrap(), None);
    }
}
