//! Checks of the free text people type: names, reasons, write-ups. Text
//! leaves the service in pages, calendars, spreadsheets and e-mail, so
//! control characters (NUL, CR, escape sequences) are refused where it comes
//! in, naming the field by the label the person saw.

use crate::error::{AppError, AppResult};

/// Refuses control characters other than the line breaks and tabs of
/// multi-line text; `label` is the field's label as the form shows it.
pub fn check_multiline(label: &str, value: &str) -> AppResult<()> {
    check(label, value, true)
}

/// Refuses every control character in a one-line field (a name, a reason).
pub fn check_line(label: &str, value: &str) -> AppResult<()> {
    check(label, value, false)
}

fn check(label: &str, value: &str, multiline: bool) -> AppResult<()> {
    let bad = value
        .chars()
        .find(|&c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    match bad {
        None => Ok(()),
        Some(c) => Err(AppError::bad_request(format!(
            "{label}: remove the invisible character U+{:04X}; only letters, digits, \
             punctuation{} can be used",
            c as u32,
            if multiline { " and line breaks" } else { "" }
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_refused_with_the_label() {
        assert!(check_line("School name", "St Mary's C of E").is_ok());
        let e = check_line("School name", "A\rATTENDEE:x").unwrap_err();
        assert!(e.message.starts_with("School name:"), "{}", e.message);
        assert!(e.message.contains("U+000D"));
        assert!(check_line("Reason", "a\0b").is_err());
        assert!(check_multiline("What went well", "one\r\ntwo\tthree").is_ok());
        assert!(check_multiline("What went well", "one\u{1b}[2J").is_err());
    }
}
