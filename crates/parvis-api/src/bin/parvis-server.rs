//! The local server: reads the configuration, opens the store (SQLite by
//! default, PostgreSQL with `PARVIS_DATABASE_URL`), seeds the demo content
//! on first start, runs the scheduled jobs in the background, and serves
//! the API with the built app.

use std::time::Duration;

use anyhow::{Context, Result};
use parvis_api::telemetry::{self, Output};
use parvis_api::{AppState, Config, jobs, router, router_with_app, seed, serve};

#[tokio::main]
async fn main() -> Result<()> {
    telemetry::init(Output::Server);
    let config = Config::from_env()?;
    let state = AppState::from_config(&config).await?;
    if config.seed_demo && seed::seed_if_empty(state.store.as_ref()).await? {
        println!("Base vide : contenu de démonstration ajouté.");
    }
    if config.jobs_interval_seconds > 0 {
        tokio::spawn(jobs::run_forever(
            state.clone(),
            Duration::from_secs(config.jobs_interval_seconds),
        ));
    }
    let app_dir = config
        .app_dir
        .as_ref()
        .filter(|dir| dir.join("index.html").exists());
    let app = match app_dir {
        Some(dir) => router_with_app(state, dir)?,
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
    if app_dir.is_none() {
        println!("Aucune application construite trouvée (dist/) : seule l'API /api est servie.");
    }
    serve::serve(listener, app, serve::Limits::from_config(&config), async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
    .context("the server stopped with an error")
}
