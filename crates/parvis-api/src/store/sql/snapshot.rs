//! [`ReadVersionStore`] on SQL: one read of `read_versions`' single row on
//! PostgreSQL, whose triggers (migration 0016) raise it; nothing on SQLite.

use anyhow::{Context, Result};
use async_trait::async_trait;

use super::{Dialect, SqlStore};
use crate::store::snapshot::ReadVersionStore;

#[async_trait]
impl ReadVersionStore for SqlStore {
    fn shared(&self) -> bool {
        self.dialect == Dialect::Postgres
    }

    async fn read_version(&self) -> Result<Option<i64>> {
        if !self.shared() {
            return Ok(None);
        }
        let version: i64 = sqlx::query_scalar("SELECT version FROM read_versions WHERE id = 1")
            .fetch_one(&self.pool)
            .await
            .context("failed to read the public documents' version")?;
        Ok(Some(version))
    }
}
