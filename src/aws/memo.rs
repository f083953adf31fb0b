//! Each AWS lookup runs once per check, however many steps ask for it. Steps observe
//! concurrently; the first to ask starts the call and the others wait for its answer, so a
//! full verify costs a few round trips rather than one per question.

use super::AwsError;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use tokio::sync::OnceCell;

type Cell<V> = Arc<OnceCell<Result<V, AwsError>>>;

pub struct Memo<V> {
    cells: Mutex<HashMap<String, Cell<V>>>,
}

impl<V: Clone> Default for Memo<V> {
    fn default() -> Self {
        Memo {
            cells: Mutex::new(HashMap::new()),
        }
    }
}

impl<V: Clone> Memo<V> {
    pub async fn get<F, Fut>(&self, key: &str, fetch: F) -> Result<V, AwsError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<V, AwsError>>,
    {
        let cell = {
            // A poisoned lock only means another task panicked mid-insert; the map is intact.
            let mut cells = self.cells.lock().unwrap_or_else(|p| p.into_inner());
            cells.entry(key.to_string()).or_default().clone()
        };
        cell.get_or_init(fetch).await.clone()
    }
}
