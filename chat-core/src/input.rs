//! Checks of the text arguments operations share, made before anything is sent: ids, message
//! content, topics.
//!
//! What is refused is listed on [`crate::InputErrorKind`].

use crate::{Error, InputErrorKind};

/// What a thread id looks like, as errors show it.
pub(crate) const THREAD_ID_SHAPE: &str = "a thread id such as 19:<id>@thread.v2";
/// What a message id looks like, as errors show it.
pub(crate) const MESSAGE_ID_SHAPE: &str = "a message id such as 1700000000000";
/// What a user id looks like, as errors show it.
pub(crate) const USER_ID_SHAPE: &str = "a user's raw id such as 8:acs:<resource id>_<user id>";

/// Refuses an id that is empty, only whitespace, or has whitespace around it.
pub(crate) fn check_id(
    argument: &'static str,
    id: &str,
    expected: &'static str,
) -> Result<(), Error> {
    check_text(argument, id, "an id cannot be empty or blank", expected)?;
    if id.trim() != id {
        return Err(Error::invalid_input(
            argument,
            id,
            InputErrorKind::Malformed,
            "an id has no whitespace around it",
            expected,
        ));
    }
    Ok(())
}

/// Refuses text that is empty or only whitespace.
pub(crate) fn check_text(
    argument: &'static str,
    text: &str,
    reason: &'static str,
    expected: &'static str,
) -> Result<(), Error> {
    if text.trim().is_empty() {
        return Err(Error::invalid_input(
            argument,
            text,
            InputErrorKind::Empty,
            reason,
            expected,
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(result: Result<(), Error>) -> Option<InputErrorKind> {
        result.err().and_then(|e| e.input_error_kind())
    }

    #[test]
    fn ids_are_refused_when_blank_or_padded() {
        let check = |id| kind(check_id("thread id", id, THREAD_ID_SHAPE));
        assert_eq!(check(""), Some(InputErrorKind::Empty));
        assert_eq!(check(" \t"), Some(InputErrorKind::Empty));
        assert_eq!(check("19:a@thread.v2\n"), Some(InputErrorKind::Malformed));
        assert_eq!(check(" 19:a@thread.v2"), Some(InputErrorKind::Malformed));
        assert_eq!(check("19:a@thread.v2"), None);
    }

    #[test]
    fn text_is_refused_only_when_blank() {
        let check = |text| kind(check_text("content", text, "blank", "text"));
        assert_eq!(check(""), Some(InputErrorKind::Empty));
        assert_eq!(check("\u{3000} \n"), Some(InputErrorKind::Empty));
        assert_eq!(check(" a "), None);
    }
}
