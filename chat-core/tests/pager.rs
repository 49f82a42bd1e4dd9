//! The pager machine: properties over arbitrary `nextLink` sequences.

use chat_core::http::{Method, Request};
use chat_core::paging::normalize_link;
use chat_core::{
    empty_request, ApiVersion, ChatContext, Endpoint, Error, ListOperation, Operation, Pager,
    RawPage,
};
use proptest::prelude::*;

#[derive(Clone, Debug)]
struct Items;

impl ListOperation for Items {
    type Item = u32;
    fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        Ok(empty_request(
            Method::GET,
            ctx.uri("/items", "maxPageSize=7")?,
        ))
    }
}

fn ctx(version: ApiVersion) -> ChatContext {
    ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap()).with_api_version(version)
}

fn api_versions(uri: &str) -> Vec<String> {
    let url = url::Url::parse(uri).unwrap();
    url.query_pairs()
        .filter(|(k, _)| k.eq_ignore_ascii_case("api-version"))
        .map(|(_, v)| v.into_owned())
        .collect()
}

/// A `nextLink` the service (or an attacker) might send.
fn link() -> impl Strategy<Value = String> {
    let host = prop_oneof![
        4 => Just("https://acs.example.com".to_owned()),
        1 => Just("https://evil.example.com".to_owned()),
        1 => Just("http://acs.example.com".to_owned()),
        1 => Just("https://acs.example.com:8443".to_owned()),
        1 => Just("".to_owned()),
    ];
    let first_page =
        Just("https://acs.example.com/items?maxPageSize=7&api-version=2021-09-07".to_owned());
    let page = 0u8..6;
    let versions = prop::collection::vec(
        prop_oneof![
            Just("api-version=2021-09-07"),
            Just("API-VERSION=x"),
            Just("api-version=")
        ],
        0..3,
    );
    let next = (host, page, versions).prop_map(|(host, page, versions)| {
        let mut q = format!("syncState=s{page}%3D&maxPageSize=7");
        for v in versions {
            q.push('&');
            q.push_str(v);
        }
        format!("{host}/items?{q}")
    });
    prop_oneof![8 => next, 1 => first_page]
}

proptest! {
    /// Whatever links the service sends, the pager never requests one twice, never leaves the
    /// endpoint's host, and every request carries exactly one `api-version`, the pinned one.
    #[test]
    fn never_revisits_never_leaves_the_host_one_api_version(
        links in prop::collection::vec(link(), 0..12),
        version in prop::sample::select(ApiVersion::ALL.to_vec()),
    ) {
        let ctx = ctx(version);
        let mut pager = Pager::new(Items, ctx.clone());
        let mut requested = Vec::new();
        let mut links = links.into_iter();
        while let Some(page_request) = pager.poll_page() {
            let request = page_request.to_request(&ctx).unwrap();
            let uri = request.uri().to_string();
            prop_assert!(uri.starts_with("https://acs.example.com/"), "left the host: {uri}");
            prop_assert_eq!(api_versions(&uri), vec![version.as_str().to_owned()]);
            // Compare in one canonical form, so a reordered query still counts as a revisit.
            let canonical = normalize_link(&ctx, &uri).unwrap();
            prop_assert!(!requested.contains(&canonical), "revisited {uri}");
            requested.push(canonical);
            let next = links.next();
            match pager.handle_page(RawPage::new(vec![1], next.clone())) {
                Ok(items) => prop_assert_eq!(items, vec![1]),
                Err(Error::ForeignLink { .. }) | Err(Error::RepeatedLink { .. }) => {
                    prop_assert!(pager.poll_page().is_none());
                }
                Err(e) => prop_assert!(false, "unexpected error {e:?}"),
            }
        }
    }

    /// A continuation token either resumes on the endpoint with one pinned `api-version`, or is
    /// refused.
    #[test]
    fn resume_checks_the_token(token in link()) {
        let ctx = ctx(ApiVersion::V2024_03_07);
        match Pager::resume(Items, ctx.clone(), &token) {
            Ok(pager) => {
                let uri = pager.poll_page().unwrap().to_request(&ctx).unwrap().uri().to_string();
                prop_assert!(uri.starts_with("https://acs.example.com/"));
                prop_assert_eq!(api_versions(&uri), vec!["2024-03-07".to_owned()]);
            }
            Err(e) => prop_assert!(matches!(e, Error::ForeignLink { .. }), "{:?}", e),
        }
    }

    /// Normalizing never panics, whatever the text.
    #[test]
    fn normalize_never_panics(text in ".{0,80}") {
        let _ = normalize_link(&ctx(ApiVersion::default()), &text);
    }
}

#[test]
fn an_empty_next_link_ends_the_listing() {
    let ctx = ctx(ApiVersion::default());
    let mut pager = Pager::new(Items, ctx.clone());
    let response = chat_core::http::Response::builder()
        .status(200)
        .body(br#"{"value":[1,2],"nextLink":""}"#.to_vec())
        .unwrap();
    let page = pager.poll_page().unwrap().parse_response(response).unwrap();
    assert_eq!(pager.handle_page(page).unwrap(), [1, 2]);
    assert!(pager.is_done());
}

#[test]
fn a_link_with_non_ascii_characters_is_refused_not_a_panic() {
    // `\\A¡` reads as a host with an upper-case letter and a non-ASCII one, which the IDNA step
    // of the `url` crate (with the ICU-free idna_adapter 1.0.0) asserts against in debug builds.
    for link in ["\\\\A¡", "//Ä.example/chat/threads", "/chat/threads?x=é"] {
        let err = normalize_link(&ctx(ApiVersion::default()), link).unwrap_err();
        assert!(
            matches!(&err, chat_core::Error::ForeignLink { link: l } if l == link),
            "{link}: {err:?}"
        );
    }
}
