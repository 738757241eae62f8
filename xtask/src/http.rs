//! A minimal HTTP/1.1 client over one keep-alive TCP connection: enough for
//! health checks and for the bench's load generator, where a full client
//! would only add noise and build time.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use anyhow::{Context, Result, bail};

/// One persistent connection.
pub struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    host: String,
}

/// Status and body of a response.
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    /// Body as text.
    pub body: String,
    /// Bytes received: status line, headers and body, as on the wire.
    pub wire: usize,
}

impl Connection {
    /// Opens a connection.
    pub fn open(addr: SocketAddr) -> Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2))?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(Duration::from_secs(30)))?;
        Ok(Self {
            reader: BufReader::new(stream.try_clone()?),
            writer: stream,
            host: addr.to_string(),
        })
    }

    /// Sends one request and reads the whole response.
    pub fn request(&mut self, method: &str, path: &str, json: Option<&str>) -> Result<Response> {
        self.request_with(method, path, json, &[])
    }

    /// Same, with extra request headers.
    pub fn request_with(
        &mut self,
        method: &str,
        path: &str,
        json: Option<&str>,
        headers: &[(&str, &str)],
    ) -> Result<Response> {
        let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\n", self.host);
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        if let Some(body) = json {
            head.push_str(&format!(
                "Content-Type: application/json\r\nContent-Length: {}\r\n",
                body.len()
            ));
        }
        head.push_str("\r\n");
        self.writer.write_all(head.as_bytes())?;
        if let Some(body) = json {
            self.writer.write_all(body.as_bytes())?;
        }
        let mut line = String::new();
        let mut wire = self.reader.read_line(&mut line)?;
        let status: u16 = line
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .with_context(|| format!("bad status line {line:?}"))?;
        let mut length = None;
        let mut chunked = false;
        loop {
            line.clear();
            let read = self.reader.read_line(&mut line)?;
            if read == 0 {
                bail!("connection closed in headers");
            }
            wire += read;
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = Some(value.trim().parse::<usize>()?);
                } else if name.eq_ignore_ascii_case("transfer-encoding")
                    && value.trim().eq_ignore_ascii_case("chunked")
                {
                    chunked = true;
                }
            }
        }
        let body = if chunked {
            // Chunks: a hexadecimal size line, the data, CRLF; size 0 ends.
            let mut body = Vec::new();
            loop {
                line.clear();
                wire += self.reader.read_line(&mut line)?;
                let size = usize::from_str_radix(line.trim().split(';').next().unwrap_or(""), 16)
                    .with_context(|| format!("bad chunk size {line:?}"))?;
                if size == 0 {
                    line.clear();
                    wire += self.reader.read_line(&mut line)?;
                    break body;
                }
                let start = body.len();
                body.resize(start + size, 0);
                self.reader.read_exact(&mut body[start..])?;
                let mut crlf = [0; 2];
                self.reader.read_exact(&mut crlf)?;
                wire += size + 2;
            }
        } else {
            let length = length.context("response without Content-Length")?;
            let mut body = vec![0; length];
            self.reader.read_exact(&mut body)?;
            wire += length;
            body
        };
        Ok(Response {
            status,
            body: String::from_utf8_lossy(&body).into_owned(),
            wire,
        })
    }
}

/// One request on a fresh connection.
pub fn get(addr: SocketAddr, path: &str) -> Result<Response> {
    Connection::open(addr)?.request("GET", path, None)
}
