//! Parsed identity inputs: every string a client sends is checked here before a service sees it.

use crate::{
    error::{AppError, AppResult},
    graphql::text::Text,
};

/// A syntactically valid, lower-cased email address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    /// The longest address, in bytes.
    pub const MAX_LEN: usize = 254;

    /// Trims, lower-cases and checks `raw`.
    pub fn parse(field: &str, raw: &str) -> AppResult<Email> {
        let email = raw.trim().to_lowercase();
        let valid = email.len() <= Email::MAX_LEN
            && !email.chars().any(|c| c.is_whitespace() || c.is_control())
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty()
                    && local.len() <= 64
                    && !domain.contains('@')
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains("..")
            });
        if valid {
            Ok(Email(email))
        } else {
            Err(AppError::bad_input(field, "is not a valid email address"))
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The normalised form of whatever was typed at sign-in (no validation: a malformed email
    /// simply matches no account).
    pub fn normalise(raw: &str) -> String {
        raw.trim().to_lowercase()
    }
}

/// A phone number in E.164 form (`+` and 8–15 digits); spaces, dashes and brackets are dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    /// Normalises and checks `raw`.
    pub fn parse(field: &str, raw: &str) -> AppResult<Phone> {
        let compact: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-' | '(' | ')' | '.'))
            .collect();
        let digits = compact.strip_prefix('+').unwrap_or("");
        if (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit()) {
            Ok(Phone(compact))
        } else {
            Err(AppError::bad_input(
                field,
                "must be an international number such as +86 138 0013 8000",
            ))
        }
    }

    /// The number.
    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A display name: 1–100 characters after trimming.
pub type DisplayName = Text<100>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_normalised_and_checked() {
        assert_eq!(
            Email::parse("e", "  Ann@Example.ORG ").unwrap().as_str(),
            "ann@example.org"
        );
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.org",
            "ann@example",
            "a n@example.org",
            "a@b@c.org",
            "ann@.org",
        ] {
            assert!(Email::parse("e", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn phones_are_normalised_and_checked() {
        assert_eq!(
            Phone::parse("p", "+86 138-0013-8000").unwrap().into_inner(),
            "+8613800138000"
        );
        for bad in [
            "13800138000",
            "+12",
            "+86 abc 0013 8000",
            "+1234567890123456",
        ] {
            assert!(Phone::parse("p", bad).is_err(), "{bad}");
        }
    }
}
