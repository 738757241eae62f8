//! A real S3-compatible server for the file storage's tests: `moto_server`,
//! from PyPI's `moto[server]`, which `cargo xtask test` installs. Without it
//! a test that needs it fails, unless `PARVIS_SKIP_S3=1` asks to skip.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A moto S3 server on a free local port, stopped when dropped.
pub struct Moto {
    child: Child,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Moto {
    /// Starts `moto_server`; `None` when it is missing and
    /// `PARVIS_SKIP_S3=1` asks to skip (the test fails otherwise).
    pub fn start() -> Option<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        // `moto_server`, or the same module when pip's scripts directory is
        // not on PATH.
        let runnable = |program: &str, args: &[&str]| {
            Command::new(program)
                .args(args)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|status| status.success())
        };
        let (program, module): (&str, &[&str]) = if runnable("moto_server", &["--help"]) {
            ("moto_server", &[])
        } else if runnable("python3", &["-c", "import moto.server"]) {
            ("python3", &["-m", "moto.server"])
        } else {
            if std::env::var("PARVIS_SKIP_S3").is_ok_and(|v| v == "1") {
                eprintln!("SKIPPED: S3 test skipped as PARVIS_SKIP_S3=1 asks (no moto_server)");
                return None;
            }
            panic!(
                "moto_server is not installed: this S3 test needs it. \
                 `cargo xtask test` installs it (python3 -m pip install \"moto[server]\"); \
                 set PARVIS_SKIP_S3=1 to skip on purpose."
            );
        };
        let child = Command::new(program)
            .args(module)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{program} does not start: {error}"));
        let mut moto = Moto {
            child,
            endpoint: format!("http://127.0.0.1:{port}"),
        };
        let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if let Ok(Some(status)) = moto.child.try_wait() {
                panic!("moto_server stopped at start ({status})");
            }
            assert!(
                Instant::now() < deadline,
                "moto_server did not start on {addr}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(moto)
    }

    /// Creates `bucket` in the default region (Paris), and returns the
    /// settings that point the endpoint's file storage at it, as its
    /// environment would.
    pub async fn bucket(&self, bucket: &str) -> Vec<(&'static str, String)> {
        let created = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .body(
                "<CreateBucketConfiguration><LocationConstraint>eu-west-3</LocationConstraint>\
                 </CreateBucketConfiguration>",
            )
            .send()
            .await
            .unwrap();
        assert!(created.status().is_success(), "{:?}", created.text().await);
        vec![
            ("PARVIS_S3_BUCKET", bucket.to_owned()),
            ("PARVIS_S3_ENDPOINT", self.endpoint.clone()),
            ("AWS_ACCESS_KEY_ID", "essai".to_owned()),
            ("AWS_SECRET_ACCESS_KEY", "secret-essai".to_owned()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
