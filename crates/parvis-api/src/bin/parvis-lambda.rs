//! The same `router(state)` as an AWS Lambda function (function URL or API
//! Gateway), through lambda_http. Configuration is the same environment as
//! the local server; there is no background task: an email a request queues
//! is delivered in that request ([`AppState::email_queued`]), and a
//! scheduler calls `POST /api/jobs/run` with `PARVIS_JOBS_TOKEN` for the rest
//! (retries, reminders, expired holds).

use parvis_api::telemetry::{self, Output};
use parvis_api::{AppState, Config, lambda, router, seed};

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    telemetry::init(Output::Lambda);
    let config = Config::from_env()?;
    let mut state = AppState::from_config(&config).await?;
    state.deliver_inline = true;
    if config.seed_demo {
        seed::seed_demo(&state).await?;
    }
    lambda_http::run(lambda::router(router(state))).await
}
