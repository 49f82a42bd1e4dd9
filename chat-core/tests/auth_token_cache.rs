//! The token machine in virtual time: refreshes come before expiry, one refresh at a time
//! whatever the number of callers, and proactive refresh never loops on short tokens.

use std::time::{Duration, SystemTime};

use chat_core::auth::{AccessToken, TokenCache, TokenPoll, ON_DEMAND_WINDOW, PROACTIVE_WINDOW};
use proptest::prelude::*;

/// Virtual time: `ms` milliseconds after a fixed instant.
fn at(ms: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(1_800_000_000) + Duration::from_millis(ms)
}

/// A refresher that numbers its tokens; each lives `lifetime` from the instant it is issued.
struct Refresher {
    lifetime: Duration,
    issued: u32,
}

impl Refresher {
    fn issue(&mut self, now: SystemTime) -> AccessToken {
        self.issued += 1;
        AccessToken::new(format!("token-{}", self.issued), now + self.lifetime)
    }
}

fn lifetime() -> impl Strategy<Value = Duration> {
    // 1 minute to 24 hours, in whole seconds; short tokens (the looping kind) half the time.
    prop_oneof![60u64..=600, 600u64..=86_400].prop_map(Duration::from_secs)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Proactive refresh of an idle client: the timer always falls before expiry, and two
    /// refreshes are never closer than half a token's lifetime. Calls in between (on demand)
    /// count too.
    #[test]
    fn proactive_refresh_is_before_expiry_and_at_most_once_per_half_lifetime(
        lifetime in lifetime(),
        latency_permille in 0u64..250,
        call_gaps in proptest::collection::vec(1u64..3_600_000, 0..40),
    ) {
        let latency = lifetime * latency_permille as u32 / 1000;
        let mut refresher = Refresher { lifetime, issued: 0 };
        let mut cache = TokenCache::with_refresher(None, true);
        let mut now = at(0);
        // The first call fetches the first token on demand.
        prop_assert!(matches!(cache.poll_token(now, None), TokenPoll::Refresh));
        cache.handle_refreshed(now, Ok(refresher.issue(now)));
        let mut last_refresh = now;
        let mut calls = call_gaps.iter().scan(now, |t, gap| {
            *t += Duration::from_millis(*gap);
            Some(*t)
        }).peekable();
        let horizon = now + lifetime * 12;
        while now < horizon && refresher.issued < 40 {
            let current = cache.token().cloned().unwrap();
            let due = cache.poll_timeout().expect("a proactive timer is always set");
            prop_assert!(due < current.expires_on(), "refresh due at or after expiry");
            // Whatever comes first: a call, or the proactive timer.
            let (t, by_call) = match calls.peek() {
                Some(&c) if c < due => { calls.next(); (c, true) }
                _ => (due, false),
            };
            now = t;
            let refresh = if by_call {
                match cache.poll_token(now, None) {
                    TokenPoll::Ready(tok) => {
                        prop_assert!(!tok.is_expired(now));
                        false
                    }
                    TokenPoll::Refresh => true,
                    other => return Err(TestCaseError::fail(format!("{other:?}"))),
                }
            } else {
                prop_assert!(cache.handle_timeout(now));
                true
            };
            if refresh {
                prop_assert!(now < current.expires_on());
                prop_assert!(
                    now.duration_since(last_refresh).unwrap() >= lifetime / 2,
                    "two refreshes {:?} apart for a {:?} token",
                    now.duration_since(last_refresh).unwrap(),
                    lifetime
                );
                // Calls during the refresh still get the old token outside the on-demand window.
                if now + ON_DEMAND_WINDOW < current.expires_on()
                    && now < current.expires_on() - lifetime / 2
                {
                    prop_assert!(matches!(cache.poll_token(now, None), TokenPoll::Ready(_)));
                }
                now += latency;
                last_refresh = now;
                cache.handle_refreshed(now, Ok(refresher.issue(now)));
            }
        }
        prop_assert!(refresher.issued >= 2, "the timer kept the token fresh");
    }

    /// Without proactive refresh, a call inside the on-demand window always asks for a refresh,
    /// and a token handed out is never expired.
    #[test]
    fn on_demand_refresh_is_requested_before_expiry(
        lifetime in lifetime(),
        call_gaps in proptest::collection::vec(1u64..600_000, 1..80),
    ) {
        let mut refresher = Refresher { lifetime, issued: 0 };
        let mut cache = TokenCache::with_refresher(None, false);
        let mut now = at(0);
        prop_assert!(matches!(cache.poll_token(now, None), TokenPoll::Refresh));
        cache.handle_refreshed(now, Ok(refresher.issue(now)));
        prop_assert_eq!(cache.poll_timeout(), None);
        for gap in call_gaps {
            now += Duration::from_millis(gap);
            let current = cache.token().cloned().unwrap();
            // Two minutes before expiry, or half the lifetime for tokens shorter than 4 minutes.
            let window = ON_DEMAND_WINDOW.min(lifetime / 2);
            let in_window = now + window >= current.expires_on();
            match cache.poll_token(now, None) {
                TokenPoll::Ready(tok) => {
                    prop_assert!(!tok.is_expired(now));
                    prop_assert!(!in_window, "no refresh inside the on-demand window");
                }
                TokenPoll::Refresh => {
                    prop_assert!(in_window, "a refresh before the on-demand window");
                    cache.handle_refreshed(now, Ok(refresher.issue(now)));
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
        }
    }

    /// N concurrent calls, interleaved arbitrarily: at most one refresh is in flight, exactly
    /// one refresh happens, and every call ends with the refreshed token. With `rejected`, all
    /// the calls had just been refused with the same token (a 401 storm).
    #[test]
    fn concurrent_calls_share_one_refresh(
        callers in 1usize..32,
        schedule in proptest::collection::vec((0usize..32, 0u64..2_000), 1..400),
        rejected in any::<bool>(),
    ) {
        #[derive(Clone, Copy, PartialEq, Debug)]
        enum Caller { Asking, Refreshing, Done }
        let old = AccessToken::new("old", at(3_600_000));
        let mut cache = if rejected {
            TokenCache::with_refresher(Some(old.clone()), true)
        } else {
            TokenCache::with_refresher(None, true)
        };
        let mut refresher = Refresher { lifetime: Duration::from_secs(3600), issued: 0 };
        let mut state = vec![Caller::Asking; callers];
        let mut now = at(0);
        // The schedule, then every caller in turn until all are done.
        let tail = (0..callers * 3).map(|i| (i % callers, 0));
        for (who, gap) in schedule.into_iter().chain(tail) {
            let who = who % callers;
            now += Duration::from_millis(gap);
            match state[who] {
                Caller::Asking => {
                    let rejected_token = rejected.then_some(&old);
                    match cache.poll_token(now, rejected_token) {
                        TokenPoll::Refresh => state[who] = Caller::Refreshing,
                        TokenPoll::Wait => {}
                        TokenPoll::Ready(t) => {
                            prop_assert_ne!(t.secret(), "old");
                            state[who] = Caller::Done;
                        }
                        TokenPoll::Failed(e) => return Err(TestCaseError::fail(e.to_string())),
                        _ => return Err(TestCaseError::fail("unknown poll")),
                    }
                }
                Caller::Refreshing => {
                    cache.handle_refreshed(now, Ok(refresher.issue(now)));
                    state[who] = Caller::Asking;
                }
                Caller::Done => {}
            }
            let in_flight = state.iter().filter(|s| **s == Caller::Refreshing).count();
            prop_assert!(in_flight <= 1, "{in_flight} refreshes in flight");
            prop_assert_eq!(cache.is_refreshing(), in_flight == 1);
        }
        prop_assert!(state.iter().all(|s| *s == Caller::Done), "{:?}", state);
        prop_assert_eq!(refresher.issued, 1);
    }

    /// A failed refresh with N waiters: the waiters fail with the typed error (no valid token
    /// left), and none of them starts a refresh of its own.
    #[test]
    fn a_failed_refresh_fails_the_waiters_without_another_refresh(callers in 2usize..32) {
        let mut cache = TokenCache::with_refresher(None, false);
        let now = at(0);
        prop_assert!(matches!(cache.poll_token(now, None), TokenPoll::Refresh));
        for _ in 1..callers {
            prop_assert!(matches!(cache.poll_token(now, None), TokenPoll::Wait));
        }
        cache.handle_refreshed(now + Duration::from_secs(1), Err("no network".into()));
        for _ in 1..callers {
            match cache.poll_token(now + Duration::from_secs(1), None) {
                TokenPoll::Failed(chat_core::Error::TokenRefresh { error, .. }) => {
                    prop_assert_eq!(error.to_string(), "no network");
                }
                other => return Err(TestCaseError::fail(format!("{other:?}"))),
            }
        }
    }
}

#[test]
fn windows_are_two_and_ten_minutes() {
    assert_eq!(ON_DEMAND_WINDOW, Duration::from_secs(120));
    assert_eq!(PROACTIVE_WINDOW, Duration::from_secs(600));
}

#[test]
fn a_day_long_token_is_refreshed_ten_minutes_before_expiry() {
    let mut cache = TokenCache::with_refresher(None, true);
    assert!(matches!(cache.poll_token(at(0), None), TokenPoll::Refresh));
    let expires = at(0) + Duration::from_secs(86_400);
    cache.handle_refreshed(at(0), Ok(AccessToken::new("a", expires)));
    assert_eq!(cache.poll_timeout(), Some(expires - PROACTIVE_WINDOW));
}

#[test]
fn a_proactive_failure_is_retried_later_and_never_after_expiry() {
    let mut cache = TokenCache::with_refresher(None, true);
    assert!(matches!(cache.poll_token(at(0), None), TokenPoll::Refresh));
    let expires = at(0) + Duration::from_secs(3600);
    cache.handle_refreshed(at(0), Ok(AccessToken::new("a", expires)));
    let due = cache.poll_timeout().unwrap();
    assert!(cache.handle_timeout(due));
    cache.handle_refreshed(due, Err("down".into()));
    // Retried 10 s later, while the old token keeps serving calls.
    assert_eq!(cache.poll_timeout(), Some(due + Duration::from_secs(10)));
    assert!(matches!(
        cache.poll_token(due + Duration::from_secs(1), None),
        TokenPoll::Ready(_)
    ));
    // A failure 5 s before expiry: no retry timer past expiry.
    let late = expires - Duration::from_secs(5);
    assert!(cache.handle_timeout(late));
    cache.handle_refreshed(late, Err("down".into()));
    assert_eq!(cache.poll_timeout(), None);
}
