//! Pagination: the pager machine that follows `nextLink`s.
//!
//! ```text
//!   new/resume ─► poll_page ─► (run the PageRequest as a Call) ─► handle_page ─┐
//!                    ▲                                                          │
//!                    └──────────── nextLink accepted ◄──────────────────────────┘
//!                    poll_page returns None once a page has no nextLink
//! ```
//!
//! A `nextLink` is followed as the service gave it, except that its `api-version` is replaced by
//! the pinned one (exactly one `api-version`, never duplicated). A link to another scheme, host or
//! port is refused, since the bearer token must never leave for another host, and a link already
//! followed is refused, since following it again would loop.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;
use std::marker::PhantomData;

use http::{Method, Request, Response, StatusCode};
use serde::de::{
    self, DeserializeOwned, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor,
};
use serde::Deserialize;

use crate::operation::{empty_request, parse_json_seed};
use crate::{ChatContext, Error, Idempotency, InputErrorKind, Operation};

/// Most pages one listing follows before it stops with [`Error::LimitExceeded`].
pub const MAX_PAGES: u64 = 100_000;

/// A listing operation: how to ask for its first page, and what its items are.
pub trait ListOperation: Clone {
    /// One item of the listing.
    type Item: DeserializeOwned + Send + 'static;

    /// The request for the first page (its own query parameters and the pinned `api-version`).
    fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error>;
}

/// One page of a listing, as the service sent it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct RawPage<T> {
    /// The items.
    pub items: Vec<T>,
    /// The `nextLink`, as received (absent or empty on the last page).
    pub next_link: Option<String>,
}

impl<T> RawPage<T> {
    /// A page (for tests and replay tools).
    pub fn new(items: Vec<T>, next_link: Option<String>) -> Self {
        Self { items, next_link }
    }
}

/// Most items a page's buffer is sized for up front (the service's largest page is 200).
const MAX_PAGE_CAPACITY: usize = 1_000;

/// Reads `{"value": [...], "nextLink": "..."}` into a [`RawPage`] whose item vector is
/// allocated once for the page size asked for, instead of growing (and moving every item,
/// hundreds of bytes each) as items arrive.
struct PageSeed<T> {
    capacity: usize,
    items: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for PageSeed<T> {
    type Value = RawPage<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<RawPage<T>, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for PageSeed<T> {
    type Value = RawPage<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a page object with `value` and `nextLink`")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawPage<T>, A::Error> {
        let mut items = None;
        let mut next_link = None;
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match key.as_ref() {
                "value" if items.is_none() => {
                    items = Some(map.next_value_seed(ItemsSeed {
                        capacity: self.capacity,
                        items: PhantomData,
                    })?);
                }
                "value" => return Err(de::Error::duplicate_field("value")),
                "nextLink" => next_link = map.next_value::<Option<String>>()?,
                _ => {
                    map.next_value::<de::IgnoredAny>()?;
                }
            }
        }
        let items = items.ok_or_else(|| de::Error::missing_field("value"))?;
        Ok(RawPage {
            items,
            next_link: next_link.filter(|l| !l.trim().is_empty()),
        })
    }
}

/// The `value` array, into a vector of the given capacity.
struct ItemsSeed<T> {
    capacity: usize,
    items: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> DeserializeSeed<'de> for ItemsSeed<T> {
    type Value = Vec<T>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Vec<T>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for ItemsSeed<T> {
    type Value = Vec<T>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of items")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
        let mut items = Vec::with_capacity(self.capacity);
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(items)
    }
}

/// The `maxPageSize` a request asks for, if any.
fn page_size_of(uri: &str) -> Option<usize> {
    let query = uri.split_once('?')?.1;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| key.eq_ignore_ascii_case("maxPageSize"))
        .and_then(|(_, value)| value.parse().ok())
}

