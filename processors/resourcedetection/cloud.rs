//! The metadata-service detectors: `ec2` (IMDSv2, then v1), `gcp` (the GCE
//! metadata server), `azure` (IMDS) and `docker` (the engine's `/info` on its
//! unix socket). Each asks its endpoint with a plain HTTP/1.1 request bounded
//! by the detection deadline; an endpoint that does not answer means "not
//! detected", never a wait past the deadline.
//!
//! Endpoints follow the variables the vendors' own clients read:
//! AWS_EC2_METADATA_SERVICE_ENDPOINT, GCE_METADATA_HOST, DOCKER_HOST.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::os::unix::net::UnixStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use super::Detected;
use crate::event::str_value;

/// Where each metadata service is.
#[derive(Clone, Debug)]
pub struct Endpoints {
    /// `host:port`
    pub ec2: String,
    pub gcp: String,
    pub azure: String,
    /// The docker engine's unix socket.
    pub docker: String,
}

impl Endpoints {
    pub fn from_env() -> Endpoints {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        let host_port = |url: String| {
            let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
            let hp = rest.split('/').next().unwrap_or(rest);
            if hp.contains(':') && !hp.ends_with(']') {
                hp.to_string()
            } else {
                format!("{hp}:80")
            }
        };
        Endpoints {
            ec2: var("AWS_EC2_METADATA_SERVICE_ENDPOINT").map_or("169.254.169.254:80".into(), host_port),
            gcp: var("GCE_METADATA_HOST").map_or("metadata.google.internal:80".into(), host_port),
            azure: "169.254.169.254:80".into(),
            docker: var("DOCKER_HOST")
                .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
                .unwrap_or_else(|| "/var/run/docker.sock".into()),
        }
    }
}

/// Run the named detector; Ok(empty) is "not detected".
pub fn detect(name: &str, ep: &Endpoints, deadline: Instant) -> Result<Detected, String> {
    match name {
        "ec2" => ec2(&ep.ec2, deadline),
        "gcp" => gcp(&ep.gcp, deadline),
        "azure" => azure(&ep.azure, deadline),
        _ => docker(&ep.docker, deadline),
    }
}

fn ec2(addr: &str, deadline: Instant) -> Result<Detected, String> {
    // IMDSv2's token; an endpoint that refuses it (IMDSv1 only) is asked without.
    let ttl = [("X-aws-ec2-metadata-token-ttl-seconds", "60")];
    let token = match request(Target::Tcp(addr), "PUT", "/latest/api/token", &ttl, deadline) {
        Ok(t) => String::from_utf8_lossy(&t).trim().to_string(),
        Err(e) if e.starts_with("status ") => String::new(),
        Err(_) => return Ok(Vec::new()),
    };
    let headers: Vec<(&str, &str)> =
        if token.is_empty() { Vec::new() } else { vec![("X-aws-ec2-metadata-token", token.as_str())] };
    let get = |path: &str| request(Target::Tcp(addr), "GET", path, &headers, deadline);
    let doc: Value = serde_json::from_slice(&get("/latest/dynamic/instance-identity/document")?)
        .map_err(|e| format!("ec2: instance identity document: {e}"))?;
    let mut out =
        vec![("cloud.provider".to_string(), str_value("aws")), ("cloud.platform".into(), str_value("aws_ec2"))];
    fields(
        &doc,
        &mut out,
        &[
            ("region", "cloud.region"),
            ("accountId", "cloud.account.id"),
            ("availabilityZone", "cloud.availability_zone"),
            ("instanceId", "host.id"),
            ("imageId", "host.image.id"),
            ("instanceType", "host.type"),
        ],
    );
    if let Ok(name) = get("/latest/meta-data/hostname") {
        out.push(("host.name".into(), str_value(String::from_utf8_lossy(&name).trim())));
    }
    Ok(out)
}

fn gcp(addr: &str, deadline: Instant) -> Result<Detected, String> {
    let flavor = [("Metadata-Flavor", "Google")];
    let Ok(body) = request(Target::Tcp(addr), "GET", "/computeMetadata/v1/instance/?recursive=true", &flavor, deadline)
    else {
        return Ok(Vec::new());
    };
    let inst: Value = serde_json::from_slice(&body).map_err(|e| format!("gcp: instance metadata: {e}"))?;
    let last = |k: &str| inst.get(k).and_then(Value::as_str).and_then(|s| s.rsplit('/').next()).map(str::to_string);
    let mut out = vec![
        ("cloud.provider".to_string(), str_value("gcp")),
        ("cloud.platform".into(), str_value("gcp_compute_engine")),
    ];
    if let Ok(p) = request(Target::Tcp(addr), "GET", "/computeMetadata/v1/project/project-id", &flavor, deadline) {
        out.push(("cloud.account.id".into(), str_value(String::from_utf8_lossy(&p).trim())));
    }
    if let Some(zone) = last("zone") {
        if let Some((region, _)) = zone.rsplit_once('-') {
            out.push(("cloud.region".into(), str_value(region)));
        }
        out.push(("cloud.availability_zone".into(), str_value(zone)));
    }
    match inst.get("id") {
        Some(Value::Number(n)) => out.push(("host.id".into(), str_value(n.to_string()))),
        Some(Value::String(s)) => out.push(("host.id".into(), str_value(s.as_str()))),
        _ => {}
    }
    fields(&inst, &mut out, &[("name", "host.name")]);
    out.extend(last("machineType").map(|t| ("host.type".to_string(), str_value(t))));
    Ok(out)
}

