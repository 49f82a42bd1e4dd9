//! Microsoft Entra ID on the async identity client (issue 9 §4): tokens signed by the
//! emulator's test issuer for `https://communication.azure.com` run create user, issue token
//! and delete user — from a plain async token source, and (feature `azure-identity`, run by
//! `.ci/run`) from an `azure_core::credentials::TokenCredential` this test implements; the token
//! is fetched once and cached; a token for another audience gets the service's 401 as
//! `Error::Authentication`.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use chat_hyper::chat_core::auth::ENTRA_SCOPE;
use chat_hyper::identity::TokenScope;
use chat_hyper::{
    AccessToken, ClientOptions, EntraIdCredential, Error, IdentityClient, RetryOptions,
};
use chat_testkit::emulator::entra;
use chat_testkit::emulator::Emulator;

fn in_an_hour() -> SystemTime {
    SystemTime::now() + Duration::from_secs(3600)
}

fn client(emulator: &Emulator, credential: EntraIdCredential) -> IdentityClient {
    let options = ClientOptions::default()
        .allow_loopback_http(true)
        .retry(RetryOptions::none());
    IdentityClient::with_entra_id(&emulator.endpoint(), credential, options).unwrap()
}

/// Create user, issue token, delete user.
async fn identity_flow(identity: &IdentityClient) -> Result<(), Error> {
    let created = identity.create_user().await?;
    let user = created.user.raw_id().to_owned();
    let token = identity.get_token(&user, [TokenScope::Chat]).await?;
    assert!(!token.is_expired(SystemTime::now()));
    identity.delete_user(&user).await
}

/// An async source minting test-issuer tokens for `audience`, counting its calls.
fn async_source(audience: &'static str) -> (EntraIdCredential, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = Arc::clone(&calls);
    let credential = EntraIdCredential::new(move |scopes: &'static [&'static str]| {
        let counted = Arc::clone(&counted);
        async move {
            assert_eq!(scopes, [ENTRA_SCOPE]);
            counted.fetch_add(1, Ordering::SeqCst);
            AccessToken::from_jwt(entra::test_token(audience, in_an_hour()))
        }
    });
    (credential, calls)
}

fn assert_refused_with_the_services_401(err: &Error) {
    let Error::Authentication(refusal) = err else {
        panic!("{err:?}")
    };
    assert_eq!(refusal.status, 401);
    assert_eq!(refusal.code(), Some("Unauthorized"));
    assert!(err.to_string().contains("audience"), "{err}");
}

#[tokio::test]
async fn an_async_token_source_runs_the_identity_operations() {
    let emulator = Emulator::start();
    let (credential, calls) = async_source(entra::AUDIENCE);
    let identity = client(&emulator, credential);
    identity_flow(&identity).await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1, "the token was cached");
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .handled,
        2
    );
    assert_eq!(
        emulator
            .request_count_matching("DELETE", "/identities")
            .handled,
        1
    );
}

#[tokio::test]
async fn an_async_token_for_another_audience_gets_the_services_401() {
    let emulator = Emulator::start();
    let (credential, calls) = async_source("https://storage.azure.com");
    let err = client(&emulator, credential)
        .create_user()
        .await
        .unwrap_err();
    assert_refused_with_the_services_401(&err);
    assert_eq!(calls.load(Ordering::SeqCst), 2, "asked again after the 401");
    assert_eq!(
        emulator
            .request_count_matching("POST", "/identities")
            .received,
        2
    );
}

#[cfg(feature = "azure-identity")]
mod azure_identity {
    use azure_core::credentials::{AccessToken, Secret, TokenCredential, TokenRequestOptions};
    use azure_core::time::OffsetDateTime;

    use super::*;

    /// A stand-in for azure_identity's credentials: the emulator's test issuer behind
    /// azure_core's trait.
    #[derive(Debug)]
    struct TestIssuer {
        audience: &'static str,
        calls: AtomicUsize,
    }

    #[async_trait::async_trait]
    impl TokenCredential for TestIssuer {
        async fn get_token(
            &self,
            scopes: &[&str],
            _options: Option<TokenRequestOptions<'_>>,
        ) -> azure_core::Result<AccessToken> {
            assert_eq!(scopes, [ENTRA_SCOPE]);
            self.calls.fetch_add(1, Ordering::SeqCst);
            let expires = in_an_hour();
            Ok(AccessToken::new(
                Secret::new(entra::test_token(self.audience, expires)),
                OffsetDateTime::from(expires),
            ))
        }
    }

    fn issuer(audience: &'static str) -> Arc<TestIssuer> {
        Arc::new(TestIssuer {
            audience,
            calls: AtomicUsize::new(0),
        })
    }

    #[tokio::test]
    async fn a_token_credential_runs_the_identity_operations() {
        let emulator = Emulator::start();
        let issuer = issuer(entra::AUDIENCE);
        let credential = EntraIdCredential::from_token_credential(issuer.clone());
        let identity = client(&emulator, credential.clone());
        identity_flow(&identity).await.unwrap();
        assert_eq!(
            issuer.calls.load(Ordering::SeqCst),
            1,
            "the token was cached"
        );
        assert_eq!(
            emulator
                .request_count_matching("POST", "/identities")
                .handled,
            2
        );
        assert_eq!(
            emulator
                .request_count_matching("DELETE", "/identities")
                .handled,
            1
        );
        // The cached token is the one the credential gave, with its expiry.
        let token = credential.get_token().await.unwrap();
        assert!(token.expires_on() > SystemTime::now() + Duration::from_secs(3000));
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_token_credential_for_another_audience_gets_the_services_401() {
        let emulator = Emulator::start();
        let issuer = issuer("https://storage.azure.com");
        let credential = EntraIdCredential::from_token_credential(issuer.clone());
        let err = client(&emulator, credential)
            .create_user()
            .await
            .unwrap_err();
        assert_refused_with_the_services_401(&err);
        assert_eq!(issuer.calls.load(Ordering::SeqCst), 2);
    }
}
