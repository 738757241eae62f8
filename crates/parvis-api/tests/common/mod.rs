//! Helpers shared by the endpoint's integration tests.

#![allow(dead_code)]

use sqlx::{Connection, Executor};

/// A throwaway PostgreSQL database, dropped (connections and all) when the
/// test ends, even when it fails.
pub struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async {
                if let Ok(mut admin) = sqlx::PgConnection::connect(&admin_url).await {
                    let _ = admin
                        .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                        .await;
                }
            });
        })
        .join();
    }
}

/// Creates a fresh database on the server of `PARVIS_TEST_POSTGRES_URL`;
/// `None` (and a note) when that variable is not set.
pub async fn throwaway_postgres() -> Option<(PgDatabase, String)> {
    let Ok(admin_url) = std::env::var("PARVIS_TEST_POSTGRES_URL") else {
        eprintln!(
            "PARVIS_TEST_POSTGRES_URL is not set: PostgreSQL test skipped (cargo xtask test sets it)"
        );
        return None;
    };
    let name = format!("parvis_test_{}", parvis_api::token::random_hex(8).unwrap());
    let mut admin = sqlx::PgConnection::connect(&admin_url)
        .await
        .expect("PARVIS_TEST_POSTGRES_URL answers");
    admin
        .execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .unwrap();
    let (base, _) = admin_url
        .rsplit_once('/')
        .expect("a URL ending in /database");
    let url = format!("{base}/{name}");
    Some((PgDatabase { admin_url, name }, url))
}
