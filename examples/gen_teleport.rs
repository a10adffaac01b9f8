//! Generate realistic Teleport audit events for the benchmark, laid out as
//! Teleport's `dir` backend writes them: `<out>/<host_uuid>/YYYY-MM-DD.00:00:00.log`,
//! one file per day, plus the `events.log` symlink.
//!
//! `cargo run --release --example gen_teleport -- <out dir> [MiB, default 1024] [MiB per day, default 32]`
//!
//! The mix follows a busy bastion: session start/end and joins, commands
//! under enhanced recording, execs, logins (some failed), failed SSH auths,
//! certificate issuance and scp. Deterministic (fixed seed).

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::Path;

/// xorshift64*: reproducible and dependency-free.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len() as u64) as usize]
    }
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            0x8000 | (b >> 48) & 0x3fff,
            b & 0xffff_ffff_ffff
        )
    }
}

const USERS: &[&str] = &["alice@example.com", "bob@example.com", "carol@example.com", "dave@corp.example", "ci-bot"];
const LOGINS: &[&str] = &["root", "ubuntu", "deploy", "alice", "bob"];
const HOSTS: &[&str] = &["bastion-1", "db-primary", "db-replica-2", "web-03", "ip-172-31-11-148", "build-runner"];
const PROGRAMS: &[(&str, &str)] = &[
    ("/usr/bin/ls", "ls"),
    ("/usr/bin/cat", "cat"),
    ("/usr/bin/sudo", "sudo"),
    ("/usr/bin/systemctl", "systemctl"),
    ("/usr/bin/psql", "psql"),
    ("/usr/bin/vim", "vim"),
    ("/usr/bin/grep", "grep"),
];
const COMMANDS: &[&str] =
    &["ls -la /var/log", "systemctl restart nginx", "tail -n 100 /var/log/syslog", "df -h", "sudo -i"];

struct Ctx {
    rng: Rng,
    cluster: &'static str,
    servers: Vec<(String, &'static str, String)>,
    sessions: Vec<String>,
}

impl Ctx {
    fn server(&mut self) -> (String, &'static str, String) {
        let i = self.rng.below(self.servers.len() as u64) as usize;
        self.servers[i].clone()
    }
    fn remote(&mut self) -> String {
        if self.rng.below(10) == 0 {
            format!("[2001:db8::{:x}]:{}", self.rng.below(0xffff), 30000 + self.rng.below(30000))
        } else {
            format!(
                "10.{}.{}.{}:{}",
                self.rng.below(256),
                self.rng.below(256),
                self.rng.below(256),
                30000 + self.rng.below(30000)
            )
        }
    }
    fn sid(&mut self) -> String {
        if self.sessions.is_empty() || self.rng.below(4) == 0 {
            let s = self.rng.uuid();
            self.sessions.push(s.clone());
            if self.sessions.len() > 64 {
                self.sessions.remove(0);
            }
            return s;
        }
        let i = self.rng.below(self.sessions.len() as u64) as usize;
        self.sessions[i].clone()
    }
}

/// The date `n` days after 2024-01-01, as `YYYY-MM-DD`.
fn date(n: u32) -> String {
    const DAYS: [u32; 12] = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]; // 2024
    let (mut month, mut day) = (0, n);
    while day >= DAYS[month % 12] {
        day -= DAYS[month % 12];
        month += 1;
    }
    format!("{}-{:02}-{:02}", 2024 + month / 12, month % 12 + 1, day + 1)
}

/// RFC 3339 as Go writes it: trailing zeros of the fraction dropped.
fn time(date: &str, secs: u64, nanos: u64) -> String {
    let frac = format!("{nanos:09}");
    let frac = frac.trim_end_matches('0');
    let frac = if frac.is_empty() { String::new() } else { format!(".{frac}") };
    format!("{date}T{:02}:{:02}:{:02}{frac}Z", secs / 3600, secs / 60 % 60, secs % 60)
}

