//! The `system` and `env` detectors: what the host says about itself.
//!
//! - host.name from the first of `hostname_sources` that answers: `dns` (the
//!   FQDN: the resolver's canonical name for the hostname, as `hostname -f`),
//!   `os` (the kernel's hostname), `cname` (the same canonical name),
//!   `lookup` (reverse DNS of the hostname's addresses).
//! - host.id from /etc/machine-id (or /var/lib/dbus/machine-id); os.type;
//!   os.description (os-release's PRETTY_NAME and uname); os.version (the
//!   kernel release); host.arch; host.ip and host.mac (up interfaces, not
//!   loopback); host.cpu.* from /proc/cpuinfo.
//! - `env`: OTEL_RESOURCE_ATTRIBUTES (`k=v,k=v`, values percent-decoded).

use std::ffi::{CStr, CString};

use super::config::ResourceDetectionConfig;
use super::Detected;
use crate::event::any_value::Value as Av;
use crate::event::{str_value, AnyValue, ArrayValue};

/// OTEL_RESOURCE_ATTRIBUTES, parsed; an entry without `=` spoils it all.
pub fn env(value: Option<String>) -> Result<Detected, String> {
    let Some(text) = value.filter(|t| !t.trim().is_empty()) else { return Ok(Vec::new()) };
    let mut out = Vec::new();
    for pair in text.split(',') {
        let Some((k, v)) = pair.split_once('=') else {
            return Err(format!("invalid resource format in attribute: {pair:?}"));
        };
        let v = percent_decode(v.trim()).ok_or_else(|| format!("invalid resource format in attribute: {pair:?}"))?;
        out.push((k.trim().to_string(), str_value(v)));
    }
    Ok(out)
}

fn percent_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// Every enabled system attribute that can be found.
pub fn system(cfg: &ResourceDetectionConfig) -> Result<Detected, String> {
    let mut out: Detected = Vec::new();
    let on = |n: &str| cfg.system_enabled(n);
    if on("host.name") {
        let name = cfg.hostname_sources().into_iter().find_map(hostname_from);
        let name = name.ok_or("failed getting host name: no hostname source answered")?;
        out.push(("host.name".into(), str_value(name)));
    }
    if on("host.id") {
        let id = ["/etc/machine-id", "/var/lib/dbus/machine-id"]
            .iter()
            .find_map(|p| std::fs::read_to_string(p).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()));
        if let Some(id) = id {
            out.push(("host.id".into(), str_value(id)));
        }
    }
    if on("os.description") {
        out.push(("os.description".into(), str_value(os_description())));
    }
    if on("os.type") {
        out.push(("os.type".into(), str_value(std::env::consts::OS)));
    }
    if on("os.version") {
        out.push(("os.version".into(), str_value(uname().1)));
    }
    if on("host.arch") {
        out.push(("host.arch".into(), str_value(arch())));
    }
    if on("host.ip") || on("host.mac") {
        let (ips, macs) = interfaces();
        let list = |v: Vec<String>| AnyValue {
            value: Some(Av::ArrayValue(ArrayValue { values: v.into_iter().map(str_value).collect() })),
        };
        if on("host.ip") {
            out.push(("host.ip".into(), list(ips)));
        }
        if on("host.mac") {
            out.push(("host.mac".into(), list(macs)));
        }
    }
    let cpu = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    for (attr, field) in [
        ("host.cpu.vendor.id", "vendor_id"),
        ("host.cpu.family", "cpu family"),
        ("host.cpu.model.id", "model"),
        ("host.cpu.model.name", "model name"),
        ("host.cpu.stepping", "stepping"),
        ("host.cpu.cache.l2.size", "cache size"),
    ] {
        if !on(attr) {
            continue;
        }
        let Some(v) = cpuinfo(&cpu, field) else { continue };
        if attr == "host.cpu.cache.l2.size" {
            let kb = v.trim_end_matches("KB").trim().parse::<i64>().ok();
            out.extend(kb.map(|n| (attr.to_string(), AnyValue { value: Some(Av::IntValue(n)) })));
        } else {
            out.push((attr.to_string(), str_value(v)));
        }
    }
    Ok(out)
}

