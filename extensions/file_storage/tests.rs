//! The extension through its public face: config → build → provider → clients,
//! against real temp directories.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use super::FileStorageConfig;
use crate::component::{ExtensionConfig, ExtensionContext};
use crate::config::de::from_node;
use crate::config::yaml::parse;
use crate::config::ComponentId;
use crate::storage::{Kind, StorageClient, StorageProvider};

fn config(yaml: &str) -> FileStorageConfig {
    let c: FileStorageConfig = from_node(&parse("c", yaml).unwrap()).unwrap();
    assert!(c.validate().is_empty());
    c
}

fn build(c: &FileStorageConfig) -> Result<Arc<dyn StorageProvider>, String> {
    let (_tx, ready) = watch::channel(false);
    let cx = ExtensionContext::new(ComponentId::new("file_storage", None), ready, CancellationToken::new());
    let built = c.build(cx).map_err(|e| e.to_string())?;
    assert!(built.task.is_none(), "file_storage runs no task");
    Ok(built.storage.expect("file_storage provides storage"))
}

fn provider(dir: &Path) -> Arc<dyn StorageProvider> {
    build(&config(&format!("directory: '{}'\n", dir.display()))).unwrap()
}

fn journald(p: &dyn StorageProvider) -> Arc<dyn StorageClient> {
    p.client(Kind::Receiver, &ComponentId::new("journald", None)).unwrap()
}

/// The entry file of `key` for the unnamed journald receiver.
fn entry(dir: &Path, encoded: &str) -> PathBuf {
    dir.join("receiver_journald_").join(encoded)
}

#[test]
fn set_get_delete_round_trip() {
    let tmp = tempfile::tempdir().unwrap();
    let c = journald(&*provider(tmp.path()));
    assert_eq!(c.get("cursor").unwrap(), None);
    c.set("cursor", b"s=abc;i=1f").unwrap();
    assert_eq!(c.get("cursor").unwrap().as_deref(), Some(&b"s=abc;i=1f"[..]));
    assert!(entry(tmp.path(), "cursor").is_file());
    c.delete("cursor").unwrap();
    assert_eq!(c.get("cursor").unwrap(), None);
    assert!(!entry(tmp.path(), "cursor").exists());
    c.delete("cursor").unwrap(); // deleting a missing key is fine
    c.set("empty", b"").unwrap();
    assert_eq!(c.get("empty").unwrap(), Some(Vec::new()), "an empty value is a value");
}

#[test]
fn overwrite_keeps_the_last_value() {
    let tmp = tempfile::tempdir().unwrap();
    let c = journald(&*provider(tmp.path()));
    c.set("k", &[7u8; 4096]).unwrap();
    c.set("k", b"short").unwrap();
    assert_eq!(c.get("k").unwrap().as_deref(), Some(&b"short"[..]));
    let names: Vec<String> = fs::read_dir(tmp.path().join("receiver_journald_"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, ["k"], "no temp files are left behind");
}

#[test]
fn values_survive_a_restart() {
    let tmp = tempfile::tempdir().unwrap();
    {
        let p = provider(tmp.path());
        journald(&*p).set("journald_input.lastReadCursor", b"s=1;i=2").unwrap();
    }
    let c = journald(&*provider(tmp.path()));
    assert_eq!(c.get("journald_input.lastReadCursor").unwrap().as_deref(), Some(&b"s=1;i=2"[..]));
}

#[test]
fn damaged_entries_read_as_missing_and_are_set_aside() {
    type Damage = fn(&mut Vec<u8>);
    let damages: [(&str, Damage); 4] = [
        ("flipped byte", |b| {
            let last = b.len() - 1;
            b[last] ^= 0x40;
        }),
        ("truncated", |b| b.truncate(b.len() - 3)),
        ("header only", |b| b.truncate(10)),
        ("garbage", |b| *b = b"{\"not\": \"ours\"}".to_vec()),
    ];
    for (what, damage) in damages {
        let tmp = tempfile::tempdir().unwrap();
        let c = journald(&*provider(tmp.path()));
        c.set("cursor", b"a good checkpoint").unwrap();
        let path = entry(tmp.path(), "cursor");
        let mut bytes = fs::read(&path).unwrap();
        damage(&mut bytes);
        fs::write(&path, &bytes).unwrap();

        assert_eq!(c.get("cursor").unwrap(), None, "{what}");
        assert!(!path.exists(), "{what}: the damaged file is gone");
        assert_eq!(fs::read(entry(tmp.path(), "cursor.corrupt")).unwrap(), bytes, "{what}: kept aside");
        // The key works again afterwards.
        c.set("cursor", b"fresh").unwrap();
        assert_eq!(c.get("cursor").unwrap().as_deref(), Some(&b"fresh"[..]), "{what}");
    }
}

#[test]
fn missing_directory_fails_build_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let missing = tmp.path().join("nope");
    let err = build(&config(&format!("directory: '{}'\n", missing.display()))).err().unwrap();
    assert!(err.starts_with("directory must exist: stat "), "{err}");
    assert!(err.contains(&missing.display().to_string()), "{err}");
    assert!(err.contains("No such file or directory"), "{err}");
    assert!(err.contains("create_directory"), "{err}");

    let file = tmp.path().join("file");
    fs::write(&file, "x").unwrap();
    let err = build(&config(&format!("directory: '{}'\n", file.display()))).err().unwrap();
    assert_eq!(err, format!("{} is not a directory", file.display()));
}

