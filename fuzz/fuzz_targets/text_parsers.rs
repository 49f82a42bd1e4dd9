//! Every parser of text that comes from the network or from a user: never a panic, raw ids
//! always round-trip, and a timestamp prints as text that reads back.
#![no_main]

use chat_core::http::HeaderMap;
use chat_core::identifier::CommunicationIdentifier;
use chat_core::identity::ConnectionString;
use chat_core::paging::normalize_link;
use chat_core::{http_date, retry, AccessToken, ChatContext, Endpoint, Timestamp};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        let _ = serde_json::from_slice::<CommunicationIdentifier>(data);
        return;
    };
    let id = CommunicationIdentifier::from_raw_id(text);
    assert_eq!(id.raw_id(), text);
    if let Ok(parsed) = serde_json::from_str::<CommunicationIdentifier>(text) {
        let again = serde_json::to_string(&parsed).unwrap();
        let _ = serde_json::from_str::<CommunicationIdentifier>(&again).unwrap();
    }
    if let Some(t) = Timestamp::parse(text) {
        // What we print, we read back, as the same text.
        let printed = t.to_rfc3339();
        let again =
            Timestamp::parse(&printed).unwrap_or_else(|| panic!("{printed} does not parse"));
        assert_eq!(again.to_rfc3339(), printed);
    }
    if let Some(t) = http_date::parse(text) {
        let _ = http_date::format(t);
    }
    if let Ok(token) = AccessToken::from_jwt(text) {
        let _ = format!("{token:?}");
    }
    let _ = ConnectionString::parse(text);
    let _ = ConnectionString::parse_allowing_loopback_http(text);
    let _ = Endpoint::parse(text);
    let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
    if let Ok(link) = normalize_link(&ctx, text) {
        assert!(link.starts_with("https://acs.example.com/"));
        let query = link.split_once('?').map_or("", |(_, q)| q);
        let versions = query
            .split('&')
            .filter(|p| p.starts_with("api-version="))
            .count();
        assert_eq!(versions, 1, "{link}");
    }
    if let Ok(v) = text.parse() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", v);
        let _ = retry::retry_after_hint_ms(&h, Some(std::time::UNIX_EPOCH));
    }
});
