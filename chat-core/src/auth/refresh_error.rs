//! What a token refresher fails with.

use std::error::Error as StdError;
use std::fmt;
use std::sync::Arc;

/// The error a token refresher returned, kept as it was: any `std::error::Error` (your own
/// type, an `io::Error`, the identity client's error), or a plain message.
///
/// [`crate::Error::TokenRefresh`] carries it; [`RefreshError::downcast_ref`] (or the
/// `source()` of that error) gives your own type back:
///
/// ```
/// use chat_core::auth::RefreshError;
///
/// #[derive(Debug)]
/// struct Offline;
/// impl std::fmt::Display for Offline {
///     fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
///         f.write_str("the token service is offline")
///     }
/// }
/// impl std::error::Error for Offline {}
///
/// let error = RefreshError::new(Offline);
/// assert!(error.downcast_ref::<Offline>().is_some());
/// assert_eq!(error.to_string(), "the token service is offline");
/// let message = RefreshError::from("no network");
/// assert_eq!(message.to_string(), "no network");
/// ```
#[derive(Clone)]
pub struct RefreshError(Arc<dyn StdError + Send + Sync + 'static>);

impl RefreshError {
    /// Wraps the refresher's error (any error type, a `String` or a `&str`).
    pub fn new(error: impl Into<Box<dyn StdError + Send + Sync + 'static>>) -> Self {
        Self(Arc::from(error.into()))
    }

    /// The refresher's error.
    pub fn get_ref(&self) -> &(dyn StdError + Send + Sync + 'static) {
        &*self.0
    }

    /// The refresher's error as its own type, if it is an `E`.
    pub fn downcast_ref<E: StdError + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref::<E>()
    }
}

impl<E: Into<Box<dyn StdError + Send + Sync + 'static>>> From<E> for RefreshError {
    fn from(error: E) -> Self {
        Self::new(error)
    }
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("RefreshError").field(&self.0).finish()
    }
}

/// Two refresh errors are equal when they are the same error, or say the same thing.
impl PartialEq for RefreshError {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.to_string() == other.0.to_string()
    }
}