/// The request for one page: the first page of a listing, or a `nextLink`.
#[derive(Clone, Debug)]
pub struct PageRequest<L> {
    list: L,
    link: Option<String>,
    /// Items the page is expected to hold (its `maxPageSize`), to size its buffer.
    capacity: usize,
}

impl<L: ListOperation> Operation for PageRequest<L> {
    type Output = RawPage<L::Item>;
    type Context = ChatContext;

    fn to_request(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
        match &self.link {
            None => self.list.first_page(ctx),
            Some(link) => {
                let uri = http::Uri::try_from(link.as_str()).map_err(|e| {
                    Error::invalid_input(
                        "next link",
                        link,
                        InputErrorKind::Malformed,
                        e.to_string(),
                        "an absolute URI on the endpoint",
                    )
                })?;
                Ok(empty_request(Method::GET, uri))
            }
        }
    }

    /// The listing's name (`ListMessages`), for every page.
    fn name(&self) -> &'static str {
        crate::operation::short_type_name(std::any::type_name::<L>())
    }

    fn parse_response(&self, response: Response<Vec<u8>>) -> Result<RawPage<L::Item>, Error> {
        let seed = PageSeed {
            capacity: self.capacity,
            items: PhantomData,
        };
        parse_json_seed(response, StatusCode::OK, seed)
    }

    fn idempotency(&self) -> Idempotency {
        Idempotency::Idempotent
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Next {
    First,
    Link(String),
    End,
}

/// Walks a listing page by page. Its continuation token is the next page's link, already checked
/// and pinned to the context's `api-version`; [`Pager::resume`] picks a listing up from one.
#[derive(Clone, Debug)]
pub struct Pager<L> {
    list: L,
    ctx: ChatContext,
    next: Next,
    visited: HashSet<String>,
    pages: u64,
}

impl<L: ListOperation> Pager<L> {
    /// A pager at the first page of `list`.
    pub fn new(list: L, ctx: ChatContext) -> Self {
        Self {
            list,
            ctx,
            next: Next::First,
            visited: HashSet::new(),
            pages: 0,
        }
    }

    /// A pager that continues from a continuation token (a `nextLink`) of an earlier listing.
    /// The token must point at the context's endpoint.
    pub fn resume(list: L, ctx: ChatContext, continuation_token: &str) -> Result<Self, Error> {
        let link = normalize_link(&ctx, continuation_token)?;
        let mut pager = Self::new(list, ctx);
        pager.next = Next::Link(link);
        Ok(pager)
    }

    /// The request for the next page, or `None` when the listing is over.
    pub fn poll_page(&self) -> Option<PageRequest<L>> {
        let (link, size) = match &self.next {
            Next::First => {
                let first = self.list.first_page(&self.ctx).ok();
                (None, first.and_then(|r| page_size_of(&r.uri().to_string())))
            }
            Next::Link(l) => (Some(l.clone()), page_size_of(l)),
            Next::End => return None,
        };
        Some(PageRequest {
            list: self.list.clone(),
            link,
            capacity: size.unwrap_or(0).min(MAX_PAGE_CAPACITY),
        })
    }

    /// Takes the page the last [`PageRequest`] returned; gives back its items. Refuses (and ends
    /// the listing on) a `nextLink` to another host or one already followed.
    pub fn handle_page(&mut self, page: RawPage<L::Item>) -> Result<Vec<L::Item>, Error> {
        match std::mem::replace(&mut self.next, Next::End) {
            Next::Link(current) => {
                self.visited.insert(current);
            }
            Next::First => {
                // The first page counts as visited too: a link back to it would loop.
                let first = self.list.first_page(&self.ctx).ok();
                if let Some(link) =
                    first.and_then(|r| normalize_link(&self.ctx, &r.uri().to_string()).ok())
                {
                    self.visited.insert(link);
                }
            }
            Next::End => {}
        }
        self.pages += 1;
        if let Some(link) = page.next_link {
            if self.pages >= MAX_PAGES {
                return Err(Error::LimitExceeded {
                    limit: "pages in one listing",
                    max: MAX_PAGES,
                });
            }
            let link = normalize_link(&self.ctx, &link)?;
            if self.visited.contains(&link) {
                return Err(Error::RepeatedLink { link });
            }
            self.next = Next::Link(link);
        }
        Ok(page.items)
    }

    /// The token to resume the listing at the next page; `None` before the first page is read
    /// and after the last.
    pub fn continuation_token(&self) -> Option<&str> {
        match &self.next {
            Next::Link(l) => Some(l),
            _ => None,
        }
    }

    /// True once the last page was read.
    pub fn is_done(&self) -> bool {
        self.next == Next::End
    }

    /// The context requests are built for.
    pub fn context(&self) -> &ChatContext {
        &self.ctx
    }
}

/// Checks a `nextLink` (absolute, or relative to the endpoint) against the endpoint and sets its
/// `api-version` to the pinned one, keeping every other parameter as the service wrote it.
pub fn normalize_link(ctx: &ChatContext, link: &str) -> Result<String, Error> {
    let base = url::Url::parse(ctx.endpoint.as_str()).map_err(|e| {
        Error::invalid_input(
            "endpoint",
            ctx.endpoint.as_str(),
            InputErrorKind::Malformed,
            e.to_string(),
            crate::endpoint::ENDPOINT_SHAPE,
        )
    })?;
    // The service's links are ASCII URLs; anything else is not followed (and never reaches the
    // `url` crate's IDNA step, which asserts on some non-ASCII hosts in debug builds).
    if !link.is_ascii() {
        return Err(Error::ForeignLink { link: link.into() });
    }
    let mut url = base
        .join(link.trim())
        .map_err(|_| Error::ForeignLink { link: link.into() })?;
    if !ctx.endpoint.owns(&url) || !url.username().is_empty() || url.password().is_some() {
        return Err(Error::ForeignLink { link: link.into() });
    }
    url.set_fragment(None);
    let mut query = String::new();
    for pair in url.query().unwrap_or("").split('&') {
        let key = pair.split('=').next().unwrap_or("");
        if pair.is_empty() || key.eq_ignore_ascii_case("api-version") {
            continue;
        }
        query.push_str(pair);
        query.push('&');
    }
    query.push_str("api-version=");
    query.push_str(ctx.api_version.as_str());
    url.set_query(Some(&query));
    Ok(url.into())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ApiVersion, Endpoint};

    #[derive(Clone, Debug)]
    struct Numbers;

    impl ListOperation for Numbers {
        type Item = u32;
        fn first_page(&self, ctx: &ChatContext) -> Result<Request<Vec<u8>>, Error> {
            Ok(empty_request(
                Method::GET,
                ctx.uri("/numbers", "maxPageSize=2")?,
            ))
        }
    }

    fn ctx() -> ChatContext {
        ChatContext::new(Endpoint::parse("https://acs.example.com").unwrap())
            .with_api_version(ApiVersion::V2023_11_07)
    }

    fn page(items: Vec<u32>, next: Option<&str>) -> RawPage<u32> {
        RawPage {
            items,
            next_link: next.map(str::to_owned),
        }
    }

    #[test]
    fn replaces_the_api_version_and_keeps_the_rest() {
        let link = "https://acs.example.com/chat/threads/19:abc@thread.v2/messages?syncState=W3s%3D&api-version=2021-09-07&maxPageSize=5";
        assert_eq!(
            normalize_link(&ctx(), link).unwrap(),
            "https://acs.example.com/chat/threads/19:abc@thread.v2/messages?syncState=W3s%3D&maxPageSize=5&api-version=2023-11-07"
        );
        assert_eq!(
            normalize_link(&ctx(), "/x?api-version=1&API-VERSION=2").unwrap(),
            "https://acs.example.com/x?api-version=2023-11-07"
        );
    }

    #[test]
    fn refuses_links_to_other_hosts() {
        for link in [
            "https://evil.example.com/x",
            "http://acs.example.com/x",
            "https://acs.example.com:8443/x",
            "//evil.example.com/x",
            "https://user@acs.example.com/x",
        ] {
            assert!(
                matches!(normalize_link(&ctx(), link), Err(Error::ForeignLink { .. })),
                "{link}"
            );
        }
    }

    #[test]
    fn walks_pages_and_stops() {
        let mut pager = Pager::new(Numbers, ctx());
        let first = pager
            .poll_page()
            .unwrap()
            .to_request(pager.context())
            .unwrap();
        assert_eq!(
            first.uri(),
            "https://acs.example.com/numbers?api-version=2023-11-07&maxPageSize=2"
        );
        let items = pager
            .handle_page(page(vec![1, 2], Some("/numbers?p=2")))
            .unwrap();
        assert_eq!(items, [1, 2]);
        let token = pager.continuation_token().unwrap().to_owned();
        assert_eq!(
            token,
            "https://acs.example.com/numbers?p=2&api-version=2023-11-07"
        );
        let second = pager
            .poll_page()
            .unwrap()
            .to_request(pager.context())
            .unwrap();
        assert_eq!(second.uri().to_string(), token);
        pager.handle_page(page(vec![3], None)).unwrap();
        assert!(pager.is_done());
        assert!(pager.poll_page().is_none());

        let resumed = Pager::resume(Numbers, ctx(), &token).unwrap();
        assert_eq!(resumed.continuation_token(), Some(token.as_str()));
    }

    fn parse_page(pager: &Pager<Numbers>, body: &str) -> Result<RawPage<u32>, Error> {
        let response = Response::builder()
            .status(200)
            .body(body.as_bytes().to_vec())
            .unwrap();
        pager.poll_page().unwrap().parse_response(response)
    }

    #[test]
    fn a_page_is_read_into_a_buffer_of_the_size_asked_for() {
        let pager = Pager::new(Numbers, ctx());
        let page = parse_page(
            &pager,
            r#"{"x":[{"y":1}],"value":[1,2],"nextLink":"/n?p=2"}"#,
        )
        .unwrap();
        assert_eq!(page.items, [1, 2]);
        assert_eq!(page.items.capacity(), 2); // `maxPageSize=2` of the first page
        assert_eq!(page.next_link.as_deref(), Some("/n?p=2"));
        for (body, next) in [
            (r#"{"value":[],"nextLink":null}"#, None),
            (r#"{"nextLink":" ","value":[]}"#, None),
        ] {
            assert_eq!(parse_page(&pager, body).unwrap().next_link, next);
        }
        for bad in [
            r#"{"nextLink":"/n"}"#,
            r#"{"value":[1],"value":[2]}"#,
            r#"{"value":[1]} x"#,
            "[1]",
        ] {
            assert!(
                matches!(parse_page(&pager, bad), Err(Error::Deserialize { .. })),
                "{bad}"
            );
        }
        let not_utf8 = Response::builder()
            .status(200)
            .body(b"{\"value\":[],\"x\":\"\xff\"}".to_vec())
            .unwrap();
        let err = pager
            .poll_page()
            .unwrap()
            .parse_response(not_utf8)
            .unwrap_err();
        assert!(
            matches!(err, Error::Deserialize { ref message, .. } if message.contains("UTF-8")),
            "{err:?}"
        );
    }

    #[test]
    fn refuses_a_repeated_link() {
        let mut pager = Pager::new(Numbers, ctx());
        pager.handle_page(page(vec![], Some("/n?p=2"))).unwrap();
        pager.handle_page(page(vec![], Some("/n?p=3"))).unwrap();
        let err = pager
            .handle_page(page(vec![], Some("/n?p=2&api-version=x")))
            .unwrap_err();
        assert!(matches!(err, Error::RepeatedLink { .. }));
        assert!(pager.is_done());
    }
}
