//! Every parser of text that comes from the network or from a user: never a panic, and raw ids
//! always round-trip.
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
    let _ = Timestamp::parse(text);
    let _ = http_date::parse(text);
    let _ = AccessToken::from_jwt(text);
    let _ = ConnectionString::parse(text);
    let _ = ConnectionString::parse_allowing_loopback_http(text);
    let _ = Endpoint::parse(text);
    let ctx = ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap());
    if let Ok(link) = normalize_link(&ctx, text) {
        assert!(link.starts_with("https://acs.example.com/"));
        assert_eq!(link.matches("api-version=").count(), 1, "{link}");
    }
    if let Ok(v) = text.parse() {
        let mut h = HeaderMap::new();
        h.insert("retry-after", v);
        let _ = retry::retry_after_hint_ms(&h, Some(std::time::UNIX_EPOCH));
    }
});
