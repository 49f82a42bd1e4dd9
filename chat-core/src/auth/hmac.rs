//! HMAC-SHA256 request signing, as the identity service requires.
//!
//! ```text
//! string-to-sign = METHOD "\n" path-and-query "\n" x-ms-date ";" host ";" content-sha256
//! Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<b64>
//! ```

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::header::{HeaderValue, AUTHORIZATION};
use http::Request;
use sha2::{Digest, Sha256};

use super::AccessKey;
use crate::{Error, InputErrorKind};

/// Signs `request` in place: sets `x-ms-date`, `x-ms-content-sha256` and `Authorization`.
///
/// The host is the request URI's authority (host, and `:port` when not the default); the
/// path-and-query is exactly what goes on the wire. Sign after the body is final.
pub fn sign(request: &mut Request<Vec<u8>>, key: &AccessKey, now: SystemTime) -> Result<(), Error> {
    if !is_http_date_range(now) {
        return Err(Error::invalid_input(
            "x-ms-date",
            &format!("{now:?}"),
            InputErrorKind::OutOfRange,
            "the time is outside the years 1 to 9999",
            "a time in the years 1 to 9999",
        ));
    }
    let b64 = &base64::engine::general_purpose::STANDARD;
    let date = crate::http_date::format(now);
    let content_hash = b64.encode(Sha256::digest(request.body()));
    let uri = request.uri();
    let host = uri.authority().map_or("", |a| a.as_str());
    let path_and_query = uri.path_and_query().map_or("/", |p| p.as_str());
    let string_to_sign = format!(
        "{}\n{}\n{};{};{}",
        request.method().as_str(),
        path_and_query,
        date,
        host,
        content_hash
    );
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key.as_bytes()).map_err(|e| Error::InvalidCredential {
            reason: e.to_string(),
        })?;
    mac.update(string_to_sign.as_bytes());
    let signature = b64.encode(mac.finalize().into_bytes());
    let authorization = format!(
        "HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature={signature}"
    );
    let value = |s: String| {
        HeaderValue::try_from(s.as_str()).map_err(|e| {
            Error::invalid_input(
                "signed header",
                &s,
                InputErrorKind::Malformed,
                e.to_string(),
                "visible ASCII characters",
            )
        })
    };
    let headers = request.headers_mut();
    headers.insert("x-ms-date", value(date)?);
    headers.insert("x-ms-content-sha256", value(content_hash)?);
    headers.insert(AUTHORIZATION, value(authorization)?);
    Ok(())
}

/// True when `t` falls in the years an HTTP date can carry (1 to 9999 AD).
fn is_http_date_range(t: SystemTime) -> bool {
    // 0001-01-01T00:00:00Z and 10000-01-01T00:00:00Z, in seconds from the Unix epoch.
    const BEFORE_EPOCH: u64 = 62_135_596_800;
    const AFTER_EPOCH: u64 = 253_402_300_800;
    match t.duration_since(UNIX_EPOCH) {
        Ok(after) => after.as_secs() < AFTER_EPOCH,
        Err(before) => before.duration().as_secs() <= BEFORE_EPOCH,
    }
}
