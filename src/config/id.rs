//! Component ids: `type[/name]`, with otelcol's rules for each part.

use std::fmt;
use std::sync::OnceLock;

use regex::Regex;

/// `journald/system`: the type picks the factory, the name tells instances apart.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ComponentId {
    pub type_name: String,
    pub name: Option<String>,
}

impl ComponentId {
    pub fn new(type_name: &str, name: Option<&str>) -> Self {
        ComponentId { type_name: type_name.to_string(), name: name.map(str::to_string) }
    }

    /// Parse with otelcol's rules: type `^[a-zA-Z][0-9a-zA-Z_]{0,62}$`, name any
    /// characters but spaces, control characters and symbols.
    pub fn parse(s: &str) -> Result<ComponentId, String> {
        static TYPE: OnceLock<Regex> = OnceLock::new();
        static NAME: OnceLock<Regex> = OnceLock::new();
        let type_re = TYPE.get_or_init(|| Regex::new(r"^[a-zA-Z][0-9a-zA-Z_]{0,62}$").expect("static regex"));
        let name_re = NAME.get_or_init(|| Regex::new(r"^[^\pZ\pC\pS]+$").expect("static regex"));
        let s = s.trim();
        let (type_name, name) = match s.split_once('/') {
            Some((t, n)) => (t.trim(), Some(n.trim())),
            None => (s, None),
        };
        if type_name.is_empty() {
            return Err(format!("in id {s:?}: the part before \"/\" must not be empty"));
        }
        if !type_re.is_match(type_name) {
            return Err(format!(
                "invalid character(s) in type {type_name:?}: a type starts with a letter and has only letters, digits and '_' (at most 63)"
            ));
        }
        if let Some(n) = name {
            if n.is_empty() {
                return Err(format!("in id {s:?}: the part after \"/\" must not be empty"));
            }
            if !name_re.is_match(n) {
                return Err(format!(
                    "invalid character(s) in name {n:?}: spaces, control characters and symbols are not allowed"
                ));
            }
        }
        Ok(ComponentId::new(type_name, name))
    }
}

impl fmt::Display for ComponentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.name {
            Some(n) => write!(f, "{}/{}", self.type_name, n),
            None => f.write_str(&self.type_name),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_otelcol() {
        let id = ComponentId::parse("journald/system").unwrap();
        assert_eq!(id.type_name, "journald");
        assert_eq!(id.name.as_deref(), Some("system"));
        assert_eq!(id.to_string(), "journald/system");
        assert!(ComponentId::parse("otlp").unwrap().name.is_none());
        assert!(ComponentId::parse("1abc").is_err());
        assert!(ComponentId::parse("abc/").is_err());
        assert!(ComponentId::parse("/x").is_err());
        assert!(ComponentId::parse("abc/a b").is_err());
        assert!(ComponentId::parse("abc/a+b").is_err());
        assert!(ComponentId::parse("filter/ottl.v2-x").is_ok());
    }
}
