//! Background workers: each runs on its own period until shutdown, and a failing round is logged
//! and retried next period rather than ending the worker.

pub mod commands;
pub mod maintenance;
pub mod retention;
pub mod sessions;
pub mod simulator;
pub mod staleness;

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The running workers; stopping them waits for the current round to finish.
pub struct Workers {
    stop: watch::Sender<bool>,
    handles: Vec<JoinHandle<()>>,
}

impl Workers {
    pub fn new() -> Self {
        Self {
            stop: watch::channel(false).0,
            handles: Vec::new(),
        }
    }

    /// Runs `round` every `period` (the first round after one period).
    pub fn every<F, Fut>(&mut self, name: &'static str, period: Duration, mut round: F)
    where
        F: FnMut() -> Fut + Send + 'static,
        Fut: Future<Output = anyhow::Result<()>> + Send,
    {
        let mut stop = self.stop.subscribe();
        self.handles.push(tokio::spawn(async move {
            let mut ticker = tokio::time::interval(period);
            ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            ticker.tick().await;
            loop {
                tokio::select! {
                    _ = stop.changed() => break,
                    _ = ticker.tick() => {}
                }
                if let Err(e) = round().await {
                    tracing::warn!(worker = name, error = ?e, "worker round failed; retrying next period");
                }
            }
            tracing::debug!(worker = name, "worker stopped");
        }));
    }

    /// Runs a long-lived task that watches `stop` itself.
    pub fn spawn<F, Fut>(&mut self, name: &'static str, task: F)
    where
        F: FnOnce(watch::Receiver<bool>) -> Fut,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let fut = task(self.stop.subscribe());
        self.handles.push(tokio::spawn(async move {
            if let Err(e) = fut.await {
                tracing::error!(worker = name, error = ?e, "worker ended with an error");
            }
        }));
    }

    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

impl Default for Workers {
    fn default() -> Self {
        Self::new()
    }
}
