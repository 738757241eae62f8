//! Starts the endpoint as a child process on a free port with its own data
//! directory, waits until it answers, and stops it when dropped.

use std::net::{SocketAddr, TcpListener};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Result, bail};

use crate::http;

/// A running endpoint.
pub struct Server {
    child: Child,
    /// Where it listens.
    pub addr: SocketAddr,
}

/// A port nobody listens on right now.
pub fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl Server {
    /// Starts `binary` with the data directory `data_dir`, serving `app_dir`.
    pub fn start(
        binary: &Path,
        data_dir: &Path,
        app_dir: Option<&Path>,
        database_url: Option<&str>,
        quiet: bool,
    ) -> Result<Self> {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let mut command = Command::new(binary);
        command
            .env("PARVIS_ADDR", addr.to_string())
            .env("PARVIS_DATA_DIR", data_dir)
            .env("PARVIS_PUBLIC_URL", format!("http://{addr}"))
            .env_remove("PARVIS_SMTP_URL")
            // Every request comes from this machine: the per-client limits
            // would count the load generator and the browser as one client.
            .env("PARVIS_RATE_LIMIT_PER_MINUTE", "0")
            .env("PARVIS_REGISTRATIONS_PER_CLIENT_PER_HOUR", "0");
        match app_dir {
            Some(dir) => command.env("PARVIS_APP_DIR", dir),
            None => command.env("PARVIS_APP_DIR", data_dir.join("no-app")),
        };
        match database_url {
            Some(url) => command.env("PARVIS_DATABASE_URL", url),
            None => command.env_remove("PARVIS_DATABASE_URL"),
        };
        if quiet {
            command.stdout(Stdio::null());
        }
        let child = command.spawn()?;
        let mut server = Self { child, addr };
        server.wait_healthy(Duration::from_secs(30))?;
        Ok(server)
    }

    fn wait_healthy(&mut self, limit: Duration) -> Result<()> {
        let start = Instant::now();
        while start.elapsed() < limit {
            if let Some(status) = self.child.try_wait()? {
                bail!("the endpoint exited before answering ({status})");
            }
            if http::get(self.addr, "/api/health")
                .is_ok_and(|r| r.status == 200 && r.body.contains("ok"))
            {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        bail!("the endpoint did not answer within {limit:?}")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
