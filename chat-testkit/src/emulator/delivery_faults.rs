//! Faults on event delivery: attempts that are lost, repeated, late or overtaken.
//!
//! A [`DeliveryFaultRule`] pairs a [`DeliveryFault`] with a matcher (an event type, how many
//! times). For each delivery attempt, every matching [`DeliveryFault::Delay`] adds its delay,
//! and the first matching [`DeliveryFault::Drop`] loses it. After an attempt succeeds, the first
//! matching [`DeliveryFault::Duplicate`] sends the batch again. Before a batch's first attempt,
//! the first matching [`DeliveryFault::Reorder`] holds it back behind the next batch. Rules are
//! used in the order they were injected; a rule with `times(n)` is dropped after `n` matches.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// What happens to a delivery attempt.
///
/// Over HTTP (`POST /_emulator/delivery-faults`) a fault is JSON tagged by `kind`:
/// `{"kind":"drop"}`, `{"kind":"duplicate"}`, `{"kind":"delay","millis":200}`,
/// `{"kind":"reorder"}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[non_exhaustive]
pub enum DeliveryFault {
    /// The attempt is lost on the way: the webhook never sees it, the emulator counts it as
    /// failed and retries after its backoff.
    Drop,
    /// A delivered batch is delivered again (same event ids).
    Duplicate,
    /// The attempt waits this long before it is sent.
    Delay {
        /// The delay in milliseconds.
        millis: u64,
    },
    /// The batch is held back and sent after the next one (or alone, when no other comes
    /// within [`REORDER_WAIT`]).
    Reorder,
}

/// How long a batch held back by [`DeliveryFault::Reorder`] waits for one to overtake it.
pub const REORDER_WAIT: Duration = Duration::from_secs(2);

impl DeliveryFault {
    /// A [`DeliveryFault::Delay`] of `delay`.
    pub fn delay(delay: Duration) -> Self {
        Self::Delay {
            millis: u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
        }
    }
}

/// A delivery fault and the attempts it applies to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeliveryFaultRule {
    /// What happens.
    pub fault: DeliveryFault,
    /// Only batches holding an event of this type; any when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub event_type: Option<String>,
    /// How many matching attempts it applies to; forever when `None`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub times: Option<u32>,
}

impl DeliveryFaultRule {
    /// A rule applying `fault` to every attempt, until narrowed.
    pub fn new(fault: DeliveryFault) -> Self {
        Self {
            fault,
            event_type: None,
            times: None,
        }
    }

    /// Only batches holding an event of `event_type` (e.g.
    /// `Microsoft.Communication.ChatMessageReceived`).
    #[must_use]
    pub fn event_type(mut self, event_type: impl Into<String>) -> Self {
        self.event_type = Some(event_type.into());
        self
    }

    /// Only the next `n` matching attempts.
    #[must_use]
    pub fn times(mut self, n: u32) -> Self {
        self.times = Some(n);
        self
    }

    fn matches(&self, types: &[&str]) -> bool {
        self.event_type
            .as_deref()
            .is_none_or(|t| types.contains(&t))
    }
}

/// What the faults say about one attempt.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct AttemptPlan {
    pub(crate) delay: Duration,
    pub(crate) drop: bool,
}

/// The injected rules, with their remaining counts.
#[derive(Debug, Default)]
pub(crate) struct DeliveryFaultSet {
    rules: Vec<DeliveryFaultRule>,
}

impl DeliveryFaultSet {
    pub(crate) fn push(&mut self, rule: DeliveryFaultRule) {
        if rule.times != Some(0) {
            self.rules.push(rule);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.rules.clear();
    }

    pub(crate) fn rules(&self) -> &[DeliveryFaultRule] {
        &self.rules
    }

    /// Decides what happens to an attempt to deliver events of `types`: the delays and drop
    /// rules that apply are used up.
    pub(crate) fn take_attempt(&mut self, types: &[&str]) -> AttemptPlan {
        let mut plan = AttemptPlan::default();
        for rule in &mut self.rules {
            if !rule.matches(types) {
                continue;
            }
            match rule.fault {
                DeliveryFault::Delay { millis } => plan.delay += Duration::from_millis(millis),
                DeliveryFault::Drop if !plan.drop => plan.drop = true,
                _ => continue,
            }
            count_down(rule);
        }
        self.rules.retain(|r| r.times != Some(0));
        plan
    }

    /// Whether a delivered batch of `types` is delivered again, using up the rule.
    pub(crate) fn take_duplicate(&mut self, types: &[&str]) -> bool {
        self.take_first(&DeliveryFault::Duplicate, types)
    }

    /// Whether a batch of `types` is held back behind the next one, using up the rule.
    pub(crate) fn take_reorder(&mut self, types: &[&str]) -> bool {
        self.take_first(&DeliveryFault::Reorder, types)
    }

    fn take_first(&mut self, fault: &DeliveryFault, types: &[&str]) -> bool {
        let Some(rule) = self
            .rules
            .iter_mut()
            .find(|r| r.fault == *fault && r.matches(types))
        else {
            return false;
        };
        count_down(rule);
        self.rules.retain(|r| r.times != Some(0));
        true
    }
}

fn count_down(rule: &mut DeliveryFaultRule) {
    if let Some(n) = rule.times.as_mut() {
        *n = n.saturating_sub(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RECEIVED: &str = "Microsoft.Communication.ChatMessageReceived";

    #[test]
    fn rules_match_count_down_and_expire() {
        let mut set = DeliveryFaultSet::default();
        set.push(
            DeliveryFaultRule::new(DeliveryFault::Drop)
                .event_type(RECEIVED)
                .times(1),
        );
        set.push(DeliveryFaultRule::new(DeliveryFault::Duplicate).times(1));
        set.push(DeliveryFaultRule::new(DeliveryFault::delay(Duration::from_millis(5))).times(3));
        set.push(DeliveryFaultRule::new(DeliveryFault::Reorder).times(1));

        let other = set.take_attempt(&["Microsoft.Communication.ChatThreadCreated"]);
        assert!(!other.drop);
        assert!(set.take_duplicate(&[RECEIVED]));
        assert!(!set.take_duplicate(&[RECEIVED]));
        let first = set.take_attempt(&[RECEIVED]);
        assert!(first.drop);
        assert_eq!(first.delay, Duration::from_millis(5));
        let second = set.take_attempt(&[RECEIVED]);
        assert_eq!(
            second,
            AttemptPlan {
                delay: Duration::from_millis(5),
                drop: false
            }
        );
        assert!(set.take_reorder(&[RECEIVED]));
        assert!(!set.take_reorder(&[RECEIVED]));
        assert!(set.rules().is_empty());
    }

    #[test]
    fn rules_read_from_json() {
        let rule: DeliveryFaultRule = serde_json::from_str(
            r#"{"fault":{"kind":"delay","millis":20},"eventType":"Microsoft.Communication.ChatMessageReceived","times":2}"#,
        )
        .unwrap();
        assert_eq!(
            rule,
            DeliveryFaultRule::new(DeliveryFault::delay(Duration::from_millis(20)))
                .event_type(RECEIVED)
                .times(2)
        );
        let drop: DeliveryFault = serde_json::from_str(r#"{"kind":"drop"}"#).unwrap();
        assert_eq!(drop, DeliveryFault::Drop);
    }
}
