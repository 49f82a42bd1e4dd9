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
/// assert_eq!(error.correlation.client_request_id(), Some("5bd0a7c4-…"));
/// assert_eq!(
///     error.to_string(),
///     "service error 404 (0 byte body) (x-ms-client-request-id: 5bd0a7c4-…, \
///      x-ms-request-id: 0e2a…, MS-CV: tAq1.0)"
/// );
/// ```
///
/// Eight bytes, and no allocation while empty: errors stay small.
#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
pub struct Correlation(Option<Box<Ids>>);

#[derive(Clone, Debug, Default, Eq, Hash, PartialEq)]
struct Ids {
    client_request_id: Option<String>,
    request_id: Option<String>,
    ms_cv: Option<String>,
}

impl Correlation {
    /// Ids as given.
    pub fn new(
        client_request_id: impl Into<String>,
        request_id: Option<&str>,
        ms_cv: Option<&str>,
    ) -> Self {
        Self(Some(Box::new(Ids {
            client_request_id: Some(client_request_id.into()),
            request_id: request_id.map(str::to_owned),
            ms_cv: ms_cv.map(str::to_owned),
        })))
    }

    /// The service's ids in a response's headers (`x-ms-request-id`, `MS-CV`).
    pub fn from_response(headers: &HeaderMap) -> Self {
        let text = |name: &str| {
            headers
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let mut ids = Self::default();
        ids.fill(None, text(REQUEST_ID), text(MS_CV));
        ids
    }

    /// The `x-ms-client-request-id` the call sent (the same on every try of a call).
    pub fn client_request_id(&self) -> Option<&str> {
        self.0.as_ref()?.client_request_id.as_deref()
    }

    /// The service's `x-ms-request-id`, from its last response, when it sent one.
    pub fn request_id(&self) -> Option<&str> {
        self.0.as_ref()?.request_id.as_deref()
    }

    /// The service's `MS-CV` correlation vector, from its last response, when it sent one.
    pub fn ms_cv(&self) -> Option<&str> {
        self.0.as_ref()?.ms_cv.as_deref()
    }

    /// True when no id is known.
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Sets the ids given (`Some`), keeping the others.
    pub(crate) fn fill(
        &mut self,
        client_request_id: Option<String>,
        request_id: Option<String>,
        ms_cv: Option<String>,
    ) {
        if client_request_id.is_none() && request_id.is_none() && ms_cv.is_none() {
            return;
        }
        let ids = self.0.get_or_insert_with(Box::default);
        for (slot, value) in [
            (&mut ids.client_request_id, client_request_id),
            (&mut ids.request_id, request_id),
            (&mut ids.ms_cv, ms_cv),
        ] {
            if value.is_some() {
                *slot = value;
            }
        }
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
            ("x-ms-client-request-id", self.client_request_id()),
            ("x-ms-request-id", self.request_id()),
            ("MS-CV", self.ms_cv()),
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
        assert_eq!(ids.ms_cv(), Some("cv.1"));
        assert_eq!(ids.request_id(), None);
        assert_eq!(ids.suffix().to_string(), " (MS-CV: cv.1)");
        assert_eq!(Correlation::default().suffix().to_string(), "");
        headers.insert("x-ms-request-id", "r-2".parse().unwrap());
        let mut ids = Correlation::from_response(&headers);
        ids.fill(Some("c-3".into()), None, None);
        assert_eq!(
            ids.to_string(),
            "x-ms-client-request-id: c-3, x-ms-request-id: r-2, MS-CV: cv.1"
        );
    }
}
