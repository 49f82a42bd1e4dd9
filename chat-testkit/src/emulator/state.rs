//! The emulator's in-memory state: users, tokens, threads, and a clock.
//!
//! All service logic runs on `&mut State` under one lock; the HTTP layer only parses and
//! writes. Time comes from [`Clock`]: the real clock, or a fixed start that advances one
//! millisecond per reading (deterministic runs).

use std::collections::{BTreeMap, HashMap};
use std::time::{Duration, SystemTime};

use chat_core::{AccessKey, Timestamp};

use super::errors::AcsError;
use super::events::EventRecord;
use super::tokens::{self, Claims, TokenError};

/// Where the emulator's time comes from.
#[derive(Debug, Clone)]
pub(crate) enum Clock {
    /// `SystemTime::now()`, truncated to milliseconds.
    Real,
    /// Starts at `start` and advances by one millisecond at every reading.
    Fixed { start: SystemTime, ticks: u64 },
}

/// A user created through the identity API.
#[derive(Debug, Clone, Default)]
pub(crate) struct User {
    pub(crate) deleted: bool,
    /// Tokens with a sequence number below this were revoked.
    pub(crate) min_token_seq: u64,
}

/// A participant of a thread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Participant {
    pub(crate) raw_id: String,
    pub(crate) display_name: Option<String>,
    pub(crate) share_history_time: Timestamp,
    pub(crate) metadata: BTreeMap<String, String>,
}

/// The content of a message, by kind.
#[derive(Debug, Clone)]
pub(crate) enum Content {
    /// `text` or `html`.
    Chat { html: bool, message: String },
    /// `topicUpdated`.
    Topic { topic: String, initiator: String },
    /// `participantAdded` / `participantRemoved`.
    Participants {
        added: bool,
        participants: Vec<Participant>,
        initiator: String,
    },
}

/// A message, user-sent or system.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub(crate) id: String,
    pub(crate) sequence_id: u64,
    pub(crate) version: String,
    pub(crate) created_on: Timestamp,
    pub(crate) sender: Option<String>,
    pub(crate) sender_display_name: String,
    pub(crate) content: Content,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) edited_on: Option<Timestamp>,
    pub(crate) deleted_on: Option<Timestamp>,
}

/// A read receipt: the latest message a participant read.
#[derive(Debug, Clone)]
pub(crate) struct Receipt {
    pub(crate) sender: String,
    pub(crate) message_id: String,
    pub(crate) read_on: Timestamp,
}

/// A chat thread.
#[derive(Debug, Clone)]
pub(crate) struct Thread {
    pub(crate) id: String,
    pub(crate) topic: String,
    pub(crate) created_on: Timestamp,
    pub(crate) created_by: String,
    pub(crate) deleted_on: Option<Timestamp>,
    pub(crate) metadata: BTreeMap<String, String>,
    pub(crate) retention_policy: Option<serde_json::Value>,
    pub(crate) participants: Vec<Participant>,
    /// Ascending by sequence id.
    pub(crate) messages: Vec<Message>,
    /// Ascending by `read_on`; one per participant.
    pub(crate) receipts: Vec<Receipt>,
    pub(crate) last_message_received_on: Timestamp,
}

impl Thread {
    pub(crate) fn is_participant(&self, raw_id: &str) -> bool {
        self.participants.iter().any(|p| p.raw_id == raw_id)
    }

    pub(crate) fn message_mut(&mut self, id: &str) -> Result<&mut Message, AcsError> {
        self.messages
            .iter_mut()
            .find(|m| m.id == id)
            .ok_or_else(|| AcsError::not_found("The message was not found.").with_target(id))
    }
}

/// Everything the emulator knows.
#[derive(Debug)]
pub(crate) struct State {
    pub(crate) clock: Clock,
    pub(crate) resource_id: String,
    key: AccessKey,
    pub(crate) users: HashMap<String, User>,
    pub(crate) threads: HashMap<String, Thread>,
    /// Thread ids in creation order.
    pub(crate) thread_order: Vec<String>,
    /// `repeatability-request-id` → thread id and the first response's body.
    pub(crate) repeatability: HashMap<String, (String, serde_json::Value)>,
    next_token_seq: u64,
    last_millis: i128,
    next_user: u64,
    /// Events the last operation caused, for the webhook subscriptions; `None` while there is
    /// no subscription (then no event is built).
    outbox: Option<Vec<EventRecord>>,
}

