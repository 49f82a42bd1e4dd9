//! Reading the expiry of a user access token from its JWT `exp` claim.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use chat_core::{AccessToken, Error};
use proptest::prelude::*;

const HEADER: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

fn jwt(payload: &str) -> String {
    format!("{HEADER}.{payload}.c2lnbmF0dXJl")
}

fn secs(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH).unwrap().as_secs_f64()
}

/// The official Python SDK decodes the payload with the standard base64 alphabet, so a token
/// whose payload encodes to `-` or `_` fails there. It must not fail here.
#[test]
fn a_payload_with_dash_and_underscore_parses() {
    let claims = r#"{"exp":1795000000,"sub":"8:acs:x??~~>","acsScope":"chat"}"#;
    let payload = URL_SAFE_NO_PAD.encode(claims);
    assert!(payload.contains('-') && payload.contains('_'), "{payload}");
    // What the Python SDK does: the standard alphabet refuses this payload.
    assert!(STANDARD.decode(format!("{payload}==")).is_err());
    let token = AccessToken::from_jwt(jwt(&payload)).unwrap();
    assert_eq!(
        token.expires_on(),
        UNIX_EPOCH + Duration::from_secs(1_795_000_000)
    );
    assert_eq!(token.secret(), jwt(&payload));
}

#[test]
fn padding_is_optional_and_the_standard_alphabet_is_tolerated() {
    let claims = r#"{"exp":1795000000,"x":"??~~>!"}"#;
    let forms = [
        URL_SAFE_NO_PAD.encode(claims),
        URL_SAFE.encode(claims),
        STANDARD_NO_PAD.encode(claims),
        STANDARD.encode(claims),
    ];
    assert!(
        forms[1].ends_with('='),
        "the claims must need padding: {}",
        forms[1]
    );
    for form in forms {
        let token = AccessToken::from_jwt(jwt(&form)).unwrap();
        assert_eq!(secs(token.expires_on()), 1_795_000_000.0, "{form}");
    }
}

/// The JS recordings' tokens: padded payloads with fractional `exp`.
#[test]
fn recorded_tokens_parse() {
    for (payload, exp) in [
        ("eyJleHAiOjE3MDA1MzI1NzIuMDM2fQ==", 1_700_532_572.036),
        ("eyJleHAiOjE2NTE1MzUzMTAuOTk4fQ==", 1_651_535_310.998),
        ("eyJleHAiOjE2NTM1NTU1NjQuODg4fQ==", 1_653_555_564.888),
    ] {
        let token = AccessToken::from_jwt(jwt(payload)).unwrap();
        assert!((secs(token.expires_on()) - exp).abs() < 1e-3, "{payload}");
    }
}

/// A token that is not a JWT is refused by `from_jwt`, and usable only with an expiry the caller
/// gives.
#[test]
fn a_non_jwt_needs_an_expiry_from_the_caller() {
    for opaque in ["sanitized", "", "a.b", "opaque-token-without-dots"] {
        let err = AccessToken::from_jwt(opaque).unwrap_err();
        assert!(matches!(err, Error::InvalidCredential { .. }));
    }
    let expires = UNIX_EPOCH + Duration::from_secs(1_795_000_000);
    let token = AccessToken::new("sanitized", expires);
    assert_eq!(token.expires_on(), expires);
}

proptest! {
    /// Any `exp` (integer or fractional), in any of the four base64 forms, reads back.
    #[test]
    fn any_exp_in_any_base64_form_reads_back(
        exp_ms in 0u64..10_000_000_000_000,
        fractional in any::<bool>(),
        filler in "[ -~]{0,40}",
        form in 0usize..4,
    ) {
        let exp = if fractional { exp_ms as f64 / 1000.0 } else { (exp_ms / 1000) as f64 };
        let claims = serde_json::json!({ "sub": filler, "exp": exp }).to_string();
        let payload = match form {
            0 => URL_SAFE_NO_PAD.encode(&claims),
            1 => URL_SAFE.encode(&claims),
            2 => STANDARD_NO_PAD.encode(&claims),
            _ => STANDARD.encode(&claims),
        };
        let token = AccessToken::from_jwt(jwt(&payload)).unwrap();
        prop_assert!((secs(token.expires_on()) - exp).abs() < 1e-3);
    }

    /// Whatever the input, reading a JWT returns, and an error never quotes the token.
    #[test]
    fn from_jwt_never_panics_and_never_leaks(input in "\\PC{0,200}") {
        if let Err(e) = AccessToken::from_jwt(input.clone()) {
            let shown = format!("{e} {e:?}");
            prop_assert!(input.len() < 8 || !shown.contains(&input));
        }
    }
}

/// Found while writing the `text_parsers` fuzz target (which now prints every token it reads):
/// a token whose `exp` lies past the year 9999 is accepted (its expiry is a valid `SystemTime`),
/// and printing it with `Debug` panicked while rendering the expiry.
#[test]
fn a_token_expiring_after_the_year_9999_prints() {
    let token = AccessToken::from_jwt(jwt(&URL_SAFE_NO_PAD.encode(r#"{"exp":1e15}"#))).unwrap();
    assert_eq!(secs(token.expires_on()), 1e15);
    let shown = format!("{token:?}");
    assert!(shown.contains("9999-12-31T23:59:59.9999999Z"), "{shown}");
}
