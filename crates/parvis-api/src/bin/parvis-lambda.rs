//! The same `router(state)` as an AWS Lambda function (function URL or API
//! Gateway), through lambda_http. Configuration is the same environment as
//! the local server; there is no background task: a scheduler calls
//! `POST /api/jobs/run` with `PARVIS_JOBS_TOKEN`.

use parvis_api::{AppState, Config, router, seed};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("PARVIS_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,parvis_api=info")),
        )
        .with_ansi(false)
        .without_time()
        .init();
    let config = Config::from_env()?;
    let state = AppState::from_config(&config).await?;
    if config.seed_demo {
        seed::seed_if_empty(state.store.as_ref()).await?;
    }
    lambda_http::run(router(state)).await
}
