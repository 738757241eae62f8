//! The local server: reads the configuration, opens the store (SQLite by
//! default, PostgreSQL with `PARVIS_DATABASE_URL`), seeds the demo content
//! on first start, runs the scheduled jobs in the background, and serves
//! the API with the built app.
//!
//! `parvis-server create-organisation --slug … --name … --admin-email …
//! --admin-name …` creates an organisation and its first administrator on
//! the same database, then exits.

use std::time::Duration;

use anyhow::{Context, Result};
use parvis_api::telemetry::{self, Output};
use parvis_api::{AppState, Config, jobs, router, router_with_app, seed, serve};

mod admin {
    use anyhow::{Context, Result, bail};
    use parvis_api::AppState;
    use parvis_api::store::accounts::Role;

    /// `create-organisation`: an organisation and its first administrator.
    pub async fn create_organisation(state: &AppState, args: &[String]) -> Result<()> {
        let mut slug = None;
        let mut name = None;
        let mut email = None;
        let mut person = None;
        let mut iter = args.iter();
        while let Some(flag) = iter.next() {
            let value = iter
                .next()
                .with_context(|| format!("{flag} attend une valeur"))?
                .clone();
            match flag.as_str() {
                "--slug" => slug = Some(value),
                "--name" => name = Some(value),
                "--admin-email" => email = Some(value),
                "--admin-name" => person = Some(value),
                other => bail!("option inconnue « {other} »"),
            }
        }
        let (Some(slug), Some(name), Some(email), Some(person)) = (slug, name, email, person)
        else {
            bail!("il faut --slug, --name, --admin-email et --admin-name");
        };
        if slug.is_empty()
            || !slug
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            bail!("--slug : lettres minuscules, chiffres et tirets seulement (« {slug} »)");
        }
        let address = parvis_core::email::EmailAddress::parse(&email)
            .map_err(|e| anyhow::anyhow!("--admin-email : {e}"))?;
        let now = chrono::Utc::now();
        let store = &state.store;
        let organisation = match store.create_organisation(&slug, &name, now).await? {
            Some(organisation) => organisation,
            None => store
                .organisation(&slug)
                .await?
                .context("l'organisation existe mais ne se relit pas")?,
        };
        let account = store.account_for(address.as_str(), &person, now).await?;
        store
            .set_member(organisation.id, account.id, Role::Administrateur, now)
            .await?;
        store
            .audit(
                Some(organisation.id),
                None,
                "administration",
                &format!(
                    "{} nommé·e administrateur·rice en ligne de commande",
                    account.email
                ),
                now,
            )
            .await?;
        println!(
            "Organisation « {} » ({}) : {} en est administrateur·rice. Connexion : {}/gestion/",
            organisation.name, organisation.slug, account.email, state.public_url
        );
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    telemetry::init(Output::Server);
    let config = Config::from_env()?;
    let state = AppState::from_config(&config).await?;
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(command) = args.first() {
        return match command.as_str() {
            "create-organisation" => admin::create_organisation(&state, &args[1..]).await,
            other => anyhow::bail!(
                "commande inconnue « {other} » ; commandes : create-organisation --slug S --name N --admin-email E --admin-name A"
            ),
        };
    }
    if config.seed_demo && seed::seed_demo(&state).await? {
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
    // Ctrl-C, or SIGTERM as a service manager (or the bench) sends it.
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    serve::serve(
        listener,
        app,
        serve::Limits::from_config(&config),
        async move {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = terminate.recv() => {}
            }
        },
    )
    .await
    .context("the server stopped with an error")?;
    parvis_api::store::sql::log_batch_stats();
    Ok(())
}
