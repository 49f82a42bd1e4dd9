//! A name cache in front of ureq's resolver.
//!
//! ureq resolves the host before it looks in its connection pool, and with a timeout set (every
//! call has one) its default resolver does so on a new thread: a thread spawn per request, even
//! on a kept-alive connection to an IP address. This resolver keeps each answer for
//! [`TTL`], so a busy client resolves at most once per host and period.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{DefaultResolver, ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a resolved address list is reused.
pub(crate) const TTL: Duration = Duration::from_secs(30);

/// Most hosts remembered; the cache is cleared when it grows past this.
const MAX_HOSTS: usize = 64;

#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    inner: DefaultResolver,
    cache: Mutex<HashMap<String, (Instant, ResolvedSocketAddrs)>>,
}

impl Resolver for CachingResolver {
    fn resolve(
        &self,
        uri: &Uri,
        config: &Config,
        timeout: NextTimeout,
    ) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let key = match (uri.scheme_str(), uri.authority()) {
            (Some(scheme), Some(authority)) => format!("{scheme}://{authority}"),
            _ => return self.inner.resolve(uri, config, timeout),
        };
        let now = Instant::now();
        {
            let cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
            if let Some((at, addrs)) = cache.get(&key) {
                if now.duration_since(*at) < TTL {
                    return Ok(addrs.clone());
                }
            }
        }
        let addrs = self.inner.resolve(uri, config, timeout)?;
        let mut cache = self.cache.lock().unwrap_or_else(PoisonError::into_inner);
        if cache.len() >= MAX_HOSTS {
            cache.clear();
        }
        cache.insert(key, (now, addrs.clone()));
        Ok(addrs)
    }
}
