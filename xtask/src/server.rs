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
    /// Where its logs go, when kept.
    log: Option<std::path::PathBuf>,
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
        Self::launch(binary, &[], data_dir, app_dir, database_url, quiet, false)
    }

    /// Same, with arguments, its logs kept in `data_dir/server.log` (read
    /// back by [`Server::stop`]).
    pub fn start_logged(
        binary: &Path,
        args: &[&str],
        data_dir: &Path,
        database_url: Option<&str>,
    ) -> Result<Self> {
        Self::launch(binary, args, data_dir, None, database_url, true, true)
    }

    fn launch(
        binary: &Path,
        args: &[&str],
        data_dir: &Path,
        app_dir: Option<&Path>,
        database_url: Option<&str>,
        quiet: bool,
        keep_log: bool,
    ) -> Result<Self> {
        let addr: SocketAddr = format!("127.0.0.1:{}", free_port()?).parse()?;
        let mut command = Command::new(binary);
        command
            .args(args)
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
        let log = if keep_log {
            std::fs::create_dir_all(data_dir)?;
            let path = data_dir.join("server.log");
            command
                .env("NO_COLOR", "1")
                .stdout(std::fs::File::create(&path)?);
            Some(path)
        } else {
            if quiet {
                command.stdout(Stdio::null());
            }
            None
        };
        let child = command.spawn()?;
        let mut server = Self { child, addr, log };
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

impl Server {
    /// The most memory the process has held so far (`VmHWM`), in MB.
    pub fn peak_rss_mb(&self) -> Option<f64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
        let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb / 1000.0)
    }

    /// Asks the process to stop as a service manager does (SIGTERM), waits
    /// for it, and returns its kept logs.
    pub fn stop(mut self) -> Result<String> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let start = Instant::now();
        while self.child.try_wait()?.is_none() {
            if start.elapsed() > Duration::from_secs(20) {
                let _ = self.child.kill();
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(match &self.log {
            Some(path) => std::fs::read_to_string(path).unwrap_or_default(),
            None => String::new(),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
