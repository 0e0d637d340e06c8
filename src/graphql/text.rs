//! Length-checked text inputs, parsed at the edge. `Text<100>` is a trimmed string of 1–100
//! characters; `Text<200, 0>` (alias [`OptionalText`]) may be empty. A create input and its update
//! input share one alias per field (`type BuildingName = Text<100>`), so the rule lives once.
//! Bad text is `BAD_USER_INPUT` on the field that carried it.
//!
//! Every text refuses control characters (NUL included, which PostgreSQL cannot store) and the
//! bidirectional override and isolate characters (U+202A–U+202E, U+2066–U+2069) that can make a
//! name display as something else. Long texts (a maximum of at least [`LONG_TEXT`] characters:
//! notice bodies, care needs) may hold line breaks (`\n`, `\r\n`) and tabs; short ones may not.

use std::{fmt, ops::Deref};

use async_graphql::MaybeUndefined;

use crate::error::{AppError, AppResult};

/// A trimmed text of `MIN..=MAX` characters (Unicode scalar values).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Text<const MAX: usize, const MIN: usize = 1>(String);

/// A trimmed text of at most `MAX` characters, possibly empty.
pub type OptionalText<const MAX: usize> = Text<MAX, 0>;

/// Texts whose maximum is at least this many characters are long texts: they may hold line
/// breaks and tabs.
pub const LONG_TEXT: usize = 500;

/// Whether `c` is a bidirectional embedding, override or isolate control.
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// `BAD_USER_INPUT` on `field` when `value` holds a character no text may hold (control and
/// bidi override characters; line breaks and tabs are allowed when `multiline`).
pub fn check_characters(field: &str, value: &str, multiline: bool) -> AppResult<()> {
    for c in value.chars() {
        if multiline && matches!(c, '\n' | '\r' | '\t') {
            continue;
        }
        if c.is_control() {
            return Err(AppError::bad_input(
                field,
                if multiline {
                    "must not contain control characters (other than line breaks and tabs)"
                } else {
                    "must not contain control characters or line breaks"
                },
            ));
        }
        if is_bidi_control(c) {
            return Err(AppError::bad_input(
                field,
                "must not contain bidirectional override characters",
            ));
        }
    }
    Ok(())
}

impl<const MAX: usize, const MIN: usize> Text<MAX, MIN> {
    /// Trims and checks `raw`, or `BAD_USER_INPUT` on `field`.
    pub fn parse(field: &str, raw: &str) -> AppResult<Self> {
        let value = raw.trim();
        check_characters(field, value, MAX >= LONG_TEXT)?;
        match value.chars().count() {
            0 if MIN > 0 => Err(AppError::bad_input(field, "must not be empty")),
            n if n < MIN => Err(AppError::bad_input(
                field,
                format!("must be at least {MIN} characters"),
            )),
            n if n > MAX => Err(AppError::bad_input(
                field,
                format!("must be at most {MAX} characters"),
            )),
            _ => Ok(Text(value.to_owned())),
        }
    }

    /// Parses an optional input field (absent stays `None`): the shape of update inputs.
    pub fn parse_opt(field: &str, raw: Option<&str>) -> AppResult<Option<Self>> {
        raw.map(|raw| Self::parse(field, raw)).transpose()
    }

