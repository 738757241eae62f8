//! The local server: reads the configuration, opens the SQLite store, seeds
//! the demo content on first start, starts the outbox worker, and serves the
//! API with the built app.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use parvis_api::mail::transport::{FileMailer, Mailer, SmtpMailer};
use parvis_api::store::sqlite::SqliteStore;
use parvis_api::{AppState, Config, Store, mail, router, router_with_app, seed};
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_env("PARVIS_LOG")
                .unwrap_or_else(|_| EnvFilter::new("warn,parvis_api=info")),
        )
        .init();
    let config = Config::from_env()?;
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&config.database_path()).await?);
    if seed::seed_if_empty(store.as_ref()).await? {
        println!("Base vide : contenu de démonstration ajouté.");
    }
    let mailer: Arc<dyn Mailer> = match &config.smtp_url {
        Some(url) => Arc::new(SmtpMailer::new(url, &config.mail_from)?),
        None => Arc::new(FileMailer::new(config.outbox_dir(), &config.mail_from)?),
    };
    let state = AppState::new(store.clone(), &config.public_url);
    tokio::spawn(mail::worker::run(
        store,
        mailer,
        state.outbox_wakeup.clone(),
        Duration::from_secs(5),
    ));
    let app = match &config.app_dir {
        Some(dir) => router_with_app(state, dir),
        None => router(state),
    };
    let listener = tokio::net::TcpListener::bind(config.addr)
        .await
        .with_context(|| format!("failed to listen on {}", config.addr))?;
    let addr = listener.local_addr()?;
    println!(
        "Parvis écoute sur http://{addr}/ (données : {})",
        config.data_dir.display()
    );
    if config.app_dir.is_none() {
        println!("Aucune application construite trouvée (dist/) : seule l'API /api est servie.");
    }
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
        .context("the server stopped with an error")
}
