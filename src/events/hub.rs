//! Local fan-out: one bounded broadcast channel per topic with local subscribers.

use std::{collections::HashMap, sync::Arc, sync::Mutex};

use tokio::sync::broadcast;

/// What travels through a topic's local channel.
#[derive(Clone, Debug)]
pub enum HubMessage {
    /// An event's JSON text.
    Event(Arc<str>),
    /// The upstream connection was re-established; events may have been missed.
    Resync,
}

struct TopicEntry {
    sender: broadcast::Sender<HubMessage>,
    subscribers: usize,
}

/// The topics this process has subscribers for.
pub(crate) struct Hub {
    topics: Mutex<HashMap<String, TopicEntry>>,
}

impl Hub {
    pub(crate) fn new() -> Hub {
        Hub {
            topics: Mutex::new(HashMap::new()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, TopicEntry>> {
        // A panic while holding this lock cannot leave the map half-updated (every critical
        // section is a single insert, remove or counter change), so a poisoned lock is usable.
        self.topics
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Adds a subscriber; `true` when it is the topic's first (the upstream must subscribe).
    /// A new topic's channel buffers `capacity` messages (allocated up front).
    pub(crate) fn subscribe(
        &self,
        channel: &str,
        capacity: usize,
    ) -> (broadcast::Receiver<HubMessage>, bool) {
        let mut topics = self.lock();
        if let Some(entry) = topics.get_mut(channel) {
            entry.subscribers += 1;
            return (entry.sender.subscribe(), false);
        }
        let (sender, receiver) = broadcast::channel(capacity);
        topics.insert(
            channel.to_owned(),
            TopicEntry {
                sender,
                subscribers: 1,
            },
        );
        (receiver, true)
    }

    /// Removes a subscriber; `true` when it was the topic's last (the upstream may unsubscribe).
    pub(crate) fn unsubscribe(&self, channel: &str) -> bool {
        let mut topics = self.lock();
        let Some(entry) = topics.get_mut(channel) else {
            return false;
        };
        entry.subscribers = entry.subscribers.saturating_sub(1);
        if entry.subscribers == 0 {
            topics.remove(channel);
            true
        } else {
            false
        }
    }

    /// Whether `channel` has local subscribers.
    pub(crate) fn is_wanted(&self, channel: &str) -> bool {
        self.lock().contains_key(channel)
    }

    /// Every channel with local subscribers.
    pub(crate) fn channels(&self) -> Vec<String> {
        self.lock().keys().cloned().collect()
    }

    pub(crate) fn topic_count(&self) -> usize {
        self.lock().len()
    }

    /// Hands a message to the local subscribers of `channel`; never waits.
    pub(crate) fn deliver(&self, channel: &str, message: HubMessage) {
        if let Some(entry) = self.lock().get(channel) {
            // An error only means nobody is listening any more.
            let _ = entry.sender.send(message);
        }
    }

    /// Sends `message` to every local subscriber of every topic.
    pub(crate) fn deliver_all(&self, message: HubMessage) {
        for entry in self.lock().values() {
            let _ = entry.sender.send(message.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_and_last_subscriber_are_reported() {
        let hub = Hub::new();
        let (_a, first_a) = hub.subscribe("p:t", 4);
        let (_b, first_b) = hub.subscribe("p:t", 4);
        assert!(first_a);
        assert!(!first_b);
        assert!(!hub.unsubscribe("p:t"));
        assert!(hub.unsubscribe("p:t"));
        assert!(!hub.is_wanted("p:t"));
    }

    #[test]
    fn a_slow_subscriber_lags_without_blocking_delivery() {
        let hub = Hub::new();
        let (mut slow, _) = hub.subscribe("p:t", 2);
        for i in 0..5 {
            hub.deliver("p:t", HubMessage::Event(Arc::from(i.to_string())));
        }
        assert!(matches!(
            slow.try_recv(),
            Err(broadcast::error::TryRecvError::Lagged(3))
        ));
        assert!(matches!(slow.try_recv(), Ok(HubMessage::Event(e)) if &*e == "3"));
    }
}