    /// Parses a nullable update field: absent → `None` (unchanged), `null` → `Some(None)`
    /// (cleared), a value → `Some(Some(text))`.
    pub fn parse_change(
        field: &str,
        raw: MaybeUndefined<String>,
    ) -> AppResult<Option<Option<Self>>> {
        change(raw)
            .map(|raw| raw.map(|raw| Self::parse(field, &raw)).transpose())
            .transpose()
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The text, owned.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A nullable update field as a change: absent → `None`, `null` → `Some(None)`.
pub fn change<T>(value: MaybeUndefined<T>) -> Option<Option<T>> {
    match value {
        MaybeUndefined::Undefined => None,
        MaybeUndefined::Null => Some(None),
        MaybeUndefined::Value(v) => Some(Some(v)),
    }
}

impl<const MAX: usize, const MIN: usize> Deref for Text<MAX, MIN> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<const MAX: usize, const MIN: usize> fmt::Debug for Text<MAX, MIN> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl<const MAX: usize, const MIN: usize> From<Text<MAX, MIN>> for String {
    fn from(text: Text<MAX, MIN>) -> String {
        text.0
    }
}

impl<const MAX: usize, const MIN: usize> From<Text<MAX, MIN>> for sea_orm::Value {
    fn from(text: Text<MAX, MIN>) -> sea_orm::Value {
        text.0.into()
    }
}

/// A trimmed text of 1..=`max` characters, or `BAD_USER_INPUT` on `field` (for limits only known
/// at run time; prefer [`Text`]).
pub fn text(field: &str, raw: &str, max: usize) -> AppResult<String> {
    let value = raw.trim();
    check_characters(field, value, max >= LONG_TEXT)?;
    match value.chars().count() {
        0 => Err(AppError::bad_input(field, "must not be empty")),
        n if n > max => Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        )),
        _ => Ok(value.to_owned()),
    }
}

/// A trimmed text of 0..=`max` characters (see [`text`]).
pub fn optional_text(field: &str, raw: &str, max: usize) -> AppResult<String> {
    let value = raw.trim();
    check_characters(field, value, max >= LONG_TEXT)?;
    if value.chars().count() > max {
        return Err(AppError::bad_input(
            field,
            format!("must be at most {max} characters"),
        ));
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_of<T: fmt::Debug>(result: AppResult<T>) -> String {
        match result {
            Err(AppError::BadUserInput { field, .. }) => field,
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded_in_characters() {
        assert_eq!(Text::<5>::parse("f", "  héllo ").unwrap().as_str(), "héllo");
        assert_eq!(
            field_of(Text::<5>::parse("input.name", "   ")),
            "input.name"
        );
        assert_eq!(
            field_of(Text::<5>::parse("input.name", "sixsix")),
            "input.name"
        );
        assert_eq!(OptionalText::<5>::parse("f", " ").unwrap().as_str(), "");
        assert_eq!(field_of(Text::<5, 3>::parse("f", "ab")), "f");
        assert_eq!(Text::<5, 3>::parse("f", "abc").unwrap().into_inner(), "abc");
    }

    #[test]
    fn control_and_bidi_characters_are_refused() {
        for bad in [
            "a\0b",
            "a\u{7}b",
            "a\nb",
            "a\tb",
            "a\u{202E}b",
            "a\u{2067}b",
            "a\u{85}b",
        ] {
            assert_eq!(
                field_of(Text::<100>::parse("input.name", bad)),
                "input.name",
                "{bad:?}"
            );
        }
        // Long texts keep line breaks and tabs, and refuse the rest.
        assert!(Text::<1000>::parse("f", "line one\n\tline two\r\n").is_ok());
        for bad in ["a\0b", "a\u{1b}[31m", "a\u{202D}b"] {
            assert_eq!(field_of(Text::<1000>::parse("f", bad)), "f", "{bad:?}");
        }
        assert!(Text::<100>::parse("f", "Zoë 王 ✓").is_ok());
        assert_eq!(
            field_of(Ok::<_, AppError>(()).and_then(|()| text("g", "a\0", 10))),
            "g"
        );
    }

    #[test]
    fn update_fields_parse_only_when_present() {
        assert_eq!(Text::<3>::parse_opt("f", None).unwrap(), None);
        assert_eq!(
            Text::<3>::parse_opt("f", Some("ab"))
                .unwrap()
                .map(String::from),
            Some("ab".to_owned())
        );
        assert_eq!(field_of(Text::<3>::parse_opt("g", Some(""))), "g");
        assert_eq!(
            Text::<3>::parse_change("f", MaybeUndefined::Undefined).unwrap(),
            None
        );
        assert_eq!(
            Text::<3>::parse_change("f", MaybeUndefined::Null).unwrap(),
            Some(None)
        );
        assert_eq!(
            field_of(Text::<3>::parse_change(
                "h",
                MaybeUndefined::Value("long".into())
            )),
            "h"
        );
    }
}