fn event(c: &mut Ctx, t: &str) -> String {
    let uid = c.rng.uuid();
    let user = c.rng.pick(USERS);
    let login = c.rng.pick(LOGINS);
    let cluster = c.cluster;
    let (server_id, host, addr) = c.server();
    let remote = c.remote();
    match c.rng.below(100) {
        0..=14 => {
            let sid = c.sid();
            format!(
                r#"{{"ei":0,"event":"session.start","uid":"{uid}","code":"T2000I","time":"{t}","cluster_name":"{cluster}","user":"{user}","login":"{login}","user_kind":1,"sid":"{sid}","private_key_policy":"none","namespace":"default","server_id":"{server_id}","server_hostname":"{host}","server_addr":"{addr}","server_labels":{{"env":"prod","region":"eu-west-1","teleport.internal/resource-id":"{server_id}"}},"addr.local":"{addr}","addr.remote":"{remote}","proto":"ssh","size":"80:25","initial_command":[""],"session_recording":"node"}}"#
            )
        }
        15..=26 => {
            let sid = c.sid();
            let n = c.rng.below(400);
            format!(
                r#"{{"ei":{n},"event":"session.end","uid":"{uid}","code":"T2004I","time":"{t}","cluster_name":"{cluster}","user":"{user}","login":"{login}","user_kind":1,"sid":"{sid}","namespace":"default","server_id":"{server_id}","server_hostname":"{host}","server_addr":"{addr}","session_recording":"node","participants":["{user}"],"enhanced_recording":true,"interactive":true,"session_start":"{t}","session_stop":"{t}","initial_command":[""]}}"#
            )
        }
        27..=46 => {
            let sid = c.sid();
            let (path, program) = PROGRAMS[c.rng.below(PROGRAMS.len() as u64) as usize];
            let (pid, ei) = (1000 + c.rng.below(60000), c.rng.below(500));
            format!(
                r#"{{"ei":{ei},"event":"session.command","uid":"{uid}","code":"T4000I","time":"{t}","cluster_name":"{cluster}","user":"{user}","login":"{login}","sid":"{sid}","namespace":"default","server_id":"{server_id}","server_hostname":"{host}","pid":{pid},"ppid":{},"cgroup_id":{},"program":"{program}","path":"{path}","argv":["-la","/var/log"],"return_code":0}}"#,
                pid - 1,
                4294967296 + c.rng.below(10000)
            )
        }
        47..=61 => {
            let cmd = c.rng.pick(COMMANDS);
            let (code, exit) = if c.rng.below(8) == 0 { ("T3002E", "1") } else { ("T3002I", "0") };
            let sid = c.sid();
            format!(
                r#"{{"ei":0,"event":"exec","uid":"{uid}","code":"{code}","time":"{t}","cluster_name":"{cluster}","user":"{user}","login":"{login}","sid":"{sid}","namespace":"default","server_id":"{server_id}","server_hostname":"{host}","addr.local":"{addr}","addr.remote":"{remote}","command":"{cmd}","exitCode":"{exit}","exitError":""}}"#
            )
        }
        62..=73 => {
            let (ok, code) = if c.rng.below(5) == 0 { (false, "T1000W") } else { (true, "T1000I") };
            let err =
                if ok { String::new() } else { r#","error":"invalid username, password or second factor""#.into() };
            format!(
                r#"{{"ei":0,"event":"user.login","uid":"{uid}","code":"{code}","time":"{t}","cluster_name":"{cluster}","user":"{user}","method":"local","success":{ok}{err},"user_agent":"tsh/15.4.0","addr.remote":"{remote}","required_private_key_policy":"none"}}"#
            )
        }
        74..=83 => format!(
            r#"{{"ei":0,"event":"auth","uid":"{uid}","code":"T3007W","time":"{t}","cluster_name":"{cluster}","user":"{user}","success":false,"error":"ssh: principal \"{login}\" not in the set of valid principals for given certificate: [\"ubuntu\" \"deploy\"]","server_id":"{server_id}","server_hostname":"{host}","addr.remote":"{remote}"}}"#
        ),
        84..=89 => {
            let sid = c.sid();
            format!(
                r#"{{"ei":4,"event":"session.join","uid":"{uid}","code":"T2001I","time":"{t}","cluster_name":"{cluster}","user":"{user}","login":"{login}","sid":"{sid}","namespace":"default","server_id":"{server_id}","server_hostname":"{host}","addr.local":"{addr}","addr.remote":"{remote}"}}"#
            )
        }
        90..=95 => format!(
            r#"{{"ei":0,"event":"cert.create","uid":"{uid}","code":"TC000I","time":"{t}","cluster_name":"{cluster}","cert_type":"user","identity":{{"user":"{user}","roles":["access","editor"],"logins":["{login}","-teleport-internal-join"],"expires":"{t}","route_to_cluster":"{cluster}","traits":{{"logins":["{login}"]}},"teleport_cluster":"{cluster}","private_key_policy":"none"}}}}"#
        ),
        _ => {
            let sid = c.sid();
            let (action, code) = if c.rng.below(2) == 0 { ("download", "T3004I") } else { ("upload", "T3005I") };
            format!(
                r#"{{"ei":0,"event":"scp","uid":"{uid}","code":"{code}","time":"{t}","cluster_name":"{cluster}","user":"{user}","login":"{login}","sid":"{sid}","namespace":"default","server_id":"{server_id}","server_hostname":"{host}","addr.local":"{addr}","addr.remote":"{remote}","action":"{action}","path":"/home/{login}/report.csv","command":"scp -f /home/{login}/report.csv","exitCode":"0"}}"#
            )
        }
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let out = Path::new(args.get(1).map(String::as_str).unwrap_or("bench-data/log"));
    let total_mib: u64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(1024);
    let day_mib: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(32);
    let mut c = Ctx {
        rng: Rng(0x5eed_1234_abcd_ef01),
        cluster: "teleport.example.com",
        servers: Vec::new(),
        sessions: Vec::new(),
    };
    for (i, host) in HOSTS.iter().copied().enumerate() {
        let id = c.rng.uuid();
        c.servers.push((id, host, format!("10.1.0.{}:3022", 10 + i)));
    }
    let host_uuid = c.rng.uuid();
    let dir = out.join(&host_uuid);
    fs::create_dir_all(&dir)?;
    let (mut written, mut lines, mut day) = (0u64, 0u64, 0u32);
    let mut last = String::new();
    while written < total_mib << 20 {
        let date = date(day);
        let name = format!("{date}.00:00:00.log");
        let mut f = BufWriter::with_capacity(1 << 20, File::create(dir.join(&name))?);
        let (mut in_day, mut secs) = (0u64, 0u64);
        while in_day < day_mib << 20 && written < total_mib << 20 {
            secs = (secs + c.rng.below(3)).min(86399);
            let t = time(&date, secs, c.rng.below(1000) * 1_000_000 + c.rng.below(1000));
            let line = event(&mut c, &t);
            f.write_all(line.as_bytes())?;
            f.write_all(b"\n")?;
            in_day += line.len() as u64 + 1;
            written += line.len() as u64 + 1;
            lines += 1;
        }
        f.flush()?;
        last = name;
        day += 1;
    }
    let link = out.join("events.log");
    let _ = fs::remove_file(&link);
    std::os::unix::fs::symlink(format!("{host_uuid}/{last}"), &link)?;
    println!("{written} {lines}");
    Ok(())
}
