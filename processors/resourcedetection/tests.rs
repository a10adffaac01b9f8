//! resourcedetection tests: upstream's testdata entries, the env and system
//! detectors, merging and override, and metadata detectors against loopback
//! endpoints (closed, silent, and a fake EC2 IMDS).

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use super::*;
use crate::config::yaml::parse;
use crate::event::str_value;

fn cfg(yaml: &str) -> Arc<ResourceDetectionConfig> {
    Arc::new(crate::config::de::from_node(&parse("t", yaml).unwrap()).unwrap_or_else(|e| panic!("{}", e.message)))
}

/// Endpoints that nobody listens on.
fn closed() -> Endpoints {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let addr = format!("127.0.0.1:{port}");
    Endpoints { ec2: addr.clone(), gcp: addr.clone(), azure: addr, docker: "/nonexistent/docker.sock".into() }
}

fn get<'a>(d: &'a Detected, k: &str) -> Option<&'a AnyValue> {
    d.iter().find(|(n, _)| n == k).map(|(_, v)| v)
}

#[test]
fn upstream_testdata_entries() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/processors/resourcedetection/testdata/config.yaml"
    ))
    .unwrap();
    let root = parse("config.yaml", &text).unwrap();
    for (name, section) in root.entries().unwrap() {
        let name = name.scalar_text().unwrap();
        let c: ResourceDetectionConfig =
            crate::config::de::from_node(section).unwrap_or_else(|e| panic!("{name}: {}", e.message));
        let errors = c.validate();
        if name == "resourcedetection/invalid" {
            assert_eq!(
                errors,
                [FieldError::new(
                    "system::hostname_sources",
                    "hostname_sources contains invalid value: \"invalid_source\""
                )]
            );
        } else {
            assert_eq!(errors, [], "{name}");
        }
    }
    let d = cfg("{}");
    assert!(d.override_existing);
    assert_eq!(d.timeout.0, Duration::from_secs(5));
    let system =
        cfg("detectors: [env, system]\nsystem: {hostname_sources: [os]}\nattributes: [a, b]\noverride: false\n");
    assert_eq!(system.attributes, ["a", "b"]);
    assert!(!system.override_existing);
    assert_eq!(
        cfg("detectors: [env, bogus]").validate(),
        [FieldError::new("detectors[1]", "invalid detector key: bogus")]
    );
    assert_eq!(cfg("system: {resource_attributes: {host.nam: {enabled: true}}}").validate().len(), 1);
}

#[test]
fn env_detector_parses_otel_resource_attributes() {
    let d = system::env(Some("service.name=api, deployment.environment=prod%20eu,x=a=b".into())).unwrap();
    assert_eq!(
        d,
        vec![
            ("service.name".to_string(), str_value("api")),
            ("deployment.environment".into(), str_value("prod eu")),
            ("x".into(), str_value("a=b")),
        ]
    );
    assert_eq!(system::env(None).unwrap(), vec![]);
    assert!(system::env(Some("novalue".into())).unwrap_err().contains("invalid resource format"));
}

#[test]
fn system_detector_sets_the_enabled_attributes() {
    let d = system::system(&cfg("system: {hostname_sources: [os]}")).unwrap();
    let hostname = std::fs::read_to_string("/proc/sys/kernel/hostname").unwrap();
    assert_eq!(d, vec![("host.name".to_string(), str_value(hostname.trim())), ("os.type".into(), str_value("linux"))]);
    let all = cfg(
        "system:\n  hostname_sources: [dns, os]\n  resource_attributes:\n    os.type: {enabled: false}\n    host.id: {enabled: true}\n    host.arch: {enabled: true}\n    os.description: {enabled: true}\n",
    );
    let d = system::system(&all).unwrap();
    assert!(get(&d, "os.type").is_none());
    if let Ok(id) = std::fs::read_to_string("/etc/machine-id") {
        assert_eq!(get(&d, "host.id"), Some(&str_value(id.trim())));
    }
    #[cfg(target_arch = "x86_64")]
    assert_eq!(get(&d, "host.arch"), Some(&str_value("amd64")));
    let desc = format!("{:?}", get(&d, "os.description").unwrap());
    assert!(desc.contains("Linux"), "{desc}");
}

#[test]
fn first_detector_wins_and_override_decides_about_existing_attributes() {
    std::env::set_var("OTEL_RESOURCE_ATTRIBUTES", "host.name=from-env,team=core");
    let c = cfg("detectors: [env, system]\nsystem: {hostname_sources: [os]}\n");
    let d = detect(&c, &closed());
    assert_eq!(get(&d, "host.name"), Some(&str_value("from-env")));
    assert_eq!(get(&d, "team"), Some(&str_value("core")));
    assert_eq!(get(&d, "os.type"), Some(&str_value("linux")));
    let only = detect(&cfg("detectors: [env, system]\nattributes: [team]\n"), &closed());
    assert_eq!(only, vec![("team".to_string(), str_value("core"))]);
    std::env::remove_var("OTEL_RESOURCE_ATTRIBUTES");

    let batch = || {
        vec![ResourceLogs {
            resource: Some(Resource { attributes: vec![kv("team", str_value("old"))], ..Default::default() }),
            ..Default::default()
        }]
    };
    let found = vec![("team".to_string(), str_value("core")), ("os.type".to_string(), str_value("linux"))];
    let mut rls = batch();
    apply(&found, true, &mut rls);
    assert_eq!(
        rls[0].resource.as_ref().unwrap().attributes,
        vec![kv("team", str_value("core")), kv("os.type", str_value("linux"))]
    );
    let mut rls = batch();
    apply(&found, false, &mut rls);
    assert_eq!(
        rls[0].resource.as_ref().unwrap().attributes,
        vec![kv("team", str_value("old")), kv("os.type", str_value("linux"))]
    );
}

