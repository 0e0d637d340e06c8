//! Per-user bounds on long-lived connections: how many WebSockets one user may hold open.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
};

use uuid::Uuid;

/// Open WebSockets per signed-in user, on this instance.
#[derive(Debug, Default)]
pub struct UserSockets {
    open: Mutex<HashMap<Uuid, usize>>,
}

/// One counted socket; dropping it frees the place.
#[derive(Debug)]
pub struct SocketSlot {
    registry: Arc<UserSockets>,
    user: Uuid,
}

impl UserSockets {
    /// Takes a place for one more socket of `user`, or `None` when they already hold `max`.
    pub fn acquire(self: &Arc<Self>, user: Uuid, max: usize) -> Option<SocketSlot> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let count = open.entry(user).or_insert(0);
        if *count >= max {
            return None;
        }
        *count += 1;
        Some(SocketSlot {
            registry: self.clone(),
            user,
        })
    }
}

impl Drop for SocketSlot {
    fn drop(&mut self) {
        let mut open = self.registry.open.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = open.get_mut(&self.user) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}
