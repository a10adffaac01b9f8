//! resource processor tests: upstream's testdata entries and the actions on
//! resource attributes.

use super::*;
use crate::config::yaml::{parse, Node};
use crate::event::{kv, str_value, ResourceLogs, ScopeLogs};

fn compile_node(n: &Node) -> ResourceProcessor {
    let cfg = crate::config::de::from_node::<ResourceConfig>(n).unwrap_or_else(|e| panic!("{}", e.message));
    ResourceProcessor::compile(&cfg)
}

#[test]
fn upstream_testdata_entries() {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/processors/resource/testdata/config.yaml"))
            .unwrap();
    let root = parse("config.yaml", &text).unwrap();
    for name in ["resource", "resource/with_defaults"] {
        assert_eq!(compile_node(root.get(name).unwrap()).validate(), vec![], "{name}");
    }
    let errors = compile_node(root.get("resource/empty").unwrap()).validate();
    assert_eq!(errors, vec![FieldError::new("", "missing required field \"attributes\"")]);
}

#[test]
fn actions_apply_to_each_resource() {
    let text = "attributes:\n- {key: cloud.availability_zone, value: zone-1, action: upsert}\n- {key: k8s.cluster.name, from_attribute: k8s-cluster, action: insert}\n- {key: redundant-attribute, action: delete}\n";
    let p = compile_node(&parse("t", text).unwrap());
    assert_eq!(p.validate(), vec![]);
    let rl = |attrs: &[(&str, &str)]| ResourceLogs {
        resource: Some(Resource {
            attributes: attrs.iter().map(|(k, v)| kv(*k, str_value(*v))).collect(),
            ..Default::default()
        }),
        scope_logs: vec![ScopeLogs::default()],
        ..Default::default()
    };
    let mut rls = vec![
        rl(&[("k8s-cluster", "prod"), ("redundant-attribute", "x"), ("cloud.availability_zone", "old")]),
        ResourceLogs { resource: None, ..Default::default() },
    ];
    apply(&p.actions, &mut rls, &ClientInfo::default());
    let expected = rl(&[("k8s-cluster", "prod"), ("cloud.availability_zone", "zone-1"), ("k8s.cluster.name", "prod")]);
    assert_eq!(rls[0].resource, expected.resource);
    assert_eq!(rls[1].resource, rl(&[("cloud.availability_zone", "zone-1")]).resource);
}