impl State {
    pub(crate) fn new(key: AccessKey, clock: Clock, resource_id: String) -> Self {
        Self {
            clock,
            resource_id,
            key,
            users: HashMap::new(),
            threads: HashMap::new(),
            thread_order: Vec::new(),
            repeatability: HashMap::new(),
            next_token_seq: 1,
            last_millis: 0,
            next_user: 1,
            outbox: None,
        }
    }

    /// From now on, operations build the events they cause.
    pub(crate) fn publish_events(&mut self) {
        self.outbox.get_or_insert_with(Vec::new);
    }

    /// Whether operations build events.
    pub(crate) fn publishing_events(&self) -> bool {
        self.outbox.is_some()
    }

    /// Queues events an operation caused.
    pub(crate) fn queue_events(&mut self, records: Vec<EventRecord>) {
        if let Some(outbox) = &mut self.outbox {
            outbox.extend(records);
        }
    }

    /// Takes the queued events.
    pub(crate) fn take_events(&mut self) -> Vec<EventRecord> {
        self.outbox.as_mut().map(std::mem::take).unwrap_or_default()
    }

    /// The current time, to the millisecond.
    pub(crate) fn now(&mut self) -> Timestamp {
        let t = match &mut self.clock {
            Clock::Real => SystemTime::now(),
            Clock::Fixed { start, ticks } => {
                *ticks += 1;
                *start + Duration::from_millis(*ticks)
            }
        };
        from_millis(Timestamp::from(t).unix_millis())
    }

    /// A fresh, strictly increasing epoch-millisecond id (message ids and versions), and the
    /// time it stands for.
    pub(crate) fn next_millis(&mut self) -> (String, Timestamp) {
        let now = self.now();
        let ms = now.unix_millis().max(self.last_millis + 1);
        self.last_millis = ms;
        (ms.to_string(), from_millis(ms))
    }

    /// Creates a user and returns its raw id.
    pub(crate) fn create_user(&mut self) -> String {
        let n = self.next_user;
        self.next_user += 1;
        let random = uuid::Uuid::new_v4().as_u128();
        // Shaped like the service's ids: `8:acs:<resource>_<8-4-4-4-12>`.
        let user = format!(
            "{:08x}-{:04x}-{:04x}-{:04x}-{:012x}",
            n,
            (random >> 112) as u16,
            (random >> 96) as u16,
            (random >> 80) as u16,
            random & 0xffff_ffff_ffff
        );
        let raw_id = format!("8:acs:{}_{}", self.resource_id, user);
        self.users.insert(raw_id.clone(), User::default());
        raw_id
    }

    /// Whether `raw_id` is a live user of this emulator.
    pub(crate) fn user_exists(&self, raw_id: &str) -> bool {
        self.users.get(raw_id).is_some_and(|u| !u.deleted)
    }

    /// Issues a token for an existing user.
    pub(crate) fn issue_token(
        &mut self,
        raw_id: &str,
        scopes: &[String],
        lifetime: Duration,
    ) -> Result<(String, Timestamp), AcsError> {
        if !self.user_exists(raw_id) {
            return Err(AcsError::not_found("The identity was not found.").with_target(raw_id));
        }
        let now = self.now();
        let expires_at =
            now.unix_seconds() + i64::try_from(lifetime.as_secs()).unwrap_or(i64::MAX / 2);
        let claims = Claims {
            user: raw_id.to_owned(),
            scopes: scopes.to_vec(),
            issued_at: now.unix_seconds(),
            expires_at,
            seq: self.next_token_seq,
        };
        self.next_token_seq += 1;
        let token = tokens::sign(self.key.as_bytes(), &claims, &self.resource_id);
        let expires_on = Timestamp::from_unix_seconds(expires_at).unwrap_or(now);
        Ok((token, expires_on))
    }

    /// Revokes every token issued to `raw_id` so far.
    pub(crate) fn revoke_tokens(&mut self, raw_id: &str) -> Result<(), AcsError> {
        let next = self.next_token_seq;
        match self.users.get_mut(raw_id) {
            Some(user) if !user.deleted => {
                user.min_token_seq = next;
                Ok(())
            }
            _ => Err(AcsError::not_found("The identity was not found.").with_target(raw_id)),
        }
    }

