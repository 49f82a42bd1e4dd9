//! HMAC-SHA256 request signing, as the identity service requires.
//!
//! ```text
//! string-to-sign = METHOD "\n" path-and-query "\n" x-ms-date ";" host ";" content-sha256
//! Authorization: HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=<b64>
//! ```

use std::time::SystemTime;

use base64::Engine as _;
use hmac::{Hmac, Mac};
use http::header::{HeaderValue, AUTHORIZATION};
use http::Request;
use sha2::{Digest, Sha256};

use super::AccessKey;
use crate::Error;

/// Signs `request` in place: sets `x-ms-date`, `x-ms-content-sha256` and `Authorization`.
///
/// The host is the request URI's authority (host, and `:port` when not the default); the
/// path-and-query is exactly what goes on the wire. Sign after the body is final.
pub fn sign(request: &mut Request<Vec<u8>>, key: &AccessKey, now: SystemTime) -> Result<(), Error> {
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
        HeaderValue::try_from(s).map_err(|e| Error::InvalidInput {
            argument: "signed header",
            reason: e.to_string(),
        })
    };
    let headers = request.headers_mut();
    headers.insert("x-ms-date", value(date)?);
    headers.insert("x-ms-content-sha256", value(content_hash)?);
    headers.insert(AUTHORIZATION, value(authorization)?);
    Ok(())
}