/// The first processor's `field` in /proc/cpuinfo.
fn cpuinfo(text: &str, field: &str) -> Option<String> {
    text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        (k.trim() == field).then(|| v.trim().to_string())
    })
}

fn hostname_from(source: &str) -> Option<String> {
    let os = os_hostname()?;
    match source {
        "os" => Some(os),
        "dns" | "cname" => canonical_name(&os),
        _ => reverse_lookup(&os),
    }
}

fn os_hostname() -> Option<String> {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for its length; gethostname NUL-terminates
    // within it when the name fits (the last byte stays 0 otherwise).
    let r = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len() - 1) };
    if r != 0 {
        return None;
    }
    let s = CStr::from_bytes_until_nul(&buf).ok()?.to_str().ok()?;
    (!s.is_empty()).then(|| s.to_string())
}

/// The resolver's canonical name for `host` (getaddrinfo with AI_CANONNAME).
fn canonical_name(host: &str) -> Option<String> {
    let c = CString::new(host).ok()?;
    let hints = libc::addrinfo { ai_flags: libc::AI_CANONNAME, ..zeroed_addrinfo() };
    let mut res: *mut libc::addrinfo = std::ptr::null_mut();
    // SAFETY: valid C string and hints; `res` is freed below when set.
    let r = unsafe { libc::getaddrinfo(c.as_ptr(), std::ptr::null(), &hints, &mut res) };
    if r != 0 || res.is_null() {
        return None;
    }
    // SAFETY: getaddrinfo succeeded, so `res` points to a valid list.
    let name = unsafe {
        let p = (*res).ai_canonname;
        let name = (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned());
        libc::freeaddrinfo(res);
        name
    };
    name.filter(|n| !n.is_empty())
}

/// The first name reverse DNS gives for one of `host`'s addresses.
fn reverse_lookup(host: &str) -> Option<String> {
    use std::net::ToSocketAddrs;
    let addrs = (host, 0).to_socket_addrs().ok()?;
    addrs.into_iter().find_map(|a| {
        let (storage, len) = sockaddr(&a);
        let mut name = [0 as libc::c_char; 1025];
        // SAFETY: `storage` holds a sockaddr of `len` bytes; `name` is writable.
        let r = unsafe {
            libc::getnameinfo(
                (&storage as *const libc::sockaddr_storage).cast(),
                len,
                name.as_mut_ptr(),
                name.len() as libc::socklen_t,
                std::ptr::null_mut(),
                0,
                libc::NI_NAMEREQD,
            )
        };
        // SAFETY: getnameinfo NUL-terminates `name` on success.
        (r == 0).then(|| unsafe { CStr::from_ptr(name.as_ptr()) }.to_string_lossy().trim_end_matches('.').to_string())
    })
}

fn sockaddr(a: &std::net::SocketAddr) -> (libc::sockaddr_storage, libc::socklen_t) {
    // SAFETY: an all-zero sockaddr_storage is valid.
    let mut storage: libc::sockaddr_storage = unsafe { std::mem::zeroed() };
    let len = match a {
        std::net::SocketAddr::V4(v4) => {
            let sin = libc::sockaddr_in {
                sin_family: libc::AF_INET as libc::sa_family_t,
                sin_port: 0,
                sin_addr: libc::in_addr { s_addr: u32::from_ne_bytes(v4.ip().octets()) },
                sin_zero: [0; 8],
            };
            // SAFETY: sockaddr_storage is large enough for a sockaddr_in.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin) };
            std::mem::size_of::<libc::sockaddr_in>()
        }
        std::net::SocketAddr::V6(v6) => {
            let sin6 = libc::sockaddr_in6 {
                sin6_family: libc::AF_INET6 as libc::sa_family_t,
                sin6_port: 0,
                sin6_flowinfo: 0,
                sin6_addr: libc::in6_addr { s6_addr: v6.ip().octets() },
                sin6_scope_id: v6.scope_id(),
            };
            // SAFETY: sockaddr_storage is large enough for a sockaddr_in6.
            unsafe { std::ptr::write((&mut storage as *mut libc::sockaddr_storage).cast(), sin6) };
            std::mem::size_of::<libc::sockaddr_in6>()
        }
    };
    (storage, len as libc::socklen_t)
}

