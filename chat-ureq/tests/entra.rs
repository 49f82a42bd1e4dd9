//! Microsoft Entra ID on the blocking identity client (issue 9 §4): a token source closure
//! whose tokens, signed by the emulator's test issuer for `https://communication.azure.com`,
//! run create user, issue token and delete user; the token is fetched once and cached; a token
//! for another audience gets the service's 401 as `Error::Authentication`; a failing source is
//! `Error::TokenRefresh`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chat_testkit::emulator::entra;
use chat_testkit::emulator::Emulator;
use chat_ureq::chat_core::auth::ENTRA_SCOPE;
use chat_ureq::identity::TokenScope;
use chat_ureq::{
    AccessToken, ClientOptions, EntraIdCredential, Error, IdentityClient, RetryOptions,
};

/// A credential whose source mints test-issuer tokens for `audience`, counting its calls.
fn credential(audience: &'static str) -> (EntraIdCredential, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let credential = EntraIdCredential::new(move |scopes: &[&str]| {
        assert_eq!(scopes, [ENTRA_SCOPE]);
        counted.fetch_add(1, Ordering::SeqCst);
        let expires = SystemTime::now() + Duration::from_secs(3600);
        AccessToken::from_jwt(entra::test_token(audience, expires))
    });
    (credential, calls)
}

fn client(emulator: &Emulator, credential: EntraIdCredential) -> IdentityClient {
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .retry(RetryOptions::none());
    IdentityClient::with_entra_id(&emulator.endpoint(), credential, options).unwrap()
}

#[test]
fn an_entra_token_runs_create_user_issue_token_and_delete_user() {
    let emulator = Emulator::start();
    let (credential, calls) = credential(entra::AUDIENCE);
    let identity = client(&emulator, credential);
    assert_eq!(identity.endpoint().as_str(), emulator.endpoint());

    let created = identity.create_user().call().unwrap();
    let user = created.user.raw_id().to_owned();
    let token = identity
        .get_token(&user, [TokenScope::Chat])
        .call()
        .unwrap();
    assert!(!token.is_expired(SystemTime::now()));
    identity.revoke_tokens(&user).call().unwrap();
    identity.delete_user(&user).call().unwrap();

    // One token for the four calls: the cache kept it.
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .handled,
        3
    );
    assert_eq!(
        emulator
            .request_count_matching("DELETE", "/identities")
            .handled,
        1
    );
}

#[test]
fn a_token_for_another_audience_gets_the_services_401() {
    let emulator = Emulator::start();
    let (credential, calls) = credential("https://storage.azure.com");
    let identity = client(&emulator, credential);
    let err = identity.create_user().call().unwrap_err();
    let Error::Authentication(refusal) = &err else {
        panic!("{err:?}")
    };
    assert_eq!(refusal.status, 401);
    assert_eq!(refusal.code(), Some("Unauthorized"));
    assert!(err.to_string().contains("audience"), "{err}");
    // The 401 made the cache ask the source once more, and the second token was refused too:
    // two tries, each answered with the 401.
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .received,
        2
    );
}

#[test]
fn a_failing_source_is_a_token_refresh_error_with_its_cause() {
    let emulator = Emulator::start();
    let credential = EntraIdCredential::new(|_: &[&str]| {
        Err::<AccessToken, _>(std::io::Error::other("no managed identity here"))
    });
    let identity = client(&emulator, credential);
    let err = identity.create_user().call().unwrap_err();
    let Error::TokenRefresh { error, .. } = &err else {
        panic!("{err:?}")
    };
    assert!(error.downcast_ref::<std::io::Error>().is_some());
    assert!(
        err.to_string().contains("no managed identity here"),
        "{err}"
    );
    // Nothing was sent without a token.
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .received,
        0
    );
}