#[test]
fn create_directory_creates_it_with_the_mode() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("a/b/storage");
    let p = build(&config(&format!(
        "directory: '{}'\ncreate_directory: true\ndirectory_permissions: '0700'\n",
        dir.display()
    )))
    .unwrap();
    let meta = fs::metadata(&dir).unwrap();
    assert!(meta.is_dir());
    assert_eq!(meta.permissions().mode() & 0o777, 0o700);
    journald(&*p).set("k", b"v").unwrap();
    assert!(dir.join("receiver_journald_/k").is_file());
}

#[test]
fn components_have_separate_namespaces() {
    let tmp = tempfile::tempdir().unwrap();
    let p = provider(tmp.path());
    let a = p.client(Kind::Receiver, &ComponentId::new("journald", None)).unwrap();
    let b = p.client(Kind::Receiver, &ComponentId::new("journald", Some("b"))).unwrap();
    let e = p.client(Kind::Exporter, &ComponentId::new("journald", None)).unwrap();
    a.set("k", b"a").unwrap();
    b.set("k", b"b").unwrap();
    assert_eq!(e.get("k").unwrap(), None);
    assert_eq!(a.get("k").unwrap().as_deref(), Some(&b"a"[..]));
    assert_eq!(b.get("k").unwrap().as_deref(), Some(&b"b"[..]));
    assert!(tmp.path().join("receiver_journald_/k").is_file());
    assert!(tmp.path().join("receiver_journald_b/k").is_file());
    // Asking again gives the same namespace.
    let again = p.client(Kind::Receiver, &ComponentId::new("journald", None)).unwrap();
    assert_eq!(again.get("k").unwrap().as_deref(), Some(&b"a"[..]));
}

#[test]
fn any_key_is_a_safe_file_name() {
    let tmp = tempfile::tempdir().unwrap();
    let c = journald(&*provider(tmp.path()));
    let keys =
        ["a/b", "../../escape", "..", ".", "with space", "ключ", "日本語 / 🦀", "a%2Fb", "x.corrupt", ".x.tmp", "\n"];
    for (i, k) in keys.iter().enumerate() {
        c.set(k, format!("v{i}").as_bytes()).unwrap();
    }
    for (i, k) in keys.iter().enumerate() {
        assert_eq!(c.get(k).unwrap(), Some(format!("v{i}").into_bytes()), "{k:?}");
    }
    // Everything stays flat inside the component's directory.
    let ns = tmp.path().join("receiver_journald_");
    let mut names: Vec<String> = fs::read_dir(&ns)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            assert!(e.file_type().unwrap().is_file());
            e.file_name().into_string().unwrap()
        })
        .collect();
    names.sort();
    assert_eq!(names.len(), keys.len());
    assert!(names.iter().all(|n| !n.contains('.') && !n.contains('/')), "{names:?}");
    let top: Vec<_> = fs::read_dir(tmp.path()).unwrap().collect();
    assert_eq!(top.len(), 1, "nothing escaped the namespace");
    for k in keys {
        c.delete(k).unwrap();
    }
    assert_eq!(fs::read_dir(&ns).unwrap().count(), 0);
    assert_eq!(c.set("", b"x").unwrap_err().kind(), std::io::ErrorKind::InvalidInput);
}