fn zeroed_addrinfo() -> libc::addrinfo {
    // SAFETY: an all-zero addrinfo (null pointers, zero flags) is valid hints.
    unsafe { std::mem::zeroed() }
}

/// (sysname nodename, release, version, machine) from uname(2).
fn uname() -> (String, String, String, String) {
    // SAFETY: an all-zero utsname is valid; uname fills it.
    let mut u: libc::utsname = unsafe { std::mem::zeroed() };
    // SAFETY: `u` is a valid utsname to fill.
    if unsafe { libc::uname(&mut u) } != 0 {
        return Default::default();
    }
    // SAFETY: uname NUL-terminates each field.
    let f = |a: &[libc::c_char]| unsafe { CStr::from_ptr(a.as_ptr()) }.to_string_lossy().into_owned();
    (format!("{} {}", f(&u.sysname), f(&u.nodename)), f(&u.release), f(&u.version), f(&u.machine))
}

/// `PRETTY_NAME (Linux host release version machine)`, as OpenTelemetry's
/// Go SDK describes a Linux host.
fn os_description() -> String {
    let (sys, release, version, machine) = uname();
    let uname = format!("{sys} {release} {version} {machine}");
    let pretty = ["/etc/os-release", "/usr/lib/os-release"].iter().find_map(|p| {
        let text = std::fs::read_to_string(p).ok()?;
        text.lines().find_map(|l| l.strip_prefix("PRETTY_NAME=").map(|v| v.trim_matches('"').to_string()))
    });
    match pretty {
        Some(p) => format!("{p} ({uname})"),
        None => uname,
    }
}

/// The semantic conventions' host.arch for this build.
fn arch() -> &'static str {
    match std::env::consts::ARCH {
        "x86_64" => "amd64",
        "aarch64" => "arm64",
        "x86" => "x86",
        "arm" => "arm32",
        "powerpc" => "ppc32",
        "powerpc64" => "ppc64",
        other => other,
    }
}

/// Addresses and MACs of the interfaces that are up, loopback excluded.
fn interfaces() -> (Vec<String>, Vec<String>) {
    let mut ips = Vec::new();
    let mut macs = Vec::new();
    let mut ifap: *mut libc::ifaddrs = std::ptr::null_mut();
    // SAFETY: getifaddrs fills `ifap`, freed below.
    if unsafe { libc::getifaddrs(&mut ifap) } != 0 {
        return (ips, macs);
    }
    let mut p = ifap;
    while !p.is_null() {
        // SAFETY: `p` walks the list getifaddrs returned.
        let ifa = unsafe { &*p };
        p = ifa.ifa_next;
        let up = ifa.ifa_flags & libc::IFF_UP as u32 != 0;
        if !up || ifa.ifa_flags & libc::IFF_LOOPBACK as u32 != 0 || ifa.ifa_addr.is_null() {
            continue;
        }
        // SAFETY: ifa_name is a C string; ifa_addr is non-null and tagged by family.
        let name = unsafe { CStr::from_ptr(ifa.ifa_name) }.to_string_lossy().into_owned();
        match i32::from(unsafe { (*ifa.ifa_addr).sa_family }) {
            libc::AF_INET => {
                // SAFETY: the family says this is a sockaddr_in.
                let sin = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in) };
                ips.push(std::net::Ipv4Addr::from(u32::from_be(sin.sin_addr.s_addr)).to_string());
            }
            libc::AF_INET6 => {
                // SAFETY: the family says this is a sockaddr_in6.
                let sin6 = unsafe { &*(ifa.ifa_addr as *const libc::sockaddr_in6) };
                ips.push(std::net::Ipv6Addr::from(sin6.sin6_addr.s6_addr).to_string());
            }
            _ => {}
        }
        let mac = std::fs::read_to_string(format!("/sys/class/net/{name}/address")).unwrap_or_default();
        let mac = mac.trim().replace(':', "-").to_uppercase();
        if !mac.is_empty() && mac != "00-00-00-00-00-00" && !macs.contains(&mac) {
            macs.push(mac);
        }
    }
    // SAFETY: `ifap` came from getifaddrs.
    unsafe { libc::freeifaddrs(ifap) };
    (ips, macs)
}