    /// Deletes a user (its tokens stop working).
    pub(crate) fn delete_user(&mut self, raw_id: &str) -> Result<(), AcsError> {
        match self.users.get_mut(raw_id) {
            Some(user) if !user.deleted => {
                user.deleted = true;
                Ok(())
            }
            _ => Err(AcsError::not_found("The identity was not found.").with_target(raw_id)),
        }
    }

    /// Checks a bearer token: signature, expiry, revocation, user. 401 otherwise.
    pub(crate) fn authenticate(&mut self, authorization: Option<&str>) -> Result<Claims, AcsError> {
        let token = authorization
            .and_then(|h| {
                h.strip_prefix("Bearer ")
                    .or_else(|| h.strip_prefix("bearer "))
            })
            .ok_or_else(|| AcsError::unauthorized("A bearer access token is required."))?;
        let now = self.now().unix_seconds();
        let claims =
            tokens::verify(self.key.as_bytes(), token.trim(), now).map_err(|e| match e {
                TokenError::Expired => AcsError::unauthorized("The access token has expired."),
                TokenError::BadSignature => {
                    AcsError::unauthorized("The access token signature is invalid.")
                }
                TokenError::Malformed => AcsError::unauthorized("The access token is malformed."),
            })?;
        match self.users.get(&claims.user) {
            Some(user) if !user.deleted && claims.seq >= user.min_token_seq => Ok(claims),
            Some(user) if !user.deleted => {
                Err(AcsError::unauthorized("The access token has been revoked."))
            }
            _ => Err(AcsError::unauthorized(
                "The identity of the access token does not exist.",
            )),
        }
    }

    /// The live thread `id` where `caller` is a participant: 404 if absent, 403 if not a member.
    pub(crate) fn thread_for(&mut self, id: &str, caller: &str) -> Result<&mut Thread, AcsError> {
        let thread = self
            .threads
            .get_mut(id)
            .filter(|t| t.deleted_on.is_none())
            .ok_or_else(|| AcsError::not_found("The chat thread was not found.").with_target(id))?;
        if !thread.is_participant(caller) {
            return Err(AcsError::forbidden(
                "The caller is not a participant of the chat thread.",
            ));
        }
        Ok(thread)
    }
}

/// The timestamp `ms` milliseconds after the Unix epoch (the epoch itself if negative).
pub(crate) fn from_millis(ms: i128) -> Timestamp {
    let ms = u64::try_from(ms).unwrap_or(0);
    Timestamp::from(SystemTime::UNIX_EPOCH + Duration::from_millis(ms))
}

/// Requires one of `scopes` on the caller's token (403 otherwise).
pub(crate) fn require_scope(claims: &Claims, scopes: &[&str]) -> Result<(), AcsError> {
    if claims.scopes.iter().any(|s| scopes.contains(&s.as_str())) {
        Ok(())
    } else {
        Err(AcsError::forbidden(format!(
            "The access token needs one of the scopes: {}.",
            scopes.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state() -> State {
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        State::new(
            AccessKey::from_bytes(b"k".to_vec()),
            Clock::Fixed { start, ticks: 0 },
            "res".into(),
        )
    }

    #[test]
    fn millis_ids_strictly_increase() {
        let mut s = state();
        let (a, _) = s.next_millis();
        let (b, _) = s.next_millis();
        assert!(b.parse::<u64>().unwrap() > a.parse::<u64>().unwrap());
    }

    #[test]
    fn revoked_and_deleted_users_fail_authentication() {
        let mut s = state();
        let user = s.create_user();
        let (token, _) = s
            .issue_token(&user, &["chat".into()], Duration::from_secs(3600))
            .unwrap();
        let header = format!("Bearer {token}");
        assert_eq!(s.authenticate(Some(&header)).unwrap().user, user);
        s.revoke_tokens(&user).unwrap();
        assert_eq!(s.authenticate(Some(&header)).unwrap_err().status, 401);
        let (token, _) = s
            .issue_token(&user, &["chat".into()], Duration::from_secs(3600))
            .unwrap();
        let header = format!("Bearer {token}");
        assert!(s.authenticate(Some(&header)).is_ok());
        s.delete_user(&user).unwrap();
        assert_eq!(s.authenticate(Some(&header)).unwrap_err().status, 401);
        assert_eq!(s.authenticate(None).unwrap_err().status, 401);
    }
}
