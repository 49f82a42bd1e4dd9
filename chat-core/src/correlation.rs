//! The ids that match a call to the service's logs.

use std::fmt;

use http::HeaderMap;

/// The `x-ms-request-id` header: the service's id of one request.
pub(crate) const REQUEST_ID: &str = "x-ms-request-id";

/// The `MS-CV` header: the service's correlation vector.
pub(crate) const MS_CV: &str = "ms-cv";

/// The identifiers that match a failed call to the service's logs, as a support request asks
/// for them.
///
/// Errors from a call carry them ([`crate::Error::correlation`]) and show them at the end of
/// their `Display`:
///
/// ```
/// use chat_core::{Correlation, ServiceError};
///
/// let mut error = ServiceError::new(404, None, Vec::new());
/// error.correlation = Correlation::new("5bd0a7c4-…", Some("0e2a…"), Some("tAq1.0"));
/// assert_eq!(
///     error.to_string(),
///     "service error 404 (0 byte body) (x-ms-client-request-id: 5bd0a7c4-…, \
///      x-ms-request-id: 0e2a…, MS-CV: tAq1.0)"
/// );
/// ```
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
#[non_exhaustive]
pub struct Correlation {
    /// The `x-ms-client-request-id` the call sent (the same on every try of a call).
    pub client_request_id: Option<String>,
    /// The service's `x-ms-request-id`, from its last response, when it sent one.
    pub request_id: Option<String>,
    /// The service's `MS-CV` correlation vector, from its last response, when it sent one.
    pub ms_cv: Option<String>,
}

impl Correlation {
    /// Ids as given.
    pub fn new(
        client_request_id: impl Into<String>,
        request_id: Option<&str>,
        ms_cv: Option<&str>,
    ) -> Self {
        Self {
            client_request_id: Some(client_request_id.into()),
            request_id: request_id.map(str::to_owned),
            ms_cv: ms_cv.map(str::to_owned),
        }
    }

    /// The service's ids in a response's headers (`x-ms-request-id`, `MS-CV`).
    pub fn from_response(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            client_request_id: None,
            request_id: text(REQUEST_ID),
            ms_cv: text(MS_CV),
        }
    }

    /// True when no id is known.
    pub fn is_empty(&self) -> bool {
        self.client_request_id.is_none() && self.request_id.is_none() && self.ms_cv.is_none()
    }

    /// ` (x-ms-client-request-id: …, x-ms-request-id: …, MS-CV: …)` with the ids known, or
    /// nothing when none is: what error messages end with.
    pub fn suffix(&self) -> impl fmt::Display + '_ {
        Suffix(self)
    }
}

impl fmt::Display for Correlation {
    /// `x-ms-client-request-id: …, x-ms-request-id: …, MS-CV: …`, the ids known.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids = [
            ("x-ms-client-request-id", &self.client_request_id),
            ("x-ms-request-id", &self.request_id),
            ("MS-CV", &self.ms_cv),
        ];
        let mut first = true;
        for (name, value) in ids {
            if let Some(value) = value {
                if !first {
                    f.write_str(", ")?;
                }
                first = false;
                write!(f, "{name}: {value}")?;
            }
        }
        Ok(())
    }
}

struct Suffix<'a>(&'a Correlation);

impl fmt::Display for Suffix<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, " ({})", self.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_services_ids_and_shows_only_those_known() {
        let mut headers = HeaderMap::new();
        headers.insert("MS-CV", "cv.1".parse().unwrap());
        let ids = Correlation::from_response(&headers);
        assert_eq!(ids.ms_cv.as_deref(), Some("cv.1"));
        assert_eq!(ids.request_id, None);
        assert_eq!(ids.suffix().to_string(), " (MS-CV: cv.1)");
        assert_eq!(Correlation::default().suffix().to_string(), "");
        headers.insert("x-ms-request-id", "r-2".parse().unwrap());
        let ids = Correlation {
            client_request_id: Some("c-3".into()),
            ..Correlation::from_response(&headers)
        };
        assert_eq!(
            ids.to_string(),
            "x-ms-client-request-id: c-3, x-ms-request-id: r-2, MS-CV: cv.1"
        );
    }
}
