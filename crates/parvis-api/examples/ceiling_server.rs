//! The ceilings `cargo xtask bench` prints Parvis's figures against, served
//! on `PARVIS_ADDR` until killed (the bench starts it as it starts Parvis):
//!
//! - `hello`: axum answering a constant to `GET /hello`, the most a Rust
//!   HTTP/1.1 server does on this machine;
//! - `insert`: axum and sqlx on SQLite (WAL, `synchronous = NORMAL`, as
//!   Parvis), one `INSERT` and one commit per `POST /insert`, the naive
//!   write path's ceiling: group commit is how Parvis goes beyond it.
//!
//! Both answer `GET /api/health` so the bench can wait for them.

use std::str::FromStr;

use axum::Router;
use axum::extract::State;
use axum::routing::{get, post};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let mode = std::env::args().nth(1).unwrap_or_default();
    let addr = std::env::var("PARVIS_ADDR")?;
    let data = std::path::PathBuf::from(std::env::var("PARVIS_DATA_DIR")?);
    std::fs::create_dir_all(&data)?;
    let app = match mode.as_str() {
        "hello" => Router::new()
            .route("/hello", get(|| async { "Bonjour" }))
            .route("/api/health", get(health)),
        "insert" => {
            let options = SqliteConnectOptions::from_str(&format!(
                "sqlite://{}?mode=rwc",
                data.join("ceiling.sqlite3").display()
            ))?
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(std::time::Duration::from_secs(10));
            let pool = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(options)
                .await?;
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
            )
            .execute(&pool)
            .await?;
            Router::new()
                .route("/insert", post(insert))
                .route("/api/health", get(health))
                .with_state(pool)
        }
        other => anyhow::bail!("unknown ceiling {other:?}: hello or insert"),
    };
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    axum::serve(listener, app).await?;
    Ok(())
}

async fn health() -> &'static str {
    "ok"
}

/// One row, in its own transaction, committed before the answer.
async fn insert(
    State(pool): State<sqlx::SqlitePool>,
    body: String,
) -> (axum::http::StatusCode, &'static str) {
    match sqlx::query("INSERT INTO rows (body) VALUES (?)")
        .bind(body)
        .execute(&pool)
        .await
    {
        Ok(_) => (axum::http::StatusCode::CREATED, "ok"),
        Err(_) => (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "erreur"),
    }
}