fn azure(addr: &str, deadline: Instant) -> Result<Detected, String> {
    let path = "/metadata/instance/compute?api-version=2020-09-01&format=json";
    let Ok(body) = request(Target::Tcp(addr), "GET", path, &[("Metadata", "true")], deadline) else {
        return Ok(Vec::new());
    };
    let c: Value = serde_json::from_slice(&body).map_err(|e| format!("azure: instance metadata: {e}"))?;
    let mut out =
        vec![("cloud.provider".to_string(), str_value("azure")), ("cloud.platform".into(), str_value("azure_vm"))];
    fields(
        &c,
        &mut out,
        &[
            ("name", "host.name"),
            ("location", "cloud.region"),
            ("vmId", "host.id"),
            ("subscriptionId", "cloud.account.id"),
            ("vmSize", "azure.vm.size"),
            ("vmScaleSetName", "azure.vm.scaleset.name"),
            ("resourceGroupName", "azure.resourcegroup.name"),
        ],
    );
    Ok(out)
}

fn docker(socket: &str, deadline: Instant) -> Result<Detected, String> {
    let Ok(body) = request(Target::Unix(socket), "GET", "/info", &[], deadline) else { return Ok(Vec::new()) };
    let info: Value = serde_json::from_slice(&body).map_err(|e| format!("docker: /info: {e}"))?;
    let mut out = Vec::new();
    fields(&info, &mut out, &[("Name", "host.name"), ("OSType", "os.type")]);
    Ok(out)
}

/// Copy the non-empty string fields `(json key, attribute)` of `doc`.
fn fields(doc: &Value, out: &mut Detected, map: &[(&str, &str)]) {
    for (k, attr) in map {
        if let Some(v) = doc.get(*k).and_then(Value::as_str).filter(|v| !v.is_empty()) {
            out.push((attr.to_string(), str_value(v)));
        }
    }
}

enum Target<'a> {
    Tcp(&'a str),
    Unix(&'a str),
}

/// One HTTP/1.1 exchange finished before `deadline`; the body of a 2xx answer.
fn request(
    target: Target<'_>,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    deadline: Instant,
) -> Result<Vec<u8>, String> {
    let left = || deadline.saturating_duration_since(Instant::now()).max(Duration::from_millis(1));
    let host;
    let mut req = String::new();
    let raw = match target {
        Target::Tcp(addr) => {
            host = addr.to_string();
            let sa = addr.to_socket_addrs().map_err(|e| format!("{addr}: {e}"))?.next().ok_or("no address")?;
            let s = TcpStream::connect_timeout(&sa, left()).map_err(|e| format!("{addr}: {e}"))?;
            s.set_read_timeout(Some(left()))
                .and_then(|_| s.set_write_timeout(Some(left())))
                .map_err(|e| e.to_string())?;
            exchange(s, &mut req, method, path, &host, headers)?
        }
        Target::Unix(path_) => {
            let s = UnixStream::connect(path_).map_err(|e| format!("{path_}: {e}"))?;
            s.set_read_timeout(Some(left()))
                .and_then(|_| s.set_write_timeout(Some(left())))
                .map_err(|e| e.to_string())?;
            exchange(s, &mut req, method, path, "docker", headers)?
        }
    };
    if Instant::now() > deadline {
        return Err("timed out".into());
    }
    parse_response(&raw)
}

fn exchange<S: Read + Write>(
    mut s: S,
    req: &mut String,
    method: &str,
    path: &str,
    host: &str,
    headers: &[(&str, &str)],
) -> Result<Vec<u8>, String> {
    req.push_str(&format!("{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: 0\r\n"));
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    // At most 1 MiB: metadata documents are small.
    s.take(1 << 20).read_to_end(&mut raw).map_err(|e| e.to_string())?;
    Ok(raw)
}

/// The body of a 2xx response (Content-Length, chunked, or up to the close).
fn parse_response(raw: &[u8]) -> Result<Vec<u8>, String> {
    let end = raw.windows(4).position(|w| w == b"\r\n\r\n").ok_or("truncated response")?;
    let head = String::from_utf8_lossy(&raw[..end]);
    let body = &raw[end + 4..];
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or("bad status line")?;
    if !(200..300).contains(&status) {
        return Err(format!("status {status}"));
    }
    let header = |name: &str| {
        head.lines().find_map(|l| {
            l.split_once(':').filter(|(k, _)| k.trim().eq_ignore_ascii_case(name)).map(|(_, v)| v.trim().to_string())
        })
    };
    if header("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        return dechunk(body);
    }
    match header("content-length").and_then(|v| v.parse::<usize>().ok()) {
        Some(n) => body.get(..n).map(<[u8]>::to_vec).ok_or_else(|| "truncated body".into()),
        None => Ok(body.to_vec()),
    }
}

fn dechunk(mut b: &[u8]) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    loop {
        let line_end = b.windows(2).position(|w| w == b"\r\n").ok_or("truncated chunk")?;
        let size_text = String::from_utf8_lossy(&b[..line_end]);
        let size = usize::from_str_radix(size_text.split(';').next().unwrap_or("").trim(), 16)
            .map_err(|_| "bad chunk size")?;
        b = &b[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        out.extend_from_slice(b.get(..size).ok_or("truncated chunk")?);
        b = b.get(size + 2..).ok_or("truncated chunk")?;
    }
}
