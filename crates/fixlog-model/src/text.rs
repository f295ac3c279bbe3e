//! Checks for free-text fields (names, titles, summaries, details).
//!
//! Domain structs keep such fields as plain `String`; constructors and
//! parsers run the text through [`check_text`] first so that stored text is
//! trimmed, non-empty, bounded and free of control characters.

/// The shape a free-text field may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextKind {
    /// A single line such as a name, title or summary: at most 512 characters,
    /// no control characters.
    Line,
    /// A paragraph such as remediation details or vendor text: at most 8192
    /// characters, newlines allowed, no other control characters.
    Paragraph,
}

impl TextKind {
    /// The largest number of characters (after trimming) the kind allows.
    pub const fn max_chars(self) -> usize {
        match self {
            Self::Line => 512,
            Self::Paragraph => 8192,
        }
    }
}

/// Why a free-text field was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The field is empty or only whitespace.
    #[error("{field} must not be empty")]
    Empty {
        /// The name of the field.
        field: &'static str,
    },
    /// The field is longer than its kind allows.
    #[error("{field} has {actual} characters, at most {max} are allowed")]
    TooLong {
        /// The name of the field.
        field: &'static str,
        /// The largest allowed number of characters.
        max: usize,
        /// The number of characters found.
        actual: usize,
    },
    /// The field contains a control character it may not hold.
    #[error("{field} contains control character {found:?} at character {position}")]
    ControlCharacter {
        /// The name of the field.
        field: &'static str,
        /// The zero-based character position within the trimmed text.
        position: usize,
        /// The offending character.
        found: char,
    },
}

/// Trims `value` and checks it against `kind`, returning the trimmed text.
///
/// `field` names the field in the error, for example `"advisory title"`.
pub fn check_text(field: &'static str, value: &str, kind: TextKind) -> Result<String, TextError> {
    let trimmed = value.trim();
    if trimmed.is_empty() {
        return Err(TextError::Empty { field });
    }
    let actual = trimmed.chars().count();
    if actual > kind.max_chars() {
        return Err(TextError::TooLong {
            field,
            max: kind.max_chars(),
            actual,
        });
    }
    let newline_allowed = kind == TextKind::Paragraph;
    if let Some((position, found)) = trimmed
        .chars()
        .enumerate()
        .find(|&(_, character)| character.is_control() && !(newline_allowed && character == '\n'))
    {
        return Err(TextError::ControlCharacter {
            field,
            position,
            found,
        });
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_accepts() {
        assert_eq!(
            check_text("title", "  Hello  ", TextKind::Line).unwrap(),
            "Hello"
        );
        assert_eq!(
            check_text("details", "a\nb", TextKind::Paragraph).unwrap(),
            "a\nb"
        );
    }

    #[test]
    fn rejects_empty_long_and_control() {
        assert_eq!(
            check_text("title", " \n ", TextKind::Line),
            Err(TextError::Empty { field: "title" })
        );
        let long = "x".repeat(513);
        assert_eq!(
            check_text("title", &long, TextKind::Line),
            Err(TextError::TooLong {
                field: "title",
                max: 512,
                actual: 513
            })
        );
        assert_eq!(
            check_text("title", "a\nb", TextKind::Line),
            Err(TextError::ControlCharacter {
                field: "title",
                position: 1,
                found: '\n'
            })
        );
        assert!(check_text("details", "a\tb", TextKind::Paragraph).is_err());
        assert!(check_text("details", "a\u{7f}b", TextKind::Paragraph).is_err());
    }
}