#[test]
fn cloud_detectors_answer_not_detected_when_their_endpoint_is_closed() {
    let c = cfg("detectors: [ec2, gcp, azure, docker, heroku]\ntimeout: 2s\n");
    assert_eq!(detect(&c, &closed()), vec![]);
}

#[test]
fn a_silent_endpoint_is_cut_at_the_timeout() {
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = silent.local_addr().unwrap().to_string();
    let ep = Endpoints { ec2: addr.clone(), gcp: addr.clone(), azure: addr, docker: "/nonexistent".into() };
    let c = cfg("detectors: [ec2, gcp, azure]\ntimeout: 300ms\n");
    let start = Instant::now();
    assert_eq!(detect(&c, &ep), vec![]);
    // Bounded by the timeout, not by the silent server (which never answers).
    assert!(start.elapsed() < Duration::from_secs(3), "{:?}", start.elapsed());
    drop(silent);
}

/// A loopback IMDS answering IMDSv2's token (or refusing it, as an
/// IMDSv1-only service does) and the identity document.
fn fake_imds() -> String {
    imds(true)
}

fn imds(v2: bool) -> String {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            let mut buf = [0u8; 4096];
            let n = s.read(&mut buf).unwrap_or(0);
            let req = String::from_utf8_lossy(&buf[..n]).to_string();
            let body = if req.starts_with("PUT /latest/api/token") {
                if v2 { "TOKEN" } else { "" }.to_string()
            } else if v2 && !req.contains("X-aws-ec2-metadata-token: TOKEN") {
                String::new()
            } else if req.starts_with("GET /latest/dynamic/instance-identity/document") {
                r#"{"accountId":"123456789012","availabilityZone":"eu-west-1a","imageId":"ami-1","instanceId":"i-0abc","instanceType":"t3.micro","region":"eu-west-1"}"#.to_string()
            } else {
                "ip-10-0-0-1.eu-west-1.compute.internal".to_string()
            };
            let status = if body.is_empty() { "401 Unauthorized" } else { "200 OK" };
            let _ = write!(s, "HTTP/1.1 {status}\r\nContent-Length: {}\r\n\r\n{body}", body.len());
        }
    });
    addr
}

#[test]
fn ec2_detector_reads_the_identity_document() {
    let ep = Endpoints { ec2: fake_imds(), ..closed() };
    let d = detect(&cfg("detectors: [ec2]\ntimeout: 5s\n"), &ep);
    let want = [
        ("cloud.provider", "aws"),
        ("cloud.platform", "aws_ec2"),
        ("cloud.region", "eu-west-1"),
        ("cloud.account.id", "123456789012"),
        ("cloud.availability_zone", "eu-west-1a"),
        ("host.id", "i-0abc"),
        ("host.image.id", "ami-1"),
        ("host.type", "t3.micro"),
        ("host.name", "ip-10-0-0-1.eu-west-1.compute.internal"),
    ];
    assert_eq!(d, want.iter().map(|(k, v)| (k.to_string(), str_value(*v))).collect::<Vec<_>>());
    let v1 = Endpoints { ec2: imds(false), ..closed() };
    assert_eq!(detect(&cfg("detectors: [ec2]\ntimeout: 5s\n"), &v1), d);
    // Upstream's `resourceattributes` entry switches three of them off.
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/processors/resourcedetection/testdata/config.yaml"
    ))
    .unwrap();
    let root = parse("config.yaml", &text).unwrap();
    let mut c: ResourceDetectionConfig =
        crate::config::de::from_node(root.get("resourcedetection/resourceattributes").unwrap()).unwrap();
    c.detectors = vec!["ec2".into()];
    let d = detect(&Arc::new(c), &ep);
    let keys: Vec<&str> = d.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "cloud.provider",
            "cloud.platform",
            "cloud.region",
            "cloud.account.id",
            "cloud.availability_zone",
            "host.image.id"
        ]
    );
}

#[test]
fn heroku_and_lambda_read_their_environment() {
    let vars = |list: &'static [(&'static str, &'static str)]| {
        move |k: &str| list.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    };
    assert_eq!(envbased::detect("heroku", vars(&[("HEROKU_APP_NAME", "x")])), vec![]);
    let d = envbased::detect(
        "heroku",
        vars(&[("HEROKU_DYNO_ID", "d-1"), ("HEROKU_APP_NAME", "shop"), ("HEROKU_RELEASE_VERSION", "v42")]),
    );
    let want = [
        ("cloud.provider", "heroku"),
        ("service.instance.id", "d-1"),
        ("service.name", "shop"),
        ("service.version", "v42"),
    ];
    assert_eq!(d, want.iter().map(|(k, v)| (k.to_string(), str_value(*v))).collect::<Vec<_>>());
    assert_eq!(envbased::detect("lambda", vars(&[])), vec![]);
    let d = envbased::detect(
        "lambda",
        vars(&[
            ("AWS_LAMBDA_FUNCTION_NAME", "f"),
            ("AWS_REGION", "eu-west-1"),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"),
        ]),
    );
    assert_eq!(get(&d, "cloud.platform"), Some(&str_value("aws_lambda")));
    assert_eq!(get(&d, "faas.name"), Some(&str_value("f")));
    assert_eq!(get(&d, "cloud.region"), Some(&str_value("eu-west-1")));
    assert_eq!(
        get(&d, "faas.max_memory"),
        Some(&AnyValue { value: Some(crate::event::any_value::Value::IntValue(128)) })
    );
}