#[test]
fn concurrent_sets_are_safe() {
    let tmp = tempfile::tempdir().unwrap();
    let p = provider(tmp.path());
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let c = journald(&*p);
            std::thread::spawn(move || {
                for i in 0..25 {
                    c.set("shared", format!("thread {t} write {i}").as_bytes()).unwrap();
                    c.set(&format!("own-{t}"), format!("{i}").as_bytes()).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let c = journald(&*p);
    let shared = String::from_utf8(c.get("shared").unwrap().unwrap()).unwrap();
    assert!(shared.starts_with("thread ") && shared.ends_with(" write 24"), "{shared}");
    for t in 0..8 {
        assert_eq!(c.get(&format!("own-{t}")).unwrap().as_deref(), Some(&b"24"[..]));
    }
    assert_eq!(fs::read_dir(tmp.path().join("receiver_journald_")).unwrap().count(), 9, "no temp files left");
}

#[test]
fn leftover_temp_files_are_cleaned_and_bbolt_files_are_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let ns = tmp.path().join("receiver_journald_");
    fs::create_dir(&ns).unwrap();
    fs::write(ns.join(".cursor.tmp"), "half a write").unwrap();
    let c = journald(&*provider(tmp.path()));
    assert!(!ns.join(".cursor.tmp").exists());
    assert_eq!(c.get("cursor").unwrap(), None);

    // otelcol keeps a bbolt file where ferrocol wants a directory.
    fs::write(tmp.path().join("receiver_filelog_"), "bbolt").unwrap();
    let err = provider(tmp.path()).client(Kind::Receiver, &ComponentId::new("filelog", None)).err().unwrap();
    assert!(err.to_string().contains("is not a directory"), "{err}");
}

#[test]
fn only_temp_files_of_dead_writers_are_cleaned_up() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("receiver_journald_");
    fs::create_dir_all(&dir).unwrap();
    let dead = dir.join(".cursor.4000000000.tmp");
    let live = dir.join(format!(".cursor.{}.tmp", std::process::id()));
    fs::write(&dead, b"x").unwrap();
    fs::write(&live, b"x").unwrap();
    let _c = journald(&*provider(tmp.path()));
    assert!(!dead.exists(), "left by a process that is gone");
    assert!(live.exists(), "a live writer's temp file is not touched");
}

#[test]
fn set_all_writes_every_key_and_a_failure_leaves_no_temp_files() {
    let tmp = tempfile::tempdir().unwrap();
    let c = journald(&*provider(tmp.path()));
    c.set_all(&[("a", b"1"), ("b", b"22"), ("c", b"")]).unwrap();
    for (k, v) in [("a", &b"1"[..]), ("b", b"22"), ("c", b"")] {
        assert_eq!(c.get(k).unwrap().as_deref(), Some(v), "{k}");
    }
    c.delete_all(&["a".to_string(), "b".to_string(), "missing".to_string()]).unwrap();
    assert_eq!((c.get("a").unwrap(), c.get("b").unwrap()), (None, None));
    // A directory where entry `e` goes: its rename fails, and the commit with it.
    fs::create_dir(entry(tmp.path(), "e")).unwrap();
    let err = c.set_all(&[("d", b"4"), ("e", b"5")]).unwrap_err();
    assert!(err.to_string().contains("receiver_journald_/e"), "{err}");
    let names: Vec<String> = fs::read_dir(tmp.path().join("receiver_journald_"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "temp files left: {names:?}");
}
