//! Helpers shared by the endpoint's integration tests.

#![allow(dead_code)]

pub mod app;
pub mod moto;

/// One `#[tokio::test]` per store for each named `async fn(Backend)`:
/// `sqlite::name` and `postgres::name` (with `#[macro_use] mod common;`).
#[allow(unused_macros)]
macro_rules! store_tests {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[tokio::test] async fn $name() {
                super::$name(crate::common::app::Backend::Sqlite).await
            })*
        }
        mod postgres {
            $(#[tokio::test] async fn $name() {
                super::$name(crate::common::app::Backend::Postgres).await
            })*
        }
    };
}

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

/// Creates a fresh database on the server of `PARVIS_TEST_POSTGRES_URL`.
///
/// Without that variable the test fails, unless skipping was asked for
/// explicitly with `PARVIS_SKIP_POSTGRES=1`: then `None`, and a loud note.
pub async fn throwaway_postgres() -> Option<(PgDatabase, String)> {
    let Ok(admin_url) = std::env::var("PARVIS_TEST_POSTGRES_URL") else {
        if std::env::var("PARVIS_SKIP_POSTGRES").is_ok_and(|v| v == "1") {
            eprintln!("SKIPPED: PostgreSQL test skipped as PARVIS_SKIP_POSTGRES=1 asks");
            return None;
        }
        panic!(
            "PARVIS_TEST_POSTGRES_URL is not set: this PostgreSQL test cannot run. \
             `cargo xtask test` provides a server; set PARVIS_SKIP_POSTGRES=1 to skip on purpose."
        );
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
