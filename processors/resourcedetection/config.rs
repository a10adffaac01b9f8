//! `resourcedetection` processor settings: otelcol-contrib's keys. The HTTP
//! client settings and the sections of detectors ferrocol does not implement
//! are accepted, as otelcol's config loader accepts them.

use std::collections::BTreeMap;

use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::config::types::Duration;
use crate::config::FieldError;

#[derive(Debug, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ResourceDetectionConfig {
    /// Detectors, in order: the first to set an attribute wins.
    pub detectors: Vec<String>,
    /// Whether detected attributes replace those a resource already has.
    #[serde(rename = "override")]
    pub override_existing: bool,
    /// How long detection may take at start; detectors late by then detect nothing.
    pub timeout: Duration,
    /// Deprecated: keep only these detected attributes.
    pub attributes: Vec<String>,
    /// Re-detect periodically; 0 (default) detects once.
    pub refresh_interval: Duration,
    pub fail_on_missing_metadata: bool,
    pub system: SystemConfig,
    pub env: Option<IgnoredAny>,
    // The detectors' HTTP client settings (otelcol's confighttp, squashed).
    pub endpoint: Option<IgnoredAny>,
    pub proxy_url: Option<IgnoredAny>,
    pub tls: Option<IgnoredAny>,
    pub headers: Option<IgnoredAny>,
    pub read_buffer_size: Option<IgnoredAny>,
    pub write_buffer_size: Option<IgnoredAny>,
    pub compression: Option<IgnoredAny>,
    pub max_idle_conns: Option<IgnoredAny>,
    pub max_idle_conns_per_host: Option<IgnoredAny>,
    pub max_conns_per_host: Option<IgnoredAny>,
    pub idle_conn_timeout: Option<IgnoredAny>,
    pub disable_keep_alives: Option<IgnoredAny>,
    pub http2_read_idle_timeout: Option<IgnoredAny>,
    pub http2_ping_timeout: Option<IgnoredAny>,
    pub force_attempt_http2: Option<IgnoredAny>,
    pub auth: Option<IgnoredAny>,
    pub cookies: Option<IgnoredAny>,
    // Per-detector sections.
    pub ec2: DetectorSection,
    pub ecs: Option<IgnoredAny>,
    pub eks: Option<IgnoredAny>,
    pub elasticbeanstalk: Option<IgnoredAny>,
    pub lambda: Option<IgnoredAny>,
    pub azure: DetectorSection,
    pub aks: Option<IgnoredAny>,
    pub azurecontainerapps: Option<IgnoredAny>,
    pub consul: Option<IgnoredAny>,
    pub digitalocean: Option<IgnoredAny>,
    pub docker: DetectorSection,
    pub gcp: DetectorSection,
    pub heroku: Option<IgnoredAny>,
    pub hetzner: Option<IgnoredAny>,
    pub ibmcloud_classic: Option<IgnoredAny>,
    pub ibmcloud_vpc: Option<IgnoredAny>,
    pub openshift: Option<IgnoredAny>,
    pub nova: Option<IgnoredAny>,
    pub oraclecloud: Option<IgnoredAny>,
    pub k8s_api: Option<IgnoredAny>,
    pub k8snode: Option<IgnoredAny>,
    pub kubeadm: Option<IgnoredAny>,
    pub akamai: Option<IgnoredAny>,
    pub scaleway: Option<IgnoredAny>,
    pub tencent_cvm: Option<IgnoredAny>,
    pub upcloud: Option<IgnoredAny>,
    pub vultr: Option<IgnoredAny>,
    pub alibaba_ecs: Option<IgnoredAny>,
    pub dynatrace: Option<IgnoredAny>,
}

impl Default for ResourceDetectionConfig {
    fn default() -> Self {
        ResourceDetectionConfig {
            detectors: Vec::new(),
            override_existing: true,
            timeout: Duration::from_secs(5),
            attributes: Vec::new(),
            refresh_interval: Duration::default(),
            fail_on_missing_metadata: false,
            system: SystemConfig::default(),
            env: None,
            endpoint: None,
            proxy_url: None,
            tls: None,
            headers: None,
            read_buffer_size: None,
            write_buffer_size: None,
            compression: None,
            max_idle_conns: None,
            max_idle_conns_per_host: None,
            max_conns_per_host: None,
            idle_conn_timeout: None,
            disable_keep_alives: None,
            http2_read_idle_timeout: None,
            http2_ping_timeout: None,
            force_attempt_http2: None,
            auth: None,
            cookies: None,
            ec2: DetectorSection::default(),
            ecs: None,
            eks: None,
            elasticbeanstalk: None,
            lambda: None,
            azure: DetectorSection::default(),
            aks: None,
            azurecontainerapps: None,
            consul: None,
            digitalocean: None,
            docker: DetectorSection::default(),
            gcp: DetectorSection::default(),
            heroku: None,
            hetzner: None,
            ibmcloud_classic: None,
            ibmcloud_vpc: None,
            openshift: None,
            nova: None,
            oraclecloud: None,
            k8s_api: None,
            k8snode: None,
            kubeadm: None,
            akamai: None,
            scaleway: None,
            tencent_cvm: None,
            upcloud: None,
            vultr: None,
            alibaba_ecs: None,
            dynatrace: None,
        }
    }
}

