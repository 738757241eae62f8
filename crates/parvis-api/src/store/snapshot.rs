//! What the public documents' snapshot ([`crate::snapshot`]) asks the
//! database: the version of what those documents read, which every replica
//! sharing a PostgreSQL database sees move when any of them writes.

use anyhow::Result;
use async_trait::async_trait;

/// The shared version of the public documents.
#[async_trait]
pub trait ReadVersionStore: Send + Sync {
    /// True when other processes may write to the same database
    /// (PostgreSQL): a snapshot must then ask [`Self::read_version`] before
    /// answering. SQLite is one process's file.
    fn shared(&self) -> bool;

    /// The version of `read_versions` (migration 0016), raised by triggers
    /// in every transaction that changes an event, its seats or its linked
    /// publication; `None` on a store that is not [`Self::shared`].
    async fn read_version(&self) -> Result<Option<i64>>;
}