/// The `system` detector's settings.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SystemConfig {
    /// Where host.name comes from, in order of preference: `dns` (the FQDN),
    /// `os` (the kernel's hostname), `cname`, `lookup` (reverse DNS of the
    /// host's addresses). Default `[dns, os]`.
    pub hostname_sources: Vec<String>,
    /// `{host.id: {enabled: true}}`: which attributes are set.
    pub resource_attributes: BTreeMap<String, Enabled>,
}

/// The section of a metadata detector: its `resource_attributes` switches
/// (every attribute it finds is on by default); its other keys are accepted.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct DetectorSection {
    pub resource_attributes: BTreeMap<String, Enabled>,
}

impl DetectorSection {
    pub fn enabled(&self, name: &str) -> bool {
        self.resource_attributes.get(name).and_then(|e| e.enabled).unwrap_or(true)
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Enabled {
    pub enabled: Option<bool>,
}

/// Detectors otelcol-contrib registers.
pub const DETECTORS: &[&str] = &[
    "akamai",
    "aks",
    "alibaba_ecs",
    "azure",
    "azurecontainerapps",
    "consul",
    "digitalocean",
    "docker",
    "dynatrace",
    "ec2",
    "ecs",
    "eks",
    "elastic_beanstalk",
    "env",
    "gcp",
    "heroku",
    "hetzner",
    "ibmcloud_classic",
    "ibmcloud_vpc",
    "k8s_api",
    "k8snode",
    "kubeadm",
    "lambda",
    "nova",
    "openshift",
    "oraclecloud",
    "scaleway",
    "system",
    "tencent_cvm",
    "upcloud",
    "vultr",
];

/// The system detector's attributes and whether each is on by default.
pub const SYSTEM_ATTRIBUTES: &[(&str, bool)] = &[
    ("host.name", true),
    ("os.type", true),
    ("host.id", false),
    ("os.description", false),
    ("host.arch", false),
    ("os.version", false),
    ("host.ip", false),
    ("host.mac", false),
    ("host.cpu.vendor.id", false),
    ("host.cpu.family", false),
    ("host.cpu.model.id", false),
    ("host.cpu.model.name", false),
    ("host.cpu.stepping", false),
    ("host.cpu.cache.l2.size", false),
];

const HOSTNAME_SOURCES: [&str; 4] = ["dns", "os", "cname", "lookup"];

impl ResourceDetectionConfig {
    pub fn validate(&self) -> Vec<FieldError> {
        let mut errors = Vec::new();
        for (i, d) in self.detectors.iter().enumerate() {
            if !DETECTORS.contains(&d.as_str()) {
                errors.push(FieldError::new(format!("detectors[{i}]"), format!("invalid detector key: {d}")));
            }
        }
        if let Some(s) = self.system.hostname_sources.iter().find(|s| !HOSTNAME_SOURCES.contains(&s.as_str())) {
            errors.push(FieldError::new(
                "system::hostname_sources",
                format!("hostname_sources contains invalid value: {s:?}"),
            ));
        }
        for name in self.system.resource_attributes.keys() {
            if !SYSTEM_ATTRIBUTES.iter().any(|(n, _)| n == name) {
                errors.push(FieldError::new(
                    format!("system::resource_attributes::{name}"),
                    format!("unknown system resource attribute {name:?}"),
                ));
            }
        }
        errors
    }

    /// The section of metadata detector `name`.
    pub fn section(&self, name: &str) -> &DetectorSection {
        match name {
            "ec2" => &self.ec2,
            "gcp" => &self.gcp,
            "azure" => &self.azure,
            _ => &self.docker,
        }
    }

    /// Is the system attribute `name` to be set?
    pub fn system_enabled(&self, name: &str) -> bool {
        let default = SYSTEM_ATTRIBUTES.iter().find(|(n, _)| *n == name).is_some_and(|(_, on)| *on);
        self.system.resource_attributes.get(name).and_then(|e| e.enabled).unwrap_or(default)
    }

    pub fn hostname_sources(&self) -> Vec<&str> {
        if self.system.hostname_sources.is_empty() {
            return vec!["dns", "os"];
        }
        self.system.hostname_sources.iter().map(String::as_str).collect()
    }
}
